"""project.copy: the survivors of nox -s mutate -- project.copy that were behaviours (a
folder this user cannot read behind a file, a copy error that is not copytree's list of
files, a UTF-8 pyproject under a non-UTF-8 locale, the tidy edit of the copy's pyproject)."""

from __future__ import annotations

import locale
import shutil

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project.copy import (
    BUILD_KEY_VARIABLE,
    _unreadable_folders,
    pin_build_key,
    private_copy,
)
from tests.unit.conftest import write
from tests.unit.test_paths_and_options import refuse_below

CACHE_KEYS = f'cache-keys = [{{ env = "{BUILD_KEY_VARIABLE}" }}]'


def test_an_unreadable_folder_listed_after_a_file_and_a_link_is_still_found(tmp_path, monkeypatch):
    # the order is copytree's (the folder's own); a file or a link before the folder is
    # passed over, not the end of the search
    write(tmp_path / "a.txt", "x")
    (tmp_path / "b-link").symlink_to("a.txt")
    (tmp_path / "secret").mkdir()
    refuse_below(monkeypatch, "scandir", tmp_path / "secret")

    assert _unreadable_folders(str(tmp_path), ["a.txt", "b-link", "secret"]) == ["secret"]


def test_a_copy_error_that_is_not_a_list_of_files_is_still_an_install_banner(tmp_path, monkeypatch):
    project = write(tmp_path / "p" / "pyproject.toml", '[project]\nname = "p"\n').parent

    def failing(*_args: object, **_kwargs: object) -> None:
        raise shutil.Error("the copy broke off")

    monkeypatch.setattr(shutil, "copytree", failing)
    with pytest.raises(StartupError) as caught:
        private_copy(project, tmp_path / "work")

    assert caught.value.failure is Failure.INSTALL
    assert caught.value.what == (
        f"cannot copy the project {project} to build it: ?: the copy broke off"
    )


@pytest.fixture
def ascii_locale():
    """LC_CTYPE=C: Python's default text encoding becomes ASCII (a container started with
    LANG=C and no UTF-8 mode, or any non-UTF-8 locale)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        if locale.getpreferredencoding(False).lower().replace("-", "") == "utf8":
            pytest.fail("LC_CTYPE=C still reads UTF-8 here (UTF-8 mode?): the test proves nothing")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_a_utf8_pyproject_gets_its_build_key_whatever_the_locale(tmp_path, ascii_locale):
    text = '[project]\nname = "p"\ndescription = "Zoë\'s apps"\n'
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "pyproject.toml").write_bytes(text.encode("utf-8"))

    key = pin_build_key(copy)

    assert list(key) == [BUILD_KEY_VARIABLE]
    written = (copy / "pyproject.toml").read_bytes().decode("utf-8")
    assert written == f"{text.rstrip()}\n\n[tool.uv]\n{CACHE_KEYS}\n"


def test_the_setting_follows_the_last_line_after_one_blank_line(tmp_path):
    text = '[project]\nname = "p"\n\n\n  \n'
    copy = write(tmp_path / "copy" / "pyproject.toml", text).parent

    assert pin_build_key(copy)
    assert (copy / "pyproject.toml").read_text() == (
        f'[project]\nname = "p"\n\n[tool.uv]\n{CACHE_KEYS}\n'
    )
