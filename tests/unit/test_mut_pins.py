"""pins.overridden: the warning names the file a pin is written in, and the file that
included it (tests found by nox -s mutate -- pins)."""

from __future__ import annotations

import pytest

from hassette_tasks.pins import overridden


def test_a_pin_in_an_included_file_is_named_with_the_file_that_included_it(tree):
    root = tree(
        {
            "a/requirements.txt": "-r pins.txt\n",
            "a/pins.txt": "lib==1.0\n",
            "b/requirements.txt": "-r more.txt\n",
            "b/more.txt": "lib==1.5\n",
        }
    )
    a, b = root / "a" / "requirements.txt", root / "b" / "requirements.txt"

    assert overridden([a, b]) == [
        f"{root}/b/more.txt (included by {b}) asks for lib==1.5, which replaces lib==1.0 "
        f"pinned by {root}/a/pins.txt (included by {a}): requirements files install one by "
        "one, in order, and the later one wins"
    ]


def test_pins_written_in_the_files_themselves_name_only_those_files(tree):
    root = tree({"a/requirements.txt": "lib==1.0\n", "b/requirements.txt": "lib>=2\n"})
    a, b = root / "a" / "requirements.txt", root / "b" / "requirements.txt"

    assert overridden([a, b]) == [
        f"{b} asks for lib>=2, which replaces lib==1.0 pinned by {a}: requirements files "
        "install one by one, in order, and the later one wins"
    ]


def _warned(tree, first: str, second: str) -> list[str]:
    root = tree({"a/requirements.txt": first, "b/requirements.txt": second})
    return overridden([root / "a" / "requirements.txt", root / "b" / "requirements.txt"])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("lib==1.0\n", "lib>=1\n"),  # the later file accepts the pin
        ("lib==2.0rc1\n", "lib>=1\n"),  # a pinned pre-release satisfies a range
        ("lib==1.*\n", "lib>=2\n"),  # a wildcard is not a pin
        ("lib==1.0; python_version < '3'\n", "lib>=2\n"),  # a pin for another Python
        ("lib @ https://h/lib-1.0.tar.gz\n", "lib>=2\n"),  # a URL: no version to compare
    ],
)
def test_no_warning_when_no_pin_is_replaced(tree, first, second):
    assert _warned(tree, first, second) == []


@pytest.mark.parametrize(
    "first",
    [
        "lib==1.0 --hash=sha256:aa\n",  # options after the pin
        "./local-folder\nlib==1.0\n",  # after a line with no version
        "other==1; python_version < '3'\nlib==1.0\n",  # after a pin for another Python
        "-r gone.txt\n-r pins.txt\n",  # an include that cannot be read, then one that can
    ],
)
def test_a_pin_is_seen_past_lines_that_are_not_pins(tree, first):
    tree({"a/pins.txt": "lib==1.0\n"})

    warnings = _warned(tree, first, "lib>=2\n")

    assert len(warnings) == 1 and "replaces lib==1.0 pinned by " in warnings[0]
