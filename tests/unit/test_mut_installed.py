"""installed: what a venv's dist-info files say, where a surviving mutant showed no test
looked: a URL requirement (a colon in the value), metadata with no version, a folder name
with a dash in the project name, and which distribution is hassette."""

from __future__ import annotations

from hassette_tasks import installed
from tests.unit.conftest import write


def test_a_requirement_with_a_url_is_read_whole(tmp_path):
    write(
        tmp_path / "app-1.0.dist-info" / "METADATA",
        "Name: app\nVersion: 1.0\nRequires-Dist: lib @ https://example.org/lib-1.0.tar.gz\n\n",
    )

    found = installed.installed(tmp_path)

    assert found["app"].requires == ("lib @ https://example.org/lib-1.0.tar.gz",)


def test_metadata_with_no_version_gives_an_empty_version(tmp_path):
    write(tmp_path / "nover-0.dist-info" / "METADATA", "Name: nover\n\n")

    assert installed.installed(tmp_path) == {"nover": installed.Dist("nover", "")}


def test_a_hand_made_folder_name_splits_at_its_last_dash(tmp_path):
    folder = tmp_path / "hand-made-1.0.dist-info"

    assert installed.name_version(folder) == ("hand-made", "1.0")


def test_hassette_is_found_by_name_and_only_hassette(tmp_path):
    write(tmp_path / "other-1.0.dist-info" / "METADATA", "Name: other\nVersion: 1.0\n")

    assert installed.hassette_distribution(tmp_path) is None
    write(tmp_path / "hassette-2.0.dist-info" / "METADATA", "Name: hassette\nVersion: 2.0\n")
    found = installed.hassette_distribution(tmp_path)
    assert found is not None and found.version == "2.0"
