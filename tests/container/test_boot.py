"""`boot` end to end: `docker run IMAGE ARGS` with the image's own entrypoint, real hassette.

Where a test must prove a package really landed in /app/.venv, the same container runs
boot through the debugging entrypoint and then imports the package:
`sh -c 'hassette-tasks boot -- --version && /app/.venv/bin/python -c "import PKG"'`.
"""

from __future__ import annotations

import re

import pytest

from tests.container.conftest import HASSETTE_VERSION
from tests.container.dockerrun import Mount, write

pytestmark = pytest.mark.docker

PHASE_LINE = re.compile(r"^\[ *\d+ms\] ")
HAND_OFF = "handing off to hassette: /app/.venv/bin/hassette run"


def boot_then(*modules: str, importable: bool = True) -> list[str]:
    """sh arguments: boot (hassette --version), then try the imports in the same container."""
    check = f"/app/.venv/bin/python -c 'import {', '.join(modules)}' && echo IMPORTED"
    check += "" if importable else " || echo NOT-IMPORTABLE"
    return ["-c", f"hassette-tasks boot -- --version && {check}"]


def after_hand_off(output: str) -> str:
    assert HAND_OFF in output, output
    return output.split(HAND_OFF, 1)[1]


def test_clean_start_prints_every_phase_and_hassettes_version(containers, base_env, image_python):
    run = containers.run("--version", env=base_env)

    assert run.exit_code == 0, run.describe()
    phases = [
        PHASE_LINE.sub("", line) for line in run.output.splitlines() if PHASE_LINE.match(line)
    ]
    expected = [
        f"environment: hassette {HASSETTE_VERSION} in /app/.venv (Python {image_python or ''}",
        "project install: skipped (no project: no pyproject.toml in /apps)",
        "requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)",
        "uv cache prune: started alongside hassette",
        f"{HAND_OFF.split(': ', 1)[0]}: /app/.venv/bin/hassette run --version",
    ]
    starts = [
        next((i for i, line in enumerate(phases) if line.startswith(want)), None)
        for want in expected
    ]
    assert None not in starts, f"missing phases {expected} in:\n{run.output}"
    assert starts == sorted(starts), run.output
    assert HASSETTE_VERSION in after_hand_off(run.output)


def test_requirements_are_off_by_default(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep\n")

    run = containers.run(
        *boot_then("tinydep", importable=False),
        entrypoint="sh",
        env=base_env,
        mounts=[Mount(config, "/config", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    assert "requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)" in (run.output)
    assert "NOT-IMPORTABLE" in run.output


def test_requirements_from_config_and_apps_are_installed(containers, folders, base_env):
    config = folders.make("config")
    apps = folders.make("apps")
    write(config / "requirements.txt", "tinydep==1.0\n")
    write(apps / "a" / "b" / "c" / "d" / "requirements.txt", "applibc\n")  # depth 5: found
    write(apps / "a" / "b" / "c" / "d" / "e" / "requirements.txt", "no-such-package-1\n")
    write(apps / ".hidden" / "requirements.txt", "no-such-package-2\n")
    write(apps / "requirements-dev.txt", "no-such-package-3\n")
    write(apps / "blank" / "requirements.txt", "\n# comments only\n")

    run = containers.run(
        *boot_then("tinydep", "applibc"),
        entrypoint="sh",
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config", read_only=True), Mount(apps, "/apps", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    assert "requirements install: skipping /apps/blank/requirements.txt (empty)" in run.output
    installing = re.findall(
        r"Installing requirements from (\S+) \(with constraints\)\.\.\.", run.output
    )
    assert installing == ["/apps/a/b/c/d/requirements.txt", "/config/requirements.txt"]
    assert "requirements install: complete (2 file(s)" in run.output
    assert "environment check: ok" in run.output
    assert HASSETTE_VERSION in after_hand_off(run.output)
    assert "IMPORTED" in run.output


def test_locked_project_on_a_read_only_apps_mount(containers, folders, make_project, base_env):
    project = make_project(folders.make("my apps"))

    run = containers.run(
        *boot_then("myapps", "appliba", "applibb"),
        entrypoint="sh",
        env=base_env,
        mounts=[Mount(project, "/apps", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    for phase in (
        "project install: starting (/apps/uv.lock)",
        "project install: installing 2 locked package(s) with constraints",
        "project install: complete",
    ):
        assert phase in run.output
    assert HASSETTE_VERSION in after_hand_off(run.output)
    assert "IMPORTED" in run.output


def test_locked_project_without_build_system(containers, folders, make_project, base_env):
    """uv builds it with setuptools, which only the local index serves."""
    project = make_project(folders.make("user project"), build_system=False)

    run = containers.run(
        *boot_then("myapps", "appliba"),
        entrypoint="sh",
        env={**base_env, "HASSETTE__PROJECT_DIR": "/srv/user project"},
        mounts=[Mount(project, "/srv/user project", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    assert "project install: starting (/srv/user project/uv.lock)" in run.output
    assert "project install: complete" in run.output
    assert "IMPORTED" in run.output


def test_pyproject_without_lock_is_skipped_with_a_hint(containers, folders, make_project, base_env):
    project = make_project(folders.make("apps"), lock=False)

    run = containers.run(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    assert run.exit_code == 0, run.describe()
    skipped = [line for line in run.output.splitlines() if "project install: skipped" in line]
    assert len(skipped) == 1 and "uv lock" in skipped[0], run.output
    assert HASSETTE_VERSION in after_hand_off(run.output)


def test_conflict_in_a_locked_project(containers, folders, make_project, conflict, base_env):
    project = make_project(folders.make("apps"), dependencies=[conflict.pin])

    run = containers.run(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    assert run.exit_code == 4, run.describe()
    assert "DEPENDENCY CONFLICT" in run.output
    assert conflict.name in run.output.split("DEPENDENCY CONFLICT", 1)[1]
    assert "handing off" not in run.output


def test_conflict_in_a_requirements_file(containers, folders, conflict, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", f"{conflict.pin}\n")

    run = containers.run(
        "--version",
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config", read_only=True)],
    )

    assert run.exit_code == 4, run.describe()
    assert "DEPENDENCY CONFLICT" in run.output
    assert conflict.name in run.output.split("DEPENDENCY CONFLICT", 1)[1]
    assert "handing off" not in run.output


def write_echo_venv(folder, python_minor: str):
    """A venv boot accepts (hassette's metadata and package files) whose `hassette`
    prints each argument it receives on its own line, in brackets."""
    site = folder / "lib" / f"python{python_minor}" / "site-packages"
    write(
        site / f"hassette-{HASSETTE_VERSION}.dist-info" / "METADATA",
        f"Metadata-Version: 2.1\nName: hassette\nVersion: {HASSETTE_VERSION}\n",
    )
    write(site / f"hassette-{HASSETTE_VERSION}.dist-info" / "RECORD", "")
    write(site / "hassette" / "__init__.py", "")
    (folder / "bin").mkdir()
    (folder / "bin" / "python").symlink_to("/app/.venv/bin/python")
    script = write(
        folder / "bin" / "hassette",
        '#!/bin/sh\nfor arg in "$@"; do printf \'<%s>\\n\' "$arg"; done\n',
    )
    script.chmod(0o755)
    return folder


def test_arguments_reach_hassette_intact(containers, folders, base_env, image_python):
    venv = write_echo_venv(folders.make("echo venv"), image_python or "3.13")
    args = ["--version", "two words", 'a "quoted" one', "it's", "", "$HOME", "*"]

    run = containers.run(
        *args,
        env={**base_env, "HASSETTE__VENV": "/echo venv", "HASSETTE__PRUNE_UV_CACHE": "0"},
        mounts=[Mount(venv, "/echo venv", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    received = re.findall(r"^<(.*)>$", run.output, flags=re.M)
    assert received == ["run", *args], run.output
