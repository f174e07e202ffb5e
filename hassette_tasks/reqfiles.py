"""Reading requirements files as uv does, for the decisions boot makes about them.

One reader for the warm-restart fingerprint (every file and folder a requirements file
reaches), the exact environment (what each line asks for) and the pin check: a UTF-8
byte-order mark is not part of the first line, a `\\` joins lines, `#` starts a comment,
`${VAR}` is the variable's value, and relative paths count from the file's folder.
Cheap to import: a warm restart reads the files through it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

BOM = "\ufeff"
COMMENT = re.compile(r"(^|\s+)#.*$")
OPTION_TAIL = re.compile(r"\s+--?[A-Za-z].*$")
ENV_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
OPTION_WITH_VALUE = re.compile(r"^(-r|--requirement|-c|--constraint|-e|--editable)(=|\s+|$)(.*)$")
INCLUDES = ("-r", "--requirement", "-c", "--constraint")
# `name @ target` (PEP 508 direct reference), spaces around @ optional
_DIRECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@\s*(\S+)")


def read(path: Path) -> str:
    """The text of a requirements file; raises OSError, or UnicodeDecodeError when it is
    not UTF-8 (uv refuses such a file too)."""
    return path.read_text(encoding="utf-8").removeprefix(BOM)


def logical_lines(text: str) -> Iterator[str]:
    """Each requirement or option line: comments gone, continuations joined, ${VAR} set."""
    pending = ""
    for raw in text.removeprefix(BOM).splitlines():
        line = COMMENT.sub("", raw) if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            yield ENV_VARIABLE.sub(lambda m: os.environ.get(m.group(1), ""), line)
    if pending.strip():
        yield pending.strip()


def _file_url_path(url: str) -> Path:
    """The path a `file:` URL names, escapes (`%20`) undone."""
    return Path(unquote(urlsplit(url).path))


def local_target(target: str, base: Path) -> Path | None:
    """The local file or folder a requirement's target names (`./lib`, `file:///x`,
    `../a.whl`), or None for a package name or a remote URL."""
    written = target.split("#", 1)[0].strip()
    if written.startswith("file:"):
        return _file_url_path(written)
    if "://" in written or not written:
        return None
    if written.startswith((".", "/", "~")) or "/" in written:
        return base / os.path.expanduser(written)
    return None


def include_target(value: str, base: Path) -> Path | None:
    """The file an -r/-c line names, as uv reads it: a path from the including file's
    folder, or a `file:` URL; None for a remote URL (fetched, not a file of the user's)."""
    if value.startswith("file:"):
        return base / _file_url_path(value)
    if "://" in value:
        return None
    return base / value


@dataclass
class Reached:
    """What requirements files reach: included files (-r/-c, recursively) and local paths."""

    files: list[Path] = field(default_factory=list)
    local: list[Path] = field(default_factory=list)


def reached(paths: Iterable[Path]) -> Reached:
    """Every file and local path PATHS reach, each once, in the order met."""
    found = Reached()
    seen: set[str] = set()

    def visit(path: Path, top: bool) -> None:
        key = os.path.abspath(path)
        if key in seen:
            return
        seen.add(key)
        if not top:
            found.files.append(path)
        try:
            text = read(path)
        except (OSError, ValueError):
            return  # the fingerprint records the file as unreadable; uv says why
        for line in logical_lines(text):
            option = OPTION_WITH_VALUE.match(line)
            if option:
                value = OPTION_TAIL.sub("", option.group(3)).strip()
                if option.group(1) in INCLUDES:
                    included = include_target(value, path.parent) if value else None
                    if included is not None:
                        visit(included, top=False)
                elif value:
                    add_local(value, path.parent)
                continue
            if not line.startswith("-"):
                spec = OPTION_TAIL.sub("", line)
                direct = _DIRECT.match(spec)
                add_local(direct.group(2) if direct else spec.split(";")[0], path.parent)

    def add_local(target: str, base: Path) -> None:
        try:
            local = local_target(target, base)
        except ValueError:
            return
        if local is not None and os.path.abspath(local) not in seen:
            seen.add(os.path.abspath(local))
            found.local.append(local)

    for path in paths:
        visit(path, top=True)
    return found
