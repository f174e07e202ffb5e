"""workdir: which folder a start may claim as its stable work folder, what claiming it
removes and keeps, the marker every work folder holds, and the removal of a read-only copy
(as a user without root's override, in a child process). Each test pins a behaviour a
surviving mutant showed no test noticed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hassette_tasks import workdir

PACKAGE_ROOT = Path(workdir.__file__).resolve().parents[1]


def claimed(folder: Path) -> bool:
    found = workdir.claim(folder)
    if found is None:
        return False
    os.close(found[1])
    return True


def test_a_fresh_claim_makes_the_folder_private_and_marks_it(tmp_path):
    folder = tmp_path / "stable"

    found = workdir.claim(folder)

    assert found is not None
    os.close(found[1])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    marker = folder / workdir.MARK_NAME
    assert stat.S_ISREG(marker.lstat().st_mode)
    assert stat.S_IMODE(marker.lstat().st_mode) == 0o600
    assert workdir.is_marked(folder)


def test_a_folder_in_use_holds_the_marker_a_repair_looks_for(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(workdir.tempfile, "tempdir", None)

    with workdir.private_workdir("prefix-") as first, workdir.private_workdir("prefix-") as second:
        # the stable folder and, while it is held, a random one: both marked
        assert workdir.is_marked(first) and workdir.is_marked(second)
        assert second.parent == tmp_path and second != first


@pytest.mark.parametrize("mode", [0o750, 0o705, 0o701, 0o710])
def test_a_folder_others_can_reach_is_not_claimed(tmp_path, mode):
    folder = tmp_path / "stable"
    folder.mkdir()
    folder.chmod(mode)
    workdir.mark(folder)

    assert not claimed(folder)
    assert workdir.is_marked(folder)  # and left as it was


def test_a_folder_of_another_user_is_not_claimed(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    workdir.mark(folder)
    (folder / "theirs.txt").write_text("theirs\n")
    os.chown(folder, os.getuid() + 4242, -1)

    assert not claimed(folder)
    assert (folder / "theirs.txt").read_text() == "theirs\n"


def test_a_folder_whose_parent_is_missing_is_not_claimed(tmp_path):
    assert workdir.claim(tmp_path / "no such parent" / "stable") is None


def test_a_claim_removes_every_file_and_folder_left_and_keeps_what_a_link_points_to(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    workdir.mark(folder)
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "precious.txt").write_text("keep\n")
    (folder / "link to a folder").symlink_to(outside / "keep", target_is_directory=True)
    (folder / "link to a file").symlink_to(outside / "keep" / "precious.txt")
    (folder / "locked-requirements.txt").write_text("half\n")
    (folder / "project").mkdir()
    (folder / "project" / "pyproject.toml").write_text("")
    # the marker is not the last entry read: whatever follows it goes too
    extra = 0
    while [entry.name for entry in os.scandir(folder)][-1] == workdir.MARK_NAME:
        (folder / f"extra-{extra}.txt").write_text("")
        extra += 1

    assert claimed(folder)

    assert [entry.name for entry in os.scandir(folder)] == [workdir.MARK_NAME]
    assert (outside / "keep" / "precious.txt").read_text() == "keep\n"


def test_a_marker_that_is_a_symlink_marks_nothing_and_is_never_followed(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    target = tmp_path / "planted"
    (folder / workdir.MARK_NAME).symlink_to(target)

    assert not workdir.is_marked(folder)
    with pytest.raises(OSError):
        workdir.mark(folder)
    assert not target.exists() and not target.is_symlink()
    assert not claimed(folder)  # a folder boot did not mark, holding something: not ours


def test_marking_a_marked_folder_keeps_its_marker(tmp_path):
    workdir.mark(tmp_path)
    marker = tmp_path / workdir.MARK_NAME
    marker.write_text("kept\n")

    workdir.mark(tmp_path)

    assert marker.read_text() == "kept\n"


def test_a_missing_folder_is_not_marked(tmp_path):
    assert not workdir.is_marked(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    assert not workdir.is_marked(tmp_path / "file")


READ_ONLY_REMOVAL = """
import sys
from hassette_tasks import workdir
workdir._remove_tree(sys.argv[1])
"""

CLAIM = """
import sys
from pathlib import Path
from hassette_tasks import workdir
print("claimed" if workdir.claim(Path(sys.argv[1])) else "refused")
"""


def without_roots_override(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """CODE in a child that root's override of file permissions is taken from, as any other
    user runs it (root ignores read-only folders: the code paths for them never ran)."""
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root's override"
    paths = [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    drop = "-dac_override,-dac_read_search,-fowner"
    return subprocess.run(
        [setpriv, "--bounding-set", drop, sys.executable, "-c", code, *args],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_read_only_copy_is_removed_without_roots_override(tmp_path):
    """A read-only project's copy has read-only folders: the removal opens each one that
    refuses. Run without the capabilities that let root ignore permissions, as any other
    user runs."""
    copy = tmp_path / "copy of a read-only project"
    (copy / "pkg" / "sub").mkdir(parents=True)
    (copy / "pkg" / "sub" / "mod.py").write_text("x = 1\n")
    (copy / "pkg" / "__init__.py").write_text("")
    for folder in (copy / "pkg" / "sub", copy / "pkg", copy):
        folder.chmod(0o500)

    done = without_roots_override(READ_ONLY_REMOVAL, str(copy))

    assert done.returncode == 0, done.stderr
    assert not copy.exists()


def test_a_leftover_folder_that_cannot_even_be_opened_is_removed(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    workdir.mark(folder)
    closed = folder / "project" / "closed"
    closed.mkdir(parents=True)
    (closed / "file").write_text("")
    closed.chmod(0)  # a folder its owner cannot list (before: a TypeError from the removal)

    done = without_roots_override(CLAIM, str(folder))

    assert (done.returncode, done.stdout, done.stderr) == (0, "claimed\n", "")
    assert [entry.name for entry in os.scandir(folder)] == [workdir.MARK_NAME]


def test_a_folder_holding_what_the_start_cannot_remove_is_refused_not_a_traceback(tmp_path):
    folder = tmp_path / "stable"
    folder.mkdir(mode=0o700)
    workdir.mark(folder)
    theirs = folder / "left by another user"
    theirs.mkdir()
    (theirs / "file").write_text("")
    os.chown(theirs, os.getuid() + 4242, -1)
    theirs.chmod(0o500)

    done = without_roots_override(CLAIM, str(folder))

    assert (done.returncode, done.stdout, done.stderr) == (0, "refused\n", "")
    assert (theirs / "file").exists()
