"""Where hassette will read its configuration, and the keys of its hassette.toml it would refuse.

hassette 0.60.0 exits 78 on a `hassette.toml` key that matches none of its settings
(hassette's Docker docs still show `app_dir` under `[hassette]`), after boot has become
hassette: too late for halt mode. The image build records hassette's key tree beside the
names list (hassette_settings.PROBE: hassette's own `field_spellings` and
`model_annotation`); this module walks a user's file against it the way hassette's
`unknown_toml_keys` does: top-level keys and `[hassette]`'s alike, table-valued keys under
`apps` are app definitions, an app's own table is not checked.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOML_NAME = "hassette.toml"
ENV_NAME = ".env"
# `hassette run`'s global options that move its files (long and short spellings)
CONFIG_DIR_OPTIONS = ("--config-dir",)
CONFIG_FILE_OPTIONS = ("--config-file", "-c")
ENV_FILE_OPTIONS = ("--env-file", "--env", "-e")
# keys hassette renamed, which its own "did you mean" misses (its docs still show app_dir)
RENAMED = {"app_dir": "apps.directory"}


@dataclass(frozen=True)
class Locations:
    """The files hassette will read: hassette.toml (and its local overlay) and .env."""

    toml_files: tuple[Path, ...]
    env_file: Path


def option_value(args: Sequence[str], names: Sequence[str]) -> str | None:
    """The last value given to one of NAMES in ARGS (`--x V`, `--x=V`, `-cV`), or None."""
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and index + 1 < len(args):
                found = args[index + 1]
            elif name.startswith("--") and arg.startswith(name + "="):
                found = arg[len(name) + 1 :]
            elif not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
                found = arg[len(name) :].lstrip("=")
    return found


def locations(config_dir: Path, args: Sequence[str], cwd: Path | None = None) -> Locations:
    """The files hassette reads, given boot's config folder and the args it hands on."""
    cwd = cwd or Path(os.getcwd())
    folder = option_value(args, CONFIG_DIR_OPTIONS)
    home = cwd / folder if folder is not None else config_dir
    config_file = option_value(args, CONFIG_FILE_OPTIONS)
    base = cwd / config_file if config_file is not None else home / TOML_NAME
    env_file = option_value(args, ENV_FILE_OPTIONS)
    # `--config-file /` names no file: no overlay beside it (with_name would raise)
    overlay = base.with_name(f"{base.stem}.local{base.suffix}") if base.name else base
    return Locations((base, overlay), cwd / env_file if env_file is not None else home / ENV_NAME)


def read_toml(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(the table, "") ; (None, "") for no file; (None, why) for one hassette cannot load."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None, ""
    except OSError as error:
        return None, f"cannot read {path}: {error.strerror or error}"
    try:
        return tomllib.loads(data.decode("utf-8")), ""
    except UnicodeDecodeError:
        return None, f"{path} is not UTF-8 text"
    except tomllib.TOMLDecodeError as error:
        return None, f"{path} is not valid TOML ({error})"


@dataclass(frozen=True)
class Unknown:
    """A name (a variable, or a hassette.toml key dotted) hassette would refuse."""

    name: str
    source: str
    suggestion: str | None

    def describe(self) -> str:
        hint = f", did you mean {self.suggestion}?" if self.suggestion else ""
        return f"{self.name} (from {self.source}{hint})"


def unknown_keys(tree: Mapping[str, Any], table: Mapping[str, Any], source: Path) -> list[Unknown]:
    """The keys of one hassette.toml that hassette would refuse, each with its closest name."""
    found: dict[str, Unknown] = {}
    hoisted = table.get("hassette")
    tables: list[Mapping[str, Any]] = [{k: v for k, v in table.items() if k != "hassette"}]
    if isinstance(hoisted, Mapping):
        tables.append(hoisted)
    elif "hassette" in table:  # `hassette = 5`: hassette cannot merge it
        found["hassette"] = Unknown("hassette", str(source), None)
    for data in tables:
        for dotted in _walk(tree, data, ""):
            found.setdefault(dotted, Unknown(dotted, str(source), _suggest(tree, dotted)))
    return list(found.values())


def _walk(node: Mapping[str, Any], data: Mapping[str, Any], prefix: str) -> Iterator[str]:
    fields = node.get("fields")
    if not isinstance(fields, Mapping):
        return
    for key, value in data.items():
        if key not in fields:
            if not (node.get("apps") and isinstance(value, Mapping)):  # an app's definition
                yield f"{prefix}{key}"
            continue
        sub = fields[key]
        if isinstance(sub, Mapping) and isinstance(value, Mapping):
            yield from _walk(sub, value, f"{prefix}{key}.")


def _suggest(tree: Mapping[str, Any], dotted: str) -> str | None:
    if dotted in RENAMED:
        return RENAMED[dotted]
    import difflib  # only when a key is unknown

    *parents, leaf = dotted.split(".")
    node: Any = tree
    for parent in parents:
        node = node["fields"][parent]
    close = difflib.get_close_matches(leaf, sorted(node["fields"]), n=1)
    return ".".join([*parents, close[0]]) if close else None


def web_api(files: Sequence[Path]) -> dict[str, Any]:
    """hassette.toml's `[web_api]` (or `[hassette.web_api]`) settings, the overlay last."""
    found: dict[str, Any] = {}
    for path in files:
        table, _problem = read_toml(path)  # the settings check reports a bad file
        if table is None:
            continue
        hoisted = table.get("hassette")
        for source in (table, hoisted if isinstance(hoisted, Mapping) else {}):
            section = source.get("web_api")
            if isinstance(section, Mapping):
                found.update(section)
    return found
