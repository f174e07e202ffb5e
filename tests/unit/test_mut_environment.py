"""environment: what the start reads of the app venv, behaviours surviving mutants showed no
test pinned down (tests/unit/test_environment.py holds the first ones). A wrong
site-packages is a hassette "not installed" on a good image, or installs into the wrong
Python's folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from hassette_tasks.environment import (
    DERIVED_IMAGE,
    AppEnvironment,
    _read_only,
    inspect,
    python_version,
    require_writable,
    site_packages,
)
from hassette_tasks.errors import StartupError
from tests.support.capability import mount_read_only_tmpfs, mount_refused
from tests.unit.conftest import make_venv, write


def test_the_newest_python_folder_wins_by_number_not_by_text(fake_venv):
    # "python3.9" sorts after "python3.12" as text: the number decides
    venv = fake_venv(python_minor="3.12")
    write(venv / "lib" / "python3.9" / "site-packages" / "stray.py")

    assert site_packages(venv) == venv / "lib" / "python3.12" / "site-packages"
    assert inspect(venv).site_packages == venv / "lib" / "python3.12" / "site-packages"


def test_the_newest_python_folder_wins_whichever_is_found_first(fake_venv):
    venv = fake_venv(python_minor="3.9")
    write(venv / "lib" / "python3.13" / "site-packages" / "stray.py")

    assert site_packages(venv) == venv / "lib" / "python3.13" / "site-packages"


def test_a_folder_that_is_not_python3_n_is_not_a_site_packages(fake_venv):
    # a free-threaded build's python3.13t, or any other name: never read as a version
    venv = fake_venv(python_minor="3.12")
    for name in ("python3.13t", "python3.", "python3.x", "pypy3.14"):
        write(venv / "lib" / name / "site-packages" / "stray.py")

    assert site_packages(venv) == venv / "lib" / "python3.12" / "site-packages"


def test_a_venv_without_site_packages_has_none(tmp_path):
    (tmp_path / "lib" / "python3.12").mkdir(parents=True)

    assert site_packages(tmp_path) is None


def test_the_version_line_is_found_among_others(tmp_path):
    (tmp_path / "pyvenv.cfg").write_text(
        "home = /usr/bin\nversion_info_extra = 9.9\nprompt = version\n"
        "  version_info  =  3.13.1  \nversion = 3.0.0\n"
    )

    assert python_version(tmp_path) == "3.13.1"


def test_a_pyvenv_cfg_without_a_version_is_unknown(tmp_path):
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\nversions = 3.12\n")

    assert python_version(tmp_path) == "unknown"


def test_an_unreadable_pyvenv_cfg_is_unknown(tmp_path):
    (tmp_path / "pyvenv.cfg").mkdir()  # read_text fails with an OSError

    assert python_version(tmp_path) == "unknown"


# --- require_writable: the banner before uv runs, for a user who cannot write the venv
#
# As root every folder is writable: the check runs in a forked child that is another user
# (root: uid 65534 after the fork; anyone else: themselves, on folders made read-only).


@pytest.fixture
def shared_venv():
    """A fake venv the other user can reach: in a folder of its own, opened for traversal
    (pytest's tmp_path is private to its user)."""
    with tempfile.TemporaryDirectory(prefix="hassette-tasks-test-") as folder:
        Path(folder).chmod(0o755)
        yield make_venv(Path(folder) / "venv")


def _as_another_user(app: AppEnvironment) -> tuple[int, dict[str, str] | None]:
    """require_writable(APP) run by another user: (its uid, the error's fields or None)."""

    def become_another_user() -> None:
        if os.geteuid() == 0:
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    return _in_a_child(app, become_another_user)


def _in_a_child(app: AppEnvironment, prepare) -> tuple[int, dict[str, str] | None]:
    """require_writable(APP) in a forked child after PREPARE(): (its uid, the error or None)."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            prepare()
            answer: dict[str, object] = {"uid": os.getuid(), "error": None}
            try:
                require_writable(app)
            except StartupError as error:
                answer["error"] = {
                    "failure": error.failure.name,
                    "what": error.what,
                    "todo": error.todo,
                }
            os.write(write_end, json.dumps(answer).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read) as stream:
        answer = json.loads(stream.read())
    os.waitpid(pid, 0)
    return answer["uid"], answer["error"]


NOBODY = 65534


def _lock(*folders: Path) -> None:
    for folder in folders:
        folder.chmod(0o555)


def test_a_venv_of_another_uid_names_both_uids(shared_venv):
    venv = shared_venv
    app = inspect(venv)
    _lock(app.site_packages, venv / "bin")

    uid, error = _as_another_user(app)

    owner = app.site_packages.stat().st_uid
    assert error is not None and error["failure"] == "NOT_WRITABLE"
    assert error["what"] == (
        f"the app environment {venv} cannot be written by this container's user "
        f"(uid {uid}): {app.site_packages} belongs to uid {owner}."
    )
    assert error["todo"] == (
        f"Run the container as uid {owner} (drop --user, or docker run --user {owner}); "
        "for platforms that pick a uid of their own (OpenShift), make /app/.venv "
        "group-writable for gid 0 in an image of your own (chgrp -R 0 /app/.venv && "
        f"chmod -R g=u /app/.venv); {DERIVED_IMAGE}"
    )


def test_an_unwritable_bin_folder_is_found_after_a_writable_site_packages(shared_venv):
    venv = shared_venv
    app = inspect(venv)
    app.site_packages.chmod(0o777)
    _lock(venv / "bin")

    _, error = _as_another_user(app)

    assert error is not None and error["failure"] == "NOT_WRITABLE"
    assert f": {venv / 'bin'} belongs to uid " in error["what"]


def test_a_venv_the_user_can_write_passes(shared_venv):
    venv = shared_venv
    app = inspect(venv)
    for folder in (app.site_packages, venv / "bin"):
        folder.chmod(0o777)

    assert _as_another_user(app)[1] is None


def test_a_folder_that_cannot_be_examined_is_not_read_as_read_only(tmp_path):
    # statvfs fails: the uid check after it says what is wrong
    assert _read_only(tmp_path / "missing") is False
    assert _read_only(tmp_path) is False  # a writable file system


def test_a_venv_without_site_packages_is_hassette_not_installed(fake_venv):
    venv = fake_venv()
    shutil.rmtree(venv / "lib")

    with pytest.raises(StartupError) as caught:
        inspect(venv)

    assert caught.value.what == f"hassette is not installed in {venv}."


def test_a_venv_on_a_read_only_file_system_says_so(fake_venv):
    # docker run --read-only: this user could write the folder, the file system cannot
    if refused := mount_refused():
        pytest.skip(f"a read-only tmpfs: {refused}")
    venv = fake_venv()
    app = inspect(venv)

    _, error = _in_a_child(app, lambda: mount_read_only_tmpfs(app.site_packages))

    assert error is not None and error["failure"] == "NOT_WRITABLE"
    assert error["what"] == (
        f"the app environment {venv} is on a read-only file system, so boot cannot install "
        "your packages into it."
    )
    assert error["todo"].startswith(
        "The container runs with a read-only root file system (docker run --read-only, or "
        "read_only: true in compose). Drop that (a --tmpfs /tmp may stay), or install the "
        "packages when you build an image of your own"
    )
    assert os.access(app.site_packages, os.W_OK)  # outside the child nothing changed
