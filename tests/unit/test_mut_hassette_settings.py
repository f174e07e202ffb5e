"""hassette_settings: the probe the image build runs, the list it writes, and the words of
the two banners (tests found by nox -s mutate -- hassette_settings)."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from hassette_tasks import hassette_settings as hs
from hassette_tasks import settings as settings_module
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.hassette_config import Unknown
from tests.unit.conftest import SETTINGS_LIST as LIST
from tests.unit.conftest import write


def _fake_python(tmp_path: Path, body: str) -> Path:
    """A `python` that answers the probe as BODY says (sh), and only when run with -c."""
    path = write(tmp_path / "python", f'#!/bin/sh\n[ "$1" = "-c" ] || exit 9\n{body}\n')
    path.chmod(0o755)
    return path


def test_the_probe_returns_what_hassettes_python_printed(tmp_path):
    python = _fake_python(tmp_path, "echo '{\"format\": 1}'")

    assert hs.probe(python) == ('{"format": 1}\n', "")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("echo first >&2; echo 'the last words' >&2; exit 1", "the last words"),
        ("echo out; exit 5", "exit code 5"),
        ("exit 3", "exit code 3"),
    ],
)
def test_a_failed_probe_says_why_in_its_last_line(tmp_path, body, why):
    assert hs.probe(_fake_python(tmp_path, body)) == (None, why)


def test_a_python_without_hassette_has_no_settings_check():
    found, why = hs.probe(Path(sys.executable))

    assert found is None
    assert why.startswith("this hassette has no settings check (No module named 'hassette")


def test_a_missing_python_is_named(tmp_path):
    found, why = hs.probe(tmp_path / "no python")

    assert found is None
    assert why == f"[Errno 2] No such file or directory: '{tmp_path / 'no python'}'"


def test_the_list_is_read_as_written(tmp_path, names):
    assert names.hassette == "0.60.0"
    assert (names.web_host, names.web_port) == ("0.0.0.0", 8126)
    data = json.loads(LIST.read_text())
    data["web_api"] = {"host": "127.0.0.1", "port": 9000}
    data["open_prefixes"] = ["HASSETTE__APPS__APPS__"]
    del data["toml"]
    write(tmp_path / "list.json", json.dumps(data))

    known, why = hs.load_names(tmp_path / "list.json")

    assert why == "" and known is not None
    assert (known.web_host, known.web_port) == ("127.0.0.1", 9000)
    assert known.open_prefixes == ("hassette__apps__apps__",)
    assert known.is_known("HASSETTE__APPS__APPS__X", "1")
    assert known.toml is None


def test_an_old_list_without_web_api_uses_hassettes_defaults(tmp_path):
    data = json.loads(LIST.read_text())
    del data["web_api"]
    write(tmp_path / "list.json", json.dumps(data))

    known, _ = hs.load_names(tmp_path / "list.json")

    assert known is not None and (known.web_host, known.web_port) == ("0.0.0.0", 8126)


def test_an_app_named_without_a_value_is_not_an_app(names):
    assert not names.is_known("HASSETTE__APPS__MY_APP", None)
    assert names.is_known("HASSETTE__APPS__MY_APP", '{"filename": "a.py"}')


def test_a_name_close_to_none_has_no_suggestion(names):
    assert names.suggest("Q") is None


def test_every_unknown_name_is_found_past_names_that_are_not_hassettes(names):
    entries = [("OTHER", "x"), ("HASSETTE__EMPTY", ""), ("HASSETTE__LOG_LEVEL", "DEBUG")]

    found = hs.unknown_names(names, entries, "the environment")

    assert [u.name for u in found] == ["HASSETTE__LOG_LEVEL"]


def _check(tmp_path: Path, env: dict[str, str], names_file: Path = LIST):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    env = {hs.NAMES_VARIABLE: str(names_file), "HASSETTE__CONFIG_DIR": str(config), **env}
    out = io.StringIO()
    try:
        hs.check(settings_module.load(env), Console(env={}, stream=out, started=0.0), env)
    except StartupError as error:
        return error, out.getvalue()
    return None, out.getvalue()


def test_without_env_the_process_environment_is_checked(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv(hs.NAMES_VARIABLE, str(LIST))
    monkeypatch.setenv("HASSETTE__CONFIG_DIR", str(config))
    monkeypatch.setenv("HASSETTE__LOG_LEVEL", "DEBUG")
    env = dict(os.environ)

    with pytest.raises(StartupError) as caught:
        hs.check(settings_module.load(env), Console(env={}, stream=io.StringIO()))

    assert "HASSETTE__LOG_LEVEL (from the environment" in caught.value.what


def test_both_hassette_toml_files_are_checked(tmp_path):
    write(tmp_path / "config" / "hassette.local.toml", "[hassette]\nlog_levle = 'x'\n")
    error, _ = _check(tmp_path, {})
    assert error is not None and "log_levle" in error.what

    write(tmp_path / "config" / "hassette.toml", "[hassette]\ntypo_one = 1\n")
    error, _ = _check(tmp_path, {})
    assert error is not None and "typo_one" in error.what and "log_levle" in error.what


def test_a_toml_file_is_not_checked_without_a_key_list(tmp_path):
    data = json.loads(LIST.read_text())
    del data["toml"]
    write(tmp_path / "list.json", json.dumps(data))
    write(tmp_path / "config" / "hassette.toml", "[hassette]\ntypo = 1\n")
    write(tmp_path / "config" / "hassette.local.toml", "[hassette]\ntypo = 2\n")

    error, out = _check(tmp_path, {}, tmp_path / "list.json")

    assert error is None
    config = tmp_path / "config"
    assert [line.partition("] ")[2] for line in out.splitlines()] == [
        f"hassette settings: {config / name} not checked (this image has no key list)"
        for name in ("hassette.toml", "hassette.local.toml")
    ]


def test_a_misplaced_start_up_setting_names_the_file_and_what_else_is_wrong(tmp_path):
    write(
        tmp_path / "config" / ".env",
        "HASSETTE__INSTALL_DEPS=1\nHASSETTE__TYPO=1\nHASSETTE__QQ=2\n",
    )

    error, _ = _check(tmp_path, {})

    env_file = tmp_path / "config" / ".env"
    assert error is not None and error.failure is Failure.STARTUP_SETTING_IN_DOTENV
    assert error.what == (
        f"{env_file} sets HASSETTE__INSTALL_DEPS: start-up settings, which boot reads only "
        "from the container's environment (and hassette would refuse them in its .env). "
        f"Also unknown to hassette: HASSETTE__TYPO (from {env_file}, did you mean "
        f"HASSETTE__TOKEN?); HASSETTE__QQ (from {env_file}, did you mean HASSETTE__CLI?)."
    )
    assert error.todo == (
        "Move them out of .env into the container's environment (compose `environment:`, "
        "docker run -e), then restart."
    )


def test_misplaced_settings_alone_are_listed_and_nothing_else():
    error = hs.misplaced_error(["HASSETTE__A", "HASSETTE__B"], Path("/config/.env"), [])

    assert error.what == (
        "/config/.env sets HASSETTE__A, HASSETTE__B: start-up settings, which boot reads "
        "only from the container's environment (and hassette would refuse them in its .env)."
    )


DOCS = (
    ", then restart. Settings: https://hassette.readthedocs.io/en/stable/pages/"
    "core-concepts/configuration/"
)


def test_unknown_variables_are_listed_with_the_prefix_rule(names):
    unknown = [
        Unknown("HASSETTE__QQ", "the environment", None),
        Unknown("HASSETTE__LOG_LEVEL", "the environment", "HASSETTE__LOGGING__LOG_LEVEL"),
    ]

    error = hs.unknown_error(unknown, names)

    assert error.failure is Failure.UNKNOWN_SETTING
    assert error.what == (
        "hassette 0.60.0 would refuse to start (exit 78) on HASSETTE__QQ (from the "
        "environment); HASSETTE__LOG_LEVEL (from the environment, did you mean "
        "HASSETTE__LOGGING__LOG_LEVEL?). The HASSETTE__ prefix is reserved for hassette's "
        "settings."
    )
    assert error.todo == (
        "Rename HASSETTE__LOG_LEVEL to HASSETTE__LOGGING__LOG_LEVEL (each name listed), or "
        "give an app's own variable another prefix" + DOCS
    )


def test_an_unknown_toml_key_without_suggestion_is_to_be_removed(names):
    error = hs.unknown_error([Unknown("hassette.qq", "/config/hassette.toml", None)], names)

    assert error.what == (
        "hassette 0.60.0 would refuse to start (exit 78) on hassette.qq (from "
        "/config/hassette.toml)."
    )
    assert error.todo == "Remove hassette.qq (each name listed)" + DOCS


def test_a_lower_case_variable_is_a_variable_too(names):
    error = hs.unknown_error([Unknown("hassette__qq", "the environment", None)], names)

    assert "The HASSETTE__ prefix is reserved" in error.what
    assert "another prefix" in error.todo
