"""util: where a venv's programs are, how a duration is written, what an atomic write
leaves behind, and which /proc fields a reader gets (tests found by nox -s mutate -- util)."""

from __future__ import annotations

import builtins
import errno
import io
import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from hassette_tasks import util


def test_a_venvs_programs_are_in_its_bin_folder(tmp_path):
    assert util.venv_python(tmp_path / "v") == tmp_path / "v" / "bin" / "python"
    assert util.venv_program(tmp_path / "v", "hassette") == tmp_path / "v" / "bin" / "hassette"


def test_elapsed_is_the_time_since_the_start_in_hundredths():
    assert re.fullmatch(r"0\.0\ds", util.elapsed(time.monotonic()))
    assert re.fullmatch(r"2\.[0-4]\ds", util.elapsed(time.monotonic() - 2))


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "record.json"
    target.write_text("old")
    util.atomic_write(target, "new", prefix=".record.json.tmp-")
    assert target.read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["record.json"]


def test_a_private_write_is_for_this_user_only_a_shared_one_as_open_would_make_it(tmp_path):
    old = os.umask(0o022)
    try:
        util.atomic_write(tmp_path / "private", "x", prefix="p-")
        util.atomic_write(tmp_path / "shared", "x", prefix="s-", shared=True)
        os.umask(0o077)
        util.atomic_write(tmp_path / "shared-077", "x", prefix="s-", shared=True)
    finally:
        os.umask(old)
    assert (tmp_path / "private").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "shared-077").stat().st_mode & 0o777 == 0o600


def test_a_shared_write_leaves_the_processes_umask_as_it_was(tmp_path):
    old = os.umask(0o027)
    try:
        util.atomic_write(tmp_path / "shared", "x", prefix="s-", shared=True)
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(old)


def test_the_temporary_file_is_beside_the_target_not_in_tmpdir(tmp_path, monkeypatch):
    """A read-only container may have no writable TMPDIR; the target's folder is enough
    (and a rename is atomic only within one file system)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-tmpdir-here"))
    util.atomic_write(tmp_path / "x", "text", prefix="x-", durable=True)
    assert (tmp_path / "x").read_text() == "text"


@pytest.mark.parametrize("durable", [False, True])
def test_a_failed_write_removes_its_temporary_file_and_keeps_the_old_content(
    tmp_path, monkeypatch, durable
):
    target = tmp_path / "record.json"
    target.write_text("old")

    def refuse(source, destination):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        util.atomic_write(target, "new", prefix=".record.json.tmp-", durable=durable)
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["record.json"]


def test_a_durable_write_syncs_the_file_before_the_rename_and_then_the_folder(
    tmp_path, monkeypatch
):
    """What a power loss would keep: the content reaches the disk before the rename
    makes it the file, and the rename itself (the folder) after it."""
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        target = os.readlink(f"/proc/self/fd/{descriptor}")
        synced.append("folder" if Path(target) == tmp_path else Path(target).read_text())
        real_fsync(descriptor)

    def replace(source, destination):
        synced.append("rename")
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    util.atomic_write(tmp_path / "marker", "installed", prefix="m-", durable=True)
    assert synced == ["installed", "rename", "folder"]
    synced.clear()
    util.atomic_write(tmp_path / "marker", "again", prefix="m-")
    assert synced == ["rename"]


def test_fsync_folder_opens_only_a_folder(tmp_path):
    util.fsync_folder(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        util.fsync_folder(tmp_path / "file")


def test_proc_fields_start_after_the_command_name():
    fields = util.proc_self_stat()
    assert fields is not None
    assert fields[1] == str(os.getppid()).encode()  # field 4 of stat(5): the parent
    assert fields[2] == str(os.getpgrp()).encode()  # field 5: the process group


def fake_stat(monkeypatch, content: bytes | None) -> None:
    real = builtins.open

    def fake(path, *args, **kwargs):
        if path == "/proc/self/stat":
            if content is None:
                raise FileNotFoundError(errno.ENOENT, "No such file", path)
            return io.BytesIO(content)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake)


def test_a_command_name_with_parentheses_and_spaces_is_passed_over(monkeypatch):
    fake_stat(monkeypatch, b"4242 (a) b) c) S 17 4242 1 0")
    assert util.proc_self_stat() == [b"S", b"17", b"4242", b"1", b"0"]


@pytest.mark.parametrize("content", [None, b"4242 no parenthesis here", b""])
def test_where_proc_cannot_tell_there_are_no_fields(monkeypatch, content):
    fake_stat(monkeypatch, content)
    assert util.proc_self_stat() is None


def names_at_the_rename(folder: Path, monkeypatch) -> list[str]:
    """What the folder holds when the rename comes: what a kill at that moment leaves."""
    seen: list[str] = []
    real = os.replace

    def replace(source, destination):
        seen.extend(sorted(path.name for path in folder.iterdir()))
        real(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    return seen


def test_a_write_cut_short_leaves_a_file_named_by_its_prefix(tmp_path, monkeypatch):
    seen = names_at_the_rename(tmp_path, monkeypatch)
    util.atomic_write(tmp_path / "record.json", "new", prefix=".record-")
    assert len(seen) == 1 and seen[0].startswith(".record-"), seen


def test_a_stop_signal_right_after_the_rename_still_unwinds_as_the_stop(tmp_path, monkeypatch):
    """SIGTERM's handler raises Interrupted between two bytecodes: when that is just after
    the rename, the temporary file is already gone, and the clean-up must not turn the
    stop into a FileNotFoundError (a traceback, exit 1, instead of exit 143)."""
    from hassette_tasks.errors import Interrupted

    real = os.replace

    def replace_then_stop(source, destination):
        real(source, destination)
        raise Interrupted(15)

    monkeypatch.setattr(os, "replace", replace_then_stop)
    with pytest.raises(Interrupted):
        util.atomic_write(tmp_path / "record.json", "new", prefix=".record-")
    assert (tmp_path / "record.json").read_text() == "new"
