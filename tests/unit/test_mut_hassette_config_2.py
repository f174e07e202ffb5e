"""hassette_config: which files `hassette run`'s own options make hassette read, and a
scalar `hassette` key beside an unknown key spelled like it (tests found by
nox -s mutate -- hassette_config; test_mut_hassette_config.py holds the first ones)."""

from __future__ import annotations

from pathlib import Path

from hassette_tasks import hassette_config as hc
from tests.unit.test_hassette_config import check

CONFIG = Path("/config")
CWD = Path("/work dir")


def toml_read(*args: str) -> Path:
    """The hassette.toml hassette reads when boot hands it ARGS."""
    return hc.locations(CONFIG, args, cwd=CWD).toml_files[0]


def test_a_short_option_with_its_value_attached_is_read():
    assert toml_read("-cmine.toml") == CWD / "mine.toml"
    assert toml_read("-c=mine.toml") == CWD / "mine.toml"
    assert toml_read("-cXY.toml") == CWD / "XY.toml"  # only a leading `=` is the option's
    assert hc.locations(CONFIG, ["-emy.env"], cwd=CWD).env_file == CWD / "my.env"


def test_a_short_option_without_a_value_names_no_file():
    # `hassette run -c` at the end: hassette itself refuses it; the default stays
    assert hc.option_value(["-c"], hc.CONFIG_FILE_OPTIONS) is None
    assert toml_read("-c") == CONFIG / "hassette.toml"


def test_a_long_option_is_matched_whole_not_as_a_prefix():
    assert hc.option_value(["--config-dirother"], hc.CONFIG_DIR_OPTIONS) is None
    assert toml_read("--config-filex.toml") == CONFIG / "hassette.toml"


def test_options_after_a_double_dash_are_not_hassettes():
    assert toml_read("--", "-c", "app.toml") == CONFIG / "hassette.toml"
    # what came before the `--` still counts
    assert toml_read("-c", "first.toml", "--", "-c", "second.toml") == CWD / "first.toml"


def test_a_scalar_hassette_key_does_not_hide_an_unknown_key_spelled_in_capitals(tmp_path):
    error, _ = check(tmp_path, "hassette = 5\nHASSETTE = 1\n")

    assert error is not None
    assert "hassette (from " in error.what and "HASSETTE (from " in error.what
