"""Fault injection, the user's side: malformed files, odd folders, permissions, settings.

Every failing case checks what a user sees (the banner, the documented exit code) and
that the app venv kept exactly the packages it had.
"""

from __future__ import annotations

import os
import stat

import pytest

from tests.host.conftest import (
    ON,
    assert_failed,
    assert_halts_until_sigterm,
    assert_ok,
    from_index,
    locked_project,
    snapshot,
    write_requirements,
)
from tests.support import packages

pytestmark = pytest.mark.faults

# As root, a chmod 000 file is still readable and a read-only folder still writable. An
# unprivileged uid cannot run the test interpreter (pyenv's, under /root, mode 0700), so
# root runs the task without the two capabilities that bypass file permissions: for it,
# mode bits then apply as for any user. Other users need nothing.
WITHOUT_PERMISSION_BYPASS = (
    [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
        "--",
    ]
    if os.geteuid() == 0
    else []
)
INSTALLING = "Installing requirements from "


def installing_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if INSTALLING in line]


def installed_from(result) -> list[str]:
    """The requirements files the log says were installed, in order."""
    return [
        line.split(INSTALLING, 1)[1].removesuffix(" (with constraints)...")
        for line in installing_lines(result)
    ]


def banner_part(result, banner: str) -> str:
    """What the user reads from the banner on (the banner and uv's words below it)."""
    return result.stdout.split(banner, 1)[1]


# --- malformed project files


def test_malformed_pyproject_next_to_a_lock_is_an_export_failure(layout, installed, fixture_uv_env):
    project = locked_project(layout, fixture_uv_env)
    (project / "pyproject.toml").write_text('[project\nname = "myapps"\n')
    before, files = installed(), snapshot(project)

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    said = banner_part(result, "EXPORT FAILED")
    assert str(project) in said, result.describe()
    assert "pyproject.toml" in said and "TOML parse error" in said, result.describe()
    todo = next(line for line in said.splitlines() if "What to do:" in line)
    cause = todo.split(". ", 1)[0]  # the lock is fine here: the advice must not blame it alone
    assert "pyproject.toml" in cause and "uv lock" in todo, todo
    assert installed() == before
    assert snapshot(project) == files
    assert layout.leftover_temp_dirs() == []


def test_malformed_pyproject_without_a_lock_is_skipped_with_the_uv_lock_hint(layout, installed):
    (layout.project_dir / "pyproject.toml").write_text('[project\nname = "myapps"\n')
    before = installed()

    result = layout.run("boot")

    assert_ok(result)
    skipped = [line for line in result.stdout.splitlines() if "project install: skipped" in line]
    assert len(skipped) == 1 and "uv lock" in skipped[0], result.describe()
    assert installed() == before


# --- requirements files: syntax, options, what they point at


def test_requirements_syntax_error_names_the_file(layout, installed):
    path = write_requirements(layout.apps_dir / "mine", "probe-nested", "appliba ===")
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "INSTALL FAILED", 8)
    said = banner_part(result, "INSTALL FAILED")
    assert str(path) in said and "appliba ===" in said, result.describe()
    assert installed() == before


def test_requirements_options_inside_the_folders_install(layout, installed):
    apps = layout.apps_dir
    packages.write_source_tree(packages.Dist("localpkg", "1.0"), apps / "localpkg")
    (apps / "other.txt").write_text("probe-nested\n")
    (apps / "extra-constraints.txt").write_text("applibb<2\n")
    write_requirements(apps, "-e ./localpkg", "-r other.txt", "-c extra-constraints.txt", "applibb")

    result = layout.run("boot", env=ON)

    assert_ok(result)
    now = installed()
    assert now["localpkg"] == "1.0", result.describe()
    assert now["probe-nested"] == "1.0", result.describe()
    assert now["applibb"] == "1.0", "the -c file did not hold applibb below 2"


@pytest.mark.parametrize(
    "line, named",
    [
        ("-r ../../etc/x.txt", "etc/x.txt"),
        ("-e /nonexistent/pkg", "/nonexistent/pkg"),
        ("-c /nonexistent/extra-constraints.txt", "/nonexistent/extra-constraints.txt"),
    ],
    ids=["-r", "-e", "-c"],
)
def test_requirements_options_outside_the_folders_fail(layout, installed, line, named):
    path = write_requirements(layout.apps_dir, line, "probe-nested")
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "INSTALL FAILED", 8)
    said = banner_part(result, "INSTALL FAILED")
    assert str(path) in said and named in said, result.describe()
    assert "does not exist inside the container" in said, "no advice for a missing path"
    assert installed() == before


def test_unreadable_requirements_file_is_named_and_nothing_installs(layout, installed):
    layout.command_prefix = WITHOUT_PERMISSION_BYPASS
    write_requirements(layout.config_dir, "probe-config")  # readable, sorted first
    path = write_requirements(layout.apps_dir / "mine", "probe-nested")
    path.chmod(0)
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "INSTALL FAILED", 8)
    said = banner_part(result, "INSTALL FAILED")
    assert f"cannot read {path}" in said and "chmod" in said, result.describe()
    assert installed() == before


def test_folder_named_requirements_txt_is_ignored(layout, installed):
    folder = layout.apps_dir / "requirements.txt"
    folder.mkdir()
    (folder / "notes.md").write_text("not a requirements file\n")
    real = write_requirements(layout.apps_dir / "sub", "probe-nested")
    config = write_requirements(layout.config_dir, "probe-config")

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert installed_from(result) == sorted([str(config), str(real)]), result.describe()
    now = installed()
    assert now["probe-nested"] == "1.0" and now["probe-config"] == "1.0"


# --- constraints


@pytest.mark.parametrize(
    "text", ["", "# generated\n\n   \n# nothing else\n"], ids=["empty", "comments"]
)
def test_empty_constraints_stop_before_anything_installs(
    layout, installed, uv_calls, tmp_path, text
):
    layout.constraints = tmp_path / "constraints.txt"
    layout.constraints.write_text(text)
    write_requirements(layout.config_dir, "probe-config")
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "CONFIGURATION ERROR", 2)
    said = banner_part(result, "CONFIGURATION ERROR")
    assert "HASSETTE__CONSTRAINTS" in said and str(layout.constraints) in said, result.describe()
    assert uv_calls() == [], "uv ran although the constraints are unusable"
    assert installed() == before


def test_nothing_to_install_needs_no_constraints_file(layout, installed, tmp_path):
    write_requirements(layout.apps_dir, "# nothing yet")

    result = layout.run("boot", env=ON | {"HASSETTE__CONSTRAINTS": str(tmp_path / "missing.txt")})

    assert_ok(result)
    assert "CONFIGURATION ERROR" not in result.stdout


# --- folders: names, sharing, loops, absence


def test_paths_with_spaces_and_non_ascii_names_install(layout, installed, fixture_uv_env):
    layout.project_dir = layout.root / "mon projet"
    layout.apps_dir = layout.root / "äpps ünïcode"
    locked_project(layout, fixture_uv_env)
    nested = write_requirements(layout.apps_dir / "dossier été", "probe-nested")

    first = layout.run("boot", env=ON)

    assert_ok(first)
    assert installed_from(first) == [str(nested)], first.describe()
    now = installed()
    assert now["myapps"] == "0.1.0" and now["appliba"] == "1.0" and now["probe-nested"] == "1.0"

    again = layout.run("boot", env=ON)  # the record keeps these paths too

    assert_ok(again)
    assert "project install: up to date" in again.stdout, again.describe()
    assert "requirements install: up to date" in again.stdout, again.describe()


def test_one_folder_for_project_apps_and_config_installs_each_once(
    layout, installed, uv_calls, fixture_uv_env
):
    layout.config_dir = layout.project_dir  # apps_dir already is
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.project_dir, "probe-config")

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert len(installing_lines(result)) == 1, result.describe()
    assert result.stdout.count("project install: starting") == 1, result.describe()
    calls = uv_calls()
    assert sum(call.startswith("export") for call in calls) == 1, calls
    # the locked dependencies, the project, the requirements file
    assert sum(call.startswith("pip install") for call in calls) == 3, calls
    now = installed()
    assert now["myapps"] == "0.1.0" and now["probe-config"] == "1.0"


def test_symlink_loops_in_the_apps_folder_are_not_followed(layout, installed, fixture_uv_env):
    apps = layout.apps_dir
    locked_project(layout, fixture_uv_env)
    inside = write_requirements(apps / "sub", "probe-nested")
    write_requirements(layout.root / "outside", "probe-ignored")  # reachable through `up`
    (apps / "up").symlink_to("..", target_is_directory=True)
    (apps / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (apps / "slash").symlink_to("/", target_is_directory=True)

    result = layout.run("boot", env=ON, timeout=60)

    assert_ok(result)
    assert installed_from(result) == [str(inside)], result.describe()
    now = installed()
    assert now["myapps"] == "0.1.0" and now["probe-nested"] == "1.0"
    assert "probe-ignored" not in now
    assert result.seconds < 30, f"took {result.seconds:.1f}s"


def test_missing_apps_folder_is_logged_and_boot_hands_off(layout, installed):
    missing = layout.root / "no apps here"
    before = installed()

    result = layout.run(
        "boot",
        env=ON | {"HASSETTE__APPS__DIRECTORY": str(missing), "HASSETTE__PROJECT_DIR": str(missing)},
    )

    assert_ok(result)
    assert f"requirements install: {missing} does not exist, not searched" in result.stdout
    assert "handing off to hassette" in result.stdout
    assert installed() == before


# --- temporary files


def test_private_temp_folder_during_an_install_and_none_after_a_timeout(
    layout, fixture_uv_env, hang_index
):
    locked_project(layout, fixture_uv_env)
    running = layout.spawn(
        "boot", env=from_index(f"{hang_index.url}/simple") | {"HASSETTE__INSTALL_TIMEOUT": "3"}
    )
    running.wait_for("locked package(s) with constraints")

    folders = layout.leftover_temp_dirs()
    assert len(folders) == 1, folders
    work = folders[0]
    info = work.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700, oct(info.st_mode)
    assert info.st_uid == os.getuid()
    assert stat.S_IMODE((work / "project").stat().st_mode) == 0o700
    assert "appliba" in (work / "locked-requirements.txt").read_text()

    result = running.finish(timeout=20)

    assert_failed(result, "timed out after 3s", 6)
    assert layout.leftover_temp_dirs() == []


# --- the warm-restart record


@pytest.fixture
def record_unwritable(layout, request):
    """The warm-restart record cannot be written: a folder in its place, or a read-only venv."""
    if request.param == "record-is-a-folder":
        (layout.venv / ".hassette-tasks-record.json").mkdir()
        yield
        return
    layout.command_prefix = WITHOUT_PERMISSION_BYPASS
    layout.venv.chmod(0o555)
    yield
    layout.venv.chmod(0o755)


@pytest.mark.parametrize(
    "record_unwritable", ["record-is-a-folder", "read-only-venv"], indirect=True
)
def test_unwritable_record_warns_and_the_next_boot_installs_again(
    layout, installed, record_unwritable
):
    write_requirements(layout.config_dir, "probe-config")

    first = layout.run("boot", env=ON)

    assert_ok(first)
    assert "could not write the warm-restart record" in first.stdout, first.describe()
    assert installed()["probe-config"] == "1.0"

    again = layout.run("boot", env=ON)

    assert_ok(again)
    assert len(installing_lines(again)) == 1, again.describe()
    assert "up to date" not in again.stdout, again.describe()


# --- HASSETTE__ON_FAILURE


def test_on_failure_upper_case_halt_stays_up_until_sigterm(layout, installed):
    write_requirements(layout.apps_dir, "appliba ===")
    before = installed()
    running = layout.spawn("boot", env=ON | {"HASSETTE__ON_FAILURE": "HALT"})

    assert_halts_until_sigterm(running, "INSTALL FAILED", 8)
    assert installed() == before


def test_unknown_on_failure_value_is_a_configuration_error(layout, installed, uv_calls):
    write_requirements(layout.apps_dir, "probe-nested")
    before = installed()

    result = layout.run("boot", env=ON | {"HASSETTE__ON_FAILURE": "bogus"})

    assert_failed(result, "CONFIGURATION ERROR", 2)
    said = banner_part(result, "CONFIGURATION ERROR")
    assert "HASSETTE__ON_FAILURE" in said and "'bogus'" in said, result.describe()
    assert uv_calls() == []
    assert installed() == before
