"""settings.load and Settings.require_constraints: the settings table of docs/contract.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks import failure
from hassette_tasks.errors import ConfigError, Failure
from hassette_tasks.settings import hassette_environment, load


def test_defaults_are_the_documented_table():
    settings = load({})
    assert settings.project_dir == Path("/apps")
    assert settings.apps_dir == Path("/apps")
    assert settings.config_dir == Path("/config")
    assert settings.install_deps is False
    assert settings.prune_cache is True
    assert settings.constraints == Path("/app/constraints.txt")
    assert settings.venv == Path("/app/.venv")
    assert settings.install_timeout.seconds == 300
    assert settings.requirements_timeout.seconds == 120
    assert settings.on_failure == "exit"
    assert settings.force_install is False
    assert settings.warnings == []
    assert settings.requirements_roots == [Path("/config"), Path("/apps")]
    assert settings.python == Path("/app/.venv/bin/python")


def test_every_variable_is_read():
    env = {
        "HASSETTE__PROJECT_DIR": "/p",
        "HASSETTE__APPS__DIRECTORY": "/a",
        "HASSETTE__CONFIG_DIR": "/c",
        "HASSETTE__INSTALL_DEPS": "1",
        "HASSETTE__PRUNE_UV_CACHE": "0",
        "HASSETTE__CONSTRAINTS": "/k.txt",
        "HASSETTE__VENV": "/v",
        "HASSETTE__INSTALL_TIMEOUT": "30",
        "HASSETTE__REQUIREMENTS_TIMEOUT": "12",
        "HASSETTE__ON_FAILURE": "halt",
        "HASSETTE__FORCE_INSTALL": "1",
    }
    settings = load(env)
    assert settings.project_dir == Path("/p")
    assert settings.apps_dir == Path("/a")
    assert settings.config_dir == Path("/c")
    assert settings.install_deps is True
    assert settings.prune_cache is False
    assert settings.constraints == Path("/k.txt")
    assert settings.venv == Path("/v")
    assert settings.install_timeout.seconds == 30
    assert settings.requirements_timeout.seconds == 12
    assert settings.on_failure == "halt"
    assert settings.force_install is True
    assert settings.warnings == []
    assert settings.requirements_roots == [Path("/c"), Path("/a")]


def test_virtual_env_is_never_the_app_venv():
    assert load({"VIRTUAL_ENV": "/opt/tasks/.venv"}).venv == Path("/app/.venv")


def test_flags_win_over_environment():
    env = {
        "HASSETTE__PROJECT_DIR": "/p",
        "HASSETTE__APPS__DIRECTORY": "/a",
        "HASSETTE__APP_DIR": "/old",
        "HASSETTE__CONFIG_DIR": "/c",
        "HASSETTE__INSTALL_DEPS": "1",
        "HASSETTE__PRUNE_UV_CACHE": "1",
        "HASSETTE__CONSTRAINTS": "/k.txt",
        "HASSETTE__VENV": "/v",
        "HASSETTE__INSTALL_TIMEOUT": "abc",  # a flag replaces even a bad value
        "HASSETTE__REQUIREMENTS_TIMEOUT": "12",
        "HASSETTE__ON_FAILURE": "halt",
        "HASSETTE__FORCE_INSTALL": "0",
    }
    settings = load(
        env,
        project_dir="/fp",
        apps_dir="/fa",
        config_dir="/fc",
        install_deps=False,
        prune_cache=False,
        constraints="/fk.txt",
        venv="/fv",
        install_timeout=7,
        requirements_timeout="8",
        on_failure="exit",
        force_install=True,
    )
    assert settings.project_dir == Path("/fp")
    assert settings.apps_dir == Path("/fa")
    assert settings.config_dir == Path("/fc")
    assert settings.install_deps is False
    assert settings.prune_cache is False
    assert settings.constraints == Path("/fk.txt")
    assert settings.venv == Path("/fv")
    assert settings.install_timeout.seconds == 7
    assert settings.requirements_timeout.text == "8"
    assert settings.on_failure == "exit"
    assert settings.force_install is True


def test_none_flags_fall_back_to_environment():
    settings = load(
        {"HASSETTE__VENV": "/v", "HASSETTE__INSTALL_DEPS": "1"},
        venv=None,
        install_deps=None,
        install_timeout=None,
    )
    assert settings.venv == Path("/v")
    assert settings.install_deps is True
    assert settings.install_timeout.seconds == 300


def test_older_app_dir_name_is_read():
    assert load({"HASSETTE__APP_DIR": "/old"}).apps_dir == Path("/old")


def test_new_apps_dir_name_wins_over_older_one():
    env = {"HASSETTE__APP_DIR": "/old", "HASSETTE__APPS__DIRECTORY": "/new"}
    assert load(env).apps_dir == Path("/new")


def test_older_app_dir_name_does_not_move_the_project_dir():
    assert load({"HASSETTE__APP_DIR": "/old"}).project_dir == Path("/apps")


@pytest.mark.parametrize("value, on", [("1", True), (" 1 ", True), ("0", False), ("", False)])
def test_install_deps_one_and_zero(value, on):
    settings = load({"HASSETTE__INSTALL_DEPS": value})
    assert settings.install_deps is on
    assert settings.warnings == []


@pytest.mark.parametrize("value", ["true", "yes", "on", "TRUE", "2"])
def test_install_deps_other_words_are_off_with_a_warning(value):
    settings = load({"HASSETTE__INSTALL_DEPS": value})
    assert settings.install_deps is False
    assert len(settings.warnings) == 1
    warning = settings.warnings[0]
    assert "HASSETTE__INSTALL_DEPS" in warning
    assert value in warning
    assert "only 1 enables it" in warning


@pytest.mark.parametrize("value, on", [("1", True), ("0", False)])
def test_prune_uv_cache_one_and_zero(value, on):
    settings = load({"HASSETTE__PRUNE_UV_CACHE": value})
    assert settings.prune_cache is on
    assert settings.warnings == []


@pytest.mark.parametrize("value", ["true", "yes", "no", "off", "2"])
def test_prune_uv_cache_other_values_are_off_with_a_warning(value):
    settings = load({"HASSETTE__PRUNE_UV_CACHE": value})
    assert settings.prune_cache is False
    assert len(settings.warnings) == 1
    assert "HASSETTE__PRUNE_UV_CACHE" in settings.warnings[0]
    assert "only 1 or 0" in settings.warnings[0]


def test_force_install_other_words_warn():
    settings = load({"HASSETTE__FORCE_INSTALL": "yes"})
    assert settings.force_install is False
    assert any("HASSETTE__FORCE_INSTALL" in warning for warning in settings.warnings)


@pytest.mark.parametrize(
    "variable", ["HASSETTE__INSTALL_TIMEOUT", "HASSETTE__REQUIREMENTS_TIMEOUT"]
)
@pytest.mark.parametrize("value", ["1", "45", "600"])
def test_timeouts_whole_seconds(variable, value):
    settings = load({variable: value})
    timeout = (
        settings.install_timeout
        if variable == "HASSETTE__INSTALL_TIMEOUT"
        else settings.requirements_timeout
    )
    assert timeout.seconds == int(value)
    assert timeout.text == value
    assert timeout.variable == variable


@pytest.mark.parametrize(
    "variable", ["HASSETTE__INSTALL_TIMEOUT", "HASSETTE__REQUIREMENTS_TIMEOUT"]
)
@pytest.mark.parametrize("value", ["abc", "1.5", "0", "-3", "", "10s", "²", "١٢٠", "1e3"])
def test_bad_timeouts_are_config_errors_naming_the_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        load({variable: value})
    error = caught.value
    assert error.variable == variable
    assert error.failure is Failure.CONFIG
    assert variable in error.what
    assert variable in str(error)


def test_bad_timeout_flag_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        load({}, requirements_timeout=0)
    assert caught.value.variable == "HASSETTE__REQUIREMENTS_TIMEOUT"


def test_timeout_text_keeps_the_number_as_given():
    settings = load({"HASSETTE__REQUIREMENTS_TIMEOUT": "0120", "HASSETTE__INSTALL_TIMEOUT": " 90 "})
    assert settings.requirements_timeout.text == "0120"
    assert settings.requirements_timeout.seconds == 120
    assert settings.install_timeout.text == "90"
    assert load({}).requirements_timeout.text == "120"


@pytest.mark.parametrize("value", ["exit", "halt", " halt "])
def test_on_failure_choices(value):
    assert load({"HASSETTE__ON_FAILURE": value}).on_failure == value.strip()


@pytest.mark.parametrize("value", ["stay", "restart", "1"])
def test_bad_on_failure_is_a_config_error(value):
    with pytest.raises(ConfigError) as caught:
        load({"HASSETTE__ON_FAILURE": value})
    assert caught.value.variable == "HASSETTE__ON_FAILURE"
    assert "HASSETTE__ON_FAILURE" in str(caught.value)


def _constraints_error(path: Path) -> ConfigError:
    settings = load({"HASSETTE__CONSTRAINTS": str(path)})
    with pytest.raises(ConfigError) as caught:
        settings.require_constraints()
    assert caught.value.variable == "HASSETTE__CONSTRAINTS"
    assert "HASSETTE__CONSTRAINTS" in str(caught.value)
    assert caught.value.failure.exit_code == 2
    return caught.value


def test_missing_constraints_is_a_config_error(tmp_path):
    error = _constraints_error(tmp_path / "nope.txt")
    assert "does not exist" in error.what


def test_constraints_folder_is_a_config_error(tmp_path):
    error = _constraints_error(tmp_path)
    assert "not a file" in error.what


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# generated\n  # nothing\n\n"])
def test_empty_or_comment_only_constraints_are_config_errors(tmp_path, text):
    path = tmp_path / "constraints.txt"
    path.write_text(text)
    error = _constraints_error(path)
    assert "empty" in error.what


def test_real_constraints_file_passes(tmp_path):
    path = tmp_path / "constraints.txt"
    path.write_text("# header\naiohttp>=3.9\nhassette==1.2.3\n")
    assert load({"HASSETTE__CONSTRAINTS": str(path)}).require_constraints() == path


def test_loading_settings_does_not_check_constraints():
    # only an install needs the file: a boot with nothing to install must not fail on it
    load({"HASSETTE__CONSTRAINTS": "/does/not/exist"})


# --- what hassette is handed (it refuses unknown HASSETTE__ names: exit 78)

EVERY_STARTUP_SETTING = {
    "HASSETTE__PROJECT_DIR": "/apps",
    "HASSETTE__INSTALL_DEPS": "1",
    "HASSETTE__PRUNE_UV_CACHE": "0",
    "HASSETTE__CONSTRAINTS": "/app/constraints.txt",
    "HASSETTE__VENV": "/app/.venv",
    "HASSETTE__INSTALL_TIMEOUT": "300",
    "HASSETTE__REQUIREMENTS_TIMEOUT": "120",
    "HASSETTE__ON_FAILURE": "halt",
    "HASSETTE__FORCE_INSTALL": "1",
    "HASSETTE__APP_DIR": "/old",
}


def test_start_up_settings_are_withheld_from_hassette():
    env = {
        **EVERY_STARTUP_SETTING,
        "HASSETTE__APPS__DIRECTORY": "/apps/src/my_apps",
        "HASSETTE__CONFIG_DIR": "/config",
        "HASSETTE__TOKEN": "secret",
        "UV_INDEX_URL": "http://index/simple",
        "PATH": "/usr/bin",
    }
    handed, withheld = hassette_environment(env, Path("/ignored"))
    assert withheld == sorted(EVERY_STARTUP_SETTING)
    assert handed == {
        "HASSETTE__APPS__DIRECTORY": "/apps/src/my_apps",
        "HASSETTE__CONFIG_DIR": "/config",
        "HASSETTE__TOKEN": "secret",
        "UV_INDEX_URL": "http://index/simple",
        "PATH": "/usr/bin",
    }


def test_old_apps_dir_is_handed_on_under_the_new_name_with_a_warning():
    env = {"HASSETTE__APP_DIR": "/old"}
    settings = load(env)
    handed, withheld = hassette_environment(env, settings.apps_dir)
    assert handed == {"HASSETTE__APPS__DIRECTORY": "/old"}
    assert withheld == ["HASSETTE__APP_DIR"]
    assert any("rename it" in warning for warning in settings.warnings), settings.warnings


def test_old_apps_dir_beside_the_new_one_is_ignored_with_a_warning():
    env = {"HASSETTE__APP_DIR": "/old", "HASSETTE__APPS__DIRECTORY": "/new"}
    settings = load(env)
    assert hassette_environment(env, settings.apps_dir)[0] == {"HASSETTE__APPS__DIRECTORY": "/new"}
    assert any("is ignored" in warning for warning in settings.warnings), settings.warnings


def test_hassette_gets_the_apps_folder_boot_searched():
    handed, withheld = hassette_environment({}, load({}).apps_dir)
    assert handed == {"HASSETTE__APPS__DIRECTORY": "/apps"}
    assert withheld == []


@pytest.mark.parametrize(
    ("env", "halts"),
    [
        ({}, False),
        ({"HASSETTE__ON_FAILURE": ""}, False),
        ({"HASSETTE__ON_FAILURE": "exit"}, False),
        ({"HASSETTE__ON_FAILURE": " HALT "}, True),
        # an unknown value is the configuration error being shown: it exits
        ({"HASSETTE__ON_FAILURE": "stay"}, False),
    ],
)
def test_halt_is_decided_as_settings_read_it(env, halts):
    """A failure before Settings exist (a bad timeout) still reads HASSETTE__ON_FAILURE."""
    assert failure.halt_requested(env) is halts
    if halts:
        assert load(env).on_failure == "halt"


@pytest.mark.parametrize(
    "variable", ["HASSETTE__INSTALL_TIMEOUT", "HASSETTE__REQUIREMENTS_TIMEOUT"]
)
@pytest.mark.parametrize("value", ["86401", "99999999999", "9" * 5000])
def test_timeouts_beyond_a_day_are_config_errors_giving_the_range(variable, value):
    with pytest.raises(ConfigError) as caught:
        load({variable: value})
    assert "from 1 to 86400" in caught.value.what
    assert "86400" in caught.value.todo


def test_the_longest_timeout_works_as_a_timer():
    import threading

    longest = load({"HASSETTE__INSTALL_TIMEOUT": "86400"}).install_timeout.seconds
    timer = threading.Timer(longest, lambda: None)
    timer.start()  # a value past threading.TIMEOUT_MAX kills this thread with OverflowError
    timer.cancel()
    timer.join(5)
    assert not timer.is_alive()


def test_unreadable_constraints_is_a_config_error():
    # a regular file every read of which fails (EIO), even for root: the check must say
    # so, not reach the emptiness test with nothing read
    error = _constraints_error(Path("/proc/self/mem"))
    assert error.what == "HASSETTE__CONSTRAINTS: cannot read /proc/self/mem: Input/output error"


def test_constraints_that_are_not_utf8_are_a_config_error(tmp_path):
    path = tmp_path / "constraints.txt"
    path.write_bytes(b"aiohttp>=3.9\n\xff\xfe\x00 hassette==1\n")
    error = _constraints_error(path)
    assert "is not UTF-8 text" in error.what
