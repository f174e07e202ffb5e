"""Unreadable folders, bad paths given to tasks, and data on stdout: each a defect a user
hit (a traceback, a whole start failed for one folder, a log line inside exported data),
proven with real uv against the test wheels."""

from __future__ import annotations

import os

import pytest

from tests.host.conftest import ON, assert_ok, locked_project, write_requirements
from tests.host.test_faults_input import WITHOUT_PERMISSION_BYPASS, installed_from
from tests.host.test_pylock import pylock_project
from tests.support import packages

pytestmark = pytest.mark.faults

# an owner that is not the one running the task: its 0700 folder is closed to the task
STRANGER = 4242


def lock_out(folder, *files: str):
    """FOLDER (made with FILES in it) owned by another uid, mode 0700: unreadable to the task."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("appliba\n")
    for path in sorted(folder.rglob("*"), reverse=True):
        os.chown(path, STRANGER, STRANGER, follow_symlinks=False)
    os.chown(folder, STRANGER, STRANGER)
    folder.chmod(0o700)
    return folder


@pytest.fixture
def unprivileged(layout):
    layout.command_prefix = WITHOUT_PERMISSION_BYPASS
    yield layout
    for folder in layout.root.rglob("*"):  # let pytest's clean-up remove everything
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)


@pytest.mark.parametrize("with_project", [False, True], ids=["requirements", "project"])
def test_unreadable_folder_in_the_apps_tree_is_passed_over(
    unprivileged, installed, fixture_uv_env, with_project
):
    layout = unprivileged
    if with_project:  # the default layout: the project folder is the apps folder
        locked_project(layout, fixture_uv_env)
    mine = write_requirements(layout.apps_dir / "mine", "probe-nested")
    secret = lock_out(layout.apps_dir / "secret", "requirements.txt", ".git/config", "x/y.py")
    config_secret = lock_out(layout.config_dir / "private", "requirements.txt")

    first = layout.run("boot", env=ON)

    assert_ok(first)
    for folder in (secret, config_secret):
        warning = f"warning: cannot read the folder {folder}: not searched for requirements.txt"
        assert first.stdout.count(warning) == 1, first.describe()
    assert installed_from(first) == [str(mine)], first.describe()
    now = installed()
    assert now["probe-nested"] == "1.0"
    assert "appliba" not in now or with_project
    if with_project:
        assert now["myapps"] == "0.1.0"
        copy_warning = f"warning: cannot read the folder {secret}: not part of the project build"
        assert copy_warning in first.stdout, first.describe()

    again = layout.run("boot", env=ON)  # the warm restart fingerprints the same tree

    assert_ok(again)
    assert "Installing requirements" not in again.stdout, again.describe()
    assert "requirements install: up to date" in again.stdout, again.describe()
    if with_project:
        assert "project install: up to date" in again.stdout, again.describe()


# --- a task's path options (item 12 and the output folder of 15)


@pytest.fixture
def bad_project_dir(request, unprivileged):
    """--project-dir naming a missing folder, a file, or a folder this user cannot read."""
    layout = unprivileged
    path = layout.root / "the project"
    if request.param == "file":
        path.write_text("not a folder\n")
    elif request.param == "unreadable":
        locked = lock_out(path, "pyproject.toml")
        (locked / "uv.lock").touch()
    return path


@pytest.mark.parametrize("bad_project_dir", ["missing", "file", "unreadable"], indirect=True)
@pytest.mark.parametrize("task", ["export", "install-locked"])
def test_unusable_project_dir_flag_is_a_configuration_error(layout, bad_project_dir, task):
    result = layout.run(task, "-p", str(bad_project_dir))

    assert result.exit_code == 2, result.describe()
    assert "Traceback" not in result.output, result.describe()
    # export prints data on stdout: its log, banner included, goes to stderr
    said = result.stderr if task == "export" else result.stdout
    assert "CONFIGURATION ERROR" in said, result.describe()
    assert "--project-dir: " in said and str(bad_project_dir) in said, result.describe()
    if task == "export":
        assert result.stdout == "", result.describe()


def test_export_output_in_a_missing_folder_says_so_before_exporting(
    layout, fixture_uv_env, uv_calls
):
    locked_project(layout, fixture_uv_env)
    target = layout.root / "missing" / "x.txt"

    result = layout.run("export", "-o", str(target))

    assert result.exit_code == 2, result.describe()
    assert "CONFIGURATION ERROR" in result.stdout, result.describe()
    assert f"the output folder {target.parent} does not exist" in result.stdout, result.describe()
    assert "venv" not in result.stdout and "INSTALL FAILED" not in result.stdout
    assert uv_calls() == []  # found before the export ran
    assert not target.parent.exists()


# --- misleading words (item 15)


def test_apps_directory_naming_a_file_says_it_is_not_a_folder(layout, installed):
    apps_file = layout.root / "apps.txt"
    apps_file.write_text("appliba\n")
    config = write_requirements(layout.config_dir, "probe-config")

    result = layout.run("boot", env=ON | {"HASSETTE__APPS__DIRECTORY": str(apps_file)})

    assert_ok(result)
    said = f"warning: {apps_file} is not a folder: not searched for requirements.txt"
    assert said in result.stdout, result.describe()
    assert "does not exist" not in result.stdout, result.describe()
    assert installed_from(result) == [str(config)]


@pytest.mark.parametrize("target_kind", ["outside", "dangling"])
def test_requirements_symlink_not_followed_is_named_with_its_target(layout, installed, target_kind):
    target = layout.root / "elsewhere" / "reqs.txt"
    if target_kind == "outside":
        target.parent.mkdir()
        target.write_text("probe-nested\n")
    link = layout.apps_dir / "mine" / "requirements.txt"
    link.parent.mkdir()
    link.symlink_to(target)

    result = layout.run("boot", env=ON)

    assert_ok(result)
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    named = [line for line in warnings if str(link) in line]
    assert len(named) == 1, result.describe()
    assert f"symlink to {target}" in named[0], result.describe()
    why = "outside the searched folders" if target_kind == "outside" else "does not exist"
    assert why in named[0], result.describe()
    assert "probe-nested" not in installed()


def test_blank_prune_setting_turns_prune_off_with_a_warning(layout):
    result = layout.run("boot", env={"HASSETTE__PRUNE_UV_CACHE": ""})

    assert_ok(result)
    warning = "warning: HASSETTE__PRUNE_UV_CACHE='' is not understood: only 1 or 0 are"
    assert warning in result.stdout, result.describe()
    assert "uv cache prune: complete" not in result.stdout, result.describe()
    assert "uv cache prune: started" not in result.stdout, result.describe()


# --- data on stdout, log lines on stderr (item 16)


@pytest.mark.parametrize("lock", ["pylock.toml", "uv.lock"])
def test_export_to_stdout_is_a_requirements_file_uv_installs(
    layout, installed, fixture_uv_env, tmp_path, lock
):
    if lock == "pylock.toml":
        pylock_project(layout)
    else:
        locked_project(layout, fixture_uv_env, dependencies=("appliba==1.0", "applibb==1.0"))
    before = installed()

    result = layout.run("export")  # as `invoke export > FILE` would write FILE
    exported = tmp_path / "exported requirements.txt"
    exported.write_text(result.stdout)

    assert result.exit_code == 0, result.describe()
    assert all(not line.startswith("[") for line in result.stdout.splitlines()), result.stdout
    target = tmp_path / "target venv"
    packages.run_uv(["venv", "--quiet", target], fixture_uv_env)
    packages.run_uv(
        ["pip", "install", "--python", target, "--find-links", layout.wheels, "-r", exported],
        fixture_uv_env,
    )
    got = packages.installed_packages(target, fixture_uv_env)
    assert got["appliba"] == "1.0" and got["applibb"] == "1.0", got
    assert installed() == before  # export installs nothing


def test_install_reqs_list_prints_only_the_files(layout):
    write_requirements(layout.apps_dir / "empty", "# nothing yet")
    found = write_requirements(layout.apps_dir / "mine", "probe-nested")

    result = layout.run("install-reqs", "--list")

    assert result.exit_code == 0, result.describe()
    assert result.stdout.splitlines() == [str(found)], result.describe()
    assert "(empty)" in result.stderr, result.describe()  # the log still says it, on stderr
