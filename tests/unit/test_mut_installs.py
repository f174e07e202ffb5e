"""installs: what the requirements install says about what discovery found, and the banner
for an unreadable requirements file, behaviours surviving mutants showed no test pinned
down (the installs themselves, with real uv, are tested through tests/host)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hassette_tasks import records, settings
from hassette_tasks.console import Console
from hassette_tasks.discovery import Discovery
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import ConfigError, Failure, StartupError
from hassette_tasks.installed import installed
from hassette_tasks.installs import (
    check_environment,
    describe_discovery,
    install_locked,
    install_requirements,
    report_unreadable,
)
from hassette_tasks.wanted import Roots
from tests.support import packages
from tests.unit.conftest import write
from tests.unit.test_mut_exact import install, real_app, wheel


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


# --- the installs themselves, with real uv: a real venv (test_mut_exact.real_app: hassette
# and tinydep 1.0), wheels from a local folder (no index), the lines a user reads


def _lines(stream: io.StringIO) -> list[str]:
    """The log lines without their elapsed-time prefix, times in them written as T."""
    found = [line.split("] ", 1)[1] for line in stream.getvalue().splitlines() if "] " in line]
    return [re.sub(r"\d+\.\d\ds", "T", line) for line in found]


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppEnvironment:
    made = real_app(tmp_path, monkeypatch)
    for info in made.site_packages.glob("*.dist-info"):  # uv pip check reads it after installs
        write(info / "WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    return made


@pytest.fixture
def wheels(tmp_path, monkeypatch) -> Path:
    """uv finds wheels only in this folder (no index), with a cache of the test's own."""
    folder = tmp_path / "wheels"
    for name, version in [("alpha", "1.0"), ("alpha", "2.0"), ("beta", "1.0"), ("beta", "2.0")]:
        wheel(folder, name, version)
    monkeypatch.setenv("UV_FIND_LINKS", str(folder))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.delenv("UV_COMPILE_BYTECODE", raising=False)
    return folder


def configured(tmp_path: Path, app: AppEnvironment, constraints: str | None = "", **env):
    """Settings for APP; CONSTRAINTS: the constraints file's text (None: no such file)."""
    path = tmp_path / "constraints dir" / "constraints.txt"
    if constraints is not None:
        write(path, "hassette==1.0\ntinydep==1.0\n" + constraints)
    values = {"HASSETTE__VENV": str(app.venv), "HASSETTE__CONSTRAINTS": str(path)}
    return settings.load(env={**values, **{f"HASSETTE__{k.upper()}": v for k, v in env.items()}})


def versions(app: AppEnvironment) -> dict[str, str]:
    return {name: dist.version for name, dist in installed(app.site_packages).items()}


@contextmanager
def served(mode: str, *options: str) -> Iterator[str]:
    """A local index (tests/support/index_server.py) in a process of its own, its URL: uv
    is forked from this process, which must not hold the server's threads meanwhile."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.index_server", mode, "--lifetime", "60", *options],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().split("listening on ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_requirements(cfg, app, files) -> list[str]:
    stream = io.StringIO()
    install_requirements(cfg, Console(env={}, stream=stream), app, Discovery(files=files))
    return _lines(stream)


def test_each_requirements_file_installs_from_its_own_folder_within_the_constraints(
    app, wheels, tmp_path
):
    first = write(tmp_path / "my apps" / "a" / "requirements.txt", "-r common.txt\n")
    write(first.parent / "common.txt", "alpha\n")  # found from the file's own folder
    second = write(tmp_path / "my apps" / "b" / "requirements.txt", "beta\n")
    cfg = configured(tmp_path, app, "alpha==1.0\n")  # the newest alpha is 2.0

    lines = run_requirements(cfg, app, [first, second])

    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0", "alpha": "1.0", "beta": "2.0"}
    assert lines == [
        "requirements install: starting (2 file(s))",
        f"Installing requirements from {first} (with constraints)...",
        f"Installing requirements from {second} (with constraints)...",
        "requirements install: complete (2 file(s), T)",
    ]


def test_a_later_file_replacing_an_earlier_pin_is_a_warning_and_the_later_one_wins(
    app, wheels, tmp_path
):
    first = write(tmp_path / "apps" / "a" / "requirements.txt", "beta==1.0\n")
    second = write(tmp_path / "apps" / "b" / "requirements.txt", "beta==2.0\n")

    lines = run_requirements(configured(tmp_path, app), app, [first, second])

    assert versions(app)["beta"] == "2.0"
    assert lines[1] == (
        f"warning: {second} asks for beta==2.0, which replaces beta==1.0 pinned by {first}: "
        "requirements files install one by one, in order, and the later one wins"
    )


def test_no_requirements_file_is_complete_at_once_even_without_a_constraints_file(
    app, wheels, tmp_path
):
    cfg = configured(tmp_path, app, constraints=None)

    assert run_requirements(cfg, app, []) == ["requirements install: complete (0 file(s))"]


def test_a_missing_constraints_file_stops_the_requirements_before_any_install(
    app, wheels, tmp_path
):
    file = write(tmp_path / "apps" / "requirements.txt", "alpha\n")
    cfg = configured(tmp_path, app, constraints=None)

    with pytest.raises(ConfigError, match="HASSETTE__CONSTRAINTS"):
        run_requirements(cfg, app, [file])
    assert "alpha" not in versions(app)


def test_an_unreadable_file_stops_the_requirements_before_any_install(app, wheels, tmp_path):
    readable = write(tmp_path / "apps" / "a" / "requirements.txt", "alpha\n")
    closed = tmp_path / "apps" / "b" / "requirements.txt"
    stream = io.StringIO()

    with pytest.raises(StartupError, match="cannot read"):
        install_requirements(
            configured(tmp_path, app),
            Console(env={}, stream=stream),
            app,
            Discovery(files=[readable], unreadable=[closed]),
        )
    assert "alpha" not in versions(app)
    assert _lines(stream) == []


def test_a_requirement_uv_cannot_satisfy_is_a_conflict_naming_the_file(app, wheels, tmp_path):
    file = write(tmp_path / "apps" / "requirements.txt", "alpha==9.9\n")

    with pytest.raises(StartupError) as caught:
        run_requirements(configured(tmp_path, app), app, [file])

    assert caught.value.failure is Failure.CONFLICT
    assert caught.value.what.startswith(f"installing {file}")


def test_with_bytecode_wanted_uv_leaves_it_to_the_check_which_compiles_what_changed(
    app, wheels, tmp_path, monkeypatch
):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    file = write(tmp_path / "apps" / "requirements.txt", "alpha\n")
    before = records.snapshot(app.site_packages)

    run_requirements(configured(tmp_path, app), app, [file])
    compiled_by_uv = list(app.site_packages.rglob("alpha_mod*.pyc"))
    stream = io.StringIO()
    check_environment(app, Console(env={}, stream=stream), before)

    assert compiled_by_uv == []
    assert list(app.site_packages.rglob("alpha_mod*.pyc"))
    assert _lines(stream) == ["environment check: ok (T, bytecode of 1 file(s))"]
    assert len(stream.getvalue().splitlines()) == 1  # uv's own words are not echoed


def test_a_consistent_environment_passes_the_check_without_bytecode_words(app, wheels):
    stream = io.StringIO()

    check_environment(app, Console(env={}, stream=stream), records.snapshot(app.site_packages))

    assert _lines(stream) == ["environment check: ok (T)"]
    assert len(stream.getvalue().splitlines()) == 1  # uv's own words are not echoed


def test_a_package_whose_dependency_is_missing_fails_the_check(app, wheels):
    install(app.site_packages, "needy", "1.0", "absentdep>=1")

    with pytest.raises(StartupError) as caught:
        check_environment(app, Console(env={}, stream=io.StringIO()))

    error = caught.value
    assert error.failure is Failure.BROKEN_ENV
    assert error.what == (
        "after the install, some installed packages need versions that are not installed."
    )
    assert error.todo == (
        "A requirement replaced a package another one depends on. Read uv's words below, "
        "then pin a version that fits both (or remove the package) and restart."
    )
    assert "absentdep" in error.output


# --- the locked project: uv.lock through uv export, pylock.toml converted here


CACHE_OR_INDEX = r": (installed from the local cache|not all in the local cache)"


def run_locked(cfg, app) -> tuple[Roots, list[str]]:
    """What install_locked returned and said, without offline.py's lines on where uv found
    the packages (the cache or the index: that depends on what the cache held)."""
    stream = io.StringIO()
    roots = install_locked(cfg, Console(env={}, stream=stream), app)
    return roots, [line for line in _lines(stream) if not re.search(CACHE_OR_INDEX, line)]


def names_of(roots: Roots) -> list[str]:
    return sorted(requirement.name for requirement in roots.requirements)


def asked(roots: Roots) -> list[str]:
    return sorted(str(requirement) for requirement in roots.requirements)


def uv_locked(folder: Path, wheels: Path, tmp_path: Path, **project) -> Path:
    """A user's project (myapps, uv_build) locked offline against WHEELS."""
    packages.write_project(folder, **project)
    env = packages.uv_env({"UV_CACHE_DIR": str(tmp_path / "lock-cache")})  # not the installs'
    packages.lock_project(folder, [wheels], env=env)
    return folder


def test_a_uv_lock_project_installs_its_locked_packages_then_itself(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "my project", wheels, tmp_path, dependencies=["alpha"])
    wheel(wheels, "alpha", "3.0")  # newer than the lock's: the lock wins
    cfg = configured(tmp_path, app, project_dir=str(project))

    roots, lines = run_locked(cfg, app)

    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0", "alpha": "2.0", "myapps": "0.1.0"}
    assert asked(roots) == ["alpha==2.0", "myapps"]
    assert lines == [
        f"project install: starting ({project / 'uv.lock'})",
        "project install: exporting the locked dependencies",
        "project install: installing 1 locked package(s) with constraints",
        "project install: installing the project myapps (no deps)",
        "project install: complete (T)",
    ]


def test_the_locked_packages_keep_within_the_constraints(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])
    cfg = configured(tmp_path, app, "alpha==1.0\n", project_dir=str(project))

    with pytest.raises(StartupError) as caught:
        run_locked(cfg, app)

    assert caught.value.failure is Failure.CONFLICT
    assert caught.value.what.startswith("installing the locked dependencies")
    assert "alpha" not in versions(app)


def test_uv_lock_wins_over_pylock_and_says_so(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["beta"])
    packages.write_pylock(project, wheels, ["alpha==1.0"])

    _, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert lines[:2] == [
        f"project install: starting ({project / 'uv.lock'})",
        f"project install: uv.lock wins over pylock.toml (both are in {project})",
    ]
    assert versions(app)["beta"] == "2.0" and "alpha" not in versions(app)


def test_a_virtual_project_installs_its_dependencies_only(app, wheels, tmp_path):
    project = uv_locked(
        tmp_path / "p",
        wheels,
        tmp_path,
        dependencies=["beta"],
        extra="[tool.uv]\npackage = false\n",
    )

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert "myapps" not in versions(app) and versions(app)["beta"] == "2.0"
    assert asked(roots) == ["beta==2.0"]
    assert lines[-2:] == [
        "project install: dependencies only ([tool.uv] package = false: the project myapps "
        "itself is not installed)",
        "project install: complete (dependencies only, T)",
    ]


def test_a_pylock_alone_installs_its_packages_only(app, wheels, tmp_path):
    project = tmp_path / "p q"
    packages.write_pylock(project, wheels, ["alpha==1.0", "beta==2.0"])

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0", "alpha": "1.0", "beta": "2.0"}
    assert asked(roots) == ["alpha==1.0", "beta==2.0"]
    assert lines == [
        f"project install: starting ({project / 'pylock.toml'})",
        f"project install: reading the standard lock {project / 'pylock.toml'}",
        "project install: installing 2 locked package(s) with constraints",
        "project install: no pyproject.toml next to pylock.toml: packages only",
        "project install: complete (T)",
    ]


def test_a_pylock_with_its_project_installs_the_project_too(app, wheels, tmp_path):
    project = packages.write_project(tmp_path / "p", dependencies=["alpha"])
    packages.write_pylock(project, wheels, ["alpha==2.0"])

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app)["myapps"] == "0.1.0" and versions(app)["alpha"] == "2.0"
    assert asked(roots) == ["alpha==2.0", "myapps"]
    assert lines[-2:] == [
        "project install: installing the project myapps (no deps)",
        "project install: complete (T)",
    ]


@pytest.fixture
def setuptools(wheels, build_backends) -> Path:
    """setuptools among the wheels: uv builds a project without [build-system] with it."""
    for found in build_backends.glob("setuptools-*.whl"):
        shutil.copy(found, wheels)
    return wheels


def test_a_flat_project_its_backend_refuses_keeps_its_dependencies_with_one_warning(
    app, setuptools, tmp_path
):
    project = uv_locked(
        tmp_path / "p", setuptools, tmp_path, dependencies=["beta"], build_system=False
    )
    write(project / "second_app.py", "VALUE = 2\n")  # two top-level modules: refused

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert "myapps" not in versions(app) and versions(app)["beta"] == "2.0"
    assert asked(roots) == ["beta==2.0"]
    warning = next(line for line in lines if line.startswith("warning:"))
    assert warning.startswith(
        "warning: project install: the project myapps could not be built (Multiple top-level"
    )
    assert lines[-1] == "project install: complete (dependencies only, T)"


def test_a_project_with_a_build_system_that_fails_stops_the_start(app, setuptools, tmp_path):
    project = uv_locked(tmp_path / "p", setuptools, tmp_path, dependencies=["beta"])
    write(project / "src" / "myapps" / "__init__.py", "")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("uv_build", "no_such_backend"))

    with pytest.raises(StartupError) as caught:
        run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert caught.value.what.startswith("installing the project")
    assert "myapps" not in versions(app)


def test_a_path_dependency_inside_the_project_installs_from_the_private_copy(
    app, wheels, tmp_path, monkeypatch
):
    project = tmp_path / "p"
    packages.write_source_tree(packages.Dist("locallib", "0.3"), project / "libs" / "locallib")
    uv_locked(
        project,
        wheels,
        tmp_path,
        dependencies=["locallib"],
        extra='[tool.uv.sources]\nlocallib = { path = "libs/locallib" }',
    )
    monkeypatch.chdir(tmp_path)  # uv runs in the copy, not here

    roots, _ = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app)["locallib"] == "0.3" and versions(app)["myapps"] == "0.1.0"
    assert names_of(roots) == ["locallib", "myapps"]


def test_a_path_dependency_outside_the_project_stops_before_any_install(app, wheels, tmp_path):
    project = tmp_path / "p"
    packages.write_source_tree(packages.Dist("outsidelib", "0.2"), tmp_path / "outside lib")
    uv_locked(
        project,
        wheels,
        tmp_path,
        dependencies=["outsidelib"],
        extra='[tool.uv.sources]\noutsidelib = { path = "../outside lib" }',
    )

    with pytest.raises(StartupError) as caught:
        run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert caught.value.failure is Failure.PATH_DEPENDENCY
    assert "outsidelib" not in versions(app)


def test_with_bytecode_wanted_the_locked_installs_leave_it_to_the_check(
    app, wheels, tmp_path, monkeypatch
):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])

    run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app)["alpha"] == "2.0" and versions(app)["myapps"] == "0.1.0"
    assert list(app.site_packages.rglob("*.pyc")) == []


def test_an_unchanged_project_is_not_rebuilt_and_a_changed_one_is(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])
    cfg = configured(tmp_path, app, project_dir=str(project))
    run_locked(cfg, app)
    record = next(app.site_packages.glob("myapps-*.dist-info")) / "RECORD"
    first = record.stat().st_mtime_ns, record.stat().st_ino

    run_locked(cfg, app)  # the same files: uv's build of them is reused, nothing reinstalled
    again = record.stat().st_mtime_ns, record.stat().st_ino
    packages.project_module(project).write_text("VALUE = 2\n")
    run_locked(cfg, app)

    assert again == first
    assert (app.site_packages / "myapps" / "__init__.py").read_text() == "VALUE = 2\n"
    # built from the private copy at its stable path, which uv's reuse keys on
    origin = json.loads((record.parent / "direct_url.json").read_text())["url"]
    copy = Path(tempfile.gettempdir()) / f"hassette-tasks-{os.getuid()}" / "project"
    assert origin == copy.as_uri()


def test_a_lock_uv_cannot_export_is_an_export_failure_naming_the_project(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])
    lock = project / "uv.lock"
    lock.write_text(re.sub(r"(?m)^version = \d+", "version = 99", lock.read_text(), count=1))

    stream = io.StringIO()

    with pytest.raises(StartupError) as caught:
        install_locked(
            configured(tmp_path, app, project_dir=str(project)),
            Console(env={}, stream=stream),
            app,
        )

    assert caught.value.failure is Failure.EXPORT
    assert caught.value.what.startswith(f"uv export of {project} failed")
    # uv's own words reach the log as it says them
    said = [line for line in stream.getvalue().splitlines() if line.startswith("    ")]
    assert any("uv.lock" in line for line in said), stream.getvalue()
    assert "alpha" not in versions(app)


def test_a_lock_older_than_its_pyproject_is_named_before_any_install(app, wheels, tmp_path):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"alpha"', '"alpha", "beta"'))

    with pytest.raises(StartupError) as caught:
        run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert caught.value.failure is Failure.EXPORT
    assert caught.value.what == (
        f"the lock file {project / 'uv.lock'} is out of date: {pyproject} asks for beta, "
        "which the lock does not have (pyproject.toml was changed without `uv lock`)."
    )
    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0"}


def test_a_requirements_install_is_stopped_at_its_own_timeout(app, tmp_path, monkeypatch):
    file = write(tmp_path / "apps" / "requirements.txt", "alpha\n")
    for name in ("UV_FIND_LINKS", "UV_NO_INDEX", "UV_OFFLINE", "UV_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    cfg = configured(tmp_path, app, requirements_timeout="2", install_timeout="600")

    with served("hang") as url:
        monkeypatch.setenv("UV_INDEX_URL", f"{url}/simple")
        started = time.monotonic()
        with pytest.raises(StartupError) as caught:
            run_requirements(cfg, app, [file])

    assert caught.value.failure is Failure.TIMEOUT
    assert "HASSETTE__REQUIREMENTS_TIMEOUT" in caught.value.todo
    assert time.monotonic() - started < 30


def test_an_index_of_the_project_that_refuses_us_is_named_with_its_variables(
    app, tmp_path, monkeypatch
):
    """The lock takes secretpkg from the project's explicit index `private-repo` (basic
    auth): a wrong password is a banner naming that index and its two variables."""
    for name in ("UV_FIND_LINKS", "UV_NO_INDEX", "UV_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    wheel(tmp_path / "private-wheels", "secretpkg", "1.0")
    (tmp_path / "no-wheels").mkdir()
    private = packages.write_simple_index(tmp_path / "private-wheels", tmp_path / "private")
    public = packages.write_simple_index(tmp_path / "no-wheels", tmp_path / "public")
    named = {"UV_INDEX_PRIVATE_REPO_USERNAME": "alice", "UV_INDEX_PRIVATE_REPO_PASSWORD": "pw"}
    with (
        served("serve", "--root", str(private.parent), "--auth", "alice:pw") as index,
        served("serve", "--root", str(public.parent)) as default,
    ):
        monkeypatch.setenv("UV_INDEX_URL", f"{default}/simple")
        extra = (
            f'[[tool.uv.index]]\nname = "private-repo"\nurl = "{index}/simple"\n'
            'explicit = true\n\n[tool.uv.sources]\nsecretpkg = { index = "private-repo" }\n'
        )
        project = packages.write_project(tmp_path / "p", dependencies=["secretpkg"], extra=extra)
        env = {k: v for k, v in packages.uv_env().items() if k != "UV_NO_INDEX"}
        env |= {"UV_INDEX_URL": f"{default}/simple", "UV_CACHE_DIR": str(tmp_path / "c")}
        packages.run_uv(["lock", "--quiet"], env=env | named, cwd=project)
        monkeypatch.setenv("UV_INDEX_PRIVATE_REPO_USERNAME", "alice")
        monkeypatch.setenv("UV_INDEX_PRIVATE_REPO_PASSWORD", "wrong")

        with pytest.raises(StartupError) as caught:
            run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    error = caught.value
    assert error.failure is Failure.INDEX_AUTH
    assert error.what.startswith(
        "installing the locked dependencies: the package index `private-repo`"
    )
    assert "set UV_INDEX_PRIVATE_REPO_USERNAME and UV_INDEX_PRIVATE_REPO_PASSWORD" in error.todo
    assert "secretpkg" not in versions(app)


SETUPTOOLS_PROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "myapps"
version = "0.1.0"
dependencies = ["beta"]
"""


def test_a_project_declaring_its_own_cache_keys_is_built_from_its_folder(app, wheels, tmp_path):
    project = uv_locked(
        tmp_path / "p",
        wheels,
        tmp_path,
        dependencies=["beta"],
        extra='[tool.uv]\ncache-keys = [{ file = "pyproject.toml" }]\n',
    )

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app)["myapps"] == "0.1.0" and versions(app)["beta"] == "2.0"
    assert asked(roots) == ["beta==2.0", "myapps"]
    assert lines[-2:] == [
        "project install: installing the project myapps (no deps)",
        "project install: complete (T)",
    ]


def test_a_project_build_is_stopped_at_the_install_timeout(app, setuptools, tmp_path):
    project = tmp_path / "p"
    write(project / "myapps.py", "VALUE = 1\n")
    write(
        project / "setup.py", "import time\ntime.sleep(40)\nfrom setuptools import setup\nsetup()\n"
    )
    write(project / "pyproject.toml", SETUPTOOLS_PROJECT)
    packages.lock_project(
        project, [setuptools], env=packages.uv_env({"UV_CACHE_DIR": str(tmp_path / "c")})
    )
    cfg = configured(tmp_path, app, project_dir=str(project), install_timeout="8")

    with pytest.raises(StartupError) as caught:
        run_locked(cfg, app)

    assert caught.value.failure is Failure.TIMEOUT
    assert caught.value.what == "installing the project timed out after 8s and was stopped."
    assert versions(app)["beta"] == "2.0" and "myapps" not in versions(app)


def test_a_project_without_a_name_next_to_a_pylock_is_built_from_its_folder(
    app, setuptools, tmp_path
):
    """No [project] table (setup.py names it): said by its folder, built from its path,
    and nothing of it asked for by name."""
    project = tmp_path / "legacy project"
    packages.write_pylock(project, setuptools, ["beta==1.0"])
    write(project / "legacyapp.py", "VALUE = 1\n")
    write(
        project / "setup.py",
        "from setuptools import setup\n"
        "setup(name='legacyapp', version='0.2', py_modules=['legacyapp'])\n",
    )
    write(project / "pyproject.toml", SETUPTOOLS_PROJECT.split("[project]")[0])

    roots, lines = run_locked(configured(tmp_path, app, project_dir=str(project)), app)

    assert versions(app)["legacyapp"] == "0.2" and versions(app)["beta"] == "1.0"
    assert asked(roots) == ["beta==1.0"]
    assert lines[-2:] == [
        f"project install: installing the project {project} (no deps)",
        "project install: complete (T)",
    ]


def test_the_locked_dependencies_are_stopped_at_the_install_timeout(
    app, wheels, tmp_path, monkeypatch
):
    project = uv_locked(tmp_path / "p", wheels, tmp_path, dependencies=["alpha"])
    for name in ("UV_FIND_LINKS", "UV_NO_INDEX", "UV_OFFLINE", "UV_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    cfg = configured(tmp_path, app, project_dir=str(project), install_timeout="3")

    with served("hang") as url:
        monkeypatch.setenv("UV_INDEX_URL", f"{url}/simple")
        with pytest.raises(StartupError) as caught:
            run_locked(cfg, app)

    assert caught.value.failure is Failure.TIMEOUT
    assert caught.value.what.startswith(
        "installing the locked dependencies timed out after 3s and was stopped."
    )
    assert "alpha" not in versions(app)
