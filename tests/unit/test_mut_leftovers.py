"""leftovers: what uninstalling a broken package removes and keeps (whatever the RECORD's
order), which files are uv's strays, and which work folders are earlier starts'. Each test
pins a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

from pathlib import Path

from hassette_tasks import leftovers, workdir
from tests.unit.conftest import write
from tests.unit.test_integrity import install, site, venv  # noqa: F401 (fixtures)


def append_record(dist_info: Path, *rows: str, first: bool = False) -> None:
    record = dist_info / "RECORD"
    lines = record.read_text().splitlines()
    record.write_text("\n".join([*rows, *lines] if first else [*lines, *rows]) + "\n")


def test_entries_outside_the_venv_missing_files_and_folders_first_in_record_stop_nothing(
    venv,  # noqa: F811
    site,  # noqa: F811
    tmp_path,
):
    outside = write(tmp_path / "outside.py", "not ours\n")
    elsewhere = write(tmp_path / "elsewhere" / "kept.py", "kept\n").parent
    dist = install(site, "pkg", {"pkg/__init__.py": "", "pkg/mod.py": "x\n"})
    (site / "linked").symlink_to(elsewhere, target_is_directory=True)
    append_record(
        dist,
        "linked/kept.py,,",  # through a symlinked folder: skipped
        f"../../../../{outside.name},,",  # outside the venv: skipped
        f"{dist.name}/METADATA,,",  # the dist-info's own: removed with it
        "pkg/never_copied.py,,",  # a kill came first: skipped
        "pkg,,",  # a folder: never removed whole from here
        first=True,
    )

    removed = leftovers.uninstall(dist, site, venv)

    assert removed == 2
    assert not (site / "pkg").exists() and not dist.exists()
    assert outside.read_text() == "not ours\n"
    assert (elsewhere / "kept.py").read_text() == "kept\n"


def test_the_last_package_of_an_empty_venv_leaves_its_folders(venv, site):  # noqa: F811
    dist = install(site, "only", {"only.py": "", "../../../bin/only-cli": "#!/bin/sh\n"})

    leftovers.uninstall(dist, site, venv)

    assert site.is_dir() and (venv / "bin").is_dir()
    assert list(site.iterdir()) == []


def test_every_emptied_folder_goes_even_after_one_that_stays(venv, site):  # noqa: F811
    install(site, "other", {"a_long_shared_folder_name/other.py": "o\n"})
    dist = install(site, "pkg", {"a_long_shared_folder_name/pkg.py": "p\n", "p/mod.py": "m\n"})

    leftovers.uninstall(dist, site, venv)

    assert (site / "a_long_shared_folder_name" / "other.py").exists()
    assert not (site / "p").exists()


def test_a_venv_reached_through_a_symlink_is_uninstalled_from_all_the_same(tmp_path, venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": "", "pkg/mod.py": "x\n"})
    link = tmp_path / "venv link"
    link.symlink_to(venv, target_is_directory=True)
    linked_site = link / site.relative_to(venv)

    removed = leftovers.uninstall(linked_site / dist.name, linked_site, link)

    assert removed == 2
    assert not (site / "pkg").exists()


def test_owned_paths_skip_a_record_that_is_missing_or_no_csv(venv, site):  # noqa: F811
    good = install(site, "good", {"good.py": ""})
    missing = install(site, "missing", {"missing.py": ""})
    (missing / "RECORD").unlink()
    bad = install(site, "bad", {"bad.py": ""})
    with (bad / "RECORD").open("a") as record:
        record.write("x" * 200_000 + ",,\n")  # past csv's field limit: no CSV

    owned = leftovers.owned_paths(site, venv, [missing, bad, good])

    assert str(site / "good.py") in owned
    assert not any("missing" in path or "bad" in path for path in owned)


def test_only_uvs_temporary_names_and_half_written_bytecode_are_strays(venv, site):  # noqa: F811
    for name in ("libfoo.so.1", "data.123", "mod.pyc.txt", ".tmpx"):
        write(site / "pkg" / name, "")
    for name in ("mod.cpython-312.pyc.1234", "mod.py.1234", "mod.cpython-312.pyc.tmp"):
        write(site / "pkg" / "__pycache__" / name, "")
    write(site / "pkg" / "notcache" / "mod.cpython-312.pyc.77", "")

    found = leftovers.stray_temp_files(venv, site, set())

    assert sorted(path.relative_to(site).as_posix() for path in found) == [
        "pkg/.tmpx",
        "pkg/__pycache__/mod.cpython-312.pyc.1234",
    ]


def test_a_link_to_a_marked_folder_of_ours_is_no_work_folder(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    target = tmp_path / "a folder of ours"
    write(target / "keep.txt", "keep\n")
    workdir.mark(target)
    (tmp / "hassette-tasks-link").symlink_to(target, target_is_directory=True)

    assert leftovers.leftover_workdirs(tmp) == []
    assert leftovers.remove_leftover_workdirs(tmp) == []
    assert (target / "keep.txt").exists() and (tmp / "hassette-tasks-link").is_symlink()


def test_a_stray_folder_is_removed_whole_and_a_missing_stray_is_nothing(tmp_path):
    folder = write(tmp_path / ".tmpAbc" / "deep" / "file.py", "").parents[1]

    assert leftovers.remove_file(folder) is True
    assert not folder.exists()
    assert leftovers.remove_file(folder) is False
