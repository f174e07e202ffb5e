"""Log lines for `docker logs`: elapsed milliseconds, flushed at once, secrets redacted."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import TextIO

from hassette_tasks import userinfo
from hassette_tasks.util import proc_self_stat

SECRET_NAME_WORDS = ("TOKEN", "SECRET", "PASSWORD")
REDACTED = "****"


def _process_age_seconds() -> float | None:
    """Seconds since this process was started, from /proc (None where unavailable)."""
    fields = proc_self_stat()
    if fields is None:
        return None
    try:
        started_ticks = int(fields[19])  # field 22 of stat(5), counted after the ')'
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def process_start_monotonic() -> float:
    """The monotonic clock reading at which this process started (honest boot timing)."""
    now = time.monotonic()
    age = _process_age_seconds()
    return now - age if age is not None and 0 <= age < 60 else now


# option names whose value is a credential (`--token X`, `--token=X`, `--api-key X`, ...)
_SECRET_OPTION = re.compile(r"^--?[\w-]*(token|secret|passw(or)?d|key|credential)[\w-]*$", re.I)
_SHORT_TOKEN = "-t"  # hassette run's short name for --token


def redact_args(args: Iterable[str]) -> list[str]:
    """ARGS for a log line: every value of a secret-looking option replaced.

    hassette run's first positional parameter is its token too (`hassette run TOKEN`),
    so a first argument that is not an option is hidden as well.
    """
    shown: list[str] = []
    hide_next = False
    for index, arg in enumerate(args):
        name, equals, _value = arg.partition("=")
        if hide_next:
            shown.append(REDACTED)
            hide_next = False
        elif arg.startswith("-") and (_SECRET_OPTION.match(name) or name == _SHORT_TOKEN):
            if equals:
                shown.append(f"{name}={REDACTED}")
            else:
                shown.append(arg)
                hide_next = True
        elif arg.startswith(_SHORT_TOKEN) and not arg.startswith("--") and len(arg) > 2:
            shown.append(f"{_SHORT_TOKEN}{REDACTED}")  # -tSECRET
        elif index == 0 and not arg.startswith("-"):
            shown.append(REDACTED)
        else:
            shown.append(arg)
    return shown


def hassette_run_line(program: str, args: Iterable[str]) -> str:
    """`PROGRAM run ARGS` as a shell would read it, secret values shown as a bare ****."""
    import shlex

    words = [shlex.quote(program), "run"]
    for word in redact_args(args):
        prefix = word.removesuffix(REDACTED)
        if prefix != word:
            words.append((shlex.quote(prefix) if prefix else "") + REDACTED)
        else:
            words.append(shlex.quote(word))
    return " ".join(words)


class Redactor:
    """Removes secrets from text: configured secret values and credentials in URLs."""

    def __init__(self, env: Mapping[str, str]):
        values: set[str] = set()
        for name, value in env.items():
            upper = name.upper()
            secret_name = upper == "HASSETTE__TOKEN" or any(w in upper for w in SECRET_NAME_WORDS)
            if secret_name and len(value) >= 3:
                values.add(value)
            # user:password -> the password; a lone userinfo is a token
            values.update(secret for secret in userinfo.secrets(value) if len(secret) >= 3)
        # longest first, so a secret that contains another is replaced whole
        self._values = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = userinfo.hide(text, REDACTED)
        for value in self._values:
            text = text.replace(value, REDACTED)
        return text


class Console:
    """Writes phase lines as `[    412ms] message`, measured from process start."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        stream: TextIO | None = None,
        started: float | None = None,
    ):
        self.redact = Redactor(os.environ if env is None else env)
        self.stream = stream or sys.stdout
        self.started = process_start_monotonic() if started is None else started

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def _write(self, text: str) -> None:
        self.stream.write(self.redact(text))
        self.stream.flush()

    def line(self, message: str) -> None:
        self._write(f"[{self.elapsed_ms():>7}ms] {message}\n")

    def warn(self, message: str) -> None:
        self.line(f"warning: {message}")

    def output(self, text: str) -> None:
        """One line of uv's own output, indented under the phase line that started it."""
        self._write(f"    {text.rstrip()}\n")

    def plain(self, text: str = "") -> None:
        self._write(f"{text}\n")

    def banner(self, title: str, body: Iterable[str], output: str = "") -> None:
        rule = "=" * 72
        lines = ["", rule, f"  {title}", rule, *(f"  {line}" for line in body)]
        if output.strip():
            lines += [
                "-" * 72,
                "  uv said:",
                *(f"    {line}" for line in output.rstrip().splitlines()),
            ]
        lines += [rule, ""]
        self._write("\n".join(lines) + "\n")
