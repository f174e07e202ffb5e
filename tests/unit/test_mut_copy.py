"""project.copy: what the private build copy holds, how a failed copy is reported (a full
TMPDIR is NO SPACE LEFT, exit 11, not INSTALL FAILED), and what the build key counts
(tests found by nox -s mutate -- project.copy)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project.copy import digest, private_copy
from tests.support.capability import mount_refused
from tests.unit.conftest import write

PYPROJECT = '[project]\nname = "myapps"\nversion = "0.1.0"\n'


def _project(folder: Path) -> Path:
    write(folder / "pyproject.toml", PYPROJECT)
    write(folder / "src" / "myapps" / "__init__.py", "VALUE = 1\n")
    return folder


def test_the_copy_leaves_out_venvs_caches_and_bytecode_and_keeps_links(tmp_path):
    project = _project(tmp_path / "my project")
    for name in (".venv/bin/python", "__pycache__/x.cpython-313.pyc", "src/myapps/old.pyc"):
        write(project / name, "junk")
    write(project / "src" / "myapps" / "pyc.txt", "kept")
    (project / "link").symlink_to("src")

    copy = private_copy(project, tmp_path / "work")

    assert copy == tmp_path / "work" / "project"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o700
    found = sorted(str(path.relative_to(copy)) for path in copy.rglob("*"))
    assert found == [
        "link",
        "pyproject.toml",
        "src",
        "src/myapps",
        "src/myapps/__init__.py",
        "src/myapps/pyc.txt",
    ]
    assert (copy / "link").is_symlink() and os.readlink(copy / "link") == "src"


def test_a_file_that_cannot_be_copied_is_an_install_failure_naming_it(tmp_path):
    project = _project(tmp_path / "p")
    os.mkfifo(project / "a pipe")

    with pytest.raises(StartupError) as caught:
        private_copy(project, tmp_path / "work")

    error = caught.value
    assert error.failure is Failure.INSTALL
    assert error.what.startswith(f"cannot copy the project {project} to build it: ")
    assert f"{project / 'a pipe'}: " in error.what and "named pipe" in error.what
    assert error.todo == (
        f"Make every file in the project readable by the container's user (uid {os.getuid()})."
    )


def test_a_copy_that_cannot_start_is_an_install_failure(tmp_path):
    project = _project(tmp_path / "p")
    (tmp_path / "work" / "project").mkdir(parents=True)  # copytree refuses an existing one

    with pytest.raises(StartupError) as caught:
        private_copy(project, tmp_path / "work")

    assert caught.value.failure is Failure.INSTALL
    assert caught.value.what == (
        f"cannot copy the project {project} to build it: [Errno 17] File exists: "
        f"'{tmp_path / 'work' / 'project'}'"
    )


@pytest.fixture
def small_tmpfs(tmp_path):
    """A mount point whose tmpfs holds OPTIONS' worth (root with CAP_SYS_ADMIN: the host)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", point], check=True)
        mounted.append(point)
        return point

    refused = mount_refused() or (None if shutil.which("mount") else "no mount program here")
    if refused:
        pytest.skip(f"a full tmpfs: {refused}")
    yield mount
    for point in mounted:
        subprocess.run(["umount", point], check=True)


def _disk_full(error: StartupError, project: Path) -> None:
    assert error.failure is Failure.DISK_FULL
    assert error.failure.exit_code == 11
    assert error.what.startswith(f"cannot copy the project {project} to build it: ")
    assert "[Errno 28] No space left on device" in error.what
    assert error.todo == "Free space in the container's temporary folder (TMPDIR, default /tmp)."


def test_a_full_tmpdir_while_copying_files_is_no_space_left(tmp_path, small_tmpfs):
    project = _project(tmp_path / "p")
    write(project / "big.bin", "x" * 256 * 1024)
    workdir = small_tmpfs("size=64k")

    with pytest.raises(StartupError) as caught:
        private_copy(project, workdir)

    _disk_full(caught.value, project)
    assert f"{project / 'big.bin'}: [Errno 28]" in caught.value.what


def test_a_full_tmpdir_at_the_first_folder_is_no_space_left(tmp_path, small_tmpfs):
    project = _project(tmp_path / "p")
    workdir = small_tmpfs("nr_inodes=1")  # the mount's own root takes the only inode

    with pytest.raises(StartupError) as caught:
        private_copy(project, workdir)

    _disk_full(caught.value, project)


def _digest_after(tmp_path, change) -> tuple[str, str]:
    folder = _project(tmp_path / "p")
    before = digest(folder)
    change(folder)
    return before, digest(folder)


def test_an_executable_bit_for_others_changes_the_key(tmp_path):
    before, after = _digest_after(
        tmp_path, lambda f: (f / "src" / "myapps" / "__init__.py").chmod(0o645)
    )
    assert before != after


def test_a_write_bit_does_not_change_the_key(tmp_path):
    before, after = _digest_after(
        tmp_path, lambda f: (f / "src" / "myapps" / "__init__.py").chmod(0o666)
    )
    assert before == after


def test_a_file_name_that_is_not_utf8_is_part_of_the_key(tmp_path):
    def add(folder: Path) -> None:
        (Path(os.fsdecode(bytes(folder))) / os.fsdecode(b"caf\xe9.py")).write_text("")

    before, after = _digest_after(tmp_path, add)
    assert before != after
