"""console: redaction of secrets, the elapsed-ms prefix, flushing, and the failure banner."""

from __future__ import annotations

import io
import re
import time

from hassette_tasks.console import Console, Redactor, redact_args
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.failure import show

PREFIX = re.compile(r"^\[[ \d]{6}\dms\] ")


class FlushCounting(io.StringIO):
    def __init__(self):
        super().__init__()
        self.flushes = 0
        self.flushed_text = ""

    def flush(self):
        self.flushes += 1
        self.flushed_text = self.getvalue()
        super().flush()


def test_hassette_token_removed():
    redact = Redactor({"HASSETTE__TOKEN": "eyJhbGciOiJIUzI1NiJ9.abc.def"})
    out = redact("connecting with token eyJhbGciOiJIUzI1NiJ9.abc.def to HA")
    assert "eyJhbGciOiJIUzI1NiJ9" not in out
    assert out == "connecting with token **** to HA"


def test_values_of_secret_named_variables_removed():
    env = {
        "MY_API_TOKEN": "tok-123456",
        "db_password": "hunter2hunter2",
        "CLIENT_SECRET_KEY": "s3cr3t-v4lue",
        "HASSETTE__PROJECT_DIR": "/apps",
    }
    out = Redactor(env)("a tok-123456 b hunter2hunter2 c s3cr3t-v4lue d /apps")
    for secret in ("tok-123456", "hunter2hunter2", "s3cr3t-v4lue"):
        assert secret not in out
    assert "/apps" in out  # values of ordinary variables stay


def test_longer_secret_replaced_whole():
    out = Redactor({"A_TOKEN": "abcdef", "B_TOKEN": "abcdef-ghijkl"})("x abcdef-ghijkl y")
    assert "ghijkl" not in out and "abcdef" not in out


def test_url_credentials_removed_from_text():
    out = Redactor({})("GET https://user:pass@host/simple/aiohttp/ failed")
    assert "user:pass" not in out
    assert "pass" not in out
    assert "https://****@host/simple/aiohttp/" in out


def test_url_credentials_from_environment_removed_even_without_the_url():
    env = {"UV_INDEX_URL": "https://deploy-bot:gh-s3cret-pw@pypi.example.com/simple"}
    out = Redactor(env)("auth for deploy-bot failed with gh-s3cret-pw\nsee pypi.example.com")
    assert "gh-s3cret-pw" not in out
    assert "pypi.example.com" in out


def test_token_only_url_credentials_removed():
    out = Redactor({})("Failed to fetch: https://ghp_abcdef1234@pypi.example.com/simple/x/")
    assert "ghp_abcdef1234" not in out


def test_redaction_inside_multi_line_text():
    env = {"HASSETTE__TOKEN": "long-lived-token-value"}
    text = (
        "error: Request failed\n"
        "  cause: Failed to fetch: https://user:pass@host/simple/alpha/\n"
        "  token was long-lived-token-value\n"
        "  and again https://alice:wonderland@mirror.example/simple\n"
    )
    out = Redactor(env)(text)
    assert "pass" not in out and "user:pass" not in out
    assert "wonderland" not in out
    assert "long-lived-token-value" not in out
    assert out.count("\n") == text.count("\n")


def test_line_prefix_flush_and_redaction():
    stream = FlushCounting()
    console = Console(
        env={"HASSETTE__TOKEN": "abc-secret-123"}, stream=stream, started=time.monotonic() - 0.412
    )
    console.line("project install: starting with abc-secret-123 https://u:pw12@h/simple")
    text = stream.getvalue()
    assert PREFIX.match(text), text
    assert len(text.split("]")[0]) == len("[    412ms")
    milliseconds = int(re.match(r"^\[ *(\d+)ms\]", text).group(1))
    assert 412 <= milliseconds < 5000
    assert text.endswith("\n")
    assert "abc-secret-123" not in text and "pw12" not in text
    assert "project install: starting with **** https://****@h/simple" in text
    assert stream.flushes >= 1 and stream.flushed_text == text


def test_every_line_written_is_flushed_at_once():
    stream = FlushCounting()
    console = Console(env={}, stream=stream, started=time.monotonic())
    console.line("one")
    after_one = stream.flushed_text
    console.warn("two")
    assert after_one.endswith("one\n")
    assert stream.flushed_text.endswith("warning: two\n")
    assert all(PREFIX.match(line) for line in stream.getvalue().splitlines())


def test_large_elapsed_still_prefixed():
    stream = io.StringIO()
    Console(env={}, stream=stream, started=time.monotonic() - 123.456).line("x")
    assert re.match(r"^\[ *1234\d\dms\] x\n$", stream.getvalue())


def test_banner_has_title_what_happened_what_to_do_and_uv_output_below():
    stream = io.StringIO()
    console = Console(env={"MY_SECRET": "topsecret-value"}, stream=stream, started=time.monotonic())
    error = StartupError(
        Failure.CONFLICT,
        "installing /apps/requirements.txt failed (uv exit code 1).",
        "Relax the requirement.",
        "error: No solution found when resolving dependencies\n"
        "  cause: Because you require beta>=2 from https://bob:topsecret-value@idx/simple ...",
    )
    show(error, console)
    text = stream.getvalue()
    title = text.index("DEPENDENCY CONFLICT")
    happened = text.index("What happened: installing /apps/requirements.txt failed")
    todo = text.index("What to do: Relax the requirement.")
    uv_words = text.index("No solution found when resolving dependencies")
    assert title < happened < todo < uv_words
    assert "topsecret-value" not in text and "bob:" not in text


def test_banner_without_output_or_todo():
    stream = io.StringIO()
    console = Console(env={}, stream=stream, started=time.monotonic())
    show(StartupError(Failure.TIMEOUT, "uv export timed out after 120s and was stopped."), console)
    text = stream.getvalue()
    assert "INSTALL TIMED OUT" in text
    assert "timed out after 120s" in text
    assert "What to do" not in text
    assert "uv said" not in text


def test_output_lines_are_indented_and_redacted():
    stream = io.StringIO()
    console = Console(env={"HASSETTE__TOKEN": "tok-tok-tok"}, stream=stream, started=0.0)
    console.output("Resolved 3 packages tok-tok-tok\n")
    assert stream.getvalue() == "    Resolved 3 packages ****\n"


def test_secret_option_values_are_hidden_in_hassette_args():
    args = ["--token", "abc123", "--app", "lights", "--api-key=k-999", "-t", "t-1", "-tT2"]
    shown = redact_args(args)
    assert shown == [
        "--token",
        "****",
        "--app",
        "lights",
        "--api-key=****",
        "-t",
        "****",
        "-t****",
    ]
    assert not {"abc123", "k-999", "t-1", "T2"} & set(" ".join(shown).split())


def test_first_positional_is_hassettes_token():
    assert redact_args(["my-long-lived-token", "--dev-mode"]) == ["****", "--dev-mode"]


def test_plain_hassette_args_are_shown_as_given():
    args = ["--version", "--config-dir", "/my config", "--app", "a,b"]
    assert redact_args(args) == args


def test_a_banner_is_laid_out_exactly():
    stream = io.StringIO()
    console = Console(env={}, stream=stream, started=time.monotonic())

    console.banner(
        "INSTALL FAILED", ["What happened: x.", "What to do: y."], "\n  first\nsecond\n\n"
    )
    console.banner("NO OUTPUT", ["body"], "  \n")

    rule = "=" * 72
    assert stream.getvalue() == "\n".join(
        [
            "",
            rule,
            "  INSTALL FAILED",
            rule,
            "  What happened: x.",
            "  What to do: y.",
            "-" * 72,
            "  uv said:",
            "    ",
            "      first",
            "    second",
            rule,
            "",
            "",
            rule,
            "  NO OUTPUT",
            rule,
            "  body",
            rule,
            "",
            "",
        ]
    )
