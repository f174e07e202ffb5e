"""installs: what the requirements install says about what discovery found, and the banner
for an unreadable requirements file, behaviours surviving mutants showed no test pinned
down (the installs themselves, with real uv, are tested through tests/host)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from hassette_tasks.console import Console
from hassette_tasks.discovery import Discovery
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installs import describe_discovery, report_unreadable


def described(discovery: Discovery, roots: list[Path]) -> list[str]:
    stream = io.StringIO()
    describe_discovery(Console(env={}, stream=stream), discovery, roots)
    return [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]


def test_nothing_found_names_every_folder_searched(tmp_path):
    roots = [tmp_path / "config", tmp_path / "my apps"]

    lines = described(Discovery(), roots)

    assert lines == [
        f"requirements install: no requirements.txt found under {roots[0]}, {roots[1]}"
    ]


def test_every_folder_not_searched_is_said_with_why(tmp_path):
    missing, a_file = tmp_path / "config", tmp_path / "apps"
    link, closed = tmp_path / "apps2" / "requirements.txt", tmp_path / "apps2" / "private"
    empty, found = tmp_path / "apps2" / "x" / "requirements.txt", tmp_path / "r.txt"
    discovery = Discovery(
        files=[found],
        empty=[empty],
        missing_roots=[missing, a_file],
        not_folders=[a_file],
        unreadable_folders=[closed],
        skipped_links=[(link, "/etc/passwd", "outside the searched folders")],
    )

    lines = described(discovery, [missing, a_file])

    assert lines == [
        f"requirements install: {missing} does not exist, not searched",
        f"warning: {a_file} is not a folder: not searched for requirements.txt",
        f"warning: skipped {link}: it is a symlink to /etc/passwd, outside the searched folders",
        f"warning: cannot read the folder {closed}: not searched for requirements.txt",
        f"requirements install: skipping {empty} (empty)",
    ]


def test_an_unreadable_requirements_file_is_an_install_failure_naming_it(tmp_path):
    files = [tmp_path / "a" / "requirements.txt", tmp_path / "b c" / "requirements.txt"]

    with pytest.raises(StartupError) as caught:
        report_unreadable(Discovery(unreadable=files))

    error = caught.value
    assert error.failure is Failure.INSTALL
    assert error.what == f"cannot read {files[0]}, {files[1]}."
    assert error.todo == (
        f"Make the file readable by the container's user (uid {os.getuid()}), e.g. chmod a+r FILE."
    )


def test_readable_files_are_no_failure(tmp_path):
    try:
        report_unreadable(Discovery(files=[tmp_path / "requirements.txt"]))
    except StartupError as error:
        pytest.fail(f"a readable file failed the start: {error.failure.name} {error.what}")
