"""pins.overridden: the warning names the file a pin is written in, and the file that
included it (tests found by nox -s mutate -- pins)."""

from __future__ import annotations

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
