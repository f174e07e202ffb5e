"""Pins that a later requirements file overrides.

Requirements files install one at a time, in order, each resolved on its own (a file
that fails names itself), so when `a/requirements.txt` pins `lib==1.0` and
`b/requirements.txt` asks for `lib==1.5`, the second install replaces the first's pin
without a word from uv. That order stays; this says so, naming both files and both pins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from hassette_tasks import reqfiles


def _requirements(path: Path) -> Iterator[tuple[Path, str]]:
    """(file, line) for each requirement line of PATH and of the files it includes (-r)."""
    for source in [path, *reqfiles.reached([path]).files]:
        try:
            text = reqfiles.read(source)
        except (OSError, ValueError):
            continue  # the install itself says why it cannot read it
        for line in reqfiles.logical_lines(text):
            if not line.startswith("-"):
                yield source, reqfiles.OPTION_TAIL.sub("", line)


def overridden(files: Iterable[Path]) -> list[str]:
    """A warning for each requirement of a later file that an earlier file's `==` pin
    does not satisfy (the later install replaces that version)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    pinned: dict[str, tuple[Path, Path, str]] = {}  # name -> (file, where written, version)
    warnings = []
    for top in files:
        this_file: dict[str, tuple[Path, Path, str]] = {}
        for source, line in _requirements(top):
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue  # a path or URL line: no version to compare
            if requirement.marker is not None or requirement.url:
                continue  # which environment it is for is uv's decision
            name = canonicalize_name(requirement.name)
            earlier = pinned.get(name)
            if earlier and not requirement.specifier.contains(earlier[2], prereleases=True):
                warnings.append(
                    f"{_where(top, source)} asks for {requirement}, which replaces "
                    f"{name}=={earlier[2]} pinned by {_where(earlier[0], earlier[1])}: "
                    "requirements files install one by one, in order, and the later one wins"
                )
            exact = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            if len(exact) == 1 and "*" not in exact[0]:
                this_file[name] = (top, source, exact[0])
        pinned.update(this_file)
    return warnings


def _where(top: Path, source: Path) -> str:
    return str(top) if source == top else f"{source} (included by {top})"
