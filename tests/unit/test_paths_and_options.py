"""Folders that cannot be read, paths that are not what a setting or flag needs, and the
blank prune switch: the plain functions under the host tests of test_unreadable_and_paths."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from hassette_tasks import discovery, options, uv
from hassette_tasks.console import Console
from hassette_tasks.errors import ConfigError, Failure
from hassette_tasks.project.copy import private_copy
from hassette_tasks.settings import load

REQ = "requests>=2\n"


def refuse_below(monkeypatch, name: str, locked: Path) -> None:
    """os.NAME (scandir, stat) raises EACCES for LOCKED and what is inside it, as for
    another uid's 0700 folder (these tests run as root, which reads everything)."""
    real = getattr(os, name)

    def refusing(path, *args, **kwargs):
        if Path(path) == locked or locked in Path(path).parents:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, refusing)


def raising_below(method, locked: Path):
    def raising(self, *args, **kwargs):
        if locked in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return method(self, *args, **kwargs)

    return raising


def test_walker_passes_over_a_folder_whose_git_marker_cannot_be_tested(tree, monkeypatch):
    """Path.exists() raises EACCES below an unreadable folder (Python < 3.14): the walk
    tests `.git` there, and must go on."""
    root = tree(
        {"secret/.git/config": "", "secret/requirements.txt": REQ, "ok/requirements.txt": REQ}
    )
    refuse_below(monkeypatch, "scandir", root / "secret")
    for name in ("exists", "is_file", "is_dir"):  # as they behave on Python < 3.14
        monkeypatch.setattr(Path, name, raising_below(getattr(Path, name), root / "secret"))
    refuse_below(monkeypatch, "stat", root / "secret" / ".git")  # what os.path sees there
    result = discovery.find_requirements([root])
    assert result.files == [root / "ok/requirements.txt"]
    assert result.unreadable_folders == [root / "secret"]


def test_roots_missing_not_a_folder_and_unreadable_are_told_apart(tmp_path, monkeypatch):
    a_file = tmp_path / "apps.txt"
    a_file.write_text(REQ)
    closed = tmp_path / "closed"
    below = closed / "apps"
    below.mkdir(parents=True)
    monkeypatch.setattr(Path, "stat", raising_below(Path.stat, closed))
    result = discovery.find_requirements([tmp_path / "missing", a_file, below])
    assert result.missing_roots == [tmp_path / "missing", a_file]  # neither searched
    assert result.not_folders == [a_file]  # and this one is said as such
    assert result.unreadable_folders == [below]
    assert result.files == []


def test_symlinks_not_followed_are_recorded_with_target_and_reason(tree, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(REQ)
    root = tree({"ok/requirements.txt": REQ})
    (root / "a").mkdir()
    (root / "a" / "requirements.txt").symlink_to(outside)
    (root / "b").mkdir()
    (root / "b" / "requirements.txt").symlink_to(tmp_path / "gone.txt")
    (root / "c").mkdir()
    (root / "c" / "requirements.txt").symlink_to(root / "ok", target_is_directory=True)
    result = discovery.find_requirements([root])
    assert result.files == [root / "ok/requirements.txt"]
    reasons = {link.parent.name: (target, why) for link, target, why in result.skipped_links}
    assert reasons["a"] == (str(outside), reasons["a"][1]) and "outside" in reasons["a"][1]
    assert reasons["b"][0] == str(tmp_path / "gone.txt") and "does not exist" in reasons["b"][1]
    assert "not a file" in reasons["c"][1]


def test_private_copy_leaves_out_an_unreadable_folder_and_says_so(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "secret" / "deep").mkdir(parents=True)
    (project / "secret" / "deep" / "x.py").write_text("")
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text('[project]\nname = "p"\n')
    refuse_below(monkeypatch, "scandir", project / "secret")
    work = tmp_path / "work"
    work.mkdir()
    said: list[str] = []
    copy = private_copy(project, work, said.append)
    assert (copy / "pkg" / "__init__.py").is_file() and (copy / "pyproject.toml").is_file()
    assert not (copy / "secret").exists()
    assert said == [f"cannot read the folder {project / 'secret'}: not part of the project build"]


@pytest.mark.parametrize("kind", ["missing", "file", "unreadable"])
def test_require_folder_names_the_flag_and_the_problem(tmp_path, monkeypatch, kind):
    path = tmp_path / "project"
    if kind == "file":
        path.write_text("")
    elif kind == "unreadable":
        path.mkdir()
        refuse_below(monkeypatch, "scandir", path)
    with pytest.raises(ConfigError) as raised:
        options.require_folder(path, "--project-dir", "project folder")
    error = raised.value
    assert error.failure is Failure.CONFIG and error.what.startswith("--project-dir: ")
    assert str(path) in error.what
    expected = {"missing": "does not exist", "file": "is not a folder", "unreadable": "cannot read"}
    assert expected[kind] in error.what


def test_require_folder_accepts_a_folder(tmp_path):
    assert options.require_folder(tmp_path, "X") == tmp_path


def test_require_output_refuses_missing_folder_file_parent_and_folder_target(tmp_path):
    (tmp_path / "a-file").write_text("")
    cases = {
        tmp_path / "missing" / "x.txt": "does not exist",
        tmp_path / "a-file" / "x.txt": "is not a folder",
        tmp_path: "is a folder",
    }
    for path, words in cases.items():
        with pytest.raises(ConfigError) as raised:
            options.require_output(path)
        assert words in raised.value.what and raised.value.what.startswith("--output: ")
    assert options.require_output(tmp_path / "ok.txt") == tmp_path / "ok.txt"


def test_write_output_failure_is_a_configuration_error(tmp_path):
    target = tmp_path / "gone" / "x.txt"
    with pytest.raises(ConfigError) as raised:
        options.write_output(target, "a\n")
    assert str(target) in raised.value.what
    options.write_output(tmp_path / "x.txt", "a\n")
    assert (tmp_path / "x.txt").read_text() == "a\n"


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_uv_run_in_a_folder_that_is_not_one_raises_oserror_not_a_fork_traceback(tmp_path, kind):
    cwd = tmp_path / "here"
    if kind == "file":
        cwd.write_text("")
    with pytest.raises(OSError) as raised:
        uv.run(["--version"], Console(env={}, stream=io.StringIO()), cwd=cwd)
    assert raised.value.filename == str(cwd)


def test_blank_prune_setting_is_off_with_a_warning_and_blank_enable_switches_are_quiet():
    settings = load({"HASSETTE__PRUNE_UV_CACHE": ""})
    assert settings.prune_cache is False
    assert len(settings.warnings) == 1 and "HASSETTE__PRUNE_UV_CACHE=''" in settings.warnings[0]
    quiet = load({"HASSETTE__INSTALL_DEPS": "", "HASSETTE__FORCE_INSTALL": ""})
    assert quiet.install_deps is False and quiet.force_install is False
    assert quiet.warnings == []
