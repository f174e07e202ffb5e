"""project.indexes: which indexes a project and UV_INDEX name, which locked files are taken
from them, and the export rewritten to those files (tests found by nox -s mutate --
project.indexes)."""

from __future__ import annotations

import pytest
from packaging import tags
from packaging.tags import Tag

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import indexes
from hassette_tasks.project.indexes import Index, LockedFile
from tests.unit.conftest import write

PROJECT = '[project]\nname = "myapps"\nversion = "0.1.0"\n'
INDEX = "http://127.0.0.1:18802/simple"
ANY = [Tag("py3", "none", "any")]


def _indexes(tmp_path, text: str) -> list[Index]:
    write(tmp_path / "pyproject.toml", PROJECT + text)
    return indexes.project_indexes(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["[tool.uv]\nindex = 5\n", "[tool.uv]\nindex = 'http://h/simple'\n", "[tool.uv.index]\n"],
    ids=["a-number", "a-string", "a-table"],
)
def test_an_index_setting_that_is_not_a_list_names_no_index(tmp_path, text):
    assert _indexes(tmp_path, text) == []


def test_malformed_entries_are_passed_over_and_the_rest_kept(tmp_path):
    text = (
        "[tool.uv]\nindex = ['http://h/simple', { name = 'nourl' }, { url = 5 }, "
        f"{{ name = 5, url = '{INDEX}' }}, {{ name = 'corp', url = 'http://c/simple' }}]\n"
    )

    assert _indexes(tmp_path, text) == [Index(None, INDEX), Index("corp", "http://c/simple")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("corp=https://h/simple?token=1", [Index("corp", "https://h/simple?token=1")]),
        ("plain", []),
        ("=http://h/simple", []),
        ("a=", []),
        ("https://h/simple?a=b", []),
        ("a=http://a/s  b=http://b/s", [Index("a", "http://a/s"), Index("b", "http://b/s")]),
    ],
    ids=["equals-in-url", "no-equals", "no-name", "no-url", "unnamed-url", "two"],
)
def test_uv_index_names_only_name_equals_url_words(value, expected):
    assert indexes.environment_indexes({"UV_INDEX": value}) == expected


def test_no_uv_index_names_none():
    assert indexes.environment_indexes({}) == []


def test_a_registry_is_compared_without_credentials_or_trailing_slashes():
    assert indexes.bare("http://bob:pw@h/simple/") == "http://h/simple"
    assert indexes.bare("http://h/simpleX/") == "http://h/simpleX"


LOCK_HEAD = 'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n'


def _package(name: str, body: str) -> str:
    return f'\n[[package]]\nname = "{name}"\n{body}\n'


FROM_INDEX = f'version = "1.0"\nsource = {{ registry = "{INDEX}" }}\n'
WHEEL = f"{INDEX}/files/secretpkg-1.0-py3-none-any.whl"


def _files(tmp_path, *packages: str) -> dict[tuple[str, str], list[LockedFile]]:
    write(tmp_path / "uv.lock", LOCK_HEAD + "".join(packages))
    return indexes.locked_files(tmp_path / "uv.lock", [Index("private", INDEX + "/")])


def test_packages_the_index_does_not_serve_do_not_stop_the_search(tmp_path):
    files = _files(
        tmp_path,
        _package("nosource", 'version = "1.0"'),
        _package("pypi", 'version = "1.0"\nsource = { registry = "https://pypi.org/simple" }'),
        _package("noversion", f'source = {{ registry = "{INDEX}" }}\nsdist = {{ url = "u" }}'),
        _package("Secret_Pkg", FROM_INDEX + f'wheels = [{{ url = "{WHEEL}", hash = "sha256:1" }}]'),
    )

    assert files == {
        ("secret-pkg", "1.0"): [LockedFile(WHEEL, "sha256:1", "secretpkg-1.0-py3-none-any.whl")]
    }


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            'wheels = 5\nsdist = { url = "http://h/x-1.0.tar.gz", hash = "sha256:2" }',
            "x-1.0.tar.gz",
        ),
        ('sdist = { url = "x-1.0.tar.gz", hash = "sha256:2" }', "x-1.0.tar.gz"),
        ('sdist = { url = "http://h/f/x-1.0.tar.gz#sha256=2", hash = "sha256:2" }', "x-1.0.tar.gz"),
        ('sdist = { url = "http://h/f/x-1.0.tar.gz#a#b", hash = "sha256:2" }', "x-1.0.tar.gz"),
    ],
    ids=["wheels-not-a-list", "no-folder", "fragment", "two-hashes"],
)
def test_a_locked_files_name_is_the_last_path_part_without_fragment(tmp_path, entries, expected):
    files = _files(tmp_path, _package("x", FROM_INDEX + entries))

    assert [item.filename for item in files[("x", "1.0")]] == [expected]
    assert files[("x", "1.0")][0].hash == "sha256:2"


@pytest.mark.parametrize(
    "sdist",
    [
        'sdist = { url = "http://h/x.tar.gz", hash = "nocolon" }',
        'sdist = { url = 5, hash = "sha256:2" }',
        'sdist = { url = "http://h/x.tar.gz", hash = 5 }',
        'sdist = "http://h/x.tar.gz"',
    ],
    ids=["hash-without-algorithm", "url-not-text", "hash-not-text", "not-a-table"],
)
def test_a_file_entry_without_url_and_hash_is_no_file(tmp_path, sdist):
    assert _files(tmp_path, _package("x", FROM_INDEX + sdist)) == {}


def test_supported_tags_are_those_of_the_venvs_python():
    expected = [*tags.cpython_tags((3, 9)), *tags.compatible_tags((3, 9))]

    assert indexes.supported_tags("3.9") == expected
    assert indexes.supported_tags("3.9.18") == expected
    assert indexes.supported_tags("3.9.0rc1") == expected
    assert expected[0] == Tag("cp39", "cp39", expected[0].platform)


@pytest.mark.parametrize("version", ["3", "", "three.nine", "3.x"])
def test_an_unreadable_python_version_falls_back_to_this_interpreters_tags(version):
    assert indexes.supported_tags(version) == list(tags.sys_tags())


def _locked(filename: str) -> LockedFile:
    return LockedFile(f"http://h/{filename}", "sha256:1", filename)


def test_the_best_wheel_is_picked_past_sdists_and_bad_names():
    sdist = _locked("x-1.0.tar.gz")
    bad = _locked("x.whl")
    wheel = _locked("x-1.0-py3-none-any.whl")

    assert indexes.pick([sdist, bad, wheel], ANY) == wheel


def test_of_equally_good_wheels_the_first_is_picked():
    first = _locked("x-1.0-py3-none-any.whl")
    second = _locked("x-1.0-1-py3-none-any.whl")

    assert indexes.pick([first, second], ANY) == first
    assert indexes.pick([second, first], ANY) == second


EXPORTED = """# generated by uv
aaa==1.0 \\
    --hash=sha256:aa
    # via myapps
bbb==2.0 \\
    --hash=sha256:b1 \\
    --hash=sha256:b2
    # via myapps
secretpkg==1.0 \\
    --hash=sha256:11
    # via myapps
"""
# a continuation whose backslash is followed by spaces still continues
EXPORTED += "ccc==3.0 \\  \n    --hash=sha256:cc\n"


def test_a_pin_without_marker_becomes_its_file_and_the_rest_is_kept_as_is():
    files = {("secretpkg", "1.0"): [_locked("secretpkg-1.0-py3-none-any.whl")]}

    text, moved = indexes.pin_to_files(EXPORTED, files, ANY)

    assert moved == ["secretpkg"]
    assert text == (
        "# generated by uv\naaa==1.0 \\\n    --hash=sha256:aa\n    # via myapps\n"
        "bbb==2.0 \\\n    --hash=sha256:b1 \\\n    --hash=sha256:b2\n    # via myapps\n"
        "secretpkg @ http://h/secretpkg-1.0-py3-none-any.whl --hash=sha256:1\n"
        "    # via myapps\n"
        "ccc==3.0 \\  \n    --hash=sha256:cc\n"
    )


@pytest.mark.parametrize("pinned", ["ccc", "bbb"])
def test_a_continuation_belongs_to_its_own_entry(pinned):
    version = {"ccc": "3.0", "bbb": "2.0"}[pinned]
    files = {(pinned, version): [_locked(f"{pinned}-{version}-py3-none-any.whl")]}

    text, _ = indexes.pin_to_files(EXPORTED, files, ANY)

    assert "--hash=sha256:cc" not in text if pinned == "ccc" else "--hash=sha256:b2" not in text
    assert "--hash=sha256:aa" in text


def test_no_fitting_file_is_an_install_failure_saying_what_to_do():
    files = {("secretpkg", "1.0"): [_locked("secretpkg-1.0-cp39-cp39-win_amd64.whl")]}

    with pytest.raises(StartupError) as caught:
        indexes.pin_to_files(EXPORTED, files, ANY)

    assert caught.value.failure is Failure.INSTALL
    assert caught.value.what == (
        "no file of secretpkg 1.0 in uv.lock fits this container's Python and platform."
    )
    assert caught.value.todo == (
        "Lock it again where a wheel or sdist for this platform is published "
        "(`uv lock --upgrade-package NAME`), and restart."
    )


OTHER_WHEEL = f"{INDEX}/files/other-1.0-py3-none-any.whl"
LOCK = (
    LOCK_HEAD
    + _package("secretpkg", FROM_INDEX + f'wheels = [{{ url = "{WHEEL}", hash = "sha256:44" }}]')
    + _package("other", FROM_INDEX + f'wheels = [{{ url = "{OTHER_WHEEL}", hash = "sha256:55" }}]')
)
EXPORT = "secretpkg==1.0 \\\n    --hash=sha256:44\nother==1.0\nthird==1.0\n"


def _pin_locked(tmp_path, pyproject: str, lock: str = LOCK) -> tuple[str, list[str]]:
    write(tmp_path / "pyproject.toml", PROJECT + pyproject)
    write(tmp_path / "uv.lock", lock)
    said: list[str] = []
    return indexes.pin_locked(tmp_path, EXPORT, "3.12", said.append), said


def test_a_project_index_package_is_installed_from_its_locked_file(tmp_path):
    text, said = _pin_locked(
        tmp_path,
        f'[[tool.uv.index]]\nname = "private"\nurl = "http://bob:pw@{INDEX[7:]}"\n'
        '[[tool.uv.index]]\nurl = "http://other/simple"\n',
    )

    assert text == (
        f"secretpkg @ {WHEEL} --hash=sha256:44\nother @ {OTHER_WHEEL} --hash=sha256:55\n"
        "third==1.0\n"
    )
    assert said == [
        "project install: 2 package(s) from the project's index(es) `private` "
        "http://****@127.0.0.1:18802/simple, http://other/simple, each from its locked file "
        "only: secretpkg, other"
    ]


@pytest.mark.parametrize(
    ("pyproject", "lock"),
    [
        ("", LOCK),
        ('[[tool.uv.index]]\nurl = "http://other/simple"\n', LOCK),
        # the lock's version is not the exported one: nothing to move
        (f'[[tool.uv.index]]\nurl = "{INDEX}"\n', LOCK.replace('version = "1.0"', 'version = "9"')),
    ],
    ids=["no-index", "not-from-it", "nothing-moved"],
)
def test_an_export_without_index_packages_is_left_as_uv_wrote_it(tmp_path, pyproject, lock):
    assert _pin_locked(tmp_path, pyproject, lock) == (EXPORT, [])


def test_the_dry_run_names_each_kind_of_index(tmp_path, monkeypatch):
    monkeypatch.delenv("UV_INDEX_URL", raising=False)
    write(
        tmp_path / "pyproject.toml",
        PROJECT
        + '[[tool.uv.index]]\nurl = "http://a/simple"\n'
        + '[[tool.uv.index]]\nname = "b"\nurl = "http://b/simple"\nexplicit = true\n',
    )

    assert indexes.plan_lines(tmp_path) == [
        "project install: index http://a/simple (extra index)",
        "project install: index `b` http://b/simple (explicit: only the packages pinned to it)",
    ]
