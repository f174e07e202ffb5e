"""Hassette's own settings, checked before the hand-off.

hassette 0.60.0 exits 78 on a `HASSETTE__*` name it does not know, after boot has
become hassette: too late for HASSETTE__ON_FAILURE=halt, so `restart: unless-stopped`
loops. The image build asks the installed hassette once which names it accepts
(`hassette-tasks settings-names`, hassette's own `EnvNames`) and writes them to
NAMES_FILE; boot checks the environment it hands on, and the `.env` in the config
folder that hassette reads itself, against that list in microseconds, without importing
hassette (that costs seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassette_tasks import dotenv, hassette_config
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.hassette_config import Unknown
from hassette_tasks.settings import STARTUP_ONLY, Settings, hassette_environment

NAMES_FILE = Path("/opt/hassette-tasks/hassette-settings.json")
NAMES_VARIABLE = "HASSETTE_TASKS_SETTINGS_NAMES"  # another list (tests, a host venv)
FORMAT = 1
PREFIX = "hassette__"  # hassette matches names in any case
DELIMITER = "__"

# Run by the app venv's Python at image build time: hassette's own computation of the
# names pydantic-settings maps to a setting (hassette.config.checks.EnvNames), and the
# web API's defaults (the health answer before the hand-off binds the same address).
PROBE = """
import json, sys
from importlib.metadata import version
try:
    from hassette.config.checks import EnvNames
    from hassette.config.config import HassetteConfig
    from hassette.config.models import WebApiConfig
except ImportError as error:
    print(f"this hassette has no settings check ({error})", file=sys.stderr)
    sys.exit(3)
names = EnvNames.for_settings(HassetteConfig)
web = WebApiConfig.model_fields
try:  # hassette.toml's keys, as hassette's own unknown-key check walks them
    from hassette.config.checks import AppManifest, AppsConfig, field_spellings, model_annotation
    def tree(model, depth=0):
        fields = {}
        for name, info in model.model_fields.items():
            sub = model_annotation(info.annotation)
            node = tree(sub, depth + 1) if sub and sub is not AppManifest and depth < 8 else None
            fields.update((spelling, node) for spelling in field_spellings(name, info))
        return {"fields": fields, "apps": model is AppsConfig}
    toml = tree(HassetteConfig)
except ImportError:
    toml = None
json.dump({
    "format": FORMAT_VALUE,
    "hassette": version("hassette"),
    "known": sorted(names.known),
    "open_prefixes": sorted(names.open_prefixes),
    "apps_prefix": names.apps_prefix,
    "apps_fields": sorted(names.apps_fields),
    "web_api": {"host": web["host"].default, "port": web["port"].default},
    "toml": toml,
}, sys.stdout, indent=1)
""".replace("FORMAT_VALUE", str(FORMAT))


def probe(python: Path) -> tuple[str | None, str]:
    """(the names list as JSON, "") from PYTHON's hassette, or (None, why not)."""
    try:
        done = subprocess.run(
            [str(python), "-c", PROBE], capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit code {done.returncode}"
    return done.stdout, ""


@dataclass(frozen=True)
class KnownNames:
    """The names hassette accepts, as its EnvNames decides (all lower case)."""

    hassette: str
    known: frozenset[str]
    open_prefixes: tuple[str, ...]
    apps_prefix: str
    apps_fields: frozenset[str]
    web_host: str
    web_port: int
    toml: Mapping[str, Any] | None = None  # hassette.toml's key tree (images built since 2026-12)

    def is_known(self, name: str, value: str | None) -> bool:
        lowered = name.lower()
        if lowered in self.known or lowered.startswith(self.open_prefixes):
            return True
        if not lowered.startswith(self.apps_prefix):
            return False
        segments = lowered[len(self.apps_prefix) :].split(DELIMITER)
        if segments[0] in self.apps_fields:
            return False  # a bad sub-key of a real apps setting
        # anything else under HASSETTE__APPS__ names an app: a nested key, or a JSON table
        return len(segments) > 1 or _json_object(value)

    def suggest(self, name: str) -> str | None:
        import difflib  # only when a name is unknown

        close = difflib.get_close_matches(name.lower(), sorted(self.known), n=1)
        return close[0].upper() if close else None


def _json_object(value: str | None) -> bool:
    if not value:
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


def names_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(NAMES_VARIABLE) or NAMES_FILE)


def load_names(path: Path) -> tuple[KnownNames | None, str]:
    """(the list, "") or (None, why the check cannot be made)."""
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            return None, f"{path} has an unknown format"
        web = data.get("web_api") or {}
        return KnownNames(
            hassette=str(data["hassette"]),
            known=frozenset(str(name).lower() for name in data["known"]),
            open_prefixes=tuple(str(prefix).lower() for prefix in data["open_prefixes"]),
            apps_prefix=str(data["apps_prefix"]).lower(),
            apps_fields=frozenset(str(name).lower() for name in data["apps_fields"]),
            web_host=str(web.get("host", "0.0.0.0")),
            web_port=int(web.get("port", 8126)),
            toml=data["toml"] if isinstance(data.get("toml"), dict) else None,
        ), ""
    except FileNotFoundError:
        return None, f"no list of hassette's settings in this image ({path})"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        return None, f"cannot read {path} ({error})"


def unknown_names(
    names: KnownNames, entries: list[tuple[str, str | None]], source: str
) -> list[Unknown]:
    """The HASSETTE__ names among ENTRIES hassette would refuse (empty values it ignores)."""
    found: dict[str, Unknown] = {}
    for name, value in entries:
        if not name.lower().startswith(PREFIX) or value == "":
            continue
        if not names.is_known(name, value):
            found.setdefault(name.upper(), Unknown(name, source, names.suggest(name)))
    return list(found.values())


def check(
    settings: Settings,
    console: Console,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> None:
    """Raise a banner when hassette would refuse a HASSETTE__ name or a hassette.toml key it
    will be given (ARGS: what boot hands on, which may move hassette's files)."""
    env = os.environ if env is None else env
    names, why_not = load_names(names_path(env))
    if names is None:
        console.line(f"hassette settings: not checked ({why_not})")
        return
    where = hassette_config.locations(settings.config_dir, args)
    # only prefixed names matter (hassette reads them in any case): a smaller map to copy
    prefixed = {name: value for name, value in env.items() if name[:10].lower() == PREFIX}
    handed, _withheld = hassette_environment(prefixed, settings.apps_dir)
    unknown = unknown_names(names, list(handed.items()), "the environment")
    in_env_file, misplaced = _env_file(names, where.env_file, console)
    unknown += in_env_file + _toml_keys(names, where.toml_files, console)
    if misplaced:
        raise misplaced_error(misplaced, where.env_file, unknown)
    if unknown:
        raise unknown_error(unknown, names)


def _env_file(
    names: KnownNames, env_file: Path, console: Console
) -> tuple[list[Unknown], list[str]]:
    """(names hassette would refuse, start-up settings misplaced) in the .env hassette reads."""
    parsed, problem = dotenv.read(env_file)
    if problem:
        console.warn(f"{problem}: hassette reads this file too and may refuse it")
    if parsed is None:
        return [], []
    for line in parsed.skipped_lines:
        console.warn(f"{env_file} line {line} is not NAME=VALUE: skipped (hassette skips it too)")
    misplaced = sorted({name for name, _ in parsed.entries if name in STARTUP_ONLY})
    entries = [entry for entry in parsed.entries if entry[0] not in STARTUP_ONLY]
    return unknown_names(names, entries, str(env_file)), misplaced


def _toml_keys(names: KnownNames, files: Sequence[Path], console: Console) -> list[Unknown]:
    found: list[Unknown] = []
    for path in files:
        table, problem = hassette_config.read_toml(path)
        if problem:
            raise StartupError(
                Failure.HASSETTE_CONFIG,
                f"hassette would refuse to start (exit 78): {problem}",
                f"Fix {path} (hassette reads it at its start), then restart.",
            )
        if table is None:
            continue
        if names.toml is None:
            console.line(f"hassette settings: {path} not checked (this image has no key list)")
            continue
        found += hassette_config.unknown_keys(names.toml, table, path)
    return found


def unknown_error(unknown: list[Unknown], names: KnownNames) -> StartupError:
    first = next((u for u in unknown if u.suggestion), unknown[0])
    rename = (
        f"Rename {first.name} to {first.suggestion}" if first.suggestion else f"Remove {first.name}"
    )
    variables = any(u.name.lower().startswith(PREFIX) for u in unknown)
    return StartupError(
        Failure.UNKNOWN_SETTING,
        f"hassette {names.hassette} would refuse to start (exit 78) on "
        + "; ".join(u.describe() for u in unknown)
        + (". The HASSETTE__ prefix is reserved for hassette's settings." if variables else "."),
        f"{rename} (each name listed)"
        + (", or give an app's own variable another prefix" if variables else "")
        + ", then restart. Settings: https://hassette.readthedocs.io/en/stable/pages/"
        "core-concepts/configuration/",
    )


def misplaced_error(misplaced: list[str], env_file: Path, unknown: list[Unknown]) -> StartupError:
    also = (
        " Also unknown to hassette: " + "; ".join(u.describe() for u in unknown) + "."
        if unknown
        else ""
    )
    return StartupError(
        Failure.STARTUP_SETTING_IN_DOTENV,
        f"{env_file} sets {', '.join(misplaced)}: start-up settings, which boot reads only "
        "from the container's environment (and hassette would refuse them in its .env)." + also,
        "Move them out of .env into the container's environment (compose `environment:`, "
        "docker run -e), then restart.",
    )
