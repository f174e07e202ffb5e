"""hassette_config: what the hassette.toml check reports, key by key (tests found by
nox -s mutate -- hassette_config)."""

from __future__ import annotations

import errno
import os

from hassette_tasks import hassette_config as hc
from tests.unit.test_hassette_config import check


def test_every_unknown_key_of_a_table_is_reported_not_only_the_first(tmp_path):
    error, _ = check(tmp_path, "[hassette]\nfirst_bogus = 1\nsecond_bogus = 2\n")

    assert error is not None
    assert "first_bogus (from " in error.what and "second_bogus (from " in error.what


def test_an_unknown_table_is_reported_where_no_apps_are_defined(tmp_path):
    error, _ = check(tmp_path, "[not_a_section]\nkey = 1\n")

    assert error is not None and "not_a_section (from " in error.what


def test_a_scalar_where_hassette_has_a_table_is_left_to_hassette(tmp_path):
    # hassette's own type check says what is wrong with it; this check must not fail on it
    error, _ = check(tmp_path, "logging = 5\n")

    assert error is None


def test_a_scalar_hassette_key_names_the_file_it_is_in(tmp_path):
    error, _ = check(tmp_path, "hassette = 5\n")

    assert error is not None
    assert f"hassette (from {tmp_path / 'config dir' / 'hassette.toml'})" in error.what


def test_an_unknown_key_with_no_close_name_gets_no_suggestion():
    assert hc.Unknown("zzzz", "/config/hassette.toml", None).describe() == (
        "zzzz (from /config/hassette.toml)"
    )
    assert hc.Unknown("lg", "f", "log").describe() == "lg (from f, did you mean log?)"


def test_a_toml_that_cannot_be_read_says_why_in_words(tmp_path):
    loop = tmp_path / "hassette.toml"
    os.symlink(loop, loop)  # ELOOP: neither missing nor a folder

    assert hc.read_toml(loop) == (None, f"cannot read {loop}: {os.strerror(errno.ELOOP)}")


def test_web_api_reads_the_local_overlay_when_the_main_file_is_missing(tmp_path):
    overlay = tmp_path / "hassette.local.toml"
    overlay.write_text("[web_api]\nport = 9000\n")

    assert hc.web_api([tmp_path / "hassette.toml", overlay]) == {"port": 9000}
