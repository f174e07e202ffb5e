"""pytest plugin for `nox -s mutate` (loaded by [tool.mutmut] pytest_add_cli_args).

The host tests run the tasks in child processes, where mutmut cannot see which mutated
functions a test reaches: while mutmut collects that, each test's children append what
they called to a file (tests/support/mutmut_site) that is handed to mutmut here. When
mutmut tries a mutant, the children inherit MUTANT_UNDER_TEST and run it themselves.
HASSETTE_TASKS_MUTATE_HOST chooses the host tests: 1 all, or file names
(test_warm_restart.py,test_pylock.py); unset, none (unit tests only).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "mutmut_site"


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SITE), *([path] if path else [])])


def _left_out(nodeid: str, chosen: str) -> bool:
    """A host test HASSETTE_TASKS_MUTATE_HOST (1: all, or file names, comma-separated)
    does not choose."""
    if "tests/host/" not in nodeid or chosen == "1":
        return False
    return nodeid.split("::")[0].rpartition("/")[2] not in chosen.split(",")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = os.environ.get("HASSETTE_TASKS_MUTATE_HOST", "")
    host = [item for item in items if _left_out(item.nodeid, chosen)]
    if host:
        config.hook.pytest_deselected(items=host)
        items[:] = [item for item in items if item not in host]


def _collecting() -> bool:
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _collecting():
        handle, path = tempfile.mkstemp(prefix="hassette-tasks-mutmut-hits-")
        os.close(handle)
        os.environ["MUTMUT_HITS_FILE"] = path


@pytest.hookimpl(tryfirst=True)  # before mutmut's own collector reads what was reached
def pytest_runtest_teardown(item: pytest.Item) -> None:
    path = os.environ.pop("MUTMUT_HITS_FILE", None)
    if not path or not _collecting():
        return
    from mutmut.state import state

    hits = Path(path)
    state()._stats.update(hits.read_text(encoding="utf-8").split())
    hits.unlink()
