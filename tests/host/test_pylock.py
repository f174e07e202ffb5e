"""The standard lock file (PEP 751 pylock.toml) as a project lock."""

from __future__ import annotations

from tests.host.conftest import assert_failed, assert_ok
from tests.support import packages

INSTALLING = ("export", "pip install", "pip uninstall", "pip check")


def pylock_project(layout, pins=("appliba==1.0", "applibb==1.0"), extra="", dependencies=None):
    """A project with pylock.toml and no uv.lock (depending on what it pins, unless told)."""
    if dependencies is None:
        dependencies = [pin.split("==")[0] for pin in pins]
    project = packages.write_project(layout.project_dir, dependencies=dependencies)
    packages.write_pylock(project, layout.wheels, pins, extra)
    return project


def test_pylock_project_installs_with_hashes_then_restarts_warm(
    layout, installed, uv_calls, fixture_uv_env
):
    project = pylock_project(layout)

    first = layout.run("boot")

    assert_ok(first)
    assert f"project install: starting ({project / 'pylock.toml'})" in first.stdout
    assert "project install: complete" in first.stdout
    now = installed()
    assert now["appliba"] == "1.0" and now["applibb"] == "1.0" and now["myapps"] == "0.1.0"
    calls = uv_calls()
    locked = next(call for call in calls if call.startswith("pip install") and " -r " in call)
    assert " -c " in locked  # the constraints apply to this lock too
    assert any("--no-deps" in call for call in calls)
    printed = layout.run("export")
    applibb = packages.sha256(layout.wheels / "applibb-1.0-py3-none-any.whl")
    assert f"applibb==1.0 --hash=sha256:{applibb}" in printed.stdout, printed.describe()

    second = layout.run("boot")  # nothing changed: nothing runs

    assert_ok(second)
    assert "project install: up to date" in second.stdout
    assert [call for call in uv_calls() if call.startswith(INSTALLING)] == []

    # the lock loses a package: the next start installs again and the package goes
    packages.write_project(project, dependencies=("applibc",))
    packages.write_pylock(project, layout.wheels, ["applibc==1.0"])
    third = layout.run("boot")
    assert_ok(third)
    now = installed()
    assert "applibc" in now and "appliba" not in now and "applibb" not in now


def test_uv_lock_wins_over_pylock_and_the_log_says_so(layout, installed, fixture_uv_env):
    project = packages.write_project(layout.project_dir, dependencies=("applibc",))
    packages.lock_project(project, [layout.wheels], fixture_uv_env)
    packages.write_pylock(project, layout.wheels, ["appliba==1.0", "applibb==1.0"])

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: uv.lock wins over pylock.toml" in result.stdout
    now = installed()
    assert "applibc" in now and "appliba" not in now


def test_pylock_conflict_with_the_constraints_is_a_dependency_conflict(layout, installed):
    # hassette allows tinydep<2; the lock pins 2.0
    pylock_project(layout, pins=("tinydep==2.0",))
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "DEPENDENCY CONFLICT", 4)
    assert "tinydep" in result.stdout.split("uv said:", 1)[1]
    assert installed() == before
    assert installed()["tinydep"] == "1.0"


def test_a_pylock_uv_cannot_read_is_named(layout, installed):
    project = packages.write_project(layout.project_dir)
    (project / "pylock.toml").write_text("lock-version = '1.0'\n[[packages]\nnot toml\n")
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    assert str(project / "pylock.toml") in result.stdout
    assert installed() == before


def test_pylock_with_a_wrong_hash_is_refused(layout, installed, tmp_path, fixture_uv_env):
    project = pylock_project(layout, pins=("applibc==1.0",))
    text = (project / "pylock.toml").read_text()
    good = packages.sha256(layout.wheels / "applibc-1.0-py3-none-any.whl")
    (project / "pylock.toml").write_text(text.replace(good, "0" * 64))
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "HASH MISMATCH", 13)
    assert installed() == before


def test_pylock_local_folder_inside_the_project_installs(layout, installed):
    project = layout.project_dir
    packages.write_source_tree(packages.Dist("locallib", "0.3"), project / "libs" / "locallib")
    pylock_project(
        layout,
        pins=("applibc==1.0",),
        dependencies=("applibc", "locallib"),
        extra="""
        [[packages]]
        name = "locallib"
        directory = { path = "libs/locallib" }

        [[packages]]
        name = "myapps"
        directory = { path = "." }
        """,
    )

    result = layout.run("boot")

    assert_ok(result)
    now = installed()
    assert now["locallib"] == "0.3" and now["applibc"] == "1.0" and now["myapps"] == "0.1.0"


def test_pylock_local_folder_outside_the_project_is_named(layout, installed):
    pylock_project(
        layout,
        pins=("applibc==1.0",),
        extra="""
        [[packages]]
        name = "outsidelib"
        directory = { path = "../outside lib" }
        """,
    )

    result = layout.run("boot")

    assert_failed(result, "LOCAL PATH DEPENDENCY OUTSIDE THE PROJECT", 9)
    assert "outsidelib" in result.stdout and "outside lib" in result.stdout


def test_dry_run_reads_pylock_without_running_uv(layout, installed, uv_calls):
    project = pylock_project(layout)
    assert_ok(layout.run("boot"))
    packages.write_project(project, dependencies=("applibc",))
    packages.write_pylock(project, layout.wheels, ["applibc==1.0"])
    before = installed()
    uv_calls()

    result = layout.run("boot", "--dry-run")

    assert result.exit_code == 0, result.describe()
    assert "pylock.toml converted" in result.stdout
    assert "plan: exact environment: would remove appliba 1.0, applibb 1.0" in result.stdout
    assert [call for call in uv_calls() if call.startswith(INSTALLING)] == []
    assert installed() == before


def test_an_edited_pylock_alone_reinstalls(layout, installed, uv_calls):
    project = pylock_project(layout)
    assert_ok(layout.run("boot"))
    pyproject = (project / "pyproject.toml").read_bytes()

    # only the lock changes (by content: its size and time are not what the record holds)
    packages.write_pylock(project, layout.wheels, ["appliba==1.0", "applibb==1.0", "applibc==1.0"])
    uv_calls()
    result = layout.run("boot")

    assert_ok(result)
    assert (project / "pyproject.toml").read_bytes() == pyproject
    assert "project install: complete" in result.stdout
    assert any(call.startswith("pip install") for call in uv_calls())
    assert installed()["applibc"] == "1.0"
