"""closure: the exact-environment decision where a surviving mutant showed no test looked:
markers judged on the app's Python and platform, path installs told by their URL whatever
its trailing slash, prerelease image versions, image packages nobody pins."""

from __future__ import annotations

import sys
from pathlib import Path

from hassette_tasks import closure
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.installed import Dist
from hassette_tasks.wanted import Roots
from tests.unit.test_exact import ENV, IMAGE, dist, roots, venv


def _app(python_version: str) -> AppEnvironment:
    return AppEnvironment(Path("/venv"), Path("/venv/site"), python_version, "1.0")


def test_the_app_pythons_full_version_decides_a_marker_not_this_pythons():
    # a version no test runner has: the full version must come from the app's venv
    env = closure.marker_environment(_app("3.9.99"))
    now = venv(
        dist("app", "1.0", 'exact; python_full_version == "3.9.99"', "plain"),
        dist("exact", "1.0"),
        dist("plain", "1.0"),
    )

    assert env["python_full_version"] == "3.9.99" and env["python_version"] == "3.9"
    assert closure.decide(now, IMAGE, roots("app\n"), env).remove == {}


def test_platform_markers_are_judged_on_this_platform():
    env = closure.marker_environment(_app("3.13.0"))
    now = venv(
        dist("app", "1.0", f'here; sys_platform == "{sys.platform}"', 'elsewhere; os_name == "x"'),
        dist("here", "1.0"),
        dist("elsewhere", "1.0"),
    )

    assert closure.decide(now, IMAGE, roots("app\n"), env).remove == {"elsewhere": "1.0"}


def test_a_root_lines_marker_is_judged_on_the_app_python():
    # ENV is Python 3.13: a root for 3.13 only stays, one for another Python goes
    now = venv(dist("only313", "1.0"), dist("only39", "1.0"))
    text = 'only313; python_version == "3.13"\nonly39; python_version == "3.9"\n'

    assert closure.decide(now, IMAGE, roots(text), ENV).remove == {"only39": "1.0"}


def test_a_path_install_is_told_by_its_url_whatever_its_trailing_slash():
    folder = "file:///apps/libs/toolX"  # a folder name may end in any letter
    installed_with_slash = venv(Dist("tool", "1.0", (), folder + "/"), dist("stray", "1.0"))
    installed_without = venv(Dist("tool", "1.0", (), folder), dist("stray", "1.0"))

    asked_plain = closure.decide(installed_with_slash, IMAGE, Roots(urls=[folder]), ENV)
    asked_slash = closure.decide(installed_without, IMAGE, Roots(urls=[folder + "/"]), ENV)

    assert asked_plain.unknown == [] and asked_plain.remove == {"stray": "1.0"}
    assert asked_slash.unknown == [] and asked_slash.remove == {"stray": "1.0"}


def test_a_url_nothing_installed_is_named_as_unknown():
    decision = closure.decide(venv(), IMAGE, Roots(urls=["file:///apps/unknown"]), ENV)

    assert decision.unknown == ["file:///apps/unknown"]


def test_a_prerelease_image_version_comes_back_when_the_requirement_allows_it():
    image = closure.Baseline(
        {**IMAGE.packages, "tinydep": dist("tinydep", "1.1b1")}, Path("image-packages.json")
    )
    upgraded = {**image.packages, "tinydep": dist("tinydep", "1.5")}

    decision = closure.decide(upgraded, image, Roots(), ENV)  # hassette: tinydep>=1,<2

    assert decision.restore == {"tinydep": ("1.5", "1.1b1")}


def test_an_image_package_nothing_pins_comes_back_and_a_missing_one_too():
    # speedlib is reached only through hassette-dep[speed], with no version asked
    changed = venv(dist("speedlib", "2.0"))
    missing = {name: d for name, d in venv().items() if name != "speedlib"}

    assert closure.decide(changed, IMAGE, Roots(), ENV).restore == {"speedlib": ("2.0", "1.0")}
    assert closure.decide(missing, IMAGE, Roots(), ENV).restore == {"speedlib": ("", "1.0")}
