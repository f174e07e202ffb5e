"""The .env reader: the names hassette's own reader (python-dotenv) finds, never a traceback."""

from __future__ import annotations

import io
import warnings

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hassette_tasks import dotenv


def reference(text: str) -> dict[str, str | None]:
    """What hassette reads: python-dotenv's dotenv_values (it logs, never raises, on a bad line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(dotenv_values(stream=io.StringIO(text)))


def ours(text: str) -> dict[str, str | None]:
    return dict(dotenv.parse(text).entries)


CASES = {
    "plain": "HASSETTE__TOKEN=abc\n",
    "export": "export HASSETTE__LOG_LEVEL=DEBUG\n",
    "comments": "# a comment\n\n  # indented\nA=1 # trailing\nB=2#not a comment\n",
    "quotes": 'A=\'single # kept\'\nB="double"\nC="multi\nHASSETTE__HIDDEN=1\nline"\n',
    "no equals": "HASSETTE__BARE\nA=1\n",
    "empty": "HASSETTE__EMPTY=\nB=''\n",
    "quoted key": "'HASSETTE__QUOTED'=1\n",
    "crlf": "A=1\r\nHASSETTE__B=2\r\n",
    "garbage": 'A="unterminated\nB=1\n',
    "spaces": "  A = 1  \n\tB\t=\t2\n",
    "bad line then good": "A='x' junk\nHASSETTE__AFTER=1\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_names_are_what_python_dotenv_finds(text):
    assert set(ours(text)) == set(reference(text))


def test_a_name_inside_a_multi_line_value_is_not_a_setting():
    assert "HASSETTE__HIDDEN" not in ours(CASES["quotes"])


def test_empty_and_bare_values_are_told_apart():
    found = ours("HASSETTE__EMPTY=\nHASSETTE__BARE\n")
    assert found == {"HASSETTE__EMPTY": "", "HASSETTE__BARE": None}


def test_an_unparsable_line_is_reported_and_skipped():
    parsed = dotenv.parse("A=1\nB='x' junk\nC=3\n")
    assert [name for name, _ in parsed.entries] == ["A", "C"]
    assert parsed.skipped_lines == [2]


def test_a_file_that_is_not_utf8_is_a_reason_not_a_traceback(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(b"A=\xff\xfe\n")
    parsed, problem = dotenv.read(path)
    assert parsed is None
    assert "not UTF-8" in problem


def test_a_missing_file_is_nothing(tmp_path):
    assert dotenv.read(tmp_path / ".env") == (None, "")


def test_a_folder_in_its_place_is_a_reason(tmp_path):
    (tmp_path / ".env").mkdir()
    parsed, problem = dotenv.read(tmp_path / ".env")
    assert parsed is None and "cannot read" in problem


LINE = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda export, key, sep, value, comment: f"{export}{key}{sep}{value}{comment}",
        st.sampled_from(["", "export ", "  "]),
        st.sampled_from(["HASSETTE__A", "B", "'C'", "hassette__d", "E.F", "G-H"]),
        st.sampled_from(["=", " = ", "", "=="]),
        st.one_of(
            st.text(alphabet="abc #'\"\\\n=", max_size=12),
            st.builds(lambda v: f"'{v}'", st.text(alphabet='ab #"\n', max_size=8)),
            st.builds(lambda v: f'"{v}"', st.text(alphabet="ab #'\n\\", max_size=8)),
        ),
        st.sampled_from(["", " # c", "#c", " junk"]),
    ),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=8).map("\n".join))
def test_random_files_never_raise_and_agree_with_python_dotenv_on_names(text):
    parsed = dotenv.parse(text)
    assert all(isinstance(name, str) and name for name, _ in parsed.entries)
    # a bare KEY (None) and KEY= ("") are told apart as python-dotenv does
    assert {k: v is None for k, v in ours(text).items()} == {
        k: v is None for k, v in reference(text).items()
    }


@settings(max_examples=300)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=200))
def test_random_and_truncated_bytes_never_raise(tmp_path_factory, data, cut):
    path = tmp_path_factory.mktemp("env") / ".env"
    path.write_bytes(data[:cut])
    parsed, problem = dotenv.read(path)
    assert (parsed is None) == bool(problem)
