"""console: behaviours of the log lines that surviving mutants showed no test pinned down
(tests/unit/test_console.py holds the first ones)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time

import pytest

from hassette_tasks import console as console_module
from hassette_tasks.console import Console, Redactor, hassette_run_line, redact_args

# a fresh process that waits, then asks how long ago it started
AGE_SCRIPT = (
    "import time\n"
    "time.sleep(0.6)\n"
    "from hassette_tasks.console import Console, process_start_monotonic\n"
    "print(time.monotonic() - process_start_monotonic())\n"
    "import io\n"
    "stream = io.StringIO()\n"
    "Console(env={}, stream=stream).line('x')\n"
    "print(stream.getvalue(), end='')\n"
)


def test_a_fresh_process_times_its_lines_from_its_own_start():
    # `docker logs` shows the boot's real time, the interpreter's start-up included
    done = subprocess.run(
        [sys.executable, "-c", AGE_SCRIPT], capture_output=True, text=True, check=True
    )
    age_line, log_line = done.stdout.splitlines()
    # the upper bound is the console's own (an age past 60 s is not believed): a busy
    # machine may take seconds to start the child
    assert 0.6 <= float(age_line) < 59
    milliseconds = int(re.match(r"^\[ *(\d+)ms\] x$", log_line).group(1))
    assert 600 <= milliseconds < 59_000


@pytest.mark.parametrize(
    ("age", "back"),
    [(None, 0.0), (-1.0, 0.0), (0.0, 0.0), (0.5, 0.5), (59.5, 59.5), (60.0, 0.0)],
)
def test_a_process_age_is_believed_only_between_0_and_60_seconds(monkeypatch, age, back):
    # an age from /proc that cannot be a boot's (a clock jump, a reused container) is ignored
    monkeypatch.setattr(console_module, "_process_age_seconds", lambda: age)
    before = time.monotonic()
    started = console_module.process_start_monotonic()
    after = time.monotonic()
    assert before - back - 0.5 <= started <= after - back


def test_an_unreadable_proc_stat_is_no_age(monkeypatch):
    monkeypatch.setattr(console_module, "proc_self_stat", lambda: None)
    assert console_module._process_age_seconds() is None
    monkeypatch.setattr(console_module, "proc_self_stat", lambda: [b"S"] * 5)  # too short
    assert console_module._process_age_seconds() is None
    monkeypatch.setattr(console_module, "proc_self_stat", lambda: [b"x"] * 30)  # not a number
    assert console_module._process_age_seconds() is None


def test_the_console_writes_to_stdout_by_default(capsys):
    Console(env={}, started=time.monotonic()).line("to docker logs")
    assert re.match(r"^\[ *\d+ms\] to docker logs\n$", capsys.readouterr().out)


def test_the_console_redacts_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("HASSETTE__TOKEN", "from-the-environment")
    stream = io.StringIO()
    Console(stream=stream, started=time.monotonic()).plain("token from-the-environment")
    assert stream.getvalue() == "token ****\n"


def test_plain_text_is_written_as_given_and_blank_by_default():
    stream = io.StringIO()
    console = Console(env={}, stream=stream, started=time.monotonic())
    console.plain("as given")
    console.plain()
    assert stream.getvalue() == "as given\n\n"


@pytest.mark.parametrize(
    ("env", "hidden", "shown"),
    [
        ({"MY_TOKEN": "abc"}, "abc", None),  # three characters: hidden
        ({"MY_TOKEN": "ab"}, None, "ab"),  # two: too common a string to replace everywhere
        ({"HASSETTE__TOKEN": "xyz"}, "xyz", None),
        ({"app_password": "pw9"}, "pw9", None),  # any case
        ({"UV_INDEX_URL": "https://u:pwd@h/simple"}, "pwd", None),
        ({"UV_INDEX_URL": "https://u:pw@h/simple"}, None, "pw"),
        ({"UV_INDEX_URL": "https://tok@h/simple"}, "tok", None),
    ],
)
def test_secrets_shorter_than_three_characters_are_left(env, hidden, shown):
    text = Redactor(env)("value: abc xyz pw9 pwd tok. two: ab pw")
    if hidden:
        assert hidden not in text
    if shown:
        assert f" {shown}" in text


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--TOKEN", "x1"], ["--TOKEN", "****"]),
        (["--Api-Key=x2"], ["--Api-Key=****"]),
        (["--password", "x3", "--passwd", "x4"], ["--password", "****", "--passwd", "****"]),
        (["--ha-credential", "x5"], ["--ha-credential", "****"]),
        (["--client-secret", "x6"], ["--client-secret", "****"]),
        (["-t=x7"], ["-t=****"]),
        (["--app", "--token", "x8"], ["--app", "--token", "****"]),
        (["--tokens-file"], ["--tokens-file"]),  # its value would be the next word
        (["--dev-mode", "value"], ["--dev-mode", "value"]),
        (["--keyring", "k"], ["--keyring", "****"]),
        (["-v", "first-positional-later"], ["-v", "first-positional-later"]),
        (["--t", "x9"], ["--t", "x9"]),  # not -t: hassette has no --t
        (["--app", "-tX"], ["--app", "-t****"]),  # a one-character token too
    ],
)
def test_which_hassette_arguments_are_hidden(args, shown):
    assert redact_args(args) == shown


def test_the_hassette_run_line_reads_as_a_shell_would_with_secrets_as_bare_stars():
    line = hassette_run_line(
        "/opt/my venv/bin/hassette",
        ["TOKEN1", "--token", "t2", "--app", "my app", "-tT3", "--api-key=k4", "--x=a b"],
    )

    assert line == (
        "'/opt/my venv/bin/hassette' run **** --token **** --app 'my app' -t**** "
        "--api-key=**** '--x=a b'"
    )
    assert not {"TOKEN1", "t2", "T3", "k4"} & set(line.split())


def test_a_secret_inside_a_longer_one_does_not_leave_the_longer_ones_rest():
    # the longer secret is replaced first, whatever their order as text
    redact = Redactor({"A_TOKEN": "zz9", "B_TOKEN": "ab-zz9-cd"})
    assert redact("x ab-zz9-cd y zz9") == "x **** y ****"


def test_a_banner_without_output_has_no_uv_section():
    stream = io.StringIO()
    Console(env={}, stream=stream, started=time.monotonic()).banner("TITLE", ["body"])
    assert "uv said" not in stream.getvalue()
    assert stream.getvalue().endswith("  body\n" + "=" * 72 + "\n\n")
