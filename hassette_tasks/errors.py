"""Fatal start-up failures: what happened, what to do, and the exit code for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Failure(Enum):
    """Each kind of fatal failure; the value is (exit code, banner title).

    A stop signal is not among them: its exit code is 128 + the signal's number (see
    `Interrupted`), so it depends on the signal, not on the kind.
    """

    CONFIG = (2, "CONFIGURATION ERROR")
    EXPORT = (3, "EXPORT FAILED")
    CONFLICT = (4, "DEPENDENCY CONFLICT")
    UNREACHABLE = (5, "PACKAGE INDEX UNREACHABLE")
    TIMEOUT = (6, "INSTALL TIMED OUT")
    BROKEN_ENV = (7, "BROKEN ENVIRONMENT")
    INSTALL = (8, "INSTALL FAILED")
    PATH_DEPENDENCY = (9, "LOCAL PATH DEPENDENCY OUTSIDE THE PROJECT")
    IMAGE = (10, "HASSETTE NOT INSTALLED")
    DISK_FULL = (11, "NO SPACE LEFT")
    NOT_WRITABLE = (12, "APP ENVIRONMENT NOT WRITABLE")
    HASH_MISMATCH = (13, "HASH MISMATCH")
    REPAIR = (14, "REPAIR FAILED")
    UNKNOWN_SETTING = (15, "UNKNOWN HASSETTE SETTING")
    STARTUP_SETTING_IN_DOTENV = (16, "START-UP SETTING IN .env")
    INDEX_AUTH = (17, "INDEX AUTHENTICATION FAILED")
    HASSETTE_CONFIG = (18, "HASSETTE CONFIGURATION UNREADABLE")

    @property
    def exit_code(self) -> int:
        return self.value[0]

    @property
    def title(self) -> str:
        return self.value[1]


@dataclass
class StartupError(Exception):
    """A fatal failure with the words a user needs: what happened and what to do."""

    failure: Failure
    what: str
    todo: str = ""
    output: str = ""

    def __str__(self) -> str:
        return f"{self.failure.title}: {self.what}"


class ConfigError(StartupError):
    """A bad setting, found before anything is installed."""

    def __init__(self, variable: str, problem: str, todo: str = "") -> None:
        super().__init__(
            Failure.CONFIG, f"{variable}: {problem}", todo or f"Fix {variable} and restart."
        )
        self.variable = variable


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived; unwinds so temporary files are removed and uv is stopped."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended."""
        return 128 + self.signum
