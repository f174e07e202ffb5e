"""records: RECORD checks that no test pinned down (tests/unit/test_integrity.py holds the
first ones). A RECORD is a file in the user's venv: damaged input must be a finding, never a
traceback."""

from __future__ import annotations

import pytest

from hassette_tasks import integrity, leftovers, records
from hassette_tasks.errors import Failure, StartupError
from tests.unit.conftest import write
from tests.unit.test_integrity import app, install, site, venv  # noqa: F401 (fixtures)


def test_a_record_with_a_field_past_csvs_limit_is_a_finding_not_a_traceback(app, site, venv):  # noqa: F811
    before = integrity.snapshot(site)
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    with (dist / "RECORD").open("a") as record:
        record.write("x" * 200_000 + ",sha256=AAAA,1\n")

    problems = records.verify(dist, site, venv)
    assert len(problems) == 1 and problems[0].startswith("pkg-1.0.dist-info/RECORD cannot be read")
    with pytest.raises(StartupError) as caught:
        records.check_installed(app, before)
    assert caught.value.failure is Failure.BROKEN_ENV
    assert leftovers.uninstall(dist, site, venv) == 0  # a repair still removes the package
    assert not dist.exists()


def test_record_rows_are_read_as_path_hash_and_size(tmp_path):
    dist = tmp_path / "pkg-1.0.dist-info"
    write(
        dist / "RECORD",
        "\n".join(
            [
                "pkg/a.py,sha256=AbC,12",
                "",  # a blank line
                ",sha256=XYZ,3",  # no path
                "pkg/b.py,md5=abc,7",  # not sha256: no hash to compare
                "pkg/c.py,sha256=DeF,",  # no size
                "pkg/d.py,sha256=GhI,1x",  # not a size
                "pkg/e.py",  # the path alone
                '"pkg/with, comma.py",sha256=JkL,5',
            ]
        )
        + "\n",
    )

    rows = [(entry.path, entry.digest, entry.size) for entry in records.read_record(dist)]

    assert rows == [
        ("pkg/a.py", "AbC", 12),
        ("pkg/b.py", "", 7),
        ("pkg/c.py", "DeF", None),
        ("pkg/d.py", "GhI", None),
        ("pkg/e.py", "", None),
        ("pkg/with, comma.py", "JkL", 5),
    ]


def test_a_record_that_is_not_utf8_is_read_with_replacements(tmp_path):
    dist = tmp_path / "pkg-1.0.dist-info"
    dist.mkdir()
    (dist / "RECORD").write_bytes(b"pkg/\xff.py,,\n")

    assert [entry.path for entry in records.read_record(dist)] == ["pkg/\ufffd.py"]


def test_a_hashed_file_that_cannot_be_read_is_named(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    (site / "pkg" / "data").mkdir()  # a folder where RECORD lists a hashed file
    with (dist / "RECORD").open("a") as record:
        record.write("pkg/data,sha256=AAAA,\n")

    problems = records.verify(dist, site, venv)

    assert problems == ["pkg/data cannot be read (Is a directory)"]


def test_a_file_listed_without_a_hash_only_has_to_exist(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": ""}, unhashed=["pkg/free.txt"])
    write(site / "pkg" / "free.txt", "any content, any size")
    assert records.verify(dist, site, venv) == []
    (site / "pkg" / "free.txt").unlink()
    assert records.verify(dist, site, venv) == ["pkg/free.txt is missing"]


def test_every_problem_of_a_package_is_found_not_just_the_first(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/a.py": "a = 1\n", "pkg/b.py": "b = 1\n", "pkg/c.py": "c\n"})
    (site / "pkg" / "a.py").write_text("a = 2\n")  # same size, other bytes
    (site / "pkg" / "b.py").write_text("")
    (site / "pkg" / "c.py").unlink()

    assert records.verify(dist, site, venv) == [
        "pkg/a.py does not match its sha256 in RECORD",
        "pkg/b.py has 0 bytes, RECORD says 6",
        "pkg/c.py is missing",
    ]


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "p1"),
        (3, "p1; p2; p3"),
        (4, "p1; p2; p3; 1 more"),
        (6, "p1; p2; p3; 3 more"),
    ],
)
def test_a_summary_names_three_problems_and_counts_the_rest(count, text):
    assert records.summary([f"p{n}" for n in range(1, count + 1)]) == text


def test_the_banner_output_has_a_line_per_package():
    problems = {"a-1.0.dist-info": ["x is missing"], "b-2.0.dist-info": ["y", "z"]}
    assert records.describe_problems(problems) == (
        "a-1.0.dist-info: x is missing\nb-2.0.dist-info: y; z"
    )


def test_check_installed_names_every_broken_package_by_name(app, site):  # noqa: F811
    before = integrity.snapshot(site)
    for name in ("alpha", "beta"):
        install(site, name, {f"{name}/__init__.py": "", f"{name}/m.py": "m\n"})
        (site / name / "m.py").unlink()

    with pytest.raises(StartupError) as caught:
        records.check_installed(app, before)

    assert "the files of alpha, beta do not match" in caught.value.what
    assert caught.value.output == (
        "alpha-1.0.dist-info: alpha/m.py is missing\nbeta-1.0.dist-info: beta/m.py is missing"
    )
    assert "Restart the container" in caught.value.todo


def test_nothing_changed_is_nothing_to_check(app, site):  # noqa: F811
    install(site, "old", {"old/__init__.py": "", "old/m.py": "m\n"})
    (site / "old" / "m.py").unlink()  # broken, but not by this install
    before = integrity.snapshot(site)

    records.check_installed(app, before)  # no error
    assert records.changed_since(site, before) == []


def test_entries_skipped_or_missing_early_in_a_record_stop_no_check(venv, site, tmp_path):  # noqa: F811
    dist = install(site, "pkg", {"pkg/a.py": "a = 1\n"})
    record = dist / "RECORD"
    early = [
        "../../../../outside.py,sha256=AAAA,4",  # outside the venv: not ours to check
        "pkg/__pycache__/a.cpython-312.pyc,,",  # bytecode may be absent
        "pkg/gone.py,,",  # missing: a problem, and the check goes on
    ]
    record.write_text("\n".join(early) + "\n" + record.read_text())
    (site / "pkg" / "a.py").write_text("a = 2\n")

    assert records.verify(dist, site, venv) == [
        "pkg/gone.py is missing",
        "pkg/a.py does not match its sha256 in RECORD",
    ]


def test_the_broken_environment_banner_says_what_happened_and_what_to_do(app, site):  # noqa: F811
    before = integrity.snapshot(site)
    install(site, "half", {"half/__init__.py": "", "half/m.py": "m\n"})
    (site / "half" / "m.py").unlink()

    with pytest.raises(StartupError) as caught:
        records.check_installed(app, before)

    assert caught.value.what == (
        "after the install, the files of half do not match what the package's RECORD lists "
        "(an install was cut short, or the disk is failing)."
    )
    assert caught.value.todo == (
        "Restart the container: the next start checks every package and reinstalls the "
        "broken ones. If this banner comes back, check the disk (and free space)."
    )


def test_a_file_that_cannot_be_read_stops_no_check(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": "", "pkg/z.py": "z = 1\n"})
    (site / "pkg" / "data").mkdir()  # a folder where RECORD lists a hashed file, read first
    record = dist / "RECORD"
    record.write_text("pkg/data,sha256=AAAA,\n" + record.read_text())
    (site / "pkg" / "z.py").write_text("z = 2\n")

    assert records.verify(dist, site, venv) == [
        "pkg/data cannot be read (Is a directory)",
        "pkg/z.py does not match its sha256 in RECORD",
    ]


def test_a_row_with_a_hash_and_no_size_is_checked_by_its_hash(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    (site / "pkg" / "two.py").write_text("changed\n")
    with (dist / "RECORD").open("a") as record:
        record.write("pkg/two.py,sha256=AAAA\n")  # two columns: no size at all

    assert records.read_record(dist)[-1].digest == "AAAA"
    assert records.verify(dist, site, venv) == ["pkg/two.py does not match its sha256 in RECORD"]


def test_a_record_that_is_no_csv_says_why(venv, site):  # noqa: F811
    dist = install(site, "pkg", {"pkg/__init__.py": ""})
    with (dist / "RECORD").open("a") as record:
        record.write("x" * 200_000 + ",,\n")

    [problem] = records.verify(dist, site, venv)

    assert problem.startswith("pkg-1.0.dist-info/RECORD cannot be read (not CSV: field larger")
