"""What a maintainer sees first: `invoke --list` and `invoke --help TASK`."""

from __future__ import annotations

import re

import pytest

from hassette_tasks import ns
from tests.support.tasks_runner import TASKS


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


def short_flags(help_text: str) -> dict[str, str]:
    """{-x: --long} from the Options section of `invoke --help TASK`."""
    options = help_text.split("Options:", 1)[1]
    return dict(re.findall(r"^  (-\w)(?: \w+)?, (--[\w-]+)", options, flags=re.MULTILINE))


def test_a_short_flag_means_the_same_in_every_task(layout):
    meanings: dict[str, dict[str, list[str]]] = {}  # -x: {--long: [tasks]}
    for name in TASKS:
        result = layout.run("--help", name)
        assert result.exit_code == 0, result.describe()
        for short, long in short_flags(result.stdout).items():
            meanings.setdefault(short, {}).setdefault(long, []).append(name)

    clashes = {short: longs for short, longs in meanings.items() if len(longs) > 1}
    assert not clashes, f"one letter, several flags: {clashes}"
    # the flags shared by several tasks have their letter everywhere they exist
    assert meanings["-c"] == {"--constraints": ["boot", "install-locked", "install-reqs"]}
    assert meanings["-o"] == {"--output": ["baseline", "constraints", "export"]}


def test_boot_short_c_names_the_constraints_file(layout):
    """`boot -c FILE` is --constraints, as in install-locked and install-reqs."""
    (layout.apps_dir / "requirements.txt").write_text("appliba\n")
    other = layout.root / "other constraints.txt"
    other.write_text("appliba>=1\n")

    result = layout.run("boot", "--dry-run", "-c", str(other), env={"HASSETTE__INSTALL_DEPS": "1"})

    assert result.exit_code == 0, result.describe()
    assert f"with -c {other}" in result.stdout, result.describe()
    assert f"with -c {layout.constraints}" not in result.stdout, result.describe()
