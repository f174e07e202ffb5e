"""integrity: the install marker, RECORD verification, and what a repair removes."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from hassette_tasks import integrity, workdir
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError
from tests.unit.conftest import write


def digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def install(site: Path, name: str, files: dict[str, str], version: str = "1.0", **kw) -> Path:
    """A distribution laid out as an installer leaves it: files, dist-info and RECORD."""
    dist_info = site / f"{name}-{version}.dist-info"
    own = {
        f"{dist_info.name}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info.name}/INSTALLER": "uv\n",
        **files,
    }
    rows = []
    for relative, text in own.items():
        data = text.encode()
        write(site / relative, text)
        rows.append(f"{relative},sha256={digest(data)},{len(data)}")
    rows += [f"{relative},," for relative in kw.get("unhashed", ())]
    rows.append(f"{dist_info.name}/RECORD,,")
    write(dist_info / "RECORD", "\n".join(rows) + "\n")
    return dist_info


@pytest.fixture
def venv(tmp_path) -> Path:
    root = tmp_path / "app venv"
    (root / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    (root / "bin").mkdir()
    return root


@pytest.fixture
def site(venv) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


@pytest.fixture
def app(venv, site) -> AppEnvironment:
    return AppEnvironment(venv, site, "3.12.4", "0.60.0")


def test_marker_is_written_atomically_and_cleared(venv):
    assert not integrity.interrupted(venv)

    integrity.mark_installing(venv)

    assert integrity.interrupted(venv)
    assert str(os.getpid()) in integrity.marker_path(venv).read_text()
    assert sorted(p.name for p in venv.iterdir()) == [integrity.MARKER_NAME, "bin", "lib"]
    integrity.clear_marker(venv)
    assert not integrity.interrupted(venv)
    integrity.clear_marker(venv)  # twice is fine


def test_an_intact_distribution_verifies(venv, site):
    dist = install(
        site,
        "pkg",
        {"pkg/__init__.py": "x = 1\n", "../../../bin/pkg-cli": "#!/bin/sh\n"},
        unhashed=["pkg/__pycache__/__init__.cpython-312.pyc"],
    )

    assert integrity.verify(dist, site, venv) == []
    assert (venv / "bin" / "pkg-cli").exists()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda site: (site / "pkg" / "mod.py").unlink(), "pkg/mod.py is missing"),
        (lambda site: (site / "pkg" / "mod.py").write_text("y = 2\n"), "sha256"),
        (lambda site: (site / "pkg" / "mod.py").write_text(""), "has 0 bytes"),
        (lambda site: (site / "pkg-1.0.dist-info" / "INSTALLER").unlink(), "INSTALLER is missing"),
        (lambda site: (site / "pkg-1.0.dist-info" / "METADATA").unlink(), "METADATA is missing"),
        (lambda site: (site / "pkg-1.0.dist-info" / "RECORD").unlink(), "RECORD is missing"),
    ],
)
def test_damage_a_kill_leaves_is_found(venv, site, damage, expected):
    dist = install(site, "pkg", {"pkg/__init__.py": "", "pkg/mod.py": "x = 1\n"})
    damage(site)

    problems = integrity.verify(dist, site, venv)

    assert any(expected in problem for problem in problems), problems


def test_record_paths_outside_the_venv_are_ignored(venv, site, tmp_path):
    outside = write(tmp_path / "elsewhere.txt", "not ours\n")
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    with (dist / "RECORD").open("a") as record:
        record.write(f"../../../../{outside.name},sha256=AAAA,3\n")

    assert integrity.verify(dist, site, venv) == []
    integrity.uninstall(dist, site, venv)
    assert outside.exists()


def test_uninstall_removes_what_record_lists_and_keeps_shared_folders(venv, site):
    install(site, "other", {"shared/other.py": "o = 1\n"})
    dist = install(
        site,
        "pkg",
        {"pkg/__init__.py": "", "pkg/sub/mod.py": "x\n", "shared/pkg.py": "p\n"},
    )
    (site / "pkg" / "mod.py").unlink(missing_ok=True)  # never copied: skipped

    removed = integrity.uninstall(dist, site, venv)

    assert removed == 3
    assert not dist.exists()
    assert not (site / "pkg").exists()  # emptied folders go
    assert (site / "shared" / "other.py").exists()
    assert (site / "other-1.0.dist-info").exists()


def test_uninstall_never_follows_a_symlinked_folder(venv, site, tmp_path):
    target = tmp_path / "precious"
    write(target / "keep.txt", "keep\n")
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    (site / "pkg" / "link").symlink_to(target, target_is_directory=True)
    with (dist / "RECORD").open("a") as record:
        record.write("pkg/link/keep.txt,,\npkg/link,,\n")

    integrity.uninstall(dist, site, venv)

    assert (target / "keep.txt").exists()


def test_snapshot_names_what_an_install_changed(site):
    install(site, "kept", {"kept/__init__.py": ""})
    replaced = install(site, "replaced", {"replaced/__init__.py": ""})
    before = integrity.snapshot(site)

    install(site, "new", {"new/__init__.py": ""})
    record = replaced / "RECORD"
    text = record.read_text()
    record.unlink()
    record.write_text(text + "replaced/extra.py,,\n")  # a new file, as installers write it
    (site / "half-1.0.dist-info").mkdir()  # no RECORD at all

    changed = [path.name for path in integrity.changed_since(site, before)]

    assert changed == ["half-1.0.dist-info", "new-1.0.dist-info", "replaced-1.0.dist-info"]


def test_check_installed_names_the_broken_package(app, site):
    before = integrity.snapshot(site)
    install(site, "good", {"good/__init__.py": ""})
    install(site, "half", {"half/__init__.py": "", "half/big.py": "x = 1\n"})
    (site / "half" / "big.py").unlink()

    with pytest.raises(StartupError) as caught:
        integrity.check_installed(app, before)

    assert caught.value.failure is Failure.BROKEN_ENV
    assert "half" in caught.value.what and "good" not in caught.value.what
    assert "half/big.py is missing" in caught.value.output


def test_stray_temp_files_are_those_no_record_owns(venv, site):
    dist = install(site, "pkg", {"pkg/__init__.py": "", "pkg/.tmpowned": "data\n"})
    stray = write(site / "pkg" / ".tmpAbC123", "half a file")
    stray_dir = site / ".tmpXyZ"
    write(stray_dir / "inner.py", "")
    stray_bin = write(venv / "bin" / ".tmp9q8w", "")
    half_bytecode = write(site / "pkg" / "__pycache__" / "mod.cpython-312.pyc.140234", "")
    write(site / "pkg" / "__pycache__" / "mod.cpython-312.pyc", "")
    owned = integrity.owned_paths(site, venv, [dist])

    found = integrity.stray_temp_files(venv, site, owned)

    assert sorted(found) == sorted([stray, stray_dir, stray_bin, half_bytecode])


def test_leftover_workdirs_are_own_folders_only(tmp_path):
    tmp = tmp_path / "tmp"
    mine = tmp / "hassette-tasks-abc123"
    write(mine / "project" / "pyproject.toml", "")
    workdir.mark(mine)  # boot marks each work folder it makes (issue 20, 2)
    other = tmp / "unrelated-folder"
    other.mkdir()
    target = tmp_path / "target"
    write(target / "keep.txt", "keep\n")
    (tmp / "hassette-tasks-link").symlink_to(target, target_is_directory=True)
    write(tmp / "hassette-tasks-file", "")
    (mine / "project" / "escape").symlink_to(target, target_is_directory=True)

    removed = integrity.remove_leftover_workdirs(tmp)

    assert removed == [mine]
    assert not mine.exists()
    assert (target / "keep.txt").exists()  # a symlink inside was not followed
    assert (tmp / "hassette-tasks-link").is_symlink()
    assert other.exists() and (tmp / "hassette-tasks-file").exists()


def test_leftover_workdirs_of_another_uid_stay(tmp_path):
    tmp = tmp_path / "tmp"
    theirs = tmp / "hassette-tasks-theirs"
    write(theirs / "locked-requirements.txt", "")
    workdir.mark(theirs)

    owner = theirs.stat().st_uid

    # the folder belongs to the uid running the tests; seen as owner+1, it is someone else's
    assert integrity.leftover_workdirs(tmp, uid=owner + 1) == []
    assert integrity.leftover_workdirs(tmp, uid=owner) == [theirs]


def test_repair_removes_broken_packages_strays_and_leftovers(app, site, venv, tmp_path, capsys):
    install(site, "good", {"good/__init__.py": "g = 1\n"})
    install(site, "half", {"half/__init__.py": "", "half/a.py": "a\n", "half/b.py": "b\n"})
    (site / "half" / "b.py").unlink()
    (site / "half-1.0.dist-info" / "INSTALLER").unlink()
    metadata_less = install(site, "nometa", {"nometa/__init__.py": ""})
    (metadata_less / "METADATA").unlink()
    write(site / "good" / ".tmpQwErTy", "")
    tmp = tmp_path / "tmp"
    write(tmp / "hassette-tasks-old" / "locked-requirements.txt", "")
    workdir.mark(tmp / "hassette-tasks-old")

    done = integrity.repair(app, Console(), tmpdir=tmp)

    assert done.removed == [("half", "1.0"), ("nometa", "1.0")]
    assert (done.verified, done.strays, done.workdirs) == (3, 1, 1)
    assert sorted(p.name for p in site.iterdir()) == ["good", "good-1.0.dist-info"]
    assert sorted(p.name for p in (site / "good").iterdir()) == ["__init__.py"]
    assert list(tmp.iterdir()) == []
    out = capsys.readouterr().out
    assert "repair: half 1.0 is broken" in out
    assert "repair: complete (3 package(s) checked, 2 removed" in out


def test_repair_that_cannot_change_the_venv_says_to_recreate(app, site, monkeypatch):
    install(site, "half", {"half/__init__.py": "", "half/a.py": "a\n"})
    (site / "half" / "a.py").unlink()

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(site / "half-1.0.dist-info"))

    monkeypatch.setattr(integrity, "uninstall", refuse)

    with pytest.raises(StartupError) as caught:
        integrity.repair(app, Console())

    assert caught.value.failure is Failure.REPAIR
    assert "Recreate the container" in caught.value.todo


def test_guard_without_marker_and_without_installs_touches_nothing(app, venv, capsys):
    guard = integrity.InstallGuard(app, Console(), installing=False)
    guard.finish(Console())

    assert not integrity.interrupted(venv)
    assert guard.before == {}
    assert "repair" not in capsys.readouterr().out


def test_guard_marks_an_install_and_repairs_the_next_time(app, venv, site, capsys):
    guard = integrity.InstallGuard(app, Console(), installing=True)
    assert integrity.interrupted(venv)
    # killed here: no finish()
    again = integrity.InstallGuard(app, Console(), installing=True)

    assert again.repaired is not None
    assert "repair: the previous start was interrupted" in capsys.readouterr().out
    again.finish(Console())
    assert not integrity.interrupted(venv)
    assert guard.repaired is None


@pytest.mark.parametrize(
    ("failure", "kept"),
    [(Failure.CONFLICT, False), (Failure.TIMEOUT, True), (Failure.DISK_FULL, True)],
)
def test_a_failure_that_cleaned_up_clears_the_marker_unless_uv_may_have_left_half(
    app, venv, failure, kept
):
    integrity.InstallGuard(app, Console(), installing=True)
    assert integrity.interrupted(venv)

    integrity.settle_after_failure(Console(), failure)

    assert integrity.interrupted(venv) is kept


def test_a_failure_after_a_package_was_half_copied_keeps_the_marker(app, site, venv):
    guard = integrity.InstallGuard(app, Console(), installing=True)
    install(site, "half", {"half/__init__.py": "", "half/a.py": "a\n"})
    (site / "half" / "a.py").unlink()

    guard.settle_failure(Console(), Failure.INSTALL)

    assert integrity.interrupted(venv)
