"""Exact environments: after an install the app venv holds the image's own packages plus
what the current inputs ask for, and nothing else.

The image's package set (its *baseline*) is recorded when the image is built
(`hassette-tasks baseline`, into IMAGE_BASELINE) or, for a venv no image recorded, at
its first start before anything installs (BASELINE_NAME, beside the warm-restart record).

After the install steps, boot walks the installed packages' own dependency metadata from
the roots (every baseline package, the lock's packages and the project, each requirements
file's requirements) and then:
- puts back the image's version of a baseline package that an earlier start upgraded,
  when nothing the inputs ask for still needs another version;
- uninstalls every package outside that closure (a requirement that is gone).
Image packages are never removed. Only boot does this; the single-step tasks do not.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from hassette_tasks.environment import AppEnvironment

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    from hassette_tasks.boot import Plan
    from hassette_tasks.console import Console
    from hassette_tasks.settings import Settings

# packaging (requirements, markers, specifiers) costs ~45 ms to import: it is imported only
# where a decision is made, never on a start that finds nothing to do

BASELINE_NAME = ".hassette-tasks-baseline.json"
# written by the image build (docker/Dockerfile); a setting only for tests and custom images
IMAGE_BASELINE = Path("/opt/hassette-tasks/image-packages.json")
IMAGE_BASELINE_VARIABLE = "HASSETTE_TASKS_IMAGE_PACKAGES"
BASELINE_VERSION = 1


# --- what a venv holds


def canonicalize_name(name: str) -> str:
    """PEP 503 normalization (packaging's, without importing packaging)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Dist:
    name: str  # canonical
    version: str
    requires: tuple[str, ...] = ()
    url: str | None = None  # direct_url.json's url (a path or URL install)


def _metadata(path: Path) -> tuple[str, str, list[str]]:
    name = version = ""
    requires: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                break  # the headers end at the first blank line
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key == "Version":
                version = value.strip()
            elif key == "Requires-Dist":
                requires.append(value.strip())
    return name, version, requires


def _direct_url(dist_info: Path) -> str | None:
    try:
        url = json.loads((dist_info / "direct_url.json").read_text()).get("url")
        return url if isinstance(url, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def installed(site_packages: Path) -> dict[str, Dist]:
    """Every distribution in SITE_PACKAGES, by canonical name (read from files only)."""
    found: dict[str, Dist] = {}
    for dist_info in site_packages.glob("*.dist-info"):
        try:
            name, version, requires = _metadata(dist_info / "METADATA")
        except OSError:
            continue
        if name:
            key = canonicalize_name(name)
            found[key] = Dist(key, version, tuple(requires), _direct_url(dist_info))
    return found


# --- the baseline: the venv's own packages before any user install


@dataclass(frozen=True)
class Baseline:
    packages: dict[str, Dist]
    source: Path


def image_baseline_path() -> Path:
    return Path(os.environ.get(IMAGE_BASELINE_VARIABLE) or IMAGE_BASELINE)


def venv_baseline_path(venv: Path) -> Path:
    return venv / BASELINE_NAME


def snapshot_text(app: AppEnvironment) -> str:
    packages = {
        name: {"version": dist.version, "requires": list(dist.requires)}
        for name, dist in sorted(installed(app.site_packages).items())
    }
    record = {
        "version": BASELINE_VERSION,
        "venv": str(app.venv),
        "python": app.python_version,
        "packages": packages,
    }
    return json.dumps(record, indent=1, sort_keys=True) + "\n"


def _read_baseline(path: Path, app: AppEnvironment) -> Baseline | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(record, dict)
        or record.get("version") != BASELINE_VERSION
        or record.get("venv") != str(app.venv)
        or record.get("python") != app.python_version
        or not isinstance(record.get("packages"), dict)
    ):
        return None  # another venv's, or another Python's: not this one's baseline
    packages = {
        canonicalize_name(name): Dist(
            canonicalize_name(name), str(info["version"]), tuple(info.get("requires", ()))
        )
        for name, info in record["packages"].items()
    }
    return Baseline(packages, path)


def load_baseline(app: AppEnvironment) -> Baseline | None:
    """The image's record for this venv, else the one its first start took, else None."""
    for path in (image_baseline_path(), venv_baseline_path(app.venv)):
        found = _read_baseline(path, app)
        if found:
            return found
    return None


def ensure_baseline(app: AppEnvironment, console: Console) -> Baseline | None:
    """Record the venv's own packages before anything installs, unless already recorded."""
    found = load_baseline(app)
    if found:
        return found
    target = venv_baseline_path(app.venv)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".baseline-", dir=app.venv)
        try:
            with os.fdopen(handle, "w") as stream:
                stream.write(snapshot_text(app))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        console.warn(
            f"could not record the venv's own packages ({error.strerror}): packages an "
            "earlier start installed cannot be told apart, nothing will be removed"
        )
        return None
    found = _read_baseline(target, app)
    if found:
        console.line(
            f"exact environment: recorded the {len(found.packages)} package(s) {app.venv} "
            "holds before any install as its own (they are never removed)"
        )
    return found


# --- what the inputs ask for


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
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9_.\-]+)")
_OPTION_WITH_VALUE = re.compile(r"^(-r|--requirement|-c|--constraint|-e|--editable)(=|\s+|$)(.*)$")


def _logical_lines(text: str) -> Iterator[str]:
    # read as uv reads it (a byte-order mark is not part of the first line): one reader
    from hassette_tasks import reqfiles

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
        pyproject = Path(unquote(urlsplit(url).path)) / "pyproject.toml"
        try:
            with pyproject.open("rb") as handle:
                name = tomllib.load(handle).get("project", {}).get("name")
            if isinstance(name, str):
                return canonicalize_name(name), url
        except (OSError, ValueError, AttributeError):  # ValueError: bad TOML, not UTF-8
            pass
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
                roots.add(roots_from_file(base / value, seen))
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
    if name:
        roots.add(Roots.named(name))
    else:
        roots.urls.append(url)  # told apart later by the installed packages' direct_url.json


def roots_from_file(path: Path, seen: set[Path] | None = None) -> Roots:
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen:
        return Roots()
    seen.add(resolved)
    from hassette_tasks import reqfiles

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


# --- the decision


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

    def __init__(self, dists: dict[str, Dist], env: dict[str, str]):
        self.dists = dists
        self.env = env
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
        walk = _Walk({**now, **{name: image[name] for name in candidates}}, env)
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


# --- running it


def _listed(packages: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in packages.items())


def _took(started: float) -> str:
    return f"{time.monotonic() - started:.2f}s"


def _restore_text(decision: Decision) -> str:
    return ", ".join(
        f"{name} {image} (now {now or 'missing'})"
        for name, (now, image) in decision.restore.items()
    )


def make_exact(
    settings: Settings,
    console: Console,
    app: AppEnvironment,
    locked: Roots | None,
    files: Iterable[Path],
) -> bool:
    """Put back image versions no input overrides any more, then remove what no input asks
    for (LOCKED: what the lock asked for; FILES: the requirements files installed).
    Returns True when the venv changed."""
    from hassette_tasks import steps  # steps imports this module

    baseline = load_baseline(app)
    if baseline is None:
        console.line("exact environment: skipped (the venv's own packages were never recorded)")
        return False
    started = time.monotonic()
    now = installed(app.site_packages)
    if {n: d.version for n, d in now.items()} == {
        n: d.version for n, d in baseline.packages.items()
    }:
        took = _took(started)
        console.line(f"exact environment: only the venv's own packages are installed ({took})")
        return False
    roots = Roots().add(locked or Roots()).add(roots_from_files(files))
    env = marker_environment(app)
    decision = decide(now, baseline, roots, env)
    if decision.unknown:
        console.warn(
            f"cannot tell which package {', '.join(decision.unknown)} installs: "
            "nothing is removed from the venv this time"
        )
        return False
    restored = bool(decision.restore)
    if restored:
        back = {name: image for name, (_now, image) in decision.restore.items()}
        console.line(f"exact environment: putting back the image's {_restore_text(decision)}")
        pins = [f"{name}=={version}" for name, version in back.items()]
        steps.run_uv_step(
            ["pip", "install", "--python", app.python, "-c", settings.require_constraints(), *pins],
            console,
            "putting back the image's own package versions",
            settings.install_timeout,
        )
        decision = decide(installed(app.site_packages), baseline, roots, env)
    if decision.remove:
        steps.run_uv_step(
            ["pip", "uninstall", "--python", app.python, *decision.remove],
            console,
            "removing packages no input asks for",
            settings.install_timeout,
        )
        console.line(
            f"exact environment: removed {_listed(decision.remove)} (no current input asks "
            "for them)"
        )
    changed = restored or bool(decision.remove)
    verdict = "complete" if changed else "nothing to remove"
    console.line(f"exact environment: {verdict} ({_took(started)})")
    return changed


def preview(app: AppEnvironment, roots: Roots) -> list[str]:
    """What make_exact would do in the venv as it is now (for the dry run)."""
    baseline = load_baseline(app)
    if baseline is None:
        return ["the venv's packages would be recorded as its own first: nothing to remove"]
    decision = decide(installed(app.site_packages), baseline, roots, marker_environment(app))
    if decision.unknown:
        unknown = ", ".join(decision.unknown)
        return [f"cannot tell which package {unknown} installs: would remove nothing"]
    lines = []
    if decision.restore:
        lines.append(f"would put back the image's {_restore_text(decision)}")
    if decision.remove:
        lines.append(f"would remove {_listed(decision.remove)} (no current input asks for them)")
    return lines or ["nothing to remove"]


def uv_lock_names(path: Path, env: dict[str, str]) -> set[str]:
    """The packages `uv export` would list from the uv.lock at PATH (no dev groups, no
    extras), read without running uv: the dry run runs nothing."""
    from packaging.markers import Marker

    from hassette_tasks.project import uv_lock_packages

    packages = uv_lock_packages(path)  # a LockError for a lock uv could not read either
    by_name: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        by_name.setdefault(canonicalize_name(str(package.get("name"))), []).append(package)
    roots = [p for p in packages if "." in (p.get("source") or {}).values()]
    names: set[str] = set()
    visited: set[tuple[str, tuple[str, ...]]] = set()
    stack: list[tuple[dict[str, Any], tuple[str, ...]]] = [(package, ()) for package in roots]
    while stack:
        package, extras = stack.pop()
        dependencies = list(package.get("dependencies", []))
        for extra in extras:
            dependencies += package.get("optional-dependencies", {}).get(extra, [])
        for dependency in dependencies:
            marker = dependency.get("marker")
            try:
                if marker and not Marker(marker).evaluate(env | {"extra": ""}):
                    continue
            except ValueError:  # InvalidMarker, and comparisons a marker cannot make
                pass
            name = canonicalize_name(str(dependency.get("name")))
            wanted = tuple(dependency.get("extra", ()))
            if (name in names and not wanted) or (name, wanted) in visited:
                continue  # visited: extras that ask for each other in a cycle end here
            names.add(name)
            visited.add((name, wanted))
            stack += [(candidate, wanted) for candidate in by_name.get(name, [])]
    return names


def dry_run(settings: Settings, console: Console, plan: Plan) -> list[str]:
    """The dry run's account of this step: what the inputs ask for, nothing installed and
    no uv run (what is installed of the project may be older than its lock)."""
    from hassette_tasks import pylock
    from hassette_tasks.errors import StartupError
    from hassette_tasks.project import LOCK, ProjectKind, project_name

    if not plan.exact:
        return ["up to date (the last install left the venv exact)"]
    roots = Roots()
    project_dir = settings.project_dir
    env = marker_environment(plan.app)
    try:
        if plan.project is ProjectKind.PYLOCK:
            text = pylock.convert(project_dir, project_dir, env).text
            roots.keep |= {
                requirement.name for requirement in roots_from_text(text, project_dir).requirements
            }
        elif plan.project is ProjectKind.LOCKED:
            roots.keep |= uv_lock_names(project_dir / LOCK, env)
        name = project_name(project_dir) if plan.project.locked else None
        if name:
            roots.keep.add(name)
        if plan.discovery:
            roots.add(roots_from_files(plan.discovery.files))
    except (StartupError, OSError, tomllib.TOMLDecodeError) as error:
        return [f"cannot tell before installing ({getattr(error, 'what', error)})"]
    return preview(plan.app, roots)
