"""exact: which packages go and which image versions come back; requirement roots;
pylock.toml converted to requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks import exact
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import pylock
from tests.unit.conftest import write

ENV = {"python_version": "3.13", "python_full_version": "3.13.0", "sys_platform": "linux"}


def dist(name, version, *requires):
    return exact.Dist(name, version, tuple(requires))


IMAGE = exact.Baseline(
    {
        "hassette": dist("hassette", "1.0", "tinydep>=1,<2", "hassette-dep[speed]>=1"),
        "tinydep": dist("tinydep", "1.0"),
        "hassette-dep": dist("hassette-dep", "1.0", 'speedlib; extra == "speed"'),
        "speedlib": dist("speedlib", "1.0"),
    },
    Path("image-packages.json"),
)


def venv(*extra: exact.Dist) -> dict[str, exact.Dist]:
    return {**IMAGE.packages, **{d.name: d for d in extra}}


def roots(text: str, base: Path = Path("/nowhere")) -> exact.Roots:
    return exact.roots_from_text(text, base)


def test_a_package_no_root_reaches_is_removed_with_what_only_it_needed():
    now = venv(dist("appliba", "1.0", "applibb<2"), dist("applibb", "1.0"), dist("applibc", "1.0"))

    decision = exact.decide(now, IMAGE, roots("applibc\n"), ENV)

    assert decision.remove == {"appliba": "1.0", "applibb": "1.0"}
    assert decision.restore == {}


def test_image_packages_stay_and_their_extras_are_followed():
    decision = exact.decide(venv(), IMAGE, exact.Roots(), ENV)

    assert decision.remove == {}  # speedlib: only through hassette-dep[speed]


def test_markers_decide_what_a_requirement_reaches():
    now = venv(dist("app", "1.0", 'oldonly; python_version < "3.8"'), dist("oldonly", "1.0"))

    decision = exact.decide(now, IMAGE, roots("app"), ENV)

    assert decision.remove == {"oldonly": "1.0"}


def test_an_upgraded_image_package_comes_back_unless_something_needs_it():
    upgraded = venv(dist("tinydep", "1.5"), dist("needsnew", "1.0", "tinydep>=1.5"))

    gone = exact.decide(upgraded, IMAGE, exact.Roots(), ENV)
    needed = exact.decide(upgraded, IMAGE, roots("needsnew"), ENV)
    pinned = exact.decide(upgraded, IMAGE, roots("tinydep==1.5 --hash=sha256:abc"), ENV)

    assert gone.restore == {"tinydep": ("1.5", "1.0")}
    assert gone.remove == {"needsnew": "1.0"}
    assert needed.restore == {} and needed.remove == {}
    assert pinned.restore == {}


def test_what_only_an_upgraded_version_needed_goes_with_it():
    upgraded = venv(dist("tinydep", "1.5", "newhelper"), dist("newhelper", "1.0"))

    decision = exact.decide(upgraded, IMAGE, exact.Roots(), ENV)

    assert decision.restore == {"tinydep": ("1.5", "1.0")}
    assert decision.remove == {"newhelper": "1.0"}


def test_requirement_lines_of_every_kind(tmp_path):
    write(tmp_path / "libs" / "local" / "pyproject.toml", '[project]\nname = "Local_Lib"\n')
    write(tmp_path / "more.txt", "included>=1\n")
    text = (
        "# a comment\n"
        "--index-url https://example.org/simple\n"
        "Named[extra]>=1 ; python_version >= '3'  # trailing comment\n"
        "hashed==1.0 \\\n    --hash=sha256:abc\n"
        "-r more.txt\n"
        "-c constraints.txt\n"
        "./libs/local\n"
        "https://example.org/files/wheelish-2.0-py3-none-any.whl\n"
        "git+https://example.org/repo.git#egg=fromgit\n"
        "direct @ https://example.org/direct.tar.gz\n"
        "./unnamed-folder\n"
    )

    found = roots(text, tmp_path)

    names = sorted(r.name.lower().replace("_", "-") for r in found.requirements)
    assert names == [
        "direct",
        "fromgit",
        "hashed",
        "included",
        "local-lib",
        "named",
        "wheelish",
    ]
    assert found.urls == [(tmp_path / "unnamed-folder").resolve().as_uri()]


def test_an_unnamed_path_is_told_by_what_it_installed_or_blocks_removal(tmp_path):
    url = (tmp_path / "unnamed-folder").resolve().as_uri()
    now = venv(exact.Dist("fromfolder", "0.1", (), url), dist("leftover", "1.0"))

    told = exact.decide(now, IMAGE, roots("./unnamed-folder\n", tmp_path), ENV)
    untold = exact.decide(venv(dist("leftover", "1.0")), IMAGE, roots("./x\n", tmp_path), ENV)

    assert told.remove == {"leftover": "1.0"} and not told.unknown
    assert untold.unknown  # make_exact then removes nothing


PYLOCK_HEAD = 'lock-version = "1.0"\ncreated-by = "test"\n'


def convert(tmp_path, body: str, head: str = PYLOCK_HEAD) -> str:
    project = tmp_path / "project"
    write(project / "pylock.toml", head + body)
    return pylock.convert(project, project, ENV).text


def test_pylock_packages_become_pins_with_every_hash(tmp_path):
    text = convert(
        tmp_path,
        """
[[packages]]
name = "foo"
version = "1.0"
wheels = [
  { name = "foo-1.0-py3-none-any.whl", hashes = { sha256 = "aa" } },
  { name = "foo-1.0-cp313-linux.whl", hashes = { sha256 = "bb" } },
]
sdist = { name = "foo-1.0.tar.gz", hashes = { sha256 = "cc" } }

[[packages]]
name = "old"
version = "1.0"
marker = "python_version < '3.8'"
wheels = [{ name = "old-1.0-py3-none-any.whl", hashes = { sha256 = "dd" } }]

[[packages]]
name = "devtool"
version = "1.0"
marker = "'dev' in dependency_groups"
wheels = [{ name = "devtool-1.0-py3-none-any.whl", hashes = { sha256 = "ee" } }]

[[packages]]
name = "project"
directory = { path = "." }

[[packages]]
name = "lib"
directory = { path = "libs/lib" }
""",
    )

    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == "foo==1.0 --hash=sha256:aa --hash=sha256:bb --hash=sha256:cc"
    assert lines[1] == f"lib @ {(tmp_path / 'project' / 'libs' / 'lib').resolve().as_uri()}"
    assert len(lines) == 2  # old: marker false; devtool: not a default group; project: itself


@pytest.mark.parametrize(
    ("head", "body", "words"),
    [
        ("", "[[packages]\n", "not valid TOML"),
        ('lock-version = "2.0"\n', "", "lock-version"),
        (PYLOCK_HEAD, "", "no [[packages]]"),
        (PYLOCK_HEAD, '[[packages]]\nname = "x"\nwheels = []\n', "has no version"),
        (PYLOCK_HEAD + 'requires-python = ">=3.14"\n', "packages = []\n", "requires Python"),
        (
            PYLOCK_HEAD + "environments = [\"sys_platform == 'win32'\"]\n",
            "packages = []\n",
            "environments",
        ),
    ],
)
def test_a_pylock_that_cannot_be_read_is_named(tmp_path, head, body, words):
    with pytest.raises(StartupError) as raised:
        convert(tmp_path, body, head)

    assert raised.value.failure is Failure.EXPORT
    assert "pylock.toml" in raised.value.what and words in raised.value.what


def test_a_pylock_folder_outside_the_project_is_refused(tmp_path):
    with pytest.raises(StartupError) as raised:
        convert(tmp_path, '[[packages]]\nname = "out"\ndirectory = { path = "../elsewhere" }\n')

    assert raised.value.failure is Failure.PATH_DEPENDENCY
