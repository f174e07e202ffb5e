"""Defects found by probing with bad input, concurrency and secrets, each proven
with real uv against the test wheels."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.host.conftest import (
    ON,
    assert_failed,
    assert_halts_until_sigterm,
    assert_ok,
    locked_project,
    write_requirements,
)
from tests.support import packages

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


def _break_uv_lock(text: str, how: str) -> bytes:
    if how == "not utf-8":
        return text.encode() + b"# \xff\xfe caf\xe9\n"
    if how == "package as a table":
        return text.replace("[[package]]", "[package]", 1).split("[[package]]")[0].encode()
    if how == "source as a string":
        head, _, rest = text.partition("source = ")
        return (head + 'source = "registry"\n' + rest.partition("\n")[2]).encode()
    assert how == "package = 5"
    return b'version = 1\nrequires-python = ">=3.11"\npackage = 5\n'


UV_LOCK_DAMAGE = ["not utf-8", "package as a table", "source as a string", "package = 5"]


@pytest.mark.faults
@pytest.mark.parametrize("how", UV_LOCK_DAMAGE)
def test_malformed_uv_lock_is_an_export_failure(layout, fixture_uv_env, installed, how):
    project = locked_project(layout, fixture_uv_env)
    lock = project / "uv.lock"
    lock.write_bytes(_break_uv_lock(lock.read_text(), how))
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    assert "Traceback" not in result.output, result.describe()
    assert "uv.lock" in result.stdout.split("EXPORT FAILED", 1)[1], result.describe()
    assert installed() == before

    dry = layout.run("boot", "--dry-run")
    assert dry.exit_code in (0, 3), dry.describe()
    assert "Traceback" not in dry.output, dry.describe()


def _pylock(layout, damage: str) -> None:
    project = packages.write_project(layout.project_dir, dependencies=("appliba",))
    packages.write_pylock(project, layout.wheels, ["appliba==1.0"], damage)


PYLOCK_DAMAGE = {
    "wheels as strings": '[[packages]]\nname = "x"\nversion = "1"\nwheels = ["x.whl"]\n',
    "vcs as a string": '[[packages]]\nname = "x"\nvcs = "git+https://h/x"\n',
    "archive as a string": '[[packages]]\nname = "x"\narchive = "https://h/x.tar.gz"\n',
    "default-groups = 5": None,
}


@pytest.mark.faults
@pytest.mark.parametrize("how", list(PYLOCK_DAMAGE))
def test_malformed_pylock_is_an_export_failure(layout, installed, how):
    damage = PYLOCK_DAMAGE[how]
    if damage is None:
        project = packages.write_project(layout.project_dir, dependencies=("appliba",))
        lock = packages.write_pylock(project, layout.wheels, ["appliba==1.0"])
        lock.write_text("default-groups = 5\n" + lock.read_text())
    else:
        _pylock(layout, damage)
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    assert "Traceback" not in result.output, result.describe()
    assert "pylock.toml" in result.stdout.split("EXPORT FAILED", 1)[1], result.describe()
    assert installed() == before
    dry = layout.run("boot", "--dry-run")
    assert "Traceback" not in dry.output, dry.describe()


@pytest.mark.faults
def test_malformed_lock_follows_halt_mode(layout, fixture_uv_env):
    project = locked_project(layout, fixture_uv_env)
    (project / "uv.lock").write_bytes(
        _break_uv_lock((project / "uv.lock").read_text(), "package = 5")
    )

    running = layout.spawn("boot", env={"HASSETTE__ON_FAILURE": "halt"})

    assert_halts_until_sigterm(running, "EXPORT FAILED", 3)


@pytest.mark.faults
def test_a_huge_timeout_is_a_configuration_error_giving_the_range(layout, installed):
    write_requirements(layout.apps_dir, "appliba")

    result = layout.run("boot", env=ON | {"HASSETTE__REQUIREMENTS_TIMEOUT": "99999999999"})

    assert_failed(result, "CONFIGURATION ERROR", 2)
    assert "from 1 to 86400" in result.stdout, result.describe()
    assert "OverflowError" not in result.output, result.describe()
    assert "appliba" not in installed()


def test_after_an_ordinary_failure_the_next_start_claims_no_crash(layout, installed):
    requirements = write_requirements(layout.apps_dir, "appliba", "tinydep==2.0")
    failed = layout.run("boot", env=ON)
    assert_failed(failed, "DEPENDENCY CONFLICT", 4)

    requirements.write_text("appliba\n")
    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "interrupted" not in result.stdout, result.describe()
    assert "repair:" not in result.stdout, result.describe()
    assert "requirements install: complete" in result.stdout
    assert "appliba" in installed()


def _slow_uv(layout, seconds: float) -> dict[str, str]:
    """PATH for a `uv` that sleeps before every `pip install` (a slow index, in effect)."""
    real = shutil.which("uv")
    folder = layout.root / "slow uv"
    folder.mkdir()
    wrapper = folder / "uv"
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "pip install" ]; then sleep {seconds}; fi\n'
        f"exec '{real}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{layout.env()['PATH']}"}


@pytest.mark.faults
def test_a_second_start_on_one_venv_waits_then_finds_the_work_done(
    layout, fixture_uv_env, installed
):
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.config_dir, "probe-config")
    slow = ON | _slow_uv(layout, 3)  # both: the uv binary is part of the fingerprint
    first = layout.spawn("boot", env=slow)
    first.wait_for("locked package(s) with constraints")

    second = layout.run("boot", env=slow)

    assert_ok(first.finish(timeout=60))
    assert_ok(second)
    assert "start lock: another start (pid" in second.stdout, second.describe()
    assert "waiting for it to finish" in second.stdout
    assert "repair:" not in second.stdout and "interrupted" not in second.stdout
    assert "project install: up to date" in second.stdout, second.describe()
    assert "requirements install: up to date" in second.stdout
    assert {"appliba", "probe-config"} <= set(installed())
    assert layout.leftover_temp_dirs() == []


@pytest.mark.faults
def test_a_second_start_waits_a_bounded_time_and_says_who_holds_the_venv(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    first = layout.spawn("boot", env=_slow_uv(layout, 6))
    first.wait_for("locked package(s) with constraints")

    second = layout.run("boot", env={"HASSETTE_TASKS_START_WAIT": "1"})

    assert_failed(second, "INSTALL TIMED OUT", 6)
    assert "another start (pid" in second.stdout, second.describe()
    assert "HASSETTE_TASKS_START_WAIT" in second.stdout
    assert_ok(first.finish(timeout=60))  # the waiting start harmed nothing


def test_a_warm_restart_sees_an_edit_to_an_included_requirements_file(layout, installed):
    write_requirements(layout.apps_dir, "-r common.txt")
    common = layout.apps_dir / "common.txt"
    common.write_text("appliba\n")
    assert_ok(layout.run("boot", env=ON))
    assert "applibc" not in installed()

    common.write_text("appliba\n-r deeper/more.txt\n")  # includes are followed recursively
    (layout.apps_dir / "deeper").mkdir()
    (layout.apps_dir / "deeper" / "more.txt").write_text("probe-nested\n")
    second = layout.run("boot", env=ON)
    assert_ok(second)
    assert "probe-nested" in installed(), second.describe()

    (layout.apps_dir / "deeper" / "more.txt").write_text("probe-nested\napplibc\n")
    third = layout.run("boot", env=ON)

    assert_ok(third)
    assert "requirements install: up to date" not in third.stdout, third.describe()
    assert "applibc" in installed()


def test_a_warm_restart_sees_a_new_dependency_of_a_local_folder(layout, installed):
    # the local folder lives outside the project (apps) folder: only the requirements
    # fingerprint can see it
    write_requirements(layout.config_dir, "../libs/mylib")
    library = packages.write_project(layout.root / "libs" / "mylib", "mylib", dependencies=())
    assert_ok(layout.run("boot", env=ON))
    assert "mylib" in installed() and "applibc" not in installed()

    packages.write_project(library, "mylib", dependencies=("applibc",))
    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "requirements install: up to date" not in result.stdout, result.describe()
    assert "applibc" in installed()


def test_touching_unchanged_lock_and_requirements_reruns_nothing(layout, fixture_uv_env, uv_calls):
    project = locked_project(layout, fixture_uv_env)  # project folder = apps folder
    requirements = write_requirements(layout.apps_dir, "-r common.txt")
    (layout.apps_dir / "common.txt").write_text("probe-config\n")
    assert_ok(layout.run("boot", env=ON))
    uv_calls()

    for path in (requirements, project / "uv.lock", project / "common.txt"):
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "project install: up to date" in result.stdout, result.describe()
    assert "requirements install: up to date" in result.stdout, result.describe()
    assert not [call for call in uv_calls() if call.startswith(("export", "pip install"))]


def test_a_requirements_file_with_a_byte_order_mark_keeps_the_venv_exact(layout, installed):
    requirements = layout.apps_dir / "requirements.txt"
    requirements.write_text("\ufeffprobe-config\napplibc\n", encoding="utf-8")
    first = layout.run("boot", env=ON)
    assert_ok(first)
    assert {"probe-config", "applibc"} <= set(installed())

    requirements.write_text("\ufeffprobe-config\n", encoding="utf-8")  # applibc deleted
    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "cannot tell which package" not in result.stdout, result.describe()
    assert "%EF%BB%BF" not in result.stdout
    assert "applibc" not in installed(), result.describe()
    assert "probe-config" in installed()


def test_a_later_requirements_file_changing_an_earlier_pin_is_named(layout, installed):
    first = write_requirements(layout.apps_dir / "a", "applibb==1.0", "probe-config")
    second = write_requirements(layout.apps_dir / "b", "applibb==2.0")
    third = write_requirements(layout.apps_dir / "c", "applibb")  # keeps 2.0: no word

    result = layout.run("boot", env=ON)

    assert_ok(result)  # files still install one by one: the later pin wins
    assert installed()["applibb"] == "2.0"
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert len(warnings) == 1, result.describe()
    assert str(first) in warnings[0] and str(second) in warnings[0]
    assert "applibb==1.0" in warnings[0] and "applibb==2.0" in warnings[0]
    assert str(third) not in warnings[0]
