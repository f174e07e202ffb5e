"""What the inputs ask for (the roots of the exact environment): the requirements a
requirements text names, and its path or URL installs, read as pip and uv read them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from hassette_tasks import reqfiles
from hassette_tasks.installed import canonicalize_name
from hassette_tasks.project import project_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement


@dataclass
class Roots:
    """What the inputs ask for: named requirements, and path or URL installs."""

    requirements: list[Requirement] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # lines nothing could be told from
    # kept, their installed requirements not followed (the dry run's project: what is
    # installed of it may be older than its lock, whose packages are roots themselves)
    keep: set[str] = field(default_factory=set)

    @classmethod
    def named(cls, *names: str) -> Roots:
        from packaging.requirements import Requirement

        return cls([Requirement(name) for name in names])

    def add(self, other: Roots) -> Roots:
        self.requirements += other.requirements
        self.urls += other.urls
        self.unknown += other.unknown
        self.keep |= other.keep
        return self


_OPTION_TAIL = re.compile(r"\s+--?[A-Za-z].*$")
# a project name as PEP 508 allows it
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.I)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9_.\-]+)")
_OPTION_WITH_VALUE = re.compile(r"^(-r|--requirement|-c|--constraint|-e|--editable)(=|\s+|$)(.*)$")


def _logical_lines(text: str) -> Iterator[str]:
    # read as uv reads it (a byte-order mark is not part of the first line): one reader
    return reqfiles.logical_lines(text)


def _file_url(path: Path) -> str:
    try:
        return path.resolve().as_uri()
    except (OSError, ValueError):  # a NUL byte or a symlink loop: uv refuses the line itself
        return path.absolute().as_uri()


def _name_of_target(target: str, base: Path) -> tuple[str | None, str]:
    """The package name a path or URL line names when it can be told, and its URL."""
    egg = _EGG.search(target)
    written = target.split("#", 1)[0]
    url = written if "://" in written else _file_url(base / written)
    if egg:
        return canonicalize_name(egg.group(1)), url
    last = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".whl"):
        return canonicalize_name(last.split("-", 1)[0]), url
    if url.startswith("file://"):
        name = project_name(Path(unquote(urlsplit(url).path)))
        if name:
            return canonicalize_name(name), url
    return None, url


def roots_from_text(text: str, base: Path, seen: set[Path] | None = None) -> Roots:
    """The roots of a requirements text whose relative paths count from BASE."""
    from packaging.requirements import InvalidRequirement, Requirement

    roots = Roots()
    seen = set() if seen is None else seen
    for line in _logical_lines(text):
        option = _OPTION_WITH_VALUE.match(line)
        if option:
            flag, value = option.group(1), option.group(3).strip()
            if flag in ("-r", "--requirement") and value:
                included = reqfiles.include_target(value, base)  # a path or a file: URL
                roots.add(roots_from_file(included, seen) if included else Roots(unknown=[value]))
            elif flag in ("-e", "--editable") and value:
                _add_target(roots, _OPTION_TAIL.sub("", value), base)
            continue  # -c: a constraint asks for nothing
        if line.startswith("-"):
            continue  # an option line (--index-url, --find-links, ...)
        spec = _OPTION_TAIL.sub("", line)  # --hash=... and other per-line options
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            _add_target(roots, spec, base)
            continue
        roots.requirements.append(requirement)
    return roots


def _add_target(roots: Roots, target: str, base: Path) -> None:
    name, url = _name_of_target(target.strip(), base)
    if name and _VALID_NAME.match(name):  # a pyproject, an #egg= or a file name may say anything
        roots.add(Roots.named(name))
    else:
        roots.urls.append(url)  # told apart later by the installed packages' direct_url.json


def roots_from_file(path: Path, seen: set[Path] | None = None) -> Roots:
    seen = set() if seen is None else seen
    try:
        resolved = path.resolve()
    except (OSError, ValueError):  # a NUL byte in a `-r` line, a symlink loop: uv refuses it
        return Roots(unknown=[str(path)])
    if resolved in seen:
        return Roots()
    seen.add(resolved)
    try:
        text = reqfiles.read(path)
    except (OSError, UnicodeDecodeError):
        return Roots(unknown=[str(path)])
    return roots_from_text(text, path.parent, seen)


def roots_from_files(paths: Iterable[Path]) -> Roots:
    roots = Roots()
    seen: set[Path] = set()
    for path in paths:
        roots.add(roots_from_file(path, seen))
    return roots
