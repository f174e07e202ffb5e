"""pytest plugin for `nox -s mutate` (loaded by [tool.mutmut] pytest_add_cli_args).

The host tests run the tasks in child processes, where mutmut cannot see which mutated
functions a test reaches: while mutmut collects that, each test's children append what
they called to a file (tests/support/mutmut_site) that is handed to mutmut here. When
mutmut tries a mutant, the children inherit MUTANT_UNDER_TEST and run it themselves.
HASSETTE_TASKS_MUTATE_HOST chooses the host tests: 1 all, or file names
(test_warm_restart.py,test_pylock.py); unset, none (unit tests only).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "mutmut_site"


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SITE), *([path] if path else [])])
    if _collecting():
        os.register_at_fork(after_in_child=_record_in_forked_child)


def _record_in_forked_child() -> None:
    """A unit test's os.fork child (a check run as another uid, in a mount namespace) ends
    in os._exit, and what it reached would die with it: it writes its hits to the test's
    file as the host tests' children do."""
    path = os.environ.get("MUTMUT_HITS_FILE")
    if not path:
        return
    name, file = "hassette_tasks_mutmut_site", SITE / "sitecustomize.py"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec and spec.loader:
        site = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(site)  # it records at once: MUTMUT_HITS_FILE is set


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
