"""options: the words of each path problem, the flag or variable they name, and what an
output file is written as (tests found by nox -s mutate -- options)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from hassette_tasks import options
from hassette_tasks.errors import ConfigError


def test_the_flag_is_named_when_given_else_the_variable():
    assert options.source("--venv", "HASSETTE__VENV", None) == "HASSETTE__VENV"
    assert options.source("--venv", "HASSETTE__VENV", "/somewhere") == "--venv"
    assert options.source("--venv", "HASSETTE__VENV", "") == "--venv"  # given, if empty


def config_error(call, *args, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        call(*args, **kwargs)
    return raised.value


def test_a_missing_folder_is_said_with_its_role_and_the_fix(tmp_path):
    missing = tmp_path / "gone"
    error = config_error(options.require_folder, missing, "HASSETTE__APPS__DIRECTORY")
    assert error.what == f"HASSETTE__APPS__DIRECTORY: the folder {missing} does not exist"
    assert error.todo == "Fix HASSETTE__APPS__DIRECTORY and restart."
    error = config_error(options.require_folder, missing, "--project-dir", "project folder")
    assert error.what == f"--project-dir: the project folder {missing} does not exist"


def test_a_folder_below_a_file_cannot_be_read_and_says_why(tmp_path):
    (tmp_path / "a-file").write_text("")
    below = tmp_path / "a-file" / "apps"
    error = config_error(options.require_folder, below, "--root", "apps folder")
    assert error.what == f"--root: cannot read the apps folder {below}: Not a directory"


def test_a_file_named_as_folder_is_said_as_such(tmp_path):
    (tmp_path / "apps").write_text("")
    error = config_error(options.require_folder, tmp_path / "apps", "--root", "apps folder")
    assert (
        error.what == f"--root: {tmp_path / 'apps'} is not a folder (it should be the apps folder)"
    )


def test_an_unlistable_folder_says_whose_uid_must_read_it(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.scandir

    def refusing(path=None):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refusing)
    error = config_error(options.require_folder, locked, "--venv")
    assert error.what == f"--venv: cannot read the folder {locked}: Permission denied"
    assert error.todo == f"Make it readable by this user (uid {os.getuid()}), or fix --venv."


def test_an_output_folder_that_is_missing_says_how_to_create_it(tmp_path):
    target = tmp_path / "out dir" / "x.txt"
    error = config_error(options.require_output, target)
    assert error.what == f"--output: the output folder {target.parent} does not exist"
    assert error.todo == f"Create it first (mkdir -p {target.parent}), or write the file elsewhere."
    assert config_error(options.require_output, target, "-o").what.startswith("-o: ")


def test_an_output_folder_below_a_file_cannot_be_reached(tmp_path):
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "sub" / "x.txt"
    error = config_error(options.require_output, target)
    assert error.what == (
        f"--output: cannot reach the output folder {target.parent}: Not a directory"
    )


def test_an_output_whose_folder_is_a_file_or_which_is_a_folder_is_refused_in_words(tmp_path):
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "x.txt"
    assert config_error(options.require_output, target).what == (
        f"--output: {tmp_path / 'a-file'} is not a folder, so {target} cannot be written"
    )
    assert config_error(options.require_output, tmp_path).what == (
        f"--output: {tmp_path} is a folder: give a file name"
    )


def test_an_output_folder_this_user_may_not_write_is_refused(tmp_path, monkeypatch):
    """As for another uid's folder (these tests run as root, who may write everywhere):
    the folder may be listed (X_OK) but not written (W_OK)."""
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == tmp_path and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    error = config_error(options.require_output, tmp_path / "x.txt")
    assert error.what == (
        f"--output: the output folder {tmp_path} is not writable by this user (uid {os.getuid()})"
    )
    assert error.todo == (
        "Write the file to a folder this user may write, or change the folder's owner."
    )


def test_an_output_folder_this_user_may_not_enter_is_refused(tmp_path, monkeypatch):
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == tmp_path and mode & os.X_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    assert (
        "is not writable by this user"
        in config_error(options.require_output, tmp_path / "x.txt").what
    )


def test_the_output_file_gets_the_mode_a_plain_open_would_give(tmp_path):
    old = os.umask(0o022)
    try:
        options.write_output(tmp_path / "constraints.txt", "a\n")
    finally:
        os.umask(old)
    assert (tmp_path / "constraints.txt").stat().st_mode & 0o777 == 0o644
    assert [path.name for path in tmp_path.iterdir()] == ["constraints.txt"]


def test_an_output_write_refused_names_the_flag_and_the_reason(tmp_path):
    target = tmp_path / "gone" / "x.txt"
    error = config_error(options.write_output, target, "a\n", "-o")
    assert error.what == f"-o: cannot write {target}: No such file or directory"


def test_a_full_disk_while_writing_the_output_stays_a_full_disk(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(options, "atomic_write", full)
    with pytest.raises(OSError) as raised:
        options.write_output(tmp_path / "x.txt", "a\n")
    assert raised.type is OSError and raised.value.errno == errno.ENOSPC


def test_an_output_error_without_a_reason_is_said_by_the_error_itself(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("the write was refused")

    monkeypatch.setattr(options, "atomic_write", refused)
    error = config_error(options.write_output, tmp_path / "x.txt", "a\n")
    assert error.what == f"--output: cannot write {tmp_path / 'x.txt'}: the write was refused"


def test_an_output_write_cut_short_leaves_a_hidden_file_named_after_the_output(
    tmp_path, monkeypatch
):
    """What `ls` shows beside the output while it is written (or after a kill then): one
    hidden file that says which output it was."""
    seen: list[str] = []
    real = os.replace

    def replace(source, destination):
        seen.extend(path.name for path in tmp_path.iterdir())
        real(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    options.write_output(tmp_path / "constraints.txt", "a\n")
    assert len(seen) == 1 and seen[0].startswith(".constraints.txt.partial-"), seen
