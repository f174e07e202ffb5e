"""installed: what a venv holds, read from dist-info files by hand (the exact environment's
input), including metadata a broken or hand-made package may carry."""

from __future__ import annotations

import json

from hassette_tasks import installed
from tests.unit.conftest import write


def test_names_versions_requirements_and_urls_are_read_from_the_files(tmp_path):
    site = tmp_path / "site-packages"
    write(
        site / "My_App-1.0.dist-info" / "METADATA",
        "Metadata-Version: 2.1\nName: My_App\nVersion: 1.0\n"
        "Requires-Dist: lib[socks]>=1; python_version >= '3.8'\n"
        "Summary: colons: in: a value\n\nRequires-Dist: not-a-header-but-the-body\n",
    )
    (site / "My_App-1.0.dist-info" / "direct_url.json").write_text(
        json.dumps({"url": "file:///apps/my-app", "dir_info": {}})
    )
    # METADATA that is not UTF-8 (a hand-made package): read, the bad bytes replaced
    (site / "odd-2.0.dist-info").mkdir()
    (site / "odd-2.0.dist-info" / "METADATA").write_bytes(
        b"Name: odd\nVersion: 2.0\nSummary: caf\xe9\nRequires-Dist: helper\n\n"
    )
    write(site / "nourl-1.0.dist-info" / "METADATA", "Name: nourl\nVersion: 1.0\n")
    (site / "nourl-1.0.dist-info" / "direct_url.json").write_text('{"url": 5}')
    write(site / "noname-1.0.dist-info" / "METADATA", "Version: 1.0\n")
    (site / "nometa-1.0.dist-info").mkdir()

    found = installed.installed(site)

    assert found == {
        "my-app": installed.Dist(
            "my-app", "1.0", ("lib[socks]>=1; python_version >= '3.8'",), "file:///apps/my-app"
        ),
        "odd": installed.Dist("odd", "2.0", ("helper",)),
        "nourl": installed.Dist("nourl", "1.0"),
    }


def test_dist_infos_and_their_names(tmp_path):
    site = tmp_path / "site"
    (site / "b_pkg-2.0.dist-info").mkdir(parents=True)
    (site / "a-1.0.dist-info").mkdir()
    (site / "linked-1.0.dist-info").symlink_to(site / "a-1.0.dist-info")
    (site / "c-1.0.dist-info").write_text("a file, not a folder")

    folders = installed.dist_infos(site)

    assert folders == [site / "a-1.0.dist-info", site / "b_pkg-2.0.dist-info"]
    assert [installed.name_version(f) for f in folders] == [("a", "1.0"), ("b_pkg", "2.0")]
