"""The exact-environment decision at its edges: cycles, extras of dependencies, metadata
that does not parse, markers on the app's Python, and roots read through requirements
files. Each test pins a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

from pathlib import Path

from hassette_tasks import closure, installed, wanted
from hassette_tasks.environment import AppEnvironment
from tests.unit.conftest import write
from tests.unit.test_exact import ENV, IMAGE, dist, roots, venv


def test_a_dependency_cycle_is_kept_when_reached_and_removed_when_not():
    cycle = (dist("cyca", "1.0", "cycb>=1"), dist("cycb", "1.0", "cyca"))
    loose = (dist("loosea", "1.0", "looseb"), dist("looseb", "1.0", "loosea"))
    now = venv(dist("app", "1.0", "cyca"), *cycle, *loose)

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    # the walk ends (each package once) and a cycle keeps nothing alive by itself
    assert decision.remove == {"loosea": "1.0", "looseb": "1.0"}
    assert decision.restore == {}


def test_an_extra_asked_of_a_dependency_keeps_what_the_extra_needs():
    lib = dist("lib", "1.0", "idna", 'pysocks>=1; extra == "socks"', 'brotli; extra == "br"')
    now = venv(
        dist("app", "1.0", "lib[socks]>=1"),
        lib,
        dist("idna", "3.0"),
        dist("pysocks", "1.7"),
        dist("brotli", "1.1"),
    )

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {"brotli": "1.1"}  # pysocks stays: app asked for lib[socks]


def test_an_extra_of_a_dependency_follows_that_extras_own_requirements():
    now = venv(
        dist("app", "1.0", "lib[socks]"),
        dist("lib", "1.0", 'pysocks[fast]; extra == "socks"'),
        dist("pysocks", "1.7", 'speedups; extra == "fast"', 'slow; extra == "slow"'),
        dist("speedups", "1.0"),
        dist("slow", "1.0"),
    )

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {"slow": "1.0"}


def test_a_malformed_requires_dist_is_passed_over(tmp_path):
    site = tmp_path / "site-packages"
    write(
        site / "app-1.0.dist-info" / "METADATA",
        "Metadata-Version: 2.1\nName: app\nVersion: 1.0\n"
        "Requires-Dist: helper>=1\nRequires-Dist: !!not a requirement ((\n"
        "Requires-Dist: other; python_version >>> 'x'\n\nbody\n",
    )
    write(site / "helper-1.0.dist-info" / "METADATA", "Name: helper\nVersion: 1.0\n\n")
    write(site / "stray-1.0.dist-info" / "METADATA", "Name: stray\nVersion: 1.0\n\n")
    now = {**IMAGE.packages, **installed.installed(site)}
    assert now["app"].requires == (
        "helper>=1",
        "!!not a requirement ((",
        "other; python_version >>> 'x'",
    )

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {"stray": "1.0"}  # helper stays; the bad lines ask for nothing


def _app(python_version: str) -> AppEnvironment:
    return AppEnvironment(Path("/venv"), Path("/venv/site"), python_version, "1.0")


def test_markers_are_judged_on_the_app_venvs_python_not_this_one():
    env = closure.marker_environment(_app("3.11.7"))
    assert env["python_version"] == "3.11"
    assert env["python_full_version"] == "3.11.7"

    now = venv(
        dist("app", "1.0", 'only311; python_version == "3.11"', 'not311; python_version != "3.11"'),
        dist("only311", "1.0"),
        dist("not311", "1.0"),
    )

    on_311 = closure.decide(now, IMAGE, roots("app\n"), env)
    on_313 = closure.decide(now, IMAGE, roots("app\n"), closure.marker_environment(_app("3.13.0")))

    assert on_311.remove == {"not311": "1.0"}
    assert on_313.remove == {"only311": "1.0"}


def test_a_python_version_that_is_not_a_version_leaves_the_defaults():
    env = closure.marker_environment(_app("unknown"))
    assert env["python_version"] != "unknown" and env["python_full_version"] != "unknown"


def test_an_unnamed_folder_read_through_a_file_counts_from_that_files_folder(tmp_path):
    requirements = write(tmp_path / "config" / "requirements.txt", "./unnamed-folder\nnamed\n")
    (tmp_path / "config" / "unnamed-folder").mkdir()

    found = wanted.roots_from_files([requirements])

    assert [r.name for r in found.requirements] == ["named"]
    assert found.urls == [(tmp_path / "config" / "unnamed-folder").resolve().as_uri()]
    assert found.unknown == []


def test_two_files_that_include_the_same_file_read_it_once(tmp_path):
    write(tmp_path / "common.txt", "shared>=1\n")
    first = write(tmp_path / "a" / "requirements.txt", "-r ../common.txt\nfirst\n")
    second = write(tmp_path / "b" / "requirements.txt", "--requirement=../common.txt\nsecond\n")

    found = wanted.roots_from_files([first, second])

    assert [str(r) for r in found.requirements] == ["shared>=1", "first", "second"]


def test_files_that_include_each_other_end(tmp_path):
    first = write(tmp_path / "a.txt", "-r b.txt\nalpha\n")
    write(tmp_path / "b.txt", "-r a.txt\nbeta\n")

    found = wanted.roots_from_files([first])

    assert [str(r) for r in found.requirements] == ["beta", "alpha"]


def test_an_unreadable_requirements_file_is_unknown_not_an_error(tmp_path):
    found = wanted.roots_from_files([tmp_path / "missing.txt"])

    assert found.unknown == [str(tmp_path / "missing.txt")]
    # nothing removed on an input nothing could be told from: make_exact checks unknown
    assert closure.decide(venv(dist("x", "1.0")), IMAGE, found, ENV).unknown == found.unknown


def test_an_include_naming_a_nul_byte_is_unknown_not_a_traceback(tmp_path):
    requirements = write(tmp_path / "requirements.txt", "-r bad\0name.txt\nnamed\n")

    found = wanted.roots_from_files([requirements])

    assert [r.name for r in found.requirements] == ["named"]
    assert found.unknown == [str(tmp_path / "bad\0name.txt")]


def test_a_bad_or_missing_requirement_does_not_end_the_walk():
    # a line that does not parse comes first; one naming nothing installed is walked first
    now = venv(
        dist("app", "1.0", "!!not a requirement", "helper", "notinstalled>=1"),
        dist("helper", "1.0", "notinstalled", "deeper"),
        dist("deeper", "1.0"),
        dist("stray", "1.0"),
    )

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {"stray": "1.0"}


def test_a_roots_own_extras_and_markers_decide_what_it_reaches():
    now = venv(
        dist("app", "1.0", 'pysocks; extra == "socks"', 'brotli; extra == "br"'),
        dist("pysocks", "1.7"),
        dist("brotli", "1.1"),
        dist("oldonly", "1.0"),
        dist("newonly", "1.0"),
    )
    text = "app[socks]\noldonly; python_version < '3.8'\nnewonly; python_version >= '3.8'\n"

    decision = closure.decide(now, IMAGE, roots(text), ENV)

    assert decision.remove == {"brotli": "1.1", "oldonly": "1.0"}


def test_an_image_package_the_inputs_upgraded_keeps_what_its_new_version_needs():
    # the image's own requirements are not read (they are image packages); a version the
    # inputs moved to is read: its new dependency stays, and the image's version stays out
    now = venv(
        dist("app", "1.0", "tinydep>=2"),
        dist("tinydep", "2.0", "newdep>=1"),
        dist("newdep", "1.0"),
        dist("stray", "1.0"),
    )

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {"stray": "1.0"}
    assert decision.restore == {}


def test_an_extra_asked_of_an_image_package_keeps_what_the_extra_needs():
    image_lib = dist("hassette-dep", "1.0", 'speedlib; extra == "speed"', 'zlibx; extra == "z"')
    now = venv(dist("app", "1.0", "hassette-dep[z]"), image_lib, dist("zlibx", "1.0"))

    decision = closure.decide(now, IMAGE, roots("app\n"), ENV)

    assert decision.remove == {}  # zlibx: asked through the image package's extra
