"""Unreadable folders, bad paths given to tasks, and data on stdout: each a defect a user
hit (a traceback, a whole start failed for one folder, a log line inside exported data),
proven with real uv against the test wheels."""

from __future__ import annotations

import os

import pytest

from tests.host.conftest import ON, assert_ok, locked_project, write_requirements
from tests.host.test_faults_input import WITHOUT_PERMISSION_BYPASS, installed_from

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
