"""Whether the project itself is installed after its locked dependencies, as uv decides.

uv's rule: `[tool.uv] package = false` makes a project virtual (dependencies only);
`package = true` or a `[build-system]` table makes it a package that must build. A
project with neither (hassette's Docker docs show such a pyproject.toml next to a flat
folder of app files) is built with uv's default backend (setuptools) when it can be, as
before; when the backend refuses (several top-level modules in a flat folder), its
dependencies stay installed and one warning names the reason and both fixes, instead of
a failed start and a restart loop.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import pyproject, table

# uv's words when the backend itself refused the build (not a download or a timeout)
_BACKEND_REFUSED = re.compile(r"build backend returned an error|Build backend failed", re.I)
_BACKEND_ERROR = re.compile(r"^\s*(?:error: (?!Failed to build)|\w*Error: )(?P<reason>.+)$")
_CAUSE = re.compile(r"^\s*(?:cause|Caused by): (?P<reason>.+)$")
FIXES = (
    "add a [build-system] with a package layout (src/NAME/__init__.py), or set "
    "[tool.uv] package = false to install the dependencies only"
)


class Packaging(Enum):
    PACKAGE = "package"  # [build-system] or package = true: it must build (fail-fast)
    VIRTUAL = "virtual"  # package = false: dependencies only
    TRY = "try"  # neither: built when it can be


def packaging(project_dir: Path) -> Packaging:
    """What the project's pyproject.toml says (an unreadable one is PACKAGE: uv reports it)."""
    data = pyproject(project_dir)
    if data is None:
        return Packaging.PACKAGE
    package = table(table(data, "tool"), "uv").get("package")
    if package is False:
        return Packaging.VIRTUAL
    if package is True or isinstance(data.get("build-system"), dict):
        return Packaging.PACKAGE
    return Packaging.TRY


def say_virtual(console: Console, name: str | None) -> None:
    console.line(
        f"project install: dependencies only ([tool.uv] package = false: the project "
        f"{name or ''} itself is not installed)".replace("  ", " ")
    )


def reason(output: str) -> str:
    """The backend's own one-line reason, from uv's words."""
    lines = output.splitlines()
    for line in lines:
        found = _BACKEND_ERROR.match(line)
        if found:
            return found["reason"].strip()
    causes = [match["reason"].strip() for line in lines if (match := _CAUSE.match(line))]
    return causes[-1] if causes else "the build backend refused it"


def soft_failure(error: StartupError, mode: Packaging, console: Console, name: str | None) -> bool:
    """True (after one warning) when a failed project build may be passed over."""
    if mode is not Packaging.TRY or error.failure is not Failure.INSTALL:
        return False
    if not _BACKEND_REFUSED.search(error.output):
        return False
    console.warn(
        f"project install: the project {name or ''} could not be built "
        f"({reason(error.output)}); its dependencies are installed, the project itself is "
        f"not. pyproject.toml has no [build-system]: {FIXES}".replace("  ", " ")
    )
    return True


def plan_line(project_dir: Path) -> str | None:
    """What the dry run says about the project itself, when it is not simply built."""
    mode = packaging(project_dir)
    if mode is Packaging.VIRTUAL:
        return "dependencies only: [tool.uv] package = false, the project itself is not installed"
    if mode is Packaging.TRY:
        return (
            "no [build-system]: the project is built with uv's default backend if it can "
            "be; if not, its dependencies stay installed with a warning"
        )
    return None
