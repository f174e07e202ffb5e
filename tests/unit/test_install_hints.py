"""The advice an INSTALL FAILED banner gives, chosen from uv's own words."""

from __future__ import annotations

from hassette_tasks.errors import Failure
from hassette_tasks.uv_failures import TODO, install_todo

READ_ONLY_VENV = (
    "error: Failed to install: tinydep-1.0-py3-none-any.whl (tinydep==1.0)\n"
    "  Caused by: failed to create directory `/app/.venv/lib/python3.13/site-packages/"
    "tinydep`: Read-only file system (os error 30)\n"
)
READ_ONLY_EGG_INFO = (
    "error: Failed to build `legacypkg @ file:///apps/legacypkg`\n"
    "  error: could not create 'legacypkg.egg-info': Read-only file system\n"
)


def test_read_only_venv_is_not_blamed_on_editable_installs():
    advice = install_todo(READ_ONLY_VENV)
    assert "read-only file system" in advice
    assert "--read-only" in advice
    assert "-e" not in advice.split()


def test_read_only_egg_info_gets_the_editable_advice():
    assert "Drop the -e" in install_todo(READ_ONLY_EGG_INFO)


def test_permission_denied_names_the_uid_to_run_as():
    advice = install_todo("failed to create directory `/app/.venv/x`: Permission denied")
    assert "uid 1000" in advice


def test_other_failures_get_the_general_advice():
    assert install_todo("error: some other problem") == TODO[Failure.INSTALL]
