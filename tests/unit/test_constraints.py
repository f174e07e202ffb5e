"""constraints: hassette's declared ranges, extras removed, extra-only left out, the pin last."""

from __future__ import annotations

import pytest

from hassette_tasks.constraints import constraint_lines, generate
from hassette_tasks.errors import Failure, StartupError


def test_extras_removed():
    assert constraint_lines(["pydantic[email]>=2"], "1.0") == ["pydantic>=2", "hassette==1.0"]


def test_extra_only_requirements_left_out():
    lines = constraint_lines(
        [
            'pytest; extra == "dev"',
            'mkdocs>=1; extra == "docs" and python_version >= "3.11"',
            "aiohttp>=3.9",
        ],
        "1.0",
    )
    assert lines == ["aiohttp>=3.9", "hassette==1.0"]


def test_markers_kept():
    lines = constraint_lines(['tomli>=1; python_version < "3.11"'], "1.0")
    assert lines == ['tomli>=1; python_version < "3.11"', "hassette==1.0"]


def test_extras_removed_markers_kept_together():
    lines = constraint_lines(['uvicorn[standard]>=0.30; sys_platform != "win32"'], "1.0")
    assert lines == ['uvicorn>=0.30; sys_platform != "win32"', "hassette==1.0"]


def test_duplicates_once():
    lines = constraint_lines(["pydantic>=2", "pydantic[email]>=2", "pydantic>=2"], "1.0")
    assert lines == ["pydantic>=2", "hassette==1.0"]


def test_hassette_pin_last():
    lines = constraint_lines(["zzz>=1", "aaa<2", "whenever==0.6.*"], "0.14.0")
    assert lines[-1] == "hassette==0.14.0"
    assert lines[:-1] == ["zzz>=1", "aaa<2", "whenever==0.6.*"]  # declared order kept
    assert constraint_lines([], "2.0.0") == ["hassette==2.0.0"]


def test_generate_reads_the_venvs_hassette_metadata(fake_venv):
    venv = fake_venv(
        hassette_version="0.14.2",
        requires=(
            "aiohttp>=3.9",
            "pydantic[email]>=2.7",
            'tomli>=1; python_version < "3.11"',
            'pytest>=8; extra == "dev"',
            "aiohttp>=3.9",
        ),
    )
    text = generate(venv)
    assert text.endswith("\n")
    lines = text.splitlines()
    assert all(line.startswith("#") for line in lines[:2])
    assert "0.14.2" in lines[0]
    assert lines[2:] == [
        "aiohttp>=3.9",
        "pydantic>=2.7",
        'tomli>=1; python_version < "3.11"',
        "hassette==0.14.2",
    ]


def test_generate_without_dependencies(fake_venv):
    assert generate(fake_venv(hassette_version="1.0")).splitlines()[-1] == "hassette==1.0"


def test_generate_without_hassette_is_an_image_error(fake_venv, tmp_path):
    for venv in (fake_venv(hassette_version=None), tmp_path / "no-venv-here"):
        with pytest.raises(StartupError) as caught:
            generate(venv)
        assert caught.value.failure is Failure.IMAGE
        assert str(venv) in caught.value.what


@pytest.mark.parametrize(
    "text",
    [
        # applies without any extra on every Python this project runs on
        'pkg-or>=1; extra == "dev" or python_version >= "3"',
        # "extra" only inside a value, not the marker variable
        'pkg-value>=1; platform_machine != "extravagant"',
        "pkg-quoted>=1; platform_release != 'an extra'",
    ],
)
def test_a_marker_that_holds_without_an_extra_is_kept(text):
    lines = constraint_lines([text], "0.60.0")

    assert lines[:-1] == [text.replace("'", '"')], lines


def test_an_extra_with_other_markers_that_needs_the_extra_is_left_out():
    lines = constraint_lines(['pkg>=1; extra == "dev" and python_version >= "3"'], "0.60.0")

    assert lines == ["hassette==0.60.0"]
