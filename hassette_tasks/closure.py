"""The decision of an exact environment: the closure of what the inputs ask for over the
installed packages' own requirements, and so what goes and which image versions come back.

packaging (requirements, markers, specifiers) costs ~45 ms to import: it is imported only
here and where a decision is made, never on a start that finds nothing to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hassette_tasks.baseline import Baseline
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.installed import Dist, canonicalize_name
from hassette_tasks.wanted import Roots

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet


def marker_environment(app: AppEnvironment) -> dict[str, str]:
    from packaging.markers import default_environment

    env: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    version = app.python_version
    if re.match(r"^\d+\.\d+", version):
        env["python_full_version"] = version
        env["python_version"] = ".".join(version.split(".")[:2])
    return env


@dataclass
class Decision:
    remove: dict[str, str] = field(default_factory=dict)  # name -> installed version
    restore: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (now, image's)
    unknown: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.remove or self.restore)


class _Walk:
    """The closure of the roots over DISTS' own requirements (markers and extras applied)."""

    def __init__(
        self, dists: dict[str, Dist], env: dict[str, str], image: dict[str, Dist] | None = None
    ):
        self.dists = dists
        self.env = env
        # image packages at the image's version: what they need without extras is image
        # packages at the image's versions (the image was consistent when it was built), all
        # roots anyway, so their requirements are not read (~300 of them: ~20 ms of parsing)
        self.settled = {
            name
            for name, dist in (image or {}).items()
            if name in dists and dists[name].version == dist.version
        }
        self.parsed: dict[str, Requirement | None] = {}
        self.done: set[tuple[str, str]] = set()
        self.wanted: set[str] = set()
        self.specifiers: dict[str, list[SpecifierSet]] = {}

    def _parse(self, text: str) -> Requirement | None:
        from packaging.requirements import InvalidRequirement, Requirement

        if text not in self.parsed:
            try:
                self.parsed[text] = Requirement(text)
            except InvalidRequirement:
                self.parsed[text] = None
        return self.parsed[text]

    def ask(self, requirement: Requirement) -> None:
        if requirement.marker is not None and not requirement.marker.evaluate(
            self.env | {"extra": ""}
        ):
            return
        name = canonicalize_name(requirement.name)
        if requirement.specifier:
            self.specifiers.setdefault(name, []).append(requirement.specifier)
        self.visit(name, requirement.extras)

    def visit(self, name: str, extras: Iterable[str] = ()) -> None:
        stack = [(name, ""), *((name, extra) for extra in extras)]
        while stack:
            name, extra = stack.pop()
            dist = self.dists.get(name)
            if dist is None or (name, extra) in self.done:
                continue
            self.done.add((name, extra))
            self.wanted.add(name)
            if not extra and name in self.settled:
                continue
            for text in dist.requires:
                requirement = self._parse(text)
                if requirement is None:
                    continue
                if requirement.marker is not None:
                    if not requirement.marker.evaluate(self.env | {"extra": extra}):
                        continue
                elif extra:
                    continue  # an unconditional requirement belongs to the base walk
                dependency = canonicalize_name(requirement.name)
                if requirement.specifier:
                    self.specifiers.setdefault(dependency, []).append(requirement.specifier)
                stack.append((dependency, ""))
                stack += [(dependency, wanted) for wanted in requirement.extras]


def decide(now: dict[str, Dist], baseline: Baseline, roots: Roots, env: dict[str, str]) -> Decision:
    """What to remove, and which image versions to put back, so NOW matches the inputs."""
    from packaging.requirements import Requirement

    decision = Decision(unknown=list(roots.unknown))
    by_url = {dist.url.rstrip("/"): name for name, dist in now.items() if dist.url}
    requirements = list(roots.requirements)
    for url in roots.urls:
        name = by_url.get(url.rstrip("/"))
        if name:
            requirements.append(Requirement(name))
        else:
            decision.unknown.append(url)
    image = baseline.packages
    # image packages at another version now (or gone): put back unless something needs it
    candidates = {
        name for name, dist in image.items() if name not in now or now[name].version != dist.version
    }
    while True:
        walk = _Walk({**now, **{name: image[name] for name in candidates}}, env, image)
        for requirement in requirements:
            walk.ask(requirement)
        for name in image:
            walk.visit(name)
        refused = {
            name
            for name in candidates
            if not all(
                specifier.contains(image[name].version, prereleases=True)
                for specifier in walk.specifiers.get(name, [])
            )
        }
        if not refused:
            break
        candidates -= refused
    decision.restore = {
        name: (now[name].version if name in now else "", image[name].version)
        for name in sorted(candidates)
    }
    wanted = walk.wanted | {canonicalize_name(name) for name in roots.keep}
    decision.remove = {
        name: dist.version for name, dist in sorted(now.items()) if name not in wanted
    }
    return decision
