"""The stable private folder: claimed only when it is this user's own, one start at a time."""

from __future__ import annotations

import os
import stat

from hassette_tasks import leftovers, workdir
from hassette_tasks.util import TEMP_PREFIX


def test_claimed_folder_is_private_and_removed_after_use(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(workdir.tempfile, "tempdir", None)  # read TMPDIR again

    with workdir.private_workdir("prefix-") as folder:
        assert folder == tmp_path / f"prefix-{os.getuid()}"
        info = folder.lstat()
        assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == os.getuid()
        (folder / "project").mkdir()
    assert list(tmp_path.iterdir()) == []


def test_a_second_start_while_the_first_works_gets_a_folder_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(workdir.tempfile, "tempdir", None)

    with workdir.private_workdir("prefix-") as first:
        (first / "in use").write_text("by the first start\n")
        with workdir.private_workdir("prefix-") as second:
            assert second != first
            assert stat.S_IMODE(second.stat().st_mode) == 0o700
        assert (first / "in use").read_text() == "by the first start\n"
    assert list(tmp_path.iterdir()) == []


def test_stable_folder_replaced_by_a_symlink_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "stable").symlink_to(elsewhere)

    assert workdir.claim(tmp_path / "stable") is None
    assert (tmp_path / "stable").is_symlink()


def test_a_file_at_the_stable_path_is_refused(tmp_path):
    (tmp_path / "stable").write_text("")
    assert workdir.claim(tmp_path / "stable") is None


def test_a_same_named_folder_boot_did_not_make_is_left_alone(tmp_path):
    theirs = tmp_path / "stable"
    theirs.mkdir(mode=0o700)
    (theirs / "notes.txt").write_text("mine\n")

    assert workdir.claim(theirs) is None
    assert (theirs / "notes.txt").read_text() == "mine\n"


def test_a_claimed_folder_is_marked_and_emptied_of_what_a_killed_start_left(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    workdir.mark(folder)
    (folder / "half-copied project").mkdir()

    claimed = workdir.claim(folder)

    assert claimed is not None
    os.close(claimed[1])
    assert [entry.name for entry in folder.iterdir()] == [workdir.MARK_NAME]


def test_a_repair_never_removes_a_running_starts_folders(tmp_path, monkeypatch):
    """Another venv's start on the same host works in TMPDIR while this one repairs: its
    claimed folder and its random fallback are locked, so the repair leaves both."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(workdir.tempfile, "tempdir", None)
    killed = tmp_path / f"{TEMP_PREFIX}killed"
    killed.mkdir()
    workdir.mark(killed)  # what a killed start left: nobody holds its lock

    with (
        workdir.private_workdir(TEMP_PREFIX) as first,
        workdir.private_workdir(TEMP_PREFIX) as second,
    ):
        (first / "in use").write_text("")
        (second / "in use").write_text("")
        assert leftovers.leftover_workdirs(tmp_path) == [killed]

        assert leftovers.remove_leftover_workdirs(tmp_path) == [killed]

        assert (first / "in use").exists() and (second / "in use").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_folder_locked_meanwhile_is_not_removed(tmp_path):
    folder = tmp_path / f"{TEMP_PREFIX}x"
    folder.mkdir()
    workdir.mark(folder)
    with workdir.locked(folder) as free:
        assert free
        assert leftovers.remove_leftover_workdirs(tmp_path) == []
    assert folder.exists()
    assert leftovers.remove_leftover_workdirs(tmp_path) == [folder]
