"""exact: make_exact, preview and dry_run over a real venv (`python -m venv`) whose packages
are real dist-info trees (METADATA, RECORD), and real uv for what make_exact removes or
puts back (a wheel from a local folder, no index). Each test pins a behaviour a surviving
mutant showed no test noticed: what is left installed, the lines a user reads, the result."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hassette_tasks import baseline, exact, settings
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment, python_version, site_packages
from hassette_tasks.errors import StartupError
from hassette_tasks.project import ProjectKind
from hassette_tasks.wanted import Roots
from tests.unit.conftest import write


def install(site: Path, name: str, version: str, *requires: str, url: str = "") -> Path:
    """NAME as an installer leaves it: a module, and a dist-info whose RECORD lists both."""
    info = site / f"{name}-{version}.dist-info"
    metadata = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
    metadata += [f"Requires-Dist: {line}\n" for line in requires]
    write(info / "METADATA", "".join(metadata) + "\n")
    write(site / f"{name}_mod.py", "VALUE = 1\n")
    write(info / "INSTALLER", "uv\n")
    if url:
        write(info / "direct_url.json", f'{{"url": "{url}", "dir_info": {{}}}}')
    files = [f"{name}_mod.py", *(f"{info.name}/{p.name}" for p in sorted(info.iterdir()))]
    write(info / "RECORD", "".join(f"{f},,\n" for f in [*files, f"{info.name}/RECORD"]))
    return info


def wheel(folder: Path, name: str, version: str) -> Path:
    """A real wheel of NAME (a module and its metadata), for uv to install from FOLDER."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}_mod.py": b"VALUE = 1\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }

    def digest(data: bytes) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    record = "".join(f"{path},sha256={digest(data)},{len(data)}\n" for path, data in files.items())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_in, data in files.items():
            archive.writestr(name_in, data)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppEnvironment:
    return real_app(tmp_path, monkeypatch)


def real_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppEnvironment:
    """A real venv (no pip) holding its own packages: hassette, needing tinydep."""
    monkeypatch.setenv(baseline.IMAGE_BASELINE_VARIABLE, str(tmp_path / "no-image-record.json"))
    venv = tmp_path / "app venv"  # a space in the path, as a user's may have
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = site_packages(venv)
    assert site is not None
    install(site, "hassette", "1.0", "tinydep>=1")
    install(site, "tinydep", "1.0")
    return AppEnvironment(venv, site, python_version(venv), "1.0")


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream), stream


def record(app: AppEnvironment) -> None:
    assert baseline.ensure_baseline(app, console()[0]) is not None


def lines(stream: io.StringIO) -> list[str]:
    """The log lines without their elapsed-time prefix nor a trailing (took) part."""
    return [line.split("] ", 1)[1] for line in stream.getvalue().splitlines() if "] " in line]


uv_output: list[str] = []  # uv's own lines, as the last make_exact() echoed them


def make_exact(app: AppEnvironment, tmp_path: Path, locked=None, files=(), timeout="300"):
    constraints = write(tmp_path / "constraints.txt", "hassette==1.0\ntinydep==1.0\n")
    cfg = settings.load(
        env={
            "HASSETTE__VENV": str(app.venv),
            "HASSETTE__CONSTRAINTS": str(constraints),
            "HASSETTE__INSTALL_TIMEOUT": timeout,
        }
    )
    out, stream = console()
    try:
        return exact.make_exact(cfg, out, app, locked, files), lines(stream)
    finally:
        uv_output[:] = [line for line in stream.getvalue().splitlines() if line.startswith("    ")]


def roots_of(text: str) -> Roots:
    return exact.roots_from_text(text, Path("/nowhere"))


def names(app: AppEnvironment) -> list[str]:
    return sorted(exact.installed(app.site_packages))


def test_a_venv_whose_own_packages_were_never_recorded_is_left_alone(app, tmp_path):
    install(app.site_packages, "stray", "1.0")

    changed, said = make_exact(app, tmp_path)

    assert changed is False
    assert said == ["exact environment: skipped (the venv's own packages were never recorded)"]
    assert names(app) == ["hassette", "stray", "tinydep"]


def test_a_venv_holding_only_its_own_packages_runs_no_uv(app, tmp_path):
    record(app)

    changed, said = make_exact(app, tmp_path, files=[tmp_path / "missing.txt"])

    assert changed is False
    assert len(said) == 1
    assert re.fullmatch(
        r"exact environment: only the venv's own packages are installed \(\d+\.\d\ds\)", said[0]
    )
    assert names(app) == ["hassette", "tinydep"]


def test_what_no_input_asks_for_is_uninstalled_and_named(app, tmp_path):
    record(app)
    for name in ("fromlock", "fromfile", "helper", "stray", "straytwo"):
        install(app.site_packages, name, "1.0", *(["helper>=1"] if name == "fromfile" else []))
    install(app.site_packages, "oldonly", "1.0")
    requirements = write(
        tmp_path / "config" / "requirements.txt", "fromfile\noldonly; python_version < '3'\n"
    )

    changed, said = make_exact(app, tmp_path, Roots.named("FromLock"), [requirements])

    assert changed is True
    assert names(app) == ["fromfile", "fromlock", "hassette", "helper", "tinydep"]
    assert not (app.site_packages / "stray_mod.py").exists()
    assert "     - stray==1.0" in uv_output  # uv's own line, echoed under the phase line
    assert not (app.site_packages / "stray-1.0.dist-info").exists()
    assert (
        "exact environment: removed oldonly 1.0, stray 1.0, straytwo 1.0 (no current input "
        "asks for them)" in said
    )
    assert said[-1].startswith("exact environment: complete (")


def test_without_a_lock_the_requirements_files_alone_decide(app, tmp_path):
    record(app)
    install(app.site_packages, "fromfile", "1.0")
    install(app.site_packages, "stray", "1.0")
    requirements = write(tmp_path / "requirements.txt", "fromfile\n")

    changed, _said = make_exact(app, tmp_path, None, [requirements])

    assert changed is True
    assert names(app) == ["fromfile", "hassette", "tinydep"]


def test_when_every_package_is_asked_for_nothing_is_removed(app, tmp_path):
    record(app)
    install(app.site_packages, "wanted", "1.0")

    changed, said = make_exact(app, tmp_path, Roots.named("wanted"))

    assert changed is False
    assert len(said) == 1 and said[0].startswith("exact environment: nothing to remove (")
    assert names(app) == ["hassette", "tinydep", "wanted"]


def test_an_input_nothing_can_be_told_from_removes_nothing(app, tmp_path):
    record(app)
    install(app.site_packages, "stray", "1.0")
    requirements = write(tmp_path / "requirements.txt", "./unnamed-folder\n./other\n")
    url = (tmp_path / "unnamed-folder").resolve().as_uri()
    other = (tmp_path / "other").resolve().as_uri()

    changed, said = make_exact(app, tmp_path, None, [requirements])

    assert changed is False
    assert said == [
        f"warning: cannot tell which package {url}, {other} installs: nothing is removed from "
        "the venv this time"
    ]
    assert names(app) == ["hassette", "stray", "tinydep"]


def test_an_upgraded_image_package_is_put_back_from_a_local_wheel(app, tmp_path, monkeypatch):
    record(app)
    # an earlier start upgraded tinydep (it brought newhelper) and installed stray
    for path in app.site_packages.glob("tinydep*"):
        subprocess.run(["rm", "-r", str(path)], check=True)
    install(app.site_packages, "tinydep", "1.5", "newhelper")
    install(app.site_packages, "newhelper", "1.0")
    install(app.site_packages, "stray", "1.0")
    wheels = tmp_path / "wheels"
    wheel(wheels, "tinydep", "1.0")
    monkeypatch.setenv("UV_FIND_LINKS", str(wheels))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))

    changed, said = make_exact(app, tmp_path)

    assert changed is True
    assert exact.installed(app.site_packages) == {
        "hassette": exact.Dist("hassette", "1.0", ("tinydep>=1",)),
        "tinydep": exact.Dist("tinydep", "1.0"),
    }
    assert said[0] == "exact environment: putting back the image's tinydep 1.0 (now 1.5)"
    assert "     + tinydep==1.0" in uv_output
    assert (
        "exact environment: removed newhelper 1.0, stray 1.0 (no current input asks for them)"
        in said
    )
    assert said[-1].startswith("exact environment: complete (")


def test_a_put_back_that_leaves_nothing_to_remove_still_counts_as_a_change(
    app, tmp_path, monkeypatch
):
    record(app)
    for path in app.site_packages.glob("tinydep*"):
        subprocess.run(["rm", "-r", str(path)], check=True)
    wheel(tmp_path / "wheels", "tinydep", "1.0")
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path / "wheels"))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))

    changed, said = make_exact(app, tmp_path)

    assert changed is True
    assert names(app) == ["hassette", "tinydep"]
    assert said[0] == "exact environment: putting back the image's tinydep 1.0 (now missing)"
    assert said[-1].startswith("exact environment: complete (")


def test_the_preview_says_what_make_exact_would_do(app, tmp_path):
    assert exact.preview(app, Roots()) == [
        "the venv's packages would be recorded as its own first: nothing to remove"
    ]
    record(app)
    assert exact.preview(app, Roots()) == ["nothing to remove"]
    for path in app.site_packages.glob("tinydep*"):
        subprocess.run(["rm", "-r", str(path)], check=True)
    install(app.site_packages, "tinydep", "1.5")
    install(app.site_packages, "stray", "1.0")
    install(app.site_packages, "straytwo", "2.0")

    assert exact.preview(app, Roots()) == [
        "would put back the image's tinydep 1.0 (now 1.5)",
        "would remove stray 1.0, straytwo 2.0 (no current input asks for them)",
    ]
    assert exact.preview(app, Roots.named("stray")) == [
        "would put back the image's tinydep 1.0 (now 1.5)",
        "would remove straytwo 2.0 (no current input asks for them)",
    ]
    assert exact.preview(app, Roots(urls=["file:///somewhere", "file:///else"])) == [
        "cannot tell which package file:///somewhere, file:///else installs: would remove nothing"
    ]
    # markers are judged on the app's Python: a root for Python 2 keeps nothing
    assert exact.preview(app, roots_of("stray; python_version < '3'\nstraytwo\n")) == [
        "would put back the image's tinydep 1.0 (now 1.5)",
        "would remove stray 1.0 (no current input asks for them)",
    ]
    assert names(app) == ["hassette", "stray", "straytwo", "tinydep"]  # a preview changes nothing


def test_the_preview_only_puts_back_missing_image_packages(app):
    record(app)
    for path in [*app.site_packages.glob("tinydep*"), *app.site_packages.glob("hassette*")]:
        subprocess.run(["rm", "-r", str(path)], check=True)

    assert exact.preview(app, Roots()) == [
        "would put back the image's hassette 1.0 (now missing), tinydep 1.0 (now missing)"
    ]


UV_LOCK = """\
version = 1
[[package]]
name = "my-project"
version = "0.1"
source = { editable = "." }
dependencies = [{ name = "locked-dep" }, { name = "stray", marker = "python_version < '3'" }]

[[package]]
name = "locked-dep"
version = "1.0"
source = { registry = "https://example.org/simple" }
"""

PYLOCK = """\
lock-version = "1.0"
created-by = "test"

[[packages]]
name = "Pylocked_Dep"
version = "1.0"
wheels = [{ name = "pylocked_dep-1.0-py3-none-any.whl", hashes = { sha256 = "aa" } }]
"""


@pytest.fixture
def dry_app(app):
    """The app venv with its record, and everything the dry runs below may keep installed."""
    record(app)
    for name in ("my-project", "locked-dep", "pylocked-dep", "fromfile", "stray"):
        install(app.site_packages, name, "1.0")
    return app


def test_the_dry_run_keeps_a_uv_lock_its_project_and_the_requirements_files(dry_app, tmp_path):
    project = tmp_path / "project"
    write(project / "uv.lock", UV_LOCK)
    write(project / "pyproject.toml", '[project]\nname = "My_Project"\n')
    requirements = write(tmp_path / "requirements.txt", "fromfile\n")

    said = exact.dry_run(project, dry_app, ProjectKind.LOCKED, [requirements])
    without_files = exact.dry_run(project, dry_app, ProjectKind.LOCKED, None)

    assert said == ["would remove pylocked-dep 1.0, stray 1.0 (no current input asks for them)"]
    assert without_files == [
        "would remove fromfile 1.0, pylocked-dep 1.0, stray 1.0 (no current input asks for them)"
    ]


def test_the_dry_run_keeps_a_pylocks_packages_and_its_project(dry_app, tmp_path):
    project = tmp_path / "project"
    write(project / "pylock.toml", PYLOCK)
    write(project / "pyproject.toml", '[project]\nname = "my-project"\n')

    said = exact.dry_run(project, dry_app, ProjectKind.PYLOCK, [])

    assert said == [
        "would remove fromfile 1.0, locked-dep 1.0, stray 1.0 (no current input asks for them)"
    ]


def test_an_unlocked_projects_name_keeps_nothing_in_the_dry_run(dry_app, tmp_path):
    project = tmp_path / "project"
    write(project / "uv.lock", UV_LOCK)  # there, but not the kind the project was found to be
    write(project / "pyproject.toml", '[project]\nname = "my-project"\n')

    said = exact.dry_run(project, dry_app, ProjectKind.UNLOCKED, None)

    assert said == [
        "would remove fromfile 1.0, locked-dep 1.0, my-project 1.0, pylocked-dep 1.0, "
        "stray 1.0 (no current input asks for them)"
    ]


def test_a_lock_the_dry_run_cannot_read_is_named_not_a_traceback(dry_app, tmp_path):
    project = tmp_path / "project"
    write(project / "uv.lock", "[[package]\n")
    write(project / "pylock.toml", 'lock-version = "2.0"\n')

    locked = exact.dry_run(project, dry_app, ProjectKind.LOCKED, None)
    pylocked = exact.dry_run(project, dry_app, ProjectKind.PYLOCK, None)

    assert len(locked) == 1
    assert locked[0].startswith(
        "cannot tell before installing (cannot read the lock file "
        f"{project / 'uv.lock'}: it is not valid TOML"
    )
    assert len(pylocked) == 1
    assert (
        pylocked[0].startswith("cannot tell before installing (") and "pylock.toml" in pylocked[0]
    )
    assert "Traceback" not in pylocked[0] and "StartupError" not in pylocked[0]


def test_an_uninstall_uv_refuses_fails_the_start_naming_the_step(app, tmp_path):
    record(app)
    (install(app.site_packages, "norecord", "1.0") / "RECORD").unlink()

    with pytest.raises(StartupError) as raised:
        make_exact(app, tmp_path)

    assert raised.value.what.startswith("removing packages no input asks for failed (uv exit code")
    assert "norecord" in names(app)


def test_an_image_version_uv_cannot_find_fails_the_start_naming_the_step(
    app, tmp_path, monkeypatch
):
    record(app)
    upgrade_tinydep(app)
    (tmp_path / "wheels").mkdir()  # the image's version is in no folder uv may use
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path / "wheels"))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))

    with pytest.raises(StartupError) as raised:
        make_exact(app, tmp_path)

    assert raised.value.what.startswith(
        "putting back the image's own package versions failed (uv exit code"
    )
    assert exact.installed(app.site_packages)["tinydep"].version == "1.5"


def upgrade_tinydep(app: AppEnvironment) -> None:
    for path in app.site_packages.glob("tinydep*"):
        subprocess.run(["rm", "-r", str(path)], check=True)
    install(app.site_packages, "tinydep", "1.5")


def test_putting_back_is_stopped_at_the_install_timeout(app, tmp_path, monkeypatch):
    record(app)
    upgrade_tinydep(app)
    with socket.socket() as silent:  # an index that takes the connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("UV_FIND_LINKS", f"http://127.0.0.1:{silent.getsockname()[1]}/")
        monkeypatch.setenv("UV_NO_INDEX", "1")
        monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))

        with pytest.raises(StartupError) as raised:
            make_exact(app, tmp_path, timeout="1")

    assert raised.value.what == (
        "putting back the image's own package versions timed out after 1s and was stopped."
    )
