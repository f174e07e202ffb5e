"""dotenv.read: why a .env cannot be read, in words (tests found by nox -s mutate -- dotenv)."""

from __future__ import annotations

import errno
import os

from hassette_tasks import dotenv


def test_an_env_file_that_cannot_be_read_says_why_in_words(tmp_path):
    loop = tmp_path / ".env"
    os.symlink(loop, loop)  # ELOOP: an OSError that is not a missing file

    assert dotenv.read(loop) == (None, f"cannot read {loop} ({os.strerror(errno.ELOOP)})")


def test_a_bare_value_ends_before_its_comment_and_trailing_blanks():
    found = dotenv.parse("A=x # a note\nB=y   \nC=p#q\n")

    assert found.entries == [("A", "x"), ("B", "y"), ("C", "p#q")]
