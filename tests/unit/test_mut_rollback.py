"""rollback: what this start's installs changed in a real venv (dist-info trees on disk,
against the snapshot taken before them) and putting it back with real uv, offline, from a
local wheel. Each test pins a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from hassette_tasks import records, rollback
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.installed import installed
from hassette_tasks.settings import Timeout
from tests.unit.test_mut_exact import install, real_app, wheel


def remove(site: Path, name: str) -> None:
    for path in site.glob(f"{name}[-_]*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def upgrade(site: Path, name: str, version: str) -> None:
    remove(site, name)
    install(site, name, version)


def versions(app: AppEnvironment) -> dict[str, str]:
    return {name: dist.version for name, dist in installed(app.site_packages).items()}


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppEnvironment:
    return real_app(tmp_path, monkeypatch)


@pytest.fixture
def offline_wheels(tmp_path, monkeypatch) -> Path:
    """uv finds wheels only in this folder (no index), with a cache of the test's own."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    monkeypatch.setenv("UV_FIND_LINKS", str(folder))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    return folder


def test_changes_are_the_packages_added_changed_gone_or_rewritten(app):
    site = app.site_packages
    install(site, "gone", "2.0")
    install(site, "same", "1.0")
    before = records.snapshot(site)
    install(site, "New_Pkg", "0.1")
    upgrade(site, "tinydep", "1.5")
    remove(site, "gone")
    (site / "hassette-1.0.dist-info" / "RECORD").write_text("hassette_mod.py,,\n")

    found = rollback.changes(site, before)

    assert found.added == ["new-pkg"]
    assert found.restore == {"gone": "2.0", "hassette": "1.0", "tinydep": "1.0"}
    assert found.now == {"hassette": "1.0", "new-pkg": "0.1", "same": "1.0", "tinydep": "1.5"}
    assert found.describe() == (
        "new-pkg 0.1 removed, gone 2.0 back, hassette 1.0 back to 1.0, tinydep 1.5 back to 1.0"
    )
    assert found


def test_a_venv_no_install_changed_has_no_changes(app):
    before = records.snapshot(app.site_packages)

    found = rollback.changes(app.site_packages, before)

    assert not found
    assert found.describe() == ""
    assert bool(rollback.Changes(added=["x"])) and bool(rollback.Changes(restore={"x": "1"}))


def test_nothing_to_put_back_runs_nothing_and_says_nothing(app):
    stream = io.StringIO()

    done = rollback.put_back(
        app, Console(env={}, stream=stream), records.snapshot(app.site_packages), None
    )

    assert done == ""
    assert stream.getvalue() == ""


def test_added_packages_go_and_changed_ones_come_back_from_the_cache(app, offline_wheels):
    wheel(offline_wheels, "tinydep", "1.0")
    before = records.snapshot(app.site_packages)
    expected = versions(app)
    install(app.site_packages, "added", "3.0")
    upgrade(app.site_packages, "tinydep", "1.5")
    stream = io.StringIO()

    done = rollback.put_back(app, Console(env={}, stream=stream), before, None)

    assert done == "added 3.0 removed, tinydep 1.5 back to 1.0"
    assert versions(app) == expected
    assert not (app.site_packages / "added_mod.py").exists()
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "last good environment: putting the venv back (added 3.0 removed, tinydep 1.5 back to 1.0)"
    )
    # and it holds: nothing differs from BEFORE any more
    assert rollback.changes(app.site_packages, before).added == []


def test_only_added_packages_need_no_cache(app, offline_wheels):
    before = records.snapshot(app.site_packages)
    install(app.site_packages, "added", "3.0")

    stream = io.StringIO()

    done = rollback.put_back(app, Console(env={}, stream=stream), before, None)

    assert done == "added 3.0 removed"
    assert "     - added==3.0" in stream.getvalue().splitlines()  # uv's own line, echoed
    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0"}


def test_a_version_the_cache_lacks_cannot_be_put_back(app, offline_wheels):
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == "the local uv cache cannot give back tinydep==1.0 (tinydep)"


def test_a_package_uv_cannot_uninstall_is_named(app, offline_wheels):
    before = records.snapshot(app.site_packages)
    for name in ("norecord", "norecordtwo"):
        (install(app.site_packages, name, "1.0") / "RECORD").unlink()  # uv then refuses

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == "uv could not uninstall norecord, norecordtwo"


def test_a_package_rewritten_at_the_same_version_is_reinstalled(app, offline_wheels):
    wheel(offline_wheels, "tinydep", "1.0")
    before = records.snapshot(app.site_packages)
    # an install cut short rewrote tinydep 1.0 and left its module out
    upgrade(app.site_packages, "tinydep", "1.0")
    (app.site_packages / "tinydep_mod.py").unlink()

    done = rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert done == "tinydep 1.0 back to 1.0"
    assert (app.site_packages / "tinydep_mod.py").read_text() == "VALUE = 1\n"
    assert versions(app) == {"hassette": "1.0", "tinydep": "1.0"}


def lying_wheel(folder: Path, name: str, version: str) -> Path:
    """A wheel of NAME whose RECORD's sha256 of its module is wrong (a damaged cache entry):
    uv installs it, and the venv then does not match its RECORD."""
    path = wheel(folder, name, version)
    with zipfile.ZipFile(path) as archive:
        files = {item: archive.read(item) for item in archive.namelist()}
    record = f"{name}-{version}.dist-info/RECORD"
    module = f"{name}_mod.py"
    files[record] = b"".join(
        (
            line.split(b",")[0] + b",sha256=" + b"A" * 43 + b",10"
            if line.startswith(module.encode())
            else line
        )
        + b"\n"
        for line in files[record].splitlines()
    )
    with zipfile.ZipFile(path, "w") as archive:
        for item, data in files.items():
            archive.writestr(item, data)
    return path


def test_a_package_put_back_that_does_not_match_its_record_fails_the_put_back(app, offline_wheels):
    lying_wheel(offline_wheels, "tinydep", "1.0")
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == "the files of tinydep-1.0.dist-info do not match their RECORD"


def misnamed_wheel(folder: Path, name: str, version: str, inside: str) -> Path:
    """A wheel of NAME VERSION whose dist-info says INSIDE (a wheel built wrong): uv installs
    it as it is."""
    path = wheel(folder, name, version)
    old, new = f"{name}-{version}.dist-info", f"{name}-{inside}.dist-info"
    with zipfile.ZipFile(path) as archive:
        files = {
            item.replace(old, new): archive.read(item).replace(old.encode(), new.encode())
            for item in archive.namelist()
        }
    with zipfile.ZipFile(path, "w") as archive:
        for item, data in files.items():
            archive.writestr(item, data)
    return path


def test_packages_the_cache_gives_back_at_another_version_fail_the_put_back(app, offline_wheels):
    misnamed_wheel(offline_wheels, "tinydep", "1.0", inside="1.5")
    misnamed_wheel(offline_wheels, "hassette", "1.0", inside="2.0")
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")
    upgrade(app.site_packages, "hassette", "2.0")

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == "hassette, tinydep still differ(s) after putting back"


def test_every_version_the_cache_lacks_is_asked_for(app, offline_wheels):
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")
    upgrade(app.site_packages, "hassette", "2.0")

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == (
        # uv names the first package it cannot find
        "the local uv cache cannot give back hassette==1.0, tinydep==1.0 (hassette)"
    )


def test_packages_put_back_that_do_not_match_their_record_are_all_named(app, offline_wheels):
    lying_wheel(offline_wheels, "tinydep", "1.0")
    lying_wheel(offline_wheels, "hassette", "1.0")
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")
    upgrade(app.site_packages, "hassette", "2.0")

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, None)

    assert str(raised.value) == (
        "the files of hassette-1.0.dist-info, tinydep-1.0.dist-info do not match their RECORD"
    )


def test_reinstalling_from_the_cache_is_bounded_by_the_timeout(app, tmp_path, monkeypatch):
    hanging = tmp_path / "hanging uv"
    hanging.mkdir()
    (hanging / "uv").write_text("#!/bin/sh\nexec /bin/sleep 15\n")
    (hanging / "uv").chmod(0o755)
    before = records.snapshot(app.site_packages)
    upgrade(app.site_packages, "tinydep", "1.5")
    monkeypatch.setenv("PATH", str(hanging))
    started = time.monotonic()

    with pytest.raises(rollback.CannotPutBack) as raised:
        rollback.put_back(app, Console(env={}, stream=io.StringIO()), before, Timeout("T", "1"))

    assert time.monotonic() - started < 10
    assert str(raised.value) == (
        "the local uv cache cannot give back tinydep==1.0 (its answer is above)"
    )
