"""What a maintainer sees first: `invoke --list` and `invoke --help TASK`."""

from __future__ import annotations

import re

import pytest

from hassette_tasks import ns

TASKS = (
    "baseline",
    "boot",
    "constraints",
    "export",
    "install-locked",
    "install-reqs",
    "prune",
    "start",
)


def test_list_shows_every_task_with_a_summary(layout):
    result = layout.run("--list")

    assert result.exit_code == 0, result.describe()
    listed = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^  (\S+)\s{2,}(\S.*)$", line)
        if match:
            listed[match.group(1)] = match.group(2)
    assert sorted(listed) == sorted(TASKS), result.describe()
    for name, summary in listed.items():
        assert len(summary) > 10, f"{name} has no real summary: {summary!r}"


def documented_flags(help_text: str) -> dict[str, str]:
    """{--flag: its help text} from the Options section of `invoke --help TASK`."""
    options = help_text.split("Options:", 1)[1]
    flags: dict[str, str] = {}
    current = None
    for line in options.splitlines():
        match = re.match(r"^  (?:-\w(?: \w+)?, )?(--[\w-]+)(?:=\w+)?\s{2,}(\S.*)$", line)
        if match:
            current = match.group(1)
            flags[current] = match.group(2)
        elif current and line.startswith(" " * 10) and line.strip():
            flags[current] += " " + line.strip()
    return flags


@pytest.mark.parametrize("name", TASKS)
def test_help_documents_every_flag(layout, name):
    result = layout.run("--help", name)

    assert result.exit_code == 0, result.describe()
    task = ns[name]
    assert task.__doc__.strip().splitlines()[0] in " ".join(result.stdout.split()), (
        "the summary line is missing from --help"
    )
    flags = documented_flags(result.stdout)
    expected = {"--" + arg.name.replace("_", "-") for arg in task.get_arguments()}
    assert set(flags) == expected, result.describe()
    for flag, text in flags.items():
        assert len(text) > 10, f"invoke --help {name}: {flag} has no real help: {text!r}"
