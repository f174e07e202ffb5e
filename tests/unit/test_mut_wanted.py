"""wanted: the roots of requirements files where a surviving mutant showed no test looked:
URL lines with no name in them, a fragment on a URL, roots gathered from several files."""

from __future__ import annotations

from hassette_tasks import closure, wanted
from hassette_tasks.installed import Dist
from tests.unit.conftest import write
from tests.unit.test_exact import ENV, IMAGE, roots, venv


def test_a_url_with_no_name_in_it_is_kept_as_written():
    found = roots("https://example.org/archive.tar.gz\n")

    assert found.requirements == []
    assert found.urls == ["https://example.org/archive.tar.gz"]


def test_a_url_is_told_by_what_it_installed_without_its_fragment():
    # uv records the URL without the #sha256=... fragment in direct_url.json
    url = "https://example.org/archive.tar.gz"
    now = venv(Dist("archived", "1.0", (), url), Dist("stray", "1.0"))

    found = roots(f"{url}#sha256=abc\n")
    decision = closure.decide(now, IMAGE, found, ENV)

    assert found.urls == [url]
    assert decision.unknown == [] and decision.remove == {"stray": "1.0"}


def test_the_roots_of_several_files_are_all_kept(tmp_path):
    first = write(tmp_path / "a" / "requirements.txt", "./one\n-r missing-a.txt\nnamed-a\n")
    second = write(tmp_path / "b" / "requirements.txt", "./two\n-r missing-b.txt\nnamed-b\n")

    found = wanted.roots_from_files([first, second])

    assert [r.name for r in found.requirements] == ["named-a", "named-b"]
    assert found.urls == [
        (tmp_path / "a" / "one").resolve().as_uri(),
        (tmp_path / "b" / "two").resolve().as_uri(),
    ]
    assert found.unknown == [
        str(tmp_path / "a" / "missing-a.txt"),
        str(tmp_path / "b" / "missing-b.txt"),
    ]


def test_roots_add_keeps_both_sides():
    mine = wanted.Roots(urls=["u1"], unknown=["x1"], keep={"k1"})

    mine.add(wanted.Roots(urls=["u2"], unknown=["x2"], keep={"k2"}))

    assert (mine.urls, mine.unknown, mine.keep) == (["u1", "u2"], ["x1", "x2"], {"k1", "k2"})


def test_a_file_included_twice_by_one_text_is_read_once(tmp_path):
    write(tmp_path / "common.txt", "shared>=1\n")

    found = wanted.roots_from_text("-r common.txt\n-r common.txt\nown\n", tmp_path)

    assert [str(r) for r in found.requirements] == ["shared>=1", "own"]


def test_editable_and_long_include_lines_are_roots_but_a_constraints_file_is_not(tmp_path):
    write(tmp_path / "libs" / "short" / "pyproject.toml", '[project]\nname = "short-ed"\n')
    write(tmp_path / "libs" / "long" / "pyproject.toml", '[project]\nname = "long-ed"\n')
    write(tmp_path / "more.txt", "included\n")
    write(tmp_path / "constraints.txt", "pinned==1.0\n")
    text = (
        "-e ./libs/short --config-settings editable_mode=compat\n"
        "--editable=./libs/long\n"
        "--requirement more.txt\n"
        "-c constraints.txt\n"
        "--constraint=constraints.txt\n"
    )

    found = roots(text, tmp_path)

    assert [r.name for r in found.requirements] == ["short-ed", "long-ed", "included"]
    assert found.urls == [] and found.unknown == []
