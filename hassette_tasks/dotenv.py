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

_SPACE = r"[^\S\r\n]*"  # white space within a line
_NEWLINE = re.compile(r"\r\n|\n|\r")  # python-dotenv's line ends, kept as written
_LEADING = re.compile(r"\s*")
_KEY = re.compile(
    _SPACE
    + r"(?:export[^\S\r\n]+)?(?:'(?P<quoted>[^']+)'|(?P<comment>(?=#))|(?P<bare>(?!')[^=#\s]+))"
    + _SPACE
)
_VALUE = re.compile(
    "=" + _SPACE + r"(?:'(?P<single>(?:\\.|[^'\\])*)'|\"(?P<double>(?:\\.|[^\"\\])*)\""
    r"|(?P<bare>(?![^\S\r\n]|['\"])[^\r\n]*))",
    re.DOTALL,
)
_END = re.compile(_SPACE + r"(?:#[^\r\n]*)?(?:\r\n|\n|\r|$)")
_REST_OF_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)?")
_BARE_COMMENT = re.compile(r"\s+#.*")


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
    while True:
        position = _LEADING.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            return found
        entry, stopped = _statement(text, position)
        if entry is None and stopped is not None:
            # like python-dotenv: skip the rest of the line where reading failed
            found.skipped_lines.append(len(_NEWLINE.findall(text, 0, stopped)) + 1)
            position = _REST_OF_LINE.match(text, stopped).end()  # type: ignore[union-attr]
            continue
        if entry is not None and entry[0]:
            found.entries.append(entry)
        position = stopped if stopped is not None else len(text)


def _statement(text: str, position: int) -> tuple[tuple[str, str | None] | None, int | None]:
    """((name, value), where it ended), ((""), ...) for a comment, or (None, where it failed)."""
    key = _KEY.match(text, position)
    if key is None:
        return None, position
    name = key.group("quoted") or key.group("bare") or ""
    position = key.end()
    value: str | None = None
    if text.startswith("=", position):
        match = _VALUE.match(text, position)
        if match is None:  # a quote that never closes
            return None, position
        if match.group("bare") is not None:
            value = _BARE_COMMENT.sub("", match.group("bare")).rstrip()
        else:
            value = match.group("single") if match.group("single") is not None else match["double"]
        position = match.end()
    end = _END.match(text, position)
    if end is None:
        return None, position
    return (name, value), end.end()


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
