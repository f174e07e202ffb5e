"""The settings check: names hassette 0.60.0 would refuse, found before the hand-off.

The list is what `hassette-tasks settings-names` wrote in the 3.13 image from hassette
0.60.0 (tests/support/data); the container tests check the image's own list.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hassette_tasks import hassette_settings as hs
from hassette_tasks import settings as settings_module
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from tests.unit.conftest import SETTINGS_LIST as LIST


def run_check(tmp_path: Path, env: dict[str, str], dotenv_text: str | bytes | None = None):
    config = tmp_path / "config dir"
    config.mkdir(exist_ok=True)
    if isinstance(dotenv_text, bytes):
        (config / ".env").write_bytes(dotenv_text)
    elif dotenv_text is not None:
        (config / ".env").write_text(dotenv_text)
    env = {hs.NAMES_VARIABLE: str(LIST), "HASSETTE__CONFIG_DIR": str(config), **env}
    out = io.StringIO()
    cfg = settings_module.load(env)
    try:
        hs.check(cfg, Console(env=env, stream=out), env)
    except StartupError as error:
        return error, out.getvalue()
    return None, out.getvalue()


def test_the_docs_old_log_level_name_is_refused_with_the_new_one(tmp_path):
    error, _ = run_check(tmp_path, {"HASSETTE__LOG_LEVEL": "DEBUG"})
    assert error is not None and error.failure is Failure.UNKNOWN_SETTING
    assert error.failure.title == "UNKNOWN HASSETTE SETTING"
    assert "HASSETTE__LOG_LEVEL (from the environment" in error.what
    assert "HASSETTE__LOGGING__LOG_LEVEL" in error.todo


def test_known_names_pass(tmp_path):
    env = {
        "HASSETTE__TOKEN": "t0k3n",
        "HASSETTE__BASE_URL": "http://ha:8123",
        "HASSETTE__LOGGING__LOG_LEVEL": "DEBUG",
        "hassette__web_api__port": "9000",  # hassette matches names in any case
        "HASSETTE__APPS__MY_APP__FILENAME": "my_app.py",  # an app definition
        "HASSETTE__APPS__OTHER": '{"filename": "other.py"}',
        "HASSETTE__INSTALL_DEPS": "1",  # boot's own: withheld, not checked
        "HASSETTE__UNKNOWN_BUT_EMPTY": "",  # hassette ignores empty values
        "OTHER": "x",
    }
    assert run_check(tmp_path, env) == (None, "")


def test_a_scalar_under_apps_and_a_bad_apps_sub_key_are_refused(tmp_path):
    error, _ = run_check(
        tmp_path, {"HASSETTE__APPS__TYPO": "x", "HASSETTE__APPS__DIRECTORY__X": "y"}
    )
    assert error is not None
    assert "HASSETTE__APPS__TYPO" in error.what and "HASSETTE__APPS__DIRECTORY__X" in error.what


def test_unknown_names_in_dotenv_are_named_with_the_file(tmp_path):
    error, _ = run_check(tmp_path, {}, "# hassette's .env\nHASSETTE__LOG_LEVEL=DEBUG\n")
    assert error is not None and error.failure is Failure.UNKNOWN_SETTING
    assert "config dir/.env" in error.what


def test_boot_settings_in_dotenv_belong_in_the_environment(tmp_path):
    error, _ = run_check(tmp_path, {}, "HASSETTE__INSTALL_DEPS=1\nHASSETTE__TOKEN=x\n")
    assert error is not None and error.failure is Failure.STARTUP_SETTING_IN_DOTENV
    assert "HASSETTE__INSTALL_DEPS" in error.what
    assert "container's environment" in error.todo


def test_a_secret_in_dotenv_is_never_shown(tmp_path):
    error, out = run_check(tmp_path, {}, "HASSETTE__TOKN=supersecret\n")
    assert error is not None
    assert "supersecret" not in error.what + error.todo + out


def test_no_list_is_one_line_and_no_check(tmp_path):
    out = io.StringIO()
    env = {hs.NAMES_VARIABLE: str(tmp_path / "missing.json"), "HASSETTE__LOG_LEVEL": "x"}
    hs.check(settings_module.load(env), Console(env=env, stream=out), env)
    assert out.getvalue().count("\n") == 1
    assert "hassette settings: not checked (no list of hassette's settings" in out.getvalue()


def test_an_unreadable_dotenv_is_a_warning(tmp_path):
    error, out = run_check(tmp_path, {}, b"HASSETTE__LOG_LEVEL=\xff\n")
    assert error is None
    assert "warning: " in out and "not UTF-8" in out


def test_an_unparsable_dotenv_line_is_a_warning_and_the_rest_is_checked(tmp_path):
    error, out = run_check(tmp_path, {}, "A='x' junk\nHASSETTE__LOG_LEVEL=DEBUG\n")
    assert "line 1 is not NAME=VALUE" in out
    assert error is not None and "HASSETTE__LOG_LEVEL" in error.what


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120), st.integers(min_value=0, max_value=120))
def test_random_dotenv_content_never_raises_anything_but_a_banner(tmp_path_factory, data, cut):
    error, _ = run_check(tmp_path_factory.mktemp("c"), {}, data[:cut])
    assert error is None or error.failure in (
        Failure.UNKNOWN_SETTING,
        Failure.STARTUP_SETTING_IN_DOTENV,
    )


@pytest.mark.parametrize("text", ["", "{", '{"format": 1}', '{"format": 1, "known": 3}', "[]"])
def test_a_broken_list_skips_the_check_with_a_reason(tmp_path, text):
    path = tmp_path / "list.json"
    path.write_text(text)
    known, why = hs.load_names(path)
    assert known is None and why
