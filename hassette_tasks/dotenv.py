"""The names a `.env` file sets, read the way hassette's dotenv reader reads them.

hassette (through python-dotenv) reads `KEY=VALUE` statements: an optional `export `, a
key bare or in single quotes, a value bare (a ` #` starts a comment), in single quotes or
in double quotes (which may span lines), and a bare `KEY` with no value. A statement it
cannot parse is skipped; so is one here, and the line is reported. Only names and whether
a value is empty matter to the settings check, so escapes inside values are not decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_BLANK_OR_COMMENT = re.compile(r"[ \t\r\f\v]*(?:#[^\n]*)?(?:\n|$)")
_KEY = re.compile(r"[ \t]*(?:export[ \t]+)?(?:'(?P<quoted>[^']+)'|(?P<bare>[^=#\s]+))[ \t]*")
_VALUE = re.compile(
    r"[ \t]*(?:'(?P<single>(?:\\'|[^'])*)'|\"(?P<double>(?:\\\"|[^\"])*)\"|(?P<bare>[^\n]*))"
)
_REST_OF_LINE = re.compile(r"[ \t\r\f\v]*(?:#[^\n]*)?(?:\n|$)")
_TO_END_OF_LINE = re.compile(r"[^\n]*(?:\n|$)")


@dataclass
class DotEnv:
    """What a `.env` file sets: (name, value or None for a bare KEY), in file order."""

    entries: list[tuple[str, str | None]] = field(default_factory=list)
    # line numbers (1-based) of statements that could not be parsed, skipped
    skipped_lines: list[int] = field(default_factory=list)


def parse(text: str) -> DotEnv:
    """The statements of TEXT; never raises."""
    found = DotEnv()
    position = 0
    while position < len(text):
        blank = _BLANK_OR_COMMENT.match(text, position)
        if blank and blank.end() > position:
            position = blank.end()
            continue
        statement = _statement(text, position)
        if statement is None:
            found.skipped_lines.append(text.count("\n", 0, position) + 1)
            skip = _TO_END_OF_LINE.match(text, position)
            position = skip.end() if skip and skip.end() > position else len(text)
            continue
        name, value, position = statement
        found.entries.append((name, value))
    return found


def _statement(text: str, position: int) -> tuple[str, str | None, int] | None:
    key = _KEY.match(text, position)
    if key is None:
        return None
    name = key.group("quoted") or key.group("bare")
    position = key.end()
    value: str | None = None
    if text.startswith("=", position):
        match = _VALUE.match(text, position + 1)
        if match is None:  # pragma: no cover - the bare branch matches anything
            return None
        value = next(
            (part for part in match.group("single", "double") if part is not None),
            None,
        )
        if value is None:
            bare = match.group("bare") or ""
            value = re.split(r"[ \t]#", bare, maxsplit=1)[0].strip()
            position = match.start("bare") + len(bare)
        else:
            position = match.end()
    rest = _REST_OF_LINE.match(text, position)
    if rest is None:
        return None
    return name, value, rest.end() if rest.end() > position else len(text)


def read(path: Path) -> tuple[DotEnv | None, str]:
    """(what PATH sets, "") or (None, why it could not be read); a missing file is (None, "")."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError as error:
        return None, f"cannot read {path} ({error.strerror or error})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"{path} is not UTF-8 text (byte {error.start})"
    return parse(text), ""
