"""baseline: the record of the venv's own packages, over real venv folders on disk: which
record counts as this venv's, which comes first, and what its first start writes and says.
Each test pins a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hassette_tasks import baseline
from hassette_tasks.console import Console
from hassette_tasks.environment import inspect
from hassette_tasks.installed import Dist
from tests.unit.conftest import write


@pytest.fixture
def app(fake_venv, monkeypatch, tmp_path):
    """A venv holding hassette (needs tinydep) and Tiny_Dep; no image record unless a test
    writes one at tmp_path / image-packages.json."""
    monkeypatch.setenv(baseline.IMAGE_BASELINE_VARIABLE, str(tmp_path / "image-packages.json"))
    venv = fake_venv(requires=("tiny-dep>=1",))
    site = venv / "lib" / "python3.12" / "site-packages"
    write(site / "Tiny_Dep-1.0.dist-info" / "METADATA", "Name: Tiny_Dep\nVersion: 1.0\n\n")
    return inspect(venv)


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream), stream


def record(app, **changes) -> str:
    fields = {
        "version": baseline.BASELINE_VERSION,
        "venv": str(app.venv),
        "python": app.python_version,
        "packages": {"Some_Pkg": {"version": "2.0", "requires": ["x>=1"]}, "bare": {"version": 3}},
    }
    return json.dumps(fields | changes)


def test_the_image_record_path_is_the_setting_or_the_images_own(monkeypatch, tmp_path):
    monkeypatch.setenv(baseline.IMAGE_BASELINE_VARIABLE, str(tmp_path / "mine.json"))
    assert baseline.image_baseline_path() == tmp_path / "mine.json"
    monkeypatch.setenv(baseline.IMAGE_BASELINE_VARIABLE, "")
    assert baseline.image_baseline_path() == Path("/opt/hassette-tasks/image-packages.json")
    monkeypatch.delenv(baseline.IMAGE_BASELINE_VARIABLE)
    assert baseline.image_baseline_path() == Path("/opt/hassette-tasks/image-packages.json")


def test_a_snapshot_lists_every_installed_package_with_its_requirements(app):
    snapshot = json.loads(baseline.snapshot_text(app))

    assert snapshot == {
        "version": 1,
        "venv": str(app.venv),
        "python": "3.12.4",
        "packages": {
            "hassette": {"version": "1.2.3", "requires": ["tiny-dep>=1"]},
            "tiny-dep": {"version": "1.0", "requires": []},
        },
    }


def test_a_record_of_this_venv_is_read_with_canonical_names(app, tmp_path):
    path = write(tmp_path / "image-packages.json", record(app))

    found = baseline.load_baseline(app)

    assert found == baseline.Baseline(
        {"some-pkg": Dist("some-pkg", "2.0", ("x>=1",)), "bare": Dist("bare", "3")}, path
    )


BAD_RECORDS = {
    "not json": "not json",
    "truncated": '{"version": 1',
    "a list": "[1, 2]",
    "version 2": {"version": 2},
    "no version": {"version": None},
    "another venv": {"venv": "/elsewhere/.venv"},
    "another python": {"python": "3.11.2"},
    "packages a list": {"packages": ["a"]},
}


@pytest.mark.parametrize("bad", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_a_record_not_of_this_venv_or_not_readable_is_not_its_baseline(app, tmp_path, bad):
    write(tmp_path / "image-packages.json", bad if isinstance(bad, str) else record(app, **bad))

    assert baseline.load_baseline(app) is None


def test_the_image_record_comes_before_the_venvs_own(app, tmp_path):
    image = write(tmp_path / "image-packages.json", record(app))
    own = write(baseline.venv_baseline_path(app.venv), record(app, packages={}))
    assert own == app.venv / ".hassette-tasks-baseline.json"

    assert baseline.load_baseline(app).source == image
    image.write_text(record(app, venv="/other"))  # the image recorded another venv
    assert baseline.load_baseline(app) == baseline.Baseline({}, own)


def test_a_first_start_records_the_venv_and_says_so_once(app):
    out, stream = console()

    first = baseline.ensure_baseline(app, out)
    again = baseline.ensure_baseline(app, out)

    assert sorted(first.packages) == ["hassette", "tiny-dep"]
    assert first.source == app.venv / ".hassette-tasks-baseline.json"
    assert again == first
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        f"exact environment: recorded the 2 package(s) {app.venv} holds before any install "
        "as its own (they are never removed)"
    )
    # the record stays the venv's own: a later install does not change what is its own
    write(app.site_packages / "later-1.0.dist-info" / "METADATA", "Name: later\nVersion: 1.0\n")
    assert baseline.ensure_baseline(app, out) == first


def test_an_image_record_is_used_and_nothing_is_written(app, tmp_path):
    write(tmp_path / "image-packages.json", record(app))
    out, stream = console()

    found = baseline.ensure_baseline(app, out)

    assert sorted(found.packages) == ["bare", "some-pkg"]
    assert not baseline.venv_baseline_path(app.venv).exists()
    assert stream.getvalue() == ""


def test_a_venv_that_cannot_be_written_warns_that_nothing_will_be_removed(app):
    # a folder in the record's place: the rename fails (for root too, who writes anywhere)
    baseline.venv_baseline_path(app.venv).mkdir()
    out, stream = console()

    assert baseline.ensure_baseline(app, out) is None
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "warning: could not record the venv's own packages (Is a directory)" in lines[0]
    assert lines[0].endswith(
        "packages an earlier start installed cannot be told apart, nothing will be removed"
    )
    assert [p.name for p in app.venv.iterdir() if p.name.startswith(".baseline-")] == []
