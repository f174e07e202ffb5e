"""workdir: a folder removed or replaced between its open and its check (the race claim
guards against by comparing what it opened with what the path names now): asked again,
never a traceback, never claimed unchecked (tests found by nox -s mutate -- workdir)."""

from __future__ import annotations

import os
from pathlib import Path

from hassette_tasks import workdir


def _gone_after_open(monkeypatch, folder: Path, times: int) -> list[str]:
    """os.lstat of FOLDER fails TIMES times, as when it is removed right after claim opened
    it; returns the paths it failed for."""
    real = os.lstat
    failed: list[str] = []

    def lstat(path, *args, **kwargs):
        if Path(path) == folder and len(failed) < times:
            failed.append(str(path))
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    return failed


def test_a_folder_removed_after_its_open_is_opened_again_and_claimed(tmp_path, monkeypatch):
    folder = tmp_path / "stable"
    failed = _gone_after_open(monkeypatch, folder, times=1)

    found = workdir.claim(folder)

    assert found is not None and found[0] == folder and failed
    os.close(found[1])
    assert workdir.is_marked(folder)


def test_a_folder_that_keeps_vanishing_is_not_claimed_and_leaks_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "stable"
    before = len(os.listdir("/proc/self/fd"))
    failed = _gone_after_open(monkeypatch, folder, times=1_000)

    assert workdir.claim(folder) is None
    assert failed and len(os.listdir("/proc/self/fd")) == before
    assert not workdir.is_marked(folder)  # never marked: it was never checked
