"""Tiny real wheels for the tests, built offline with uv's own build backend.

Every package is generated as a source tree and built with `uv build --wheel --no-index`
using `uv_build`, which uv builds by itself (no download). Nothing here needs pytest, so
the container tests can build the same wheels.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import textwrap
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

UV_BUILD_REQUIRES = "uv_build>=0.9,<0.20"
# the stand-in hassette the host tests install carries the version the images install
HASSETTE_VERSION = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())[
    "tool"
]["hassette-tasks"]["hassette-version"]

# The stand-in hassette's command line: `run` prints its PID, argv and the HASSETTE__
# variables it was handed as JSON and exits with FAKE_HASSETTE_EXIT; `--version` prints
# the version like the real one.
FAKE_HASSETTE_CLI = f'''\
"""Stand-in for hassette's command line (tests only)."""

import json
import os
import sys

VERSION = "{HASSETTE_VERSION}"


def main() -> int:
    args = sys.argv[1:]
    if "--version" in args:
        print(f"hassette {{VERSION}}", flush=True)
        return 0
    if args[:1] == ["run"]:
        env = {{k: v for k, v in os.environ.items() if k.startswith("HASSETTE__")}}
        print(json.dumps({{"pid": os.getpid(), "argv": args[1:], "env": env}}), flush=True)
        return int(os.environ.get("FAKE_HASSETTE_EXIT", "0"))
    print("usage: hassette run [ARGS...] | hassette --version", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
'''


@dataclass(frozen=True)
class Dist:
    """One distribution to build: its metadata and the files of its import package."""

    name: str
    version: str
    dependencies: tuple[str, ...] = ()
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scripts: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)  # path under the package -> text

    @property
    def module(self) -> str:
        return normalize(self.name).replace("-", "_")

    @property
    def wheel_name(self) -> str:
        return f"{self.module}-{self.version}-py3-none-any.whl"


# hassette's declared dependencies exercise every rule of the constraints generator:
# an extra on a requirement (removed), a marker (kept), an extra-only requirement (left out).
HASSETTE = Dist(
    "hassette",
    HASSETTE_VERSION,
    dependencies=(
        "hassette-dep[speed]>=1.0,<2",
        'tinydep>=1.0,<2; python_version >= "3.8"',
    ),
    optional={"docs": ("extraonly>=1",)},
    scripts={"hassette": "hassette.cli:main"},
    files={"__init__.py": f'__version__ = "{HASSETTE_VERSION}"\n', "cli.py": FAKE_HASSETTE_CLI},
)

# requirements-discovery probes: each names where its requirements file sits
PROBES = (
    "probe-config",
    "probe-nested",
    "probe-depth5",
    "probe-depth6",
    "probe-hidden",
    "probe-devfile",
    "probe-ignored",
    "probe-empty",
)

CATALOG: tuple[Dist, ...] = (
    HASSETTE,
    Dist("hassette-dep", "1.0", optional={"speed": ()}),
    Dist("hassette-dep", "2.0", optional={"speed": ()}),
    # the constrained package: hassette allows <2, a user package may want 2.0
    Dist("tinydep", "1.0"),
    Dist("tinydep", "2.0"),
    # packages that depend on each other
    Dist("appliba", "1.0", dependencies=("applibb>=1,<2",)),
    Dist("applibb", "1.0"),
    Dist("applibb", "2.0"),
    Dist("applibc", "1.0"),
    # asks for a version the constraints forbid
    Dist("wantsnew", "1.0", dependencies=("tinydep>=2",)),
    # one package per place a requirements file can be, so a test can tell which were read
    *(Dist(name, "1.0") for name in PROBES),
)


def normalize(name: str) -> str:
    """PEP 503 name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pyproject_text(
    name: str,
    version: str,
    dependencies: Iterable[str] = (),
    optional: Mapping[str, Iterable[str]] | None = None,
    scripts: Mapping[str, str] | None = None,
    build_system: bool = True,
    extra: str = "",
) -> str:
    lines = [
        "[project]",
        f"name = {_toml_string(name)}",
        f"version = {_toml_string(version)}",
        'requires-python = ">=3.11"',
        f"dependencies = {_toml_list(dependencies)}",
    ]
    if optional:
        lines.append("[project.optional-dependencies]")
        lines += [f"{key} = {_toml_list(value)}" for key, value in optional.items()]
    if scripts:
        lines.append("[project.scripts]")
        lines += [f"{key} = {_toml_string(value)}" for key, value in scripts.items()]
    if build_system:
        lines += [
            "[build-system]",
            f"requires = [{_toml_string(UV_BUILD_REQUIRES)}]",
            'build-backend = "uv_build"',
        ]
    return "\n".join(lines) + "\n" + (textwrap.dedent(extra).strip() + "\n" if extra else "")


def write_source_tree(dist: Dist, folder: Path) -> Path:
    """A uv_build source tree (src layout) for DIST in FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(
        pyproject_text(dist.name, dist.version, dist.dependencies, dist.optional, dist.scripts)
    )
    package = folder / "src" / dist.module
    package.mkdir(parents=True, exist_ok=True)
    files = dict(dist.files) or {"__init__.py": f'__version__ = "{dist.version}"\n'}
    for relative, text in files.items():
        (package / relative).write_text(text)
    return folder


def uv_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for running uv offline: no index, no interpreter downloads."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("UV_")}
    env.pop("VIRTUAL_ENV", None)
    env.update(UV_NO_INDEX="1", UV_PYTHON_DOWNLOADS="never", NO_COLOR="1")
    if extra:
        env.update(extra)
    return env


def run_uv(
    args: Iterable[str | os.PathLike],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    uv: str = "uv",
) -> str:
    """Run uv and return its standard output; raise with all of its output when it fails
    (a fixture problem, not a test result).

    subprocess, not sh: this runs inside pytest while local index servers run in threads,
    and sh runs Python in its forked child, which Python 3.12+ warns may deadlock there.
    """
    words = [str(arg) for arg in args]
    result = subprocess.run(
        [uv, *words],
        cwd=cwd,
        env=dict(env or uv_env()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"uv {' '.join(words)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def build_wheel(source: Path, out_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    """Build SOURCE into OUT_DIR with `uv build --wheel --no-index`; returns the wheel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.whl"))
    run_uv(["build", "--wheel", "--no-index", "--quiet", "--out-dir", out_dir, source], env=env)
    built = set(out_dir.glob("*.whl")) - before
    if len(built) != 1:
        raise RuntimeError(f"expected one new wheel from {source}, got {sorted(built)}")
    return built.pop()


def build_dists(
    dists: Iterable[Dist], out_dir: Path, work_dir: Path, env: Mapping[str, str] | None = None
) -> Path:
    """Build every DIST into OUT_DIR (a find-links folder); sources go to WORK_DIR."""
    for dist in dists:
        source = write_source_tree(dist, work_dir / f"{dist.module}-{dist.version}")
        build_wheel(source, out_dir, env)
    return out_dir


def build_catalog(out_dir: Path, work_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    """Build all of CATALOG (the stand-in hassette and the packages around it)."""
    return build_dists(CATALOG, out_dir, work_dir, env)


def installed_packages(venv: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """{normalized name: version} of what is installed in VENV, as `uv pip list` reports it."""
    import json

    result = run_uv(
        ["pip", "list", "--format", "json", "--python", venv / "bin" / "python"], env=env
    )
    return {normalize(item["name"]): item["version"] for item in json.loads(result)}


def wheel_project(filename: str) -> str:
    """The normalized project name of a wheel file name."""
    return normalize(filename.split("-", 1)[0])


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_simple_index(wheels: Path, dest: Path) -> Path:
    """A PEP 503 simple index of the wheels in WHEELS under DEST/simple; returns that folder.

    Each wheel is copied next to its project page, which links to it by a relative URL
    with its `#sha256=` fragment (as real indexes do, so `uv lock` records hashes); the
    tree can be served from any address (`http://HOST:PORT/simple`).
    """
    simple = dest / "simple"
    projects: dict[str, list[Path]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        projects.setdefault(wheel_project(wheel.name), []).append(wheel)
    for project, files in projects.items():
        page = simple / project
        page.mkdir(parents=True, exist_ok=True)
        links = []
        for wheel in files:
            shutil.copy2(wheel, page / wheel.name)
            quoted = html.escape(wheel.name)
            links.append(f'<a href="{quoted}#sha256={sha256(wheel)}">{quoted}</a><br/>')
        (page / "index.html").write_text(_page(f"Links for {project}", links))
    root_links = [
        f'<a href="{html.escape(name)}/">{html.escape(name)}</a><br/>' for name in sorted(projects)
    ]
    simple.mkdir(parents=True, exist_ok=True)
    (simple / "index.html").write_text(_page("Simple index", root_links))
    return simple


def _page(title: str, links: list[str]) -> str:
    body = "\n".join(links)
    return (
        f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n"
        f"<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )


def write_corrupt_wheel(folder: Path, name: str = "corruptpkg", version: str = "1.0") -> Path:
    """A file named like a wheel that is not a zip archive."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{normalize(name).replace('-', '_')}-{version}-py3-none-any.whl"
    path.write_bytes(b"this is not a zip archive\n" * 8)
    return path


# --- user projects (pyproject.toml + uv.lock), as a Hassette user would mount them


def write_project(
    folder: Path,
    name: str = "myapps",
    dependencies: Iterable[str] = ("appliba>=1",),
    build_system: bool = True,
    extra: str = "",
    module_text: str = "VALUE = 1\n",
) -> Path:
    """A user project: uv_build src layout, or (without [build-system]) one flat module."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(
        pyproject_text(name, "0.1.0", dependencies, build_system=build_system, extra=extra)
    )
    module = normalize(name).replace("-", "_")
    if build_system:
        package = folder / "src" / module
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(module_text)
    else:
        (folder / f"{module}.py").write_text(module_text)
    return folder


def project_module(folder: Path, name: str = "myapps") -> Path:
    """The file write_project put the project's code in."""
    module = normalize(name).replace("-", "_")
    packaged = folder / "src" / module / "__init__.py"
    return packaged if packaged.exists() else folder / f"{module}.py"


def lock_project(
    folder: Path, find_links: Iterable[Path], env: Mapping[str, str] | None = None
) -> Path:
    """`uv lock --no-index --find-links ...` in FOLDER; returns the lock file."""
    args = ["lock", "--no-index", "--quiet"]
    for links in find_links:
        args += ["--find-links", links]
    run_uv(args, env=env, cwd=folder)
    return folder / "uv.lock"


def replace_in_index(simple: Path, wheel: Path) -> Path:
    """Serve WHEEL in place of the file of the same name in the index SIMPLE (a re-upload:
    the page announces the new file's hash, the lock still holds the old one)."""
    page = simple / wheel_project(wheel.name)
    shutil.copy2(wheel, page / wheel.name)
    text = (page / "index.html").read_text()
    text = re.sub(
        rf"{re.escape(html.escape(wheel.name))}#sha256=[0-9a-f]+",
        f"{html.escape(wheel.name)}#sha256={sha256(wheel)}",
        text,
    )
    (page / "index.html").write_text(text)
    return page / wheel.name


def write_pylock(folder: Path, wheels: Path, pins: Iterable[str], extra: str = "") -> Path:
    """FOLDER/pylock.toml (PEP 751) pinning PINS (`name==version`) to the wheels in WHEELS,
    each with its sha256, the way `uv export --format pylock.toml` writes them."""
    lines = ['lock-version = "1.0"', 'created-by = "hassette-tasks tests"', ""]
    for pin in pins:
        name, version = pin.split("==")
        wheel = wheels / Dist(name, version).wheel_name
        lines += [
            "[[packages]]",
            f"name = {_toml_string(name)}",
            f"version = {_toml_string(version)}",
            f"wheels = [{{ name = {_toml_string(wheel.name)}, "
            f"hashes = {{ sha256 = {_toml_string(sha256(wheel))} }} }}]",
            "",
        ]
    path = folder / "pylock.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + textwrap.dedent(extra))
    return path


def freeze(venv: Path, env: Mapping[str, str] | None = None) -> list[str]:
    """`uv pip freeze` of VENV, with the private build copy's random folder name blanked
    (two installs of one project come from two temporary copies)."""
    text = run_uv(["pip", "freeze", "--python", venv / "bin" / "python"], env=env)
    return sorted(
        re.sub(r"hassette-tasks-[^/]+", "hassette-tasks-TMP", line) for line in text.splitlines()
    )
