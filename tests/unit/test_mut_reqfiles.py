"""What a requirements file's includes, local paths and lines are read as (issue 20: the
surviving mutants of hassette_tasks/reqfiles.py). Each test pins what the warm-restart
fingerprint, the exact environment or the pin check would get wrong otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks import reqfiles


def _reached(folder: Path, text: str) -> reqfiles.Reached:
    top = folder / "requirements.txt"
    top.write_text(text, encoding="utf-8")
    return reqfiles.reached([top])


def test_read_drops_a_leading_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes("\ufeffrequests==2.32.3\n".encode())
    assert reqfiles.read(path) == "requests==2.32.3\n"


def test_a_byte_order_mark_is_not_part_of_the_first_line() -> None:
    assert list(reqfiles.logical_lines("\ufeff-r base.txt\nrequests")) == [
        "-r base.txt",
        "requests",
    ]


def test_three_continued_lines_are_one_requirement() -> None:
    lines = list(reqfiles.logical_lines("requests \\\n  >=2.0 \\\n  ,<3\n"))
    assert [" ".join(line.split()) for line in lines] == ["requests >=2.0 ,<3"]


def test_a_continuation_keeps_the_character_before_the_backslash() -> None:
    assert list(reqfiles.logical_lines("requests>=2\\\n,<3\n")) == ["requests>=2 ,<3"]


def test_a_set_variable_is_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HT_REQ_DIR", "shared")
    assert list(reqfiles.logical_lines("-r ${HT_REQ_DIR}/base.txt")) == ["-r shared/base.txt"]


def test_an_unset_variable_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HT_REQ_UNSET", raising=False)
    assert list(reqfiles.logical_lines("mylib${HT_REQ_UNSET}==1.0")) == ["mylib==1.0"]


def test_an_include_through_a_variable_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HT_REQ_DIR", "shared")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.txt").write_text("requests\n", encoding="utf-8")
    assert _reached(tmp_path, "-r ${HT_REQ_DIR}/base.txt\n").files == [
        tmp_path / "shared" / "base.txt"
    ]


def test_a_file_url_is_its_path_with_escapes_undone(tmp_path: Path) -> None:
    assert reqfiles.local_target("file:///srv/my%20libs/a.whl", tmp_path) == Path(
        "/srv/my libs/a.whl"
    )


def test_a_remote_url_is_not_local(tmp_path: Path) -> None:
    assert (
        reqfiles.local_target("https://example.org/pkgs/a-1.0-py3-none-any.whl", tmp_path) is None
    )


def test_a_package_name_is_not_local(tmp_path: Path) -> None:
    assert reqfiles.local_target("requests", tmp_path) is None
    assert _reached(tmp_path, "requests==2.32.3\n").local == []


def test_the_fragment_ends_at_the_first_hash(tmp_path: Path) -> None:
    assert reqfiles.local_target("./lib#egg=mylib", tmp_path) == tmp_path / "lib"
    assert reqfiles.local_target("./lib#egg=mylib#x", tmp_path) == tmp_path / "lib"


def test_the_home_folder_alone_is_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert reqfiles.local_target("~", tmp_path / "project") == tmp_path / "home"


def test_an_editable_current_folder_is_reached(tmp_path: Path) -> None:
    found = _reached(tmp_path, "-e .\n")
    assert found.local == [tmp_path]
    assert found.files == []


def test_an_editable_folder_is_a_local_path_not_an_included_file(tmp_path: Path) -> None:
    found = _reached(tmp_path, "-e ./libs/mylib\n")
    assert found.local == [tmp_path / "libs" / "mylib"]
    assert found.files == []


def test_a_relative_path_without_dot_is_local(tmp_path: Path) -> None:
    assert _reached(tmp_path, "-e libs/mylib\n").local == [tmp_path / "libs" / "mylib"]


def test_an_option_after_an_editable_path_is_not_part_of_it(tmp_path: Path) -> None:
    found = _reached(tmp_path, "-e ./libs/mylib --config-settings editable_mode=compat\n")
    assert found.local == [tmp_path / "libs" / "mylib"]


def test_an_include_without_a_file_or_from_a_url_reaches_no_file(tmp_path: Path) -> None:
    found = _reached(tmp_path, "-r\n-c https://example.org/constraints.txt\n")
    assert found.files == []
    assert found.local == []


def test_an_option_line_is_never_read_as_a_path(tmp_path: Path) -> None:
    found = _reached(tmp_path, "--find-links ./wheels\n-f ./more-wheels\nrequests\n")
    assert not any(part.startswith("-") for path in found.local for part in path.parts)


def test_a_hash_after_a_wheel_path_is_not_part_of_it(tmp_path: Path) -> None:
    found = _reached(tmp_path, "./wheels/a-1.0-py3-none-any.whl --hash=sha256:00\n")
    assert found.local == [tmp_path / "wheels" / "a-1.0-py3-none-any.whl"]


def test_a_direct_reference_reaches_its_target(tmp_path: Path) -> None:
    found = _reached(tmp_path, "mylib @ ./libs/mylib\nother[extra]@file:///srv/other\n")
    assert found.local == [tmp_path / "libs" / "mylib", Path("/srv/other")]


def test_a_marker_is_not_part_of_a_path(tmp_path: Path) -> None:
    found = _reached(tmp_path, "./libs/mylib ; python_version >= '3.8'\n")
    assert found.local == [tmp_path / "libs" / "mylib"]


def test_a_local_path_named_twice_is_reached_once(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("-e ./libs/mylib\n", encoding="utf-8")
    found = _reached(tmp_path, "-e ./libs/mylib\n-r base.txt\n./libs/mylib\n")
    assert found.local == [tmp_path / "libs" / "mylib"]
    assert found.files == [tmp_path / "base.txt"]


def test_an_include_written_as_a_file_url_is_followed_as_uv_follows_it(tmp_path: Path) -> None:
    # uv reads `-r file:///abs/base.txt` as that file; an edit there must rerun the install
    shared = tmp_path / "shared folder"
    shared.mkdir()
    base = shared / "base.txt"
    base.write_text("-c constraints.txt\napplibb==1.0\n", encoding="utf-8")
    (shared / "constraints.txt").write_text("applibb<2\n", encoding="utf-8")
    url = "file://" + str(base).replace(" ", "%20")

    found = _reached(tmp_path, f"-r {url}\nappliba\n")

    assert found.files == [base, shared / "constraints.txt"]


def test_a_file_url_include_is_in_the_warm_restart_fingerprint(tmp_path: Path) -> None:
    from hassette_tasks.state import Fingerprint, requirements_fingerprint

    base = tmp_path / "base.txt"
    base.write_text("applibb==1.0\n", encoding="utf-8")
    top = tmp_path / "requirements.txt"
    top.write_text(f"-r file://{base}\n", encoding="utf-8")
    common = Fingerprint("0", "common")
    before = requirements_fingerprint(common, [tmp_path], [top])

    base.write_text("applibb==1.0\napplibc==1.0\n", encoding="utf-8")

    assert requirements_fingerprint(common, [tmp_path], [top]) != before


def test_a_file_url_include_gives_its_requirements_to_the_exact_environment(tmp_path):
    from hassette_tasks.wanted import roots_from_file

    base = tmp_path / "base.txt"
    base.write_text("applibb==1.0\n", encoding="utf-8")
    top = tmp_path / "requirements.txt"
    top.write_text(f"-r file://{base}\n-r https://example.org/remote.txt\n", encoding="utf-8")

    roots = roots_from_file(top)

    assert [requirement.name for requirement in roots.requirements] == ["applibb"]
    assert roots.unknown == ["https://example.org/remote.txt"]  # nothing told from it
