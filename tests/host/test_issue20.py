"""Defects found by probing with bad input, concurrency and secrets (issue 20), each proven
with real uv against the test wheels."""

from __future__ import annotations

import os

import pytest

from tests.host.conftest import ON, assert_ok, locked_project, write_requirements

# a base64-style token: its `/` and `+` are not percent-encoded, so uv rejects the URL
B64_PASSWORD = "Zm9v/YmFy+SECRETpart=="


@pytest.mark.faults
@pytest.mark.parametrize("where", ["UV_INDEX_URL", "requirements", "no scheme"])
def test_malformed_index_url_password_never_printed(layout, where):
    env = dict(ON)
    if where == "UV_INDEX_URL":
        env["UV_INDEX_URL"] = f"https://alice:{B64_PASSWORD}@host/simple"
        write_requirements(layout.apps_dir, "appliba")
    elif where == "requirements":
        write_requirements(
            layout.apps_dir, f"--index-url https://alice:{B64_PASSWORD}@host/simple", "appliba"
        )
    else:
        write_requirements(layout.apps_dir, f"--index-url alice:{B64_PASSWORD}@host", "appliba")

    result = layout.run("boot", env=env)

    assert result.exit_code != 0, result.describe()
    assert "uv said:" in result.stdout, result.describe()  # uv's words reached the log
    for part in ("SECRETpart", "Zm9v", "YmFy"):
        assert part not in result.output, result.describe()


def test_repair_removes_only_the_work_folders_boot_made(layout, fixture_uv_env):
    """A start that failed (or was killed) leaves the install marker; the next start's repair
    must not touch a user's own `hassette-tasks-*` folder in TMPDIR."""
    locked_project(layout, fixture_uv_env)
    checkout = layout.tmpdir / "hassette-tasks-pr42"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "tasks.py").write_text("# a checkout of hassette-tasks\n")
    stable = layout.tmpdir / f"hassette-tasks-{os.getuid()}"
    stable.mkdir(mode=0o700)  # the stable work folder's name, but not made by boot
    (stable / "notes.txt").write_text("mine\n")
    boots_own = layout.tmpdir / "hassette-tasks-k1ll3d"  # a killed start's random folder
    (boots_own / "project").mkdir(parents=True)
    (boots_own / ".hassette-tasks-workdir").write_text("")
    (layout.venv / ".hassette-tasks-installing").write_text("left by a killed start\n")

    result = layout.run("boot")

    assert_ok(result)
    assert "repair: removed 1 temporary folder(s)" in result.stdout, result.describe()
    assert not boots_own.exists()
    assert (checkout / "tasks.py").read_text() == "# a checkout of hassette-tasks\n"
    assert (stable / "notes.txt").read_text() == "mine\n"
