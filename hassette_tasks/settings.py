"""Settings from HASSETTE__* variables, each overridable by a task flag."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hassette_tasks.errors import ConfigError
from hassette_tasks.util import venv_python

DEFAULTS = {
    "HASSETTE__PROJECT_DIR": "/apps",
    "HASSETTE__APPS__DIRECTORY": "/apps",
    "HASSETTE__CONFIG_DIR": "/config",
    "HASSETTE__INSTALL_DEPS": "0",
    "HASSETTE__PRUNE_UV_CACHE": "1",
    "HASSETTE__CONSTRAINTS": "/app/constraints.txt",
    "HASSETTE__VENV": "/app/.venv",
    "HASSETTE__INSTALL_TIMEOUT": "300",
    "HASSETTE__REQUIREMENTS_TIMEOUT": "120",
    "HASSETTE__ON_FAILURE": "exit",
    "HASSETTE__FORCE_INSTALL": "0",
}
OLD_APPS_DIR = "HASSETTE__APP_DIR"
NEW_APPS_DIR = "HASSETTE__APPS__DIRECTORY"
ON_FAILURE_CHOICES = ("exit", "halt")
# Settings hassette reads itself: boot uses them and hands them on untouched.
SHARED_WITH_HASSETTE = (NEW_APPS_DIR, "HASSETTE__CONFIG_DIR")
# The start-up's own settings. hassette refuses to start on a HASSETTE__ name it does not
# know (exit 78, "Unknown configuration keys"), so boot consumes these and never hands
# them on; the old apps name goes on under the new one.
STARTUP_ONLY = (
    *(name for name in DEFAULTS if name not in SHARED_WITH_HASSETTE),
    OLD_APPS_DIR,
)


def hassette_environment(
    env: Mapping[str, str], apps_dir: Path
) -> tuple[dict[str, str], list[str]]:
    """The environment hassette is started with, and the names withheld from it (sorted).

    Everything passes untouched (UV_*, HASSETTE__TOKEN, ...) except the start-up's own
    settings. When HASSETTE__APPS__DIRECTORY is not set, hassette gets the apps folder boot
    used (the old HASSETTE__APP_DIR's value, a flag's, or /apps): hassette's own default
    is a folder beside its config, so both would otherwise look in different places.
    """
    handed = {name: value for name, value in env.items() if name not in STARTUP_ONLY}
    withheld = sorted(name for name in env if name in STARTUP_ONLY)
    if not env.get(NEW_APPS_DIR):
        handed[NEW_APPS_DIR] = str(apps_dir)
    return handed, withheld


@dataclass(frozen=True)
class Timeout:
    """Whole seconds, keeping the text as given for messages (`timed out after 120s`)."""

    variable: str
    text: str

    @property
    def seconds(self) -> int:
        return int(self.text)


@dataclass
class Settings:
    project_dir: Path
    apps_dir: Path
    config_dir: Path
    install_deps: bool
    prune_cache: bool
    constraints: Path
    venv: Path
    install_timeout: Timeout
    requirements_timeout: Timeout
    on_failure: str
    force_install: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def requirements_roots(self) -> list[Path]:
        return [self.config_dir, self.apps_dir]

    @property
    def python(self) -> Path:
        return venv_python(self.venv)

    def require_constraints(self) -> Path:
        """The constraints file, checked before any install uses it."""
        variable = "HASSETTE__CONSTRAINTS"
        path = self.constraints
        if not path.exists():
            raise ConfigError(
                variable,
                f"the constraints file {path} does not exist",
                "The image may be corrupt, or HASSETTE__CONSTRAINTS names the wrong "
                "file. Point it at the image's constraints file (default "
                "/app/constraints.txt).",
            )
        if not path.is_file():
            raise ConfigError(variable, f"{path} is not a file")
        try:
            text = path.read_text()
        except OSError as error:
            raise ConfigError(variable, f"cannot read {path}: {error.strerror}") from error
        except UnicodeDecodeError as error:  # uv could not read it either
            raise ConfigError(variable, f"{path} is not UTF-8 text") from error
        if not any(
            line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()
        ):
            raise ConfigError(
                variable,
                f"the constraints file {path} is empty",
                "Without constraints a user package could replace hassette's own "
                "dependencies. Regenerate it: invoke constraints --output FILE.",
            )
        return path


def on_failure(env: Mapping[str, str] | None = None, override: str | None = None) -> str:
    """`exit` or `halt`, from OVERRIDE or HASSETTE__ON_FAILURE (any case, blank is `exit`).

    Raises ConfigError for any other value.
    """
    env = os.environ if env is None else env
    name = "HASSETTE__ON_FAILURE"
    value = (override or env.get(name) or DEFAULTS[name]).strip().lower()
    if value not in ON_FAILURE_CHOICES:
        raise ConfigError(name, f"{value!r} is not one of {', '.join(ON_FAILURE_CHOICES)}")
    return value


def _switch(env: Mapping[str, str], name: str, warnings: list[str], enable_only: bool) -> bool:
    """`1` is on and `0` is off; anything else is off, with a warning that says so."""
    raw = env.get(name, DEFAULTS[name]).strip()
    if raw == "1":
        return True
    # blank is the default for a switch that only turns something on; for one that is on
    # by default (prune) a blank value turns it off, and that is said like any other value
    if raw == "0" or (raw == "" and enable_only):
        return False
    if enable_only:
        warnings.append(f"{name}={raw!r} is not understood: only 1 enables it (treated as off)")
    else:
        warnings.append(f"{name}={raw!r} is not understood: only 1 or 0 are (treated as 0)")
    return False


# a day: more than any install needs; far beyond it the timer itself fails (OverflowError
# past threading.TIMEOUT_MAX), and the install would then run with no limit at all
MAX_TIMEOUT_SECONDS = 86_400


def _timeout(env: Mapping[str, str], name: str, override: int | str | None) -> Timeout:
    raw = str(override if override is not None else env.get(name, DEFAULTS[name])).strip()
    short = len(raw.lstrip("0")) <= len(str(MAX_TIMEOUT_SECONDS))  # int() of 5000 digits fails
    digits = raw.isascii() and raw.isdigit() and short
    if not digits or not 0 < int(raw) <= MAX_TIMEOUT_SECONDS:
        raise ConfigError(
            name,
            f"{raw!r} is not a whole number of seconds from 1 to {MAX_TIMEOUT_SECONDS}",
            f"Set {name} to whole seconds from 1 to {MAX_TIMEOUT_SECONDS} (a day), "
            f"e.g. {name}={DEFAULTS[name]}.",
        )
    return Timeout(name, raw)


def _path(env: Mapping[str, str], name: str, override: str | os.PathLike[str] | None) -> Path:
    raw = str(override) if override is not None else env.get(name) or DEFAULTS[name]
    return Path(raw)


def load(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment; a non-None override (a task flag) wins.

    Raises ConfigError naming the variable for a value that cannot be used.
    """
    env = os.environ if env is None else env
    warnings: list[str] = []
    apps_override = overrides.get("apps_dir")
    if env.get(OLD_APPS_DIR):
        if env.get(NEW_APPS_DIR):
            warnings.append(
                f"{OLD_APPS_DIR} is ignored because {NEW_APPS_DIR} is set: remove the old name"
            )
        else:
            warnings.append(
                f"{OLD_APPS_DIR} is the old name of {NEW_APPS_DIR}, which hassette no longer "
                f"accepts: rename it (handed to hassette as {NEW_APPS_DIR} meanwhile)"
            )
            if apps_override is None:
                apps_override = env[OLD_APPS_DIR]
    on_failure_choice = on_failure(env, overrides.get("on_failure"))

    def switch(name: str, key: str, enable_only: bool) -> bool:
        value = overrides.get(key)
        if value is not None:
            return bool(value)
        return _switch(env, name, warnings, enable_only)

    settings = Settings(
        project_dir=_path(env, "HASSETTE__PROJECT_DIR", overrides.get("project_dir")),
        apps_dir=_path(env, NEW_APPS_DIR, apps_override),
        config_dir=_path(env, "HASSETTE__CONFIG_DIR", overrides.get("config_dir")),
        install_deps=switch("HASSETTE__INSTALL_DEPS", "install_deps", True),
        prune_cache=switch("HASSETTE__PRUNE_UV_CACHE", "prune_cache", False),
        constraints=_path(env, "HASSETTE__CONSTRAINTS", overrides.get("constraints")),
        venv=_path(env, "HASSETTE__VENV", overrides.get("venv")),
        install_timeout=_timeout(
            env, "HASSETTE__INSTALL_TIMEOUT", overrides.get("install_timeout")
        ),
        requirements_timeout=_timeout(
            env, "HASSETTE__REQUIREMENTS_TIMEOUT", overrides.get("requirements_timeout")
        ),
        on_failure=on_failure_choice,
        force_install=switch("HASSETTE__FORCE_INSTALL", "force_install", True),
        warnings=warnings,
    )
    return settings
