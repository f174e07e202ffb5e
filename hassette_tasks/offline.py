"""Starts that survive the network: locked installs from uv's cache first, requirements
files from the cache when the index is unreachable, and the names of what the cache lacks.

A lock (uv.lock export, pylock.toml) pins every version and hash, so its answer does not
depend on the index: uv's offline mode (UV_OFFLINE) installs it from the cache alone, and
only a step whose packages are not all cached goes to the index. A requirements file with
ranges keeps its meaning (the index's newest versions), so it goes online first and to the
cache only when uv reports a network failure.

How real uv 0.13 answers offline when the cache lacks a package (tests/host/test_offline.py
captures it): exit code 1 and either `Because NAME was not found in the cache` (at
resolution, nothing installed; uv names the first missing package only) or `Network
connectivity is disabled, but the requested data wasn't found in the cache: URL` (a wheel
whose index page is cached but its file is not: before anything is installed too).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Protocol

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout

OFFLINE_VARIABLE = "UV_OFFLINE"
FROM_CACHE_LINE = (
    "requirements install: index unreachable, installed from the local cache "
    "(versions may be older than the index has)"
)
# exit code real uv 0.13 gives for a cache miss in offline mode (and any resolution failure)
CACHE_MISS_EXIT = 1
_MISSING_NAME = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the cache\b")
_MISSING_FILE = re.compile(r"wasn't found in the cache: (\S+)")
_OFFLINE_WORDS = re.compile(
    r"network was disabled|Network connectivity is disabled|was not found in the cache"
    r"|wasn't found in the cache",
    re.I,
)
# what uv reports as a network failure (DNS, refused, reset, timeout); not a certificate
# problem or an index that answers with an error: those are settings to fix, not outages
_NETWORK_ERROR = re.compile(
    r"dns error|failed to lookup address|error resolving DNS|Connection refused"
    r"|tcp connect error|connection reset|operation timed out|timed out|Network is unreachable"
    r"|No route to host|client error \(Connect\)",
    re.I,
)


# uv retries a failed request (3 times by default, with a backoff): against a refused port
# or a name with no DNS answer that made a requirements file's index attempt take 7-11 s
# before the cache fallback, against 0.3-0.5 s without retries (uv 0.13.9, host, busy
# 2-core machine). A refused connection or a failed lookup is not a blip seconds cure.
RETRIES_VARIABLE = "UV_HTTP_RETRIES"
_NO_ROUTE = re.compile(
    r"Connection refused|dns error|failed to lookup address|error resolving DNS"
    r"|Network is unreachable|No route to host",
    re.I,
)
RETRY_LINE = "requirements install: the index did not answer at once: asking again, with retries"


class UvStep(Protocol):
    """steps.run_uv_step: runs one uv command, raises StartupError on failure."""

    def __call__(
        self,
        args: Sequence[str | os.PathLike[str]],
        console: Console,
        step: str,
        timeout: Timeout | None,
        cwd: Path | None = ...,
        export: bool = ...,
        env: dict[str, str] | None = ...,
        alongside: Callable[[], None] | None = ...,
    ) -> str: ...


@dataclass
class CacheMiss:
    """What an offline uv run said the cache lacks (empty when it failed otherwise)."""

    exit_code: int | None
    packages: list[str] = field(default_factory=list)

    @property
    def is_miss(self) -> bool:
        return self.exit_code == CACHE_MISS_EXIT and bool(self.packages)


def classify_offline(output: str, exit_code: int | None) -> CacheMiss:
    """Read an offline uv run's failure: the packages the cache lacks, when that is the cause."""
    if exit_code != CACHE_MISS_EXIT or not _OFFLINE_WORDS.search(output):
        return CacheMiss(exit_code)
    names = [match.group(1) for match in _MISSING_NAME.finditer(output)]
    for match in _MISSING_FILE.finditer(output):
        filename = match.group(1).rpartition("/")[2].partition("#")[0]
        names.append(_project_of_file(filename))
    return CacheMiss(exit_code, sorted(dict.fromkeys(name for name in names if name)))


def _project_of_file(filename: str) -> str:
    """A wheel's or sdist's project name from its file name (`pa-1.0-py3-none-any.whl`)."""
    stem = re.sub(r"\.(whl|tar\.gz|zip)$", "", filename)
    return stem.partition("-")[0].replace("_", "-").lower() if stem != filename else filename


def is_network_error(error: StartupError) -> bool:
    """True for a failure uv reports as a network failure, or our timeout of a silent index."""
    if error.failure is Failure.TIMEOUT:
        return True
    return error.failure is Failure.UNREACHABLE and bool(_NETWORK_ERROR.search(error.output or ""))


def cache_possible(env: dict[str, str] | None = None) -> bool:
    """Can an offline attempt help at all? Not with no cache, or one this user cannot read."""
    values: Mapping[str, str] = os.environ if env is None else env
    if values.get("UV_NO_CACHE") or values.get(OFFLINE_VARIABLE):
        return False
    cache = values.get("UV_CACHE_DIR")
    if cache is None:
        return True  # uv's default place; a missing one is only a miss
    path = Path(cache)
    return path.is_dir() and os.access(path, os.R_OK | os.X_OK)


def empty_at_start(env: dict[str, str] | None = None) -> bool:
    """UV_CACHE_DIR held nothing when this process first looked: a new volume, a first start.
    An offline attempt there can only fail, and the first one alone costs uv's interpreter
    query (0.3 s on a busy host). uv writes its own entries on its first call, so boot looks
    once, as its installs begin (plan.GuardedInstalls.run), and keeps that answer."""
    cache = (os.environ if env is None else env).get("UV_CACHE_DIR")
    return bool(cache) and _empty_folder(os.path.abspath(str(cache)))


@cache
def _empty_folder(path: str) -> bool:
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except OSError:  # missing or unreadable: cache_possible() says what that means
        return False


def _offline_env(env: dict[str, str] | None) -> dict[str, str]:
    return uv.environment({**(env or {}), OFFLINE_VARIABLE: "1"})


def try_from_cache(
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    timeout: Timeout | None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    alongside: Callable[[], None] | None = None,
) -> CacheMiss | None:
    """Run uv offline; None when it installed, else what it said (nothing was echoed then).
    ALONGSIDE: work of ours done while uv runs (uv.run)."""
    try:
        output = uv.run(
            args,
            console,
            timeout=timeout,
            cwd=cwd,
            env=_offline_env(env),
            echo=False,
            alongside=alongside,
        )
    except uv.UvFailed as error:
        return classify_offline(error.output, error.exit_code)
    except OSError as error:  # a cache folder uv cannot even open: go online
        return CacheMiss(None, [str(error)])
    for line in output.splitlines():
        console.output(line + "\n")
    return None


def cache_first(
    online: UvStep,
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    step: str,
    timeout: Timeout | None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    prefix: str = "project install",
    alongside: Callable[[], None] | None = None,
) -> None:
    """A locked step: from the cache alone when it has everything, else from the index.
    ALONGSIDE (work of ours that does not need uv's answer) runs once, during the first
    uv call."""
    if not cache_possible():
        online(args, console, step, timeout, cwd=cwd, env=env, alongside=alongside)
        return
    if empty_at_start():  # the index first; the cache only to name what it lacks
        index_first(online, args, console, step, timeout, cwd=cwd, env=env, alongside=alongside)
        return
    missed = try_from_cache(args, console, timeout, cwd=cwd, env=env, alongside=alongside)
    if missed is None:
        console.line(f"{prefix}: {step}: installed from the local cache (no index needed)")
        return
    what = ", ".join(missed.packages) if missed.is_miss else "the cache could not answer"
    console.line(f"{prefix}: {step}: not all in the local cache ({what}): using the index")
    try:
        online(args, console, step, timeout, cwd=cwd, env=env)
    except StartupError as error:
        raise name_missing(error, missed) from None


def no_route(error: StartupError) -> bool:
    """A refused connection or a failed DNS lookup: retrying at once will not help."""
    return error.failure is Failure.UNREACHABLE and bool(_NO_ROUTE.search(error.output or ""))


def quick_env(env: dict[str, str]) -> dict[str, str] | None:
    """A requirements file's first index attempt (ENV: uv's environment): without uv's
    retries, unless the user set UV_HTTP_RETRIES (then theirs, and no second attempt)."""
    if env.get(RETRIES_VARIABLE) is not None:
        return None
    return {**env, RETRIES_VARIABLE: "0"}


def index_first(
    online: UvStep,
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    step: str,
    timeout: Timeout | None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    alongside: Callable[[], None] | None = None,
) -> None:
    """A requirements file: resolved against the index; from the cache on a network failure.

    ENV is uv's environment for every attempt (default: uv.environment()). The first
    attempt skips uv's retries: a refused or unresolvable index goes to the cache at once.
    Any other failure to reach the index (a 5xx, a reset) is asked again with uv's retries,
    as is a refused one whose packages the cache lacks too. ALONGSIDE: as for cache_first.
    """
    env = env or uv.environment()
    quick = quick_env(env)
    again = (
        partial(_online_again, online, args, console, step, timeout, cwd, env) if quick else None
    )
    try:
        online(args, console, step, timeout, cwd=cwd, env=quick or env, alongside=alongside)
        return
    except StartupError as error:
        failure = error
    if again is not None and failure.failure is Failure.UNREACHABLE and not no_route(failure):
        retried = again()  # may be a blip: uv's retries, as without this
        if retried is None:
            return
        failure, again = retried, None
    if not is_network_error(failure) or not cache_possible():
        raise failure
    missed = try_from_cache(args, console, timeout, cwd=cwd, env=env)
    if missed is None:
        console.line(FROM_CACHE_LINE)
        return
    if again is not None and no_route(failure):  # the retries the quick attempt skipped
        retried = again()
        if retried is None:
            return
        failure = retried if is_network_error(retried) else failure
    raise name_missing(failure, missed) from None


def _online_again(
    online: UvStep,
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    step: str,
    timeout: Timeout | None,
    cwd: Path | None,
    env: dict[str, str],
) -> StartupError | None:
    """The index attempt again, with uv's own retries; the failure, or None when it worked."""
    console.line(RETRY_LINE)
    try:
        online(args, console, step, timeout, cwd=cwd, env=env)
    except StartupError as error:
        return error
    return None


class NetworkFailure(StartupError):
    """The index was unreachable and the cache lacked MISSING: only the network can help."""

    missing: list[str]

    def __init__(self, error: StartupError, missing: list[str]):
        names = ", ".join(missing)
        super().__init__(
            error.failure,
            f"{error.what} The local uv cache lacks {names} too, so it cannot be installed "
            "offline either.",
            f"The network is needed once for {names}: start once with the package index "
            f"reachable, and later starts install it from the cache. {error.todo}",
            error.output,
        )
        self.missing = missing


def name_missing(error: StartupError, missed: CacheMiss) -> StartupError:
    """The online failure, with boot's own words on what the cache lacks when it was offline."""
    if not missed.is_miss or not is_network_error(error):
        return error
    return NetworkFailure(error, missed.packages)


def plan_lines(installs: list[str], cache: bool, last_good: bool, empty: bool = False) -> list[str]:
    """What `boot --dry-run` says about the branches a start would take (no uv is run).

    INSTALLS: the steps that would run ("project", "requirements"); CACHE: cache_possible();
    LAST_GOOD: a record of an earlier successful start is in the venv; EMPTY:
    empty_at_start().
    """
    if not installs:
        return ["no install runs: no uv call, no index, no cache"]
    lines = []
    if "project" in installs and not cache:
        lines.append("project: from the index (no usable local uv cache)")
    elif "project" in installs and empty:
        lines.append("project: from the index (the local uv cache is empty: a first start)")
    elif "project" in installs:
        lines.append(
            "project: from the local uv cache first (offline), the index only for what "
            "the cache lacks"
        )
    if "requirements" in installs:
        lines.append(
            "requirements: resolved against the index; from the local uv cache if the index "
            "is unreachable"
            if cache
            else "requirements: from the index (no usable local uv cache)"
        )
    lines.append(
        "if the index is unreachable and the cache lacks a package: "
        + (
            "start on the last good environment (the venv as the last successful start left it)"
            if last_good
            else "fail (no earlier successful start: no last good environment)"
        )
    )
    return lines
