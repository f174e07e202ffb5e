"""hassette.toml checked before the hand-off, against hassette 0.60.0's key tree.

The tree is what `hassette-tasks settings-names` wrote in the 3.13 image (tests/support/
data); tests/container/test_hassette_settings.py compares the image's own with
`hassette run --check`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hassette_tasks import hassette_config as hc
from hassette_tasks import hassette_settings as hs
from hassette_tasks import settings as settings_module
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError

LIST = Path(__file__).parents[1] / "support" / "data" / "hassette-0.60.0-settings.json"

# hassette's Docker docs' hassette.toml, as written (app_dir: a key 0.60.0 refuses)
DOCS_TOML = """[hassette]
base_url = "http://homeassistant:8123"
app_dir = "/apps"

[apps.my_app]
filename = "my_app.py"
class_name = "MyApp"
"""


@pytest.fixture(scope="module")
def tree():
    names, why = hs.load_names(LIST)
    assert names is not None and names.toml is not None, why
    return names.toml


def check(tmp_path: Path, toml: str | bytes | None, args: tuple[str, ...] = (), **files):
    config = tmp_path / "config dir"
    config.mkdir(exist_ok=True)
    if isinstance(toml, bytes):
        (config / "hassette.toml").write_bytes(toml)
    elif toml is not None:
        (config / "hassette.toml").write_text(toml)
    for name, text in files.items():
        (config / name.replace("_", ".")).write_text(text)
    env = {hs.NAMES_VARIABLE: str(LIST), "HASSETTE__CONFIG_DIR": str(config)}
    out = io.StringIO()
    try:
        hs.check(settings_module.load(env), Console(env=env, stream=out), env, args)
    except StartupError as error:
        return error, out.getvalue()
    return None, out.getvalue()


def test_the_docs_app_dir_is_refused_with_the_setting_that_replaced_it(tmp_path):
    error, _ = check(tmp_path, DOCS_TOML)

    assert error is not None and error.failure is Failure.UNKNOWN_SETTING
    assert "app_dir (from " in error.what and "hassette.toml, did you mean apps.directory?)" in (
        error.what
    )
    assert error.todo.startswith("Rename app_dir to apps.directory")
    assert "HASSETTE__ prefix" not in error.what  # that sentence is about variables


def test_a_nested_typo_gets_the_closest_key_of_its_own_table(tmp_path):
    error, _ = check(tmp_path, '[logging]\nlog_levl = "INFO"\n')

    assert error is not None
    assert "logging.log_levl (from " in error.what
    assert "did you mean logging.log_level?" in error.what


def test_known_keys_app_tables_and_aliases_pass(tmp_path):
    toml = (
        '[hassette]\nbase_url = "http://ha:8123"\ntoken = "t"\n'
        '[hassette.logging]\nlog_level = "DEBUG"\n'
        "[hassette.web_api]\nport = 8127\n"
        '[apps]\ndirectory = "/apps"\n'
        '[apps.my_app]\nfilename = "a.py"\nclass_name = "A"\nanything = 1\n'
        '[[apps.my_app.config]]\ninstance_name = "a"\n'
    )
    error, out = check(tmp_path, toml)

    assert error is None, error
    assert out == ""


def test_a_local_overlay_is_checked_too(tmp_path):
    error, _ = check(tmp_path, "", hassette_local_toml="[hassette]\nbogus_key = 1\n")

    assert error is not None and "bogus_key (from " in error.what
    assert "hassette.local.toml" in error.what


def test_a_scalar_in_place_of_the_hassette_table_is_refused(tmp_path):
    error, _ = check(tmp_path, "hassette = 5\n")

    assert error is not None and "hassette (from " in error.what


@pytest.mark.parametrize(
    "content, words",
    [
        (b"[hassette\n", "is not valid TOML"),
        (b"\xff\xfe[hassette]\n", "is not UTF-8 text"),
    ],
)
def test_a_file_hassette_cannot_load_is_a_banner_before_the_hand_off(tmp_path, content, words):
    error, _ = check(tmp_path, content)

    assert error is not None and error.failure is Failure.HASSETTE_CONFIG
    assert words in error.what and "hassette.toml" in error.what


def test_a_config_file_named_on_the_command_line_is_the_one_checked(tmp_path):
    other = tmp_path / "other place" / "my.toml"
    other.parent.mkdir()
    other.write_text("[hassette]\nnot_a_setting = 1\n")

    for args in (("--config-file", str(other)), (f"--config-file={other}",), ("-c", str(other))):
        error, _ = check(tmp_path, DOCS_TOML, args)
        assert error is not None, args
        assert "not_a_setting (from " in error.what and "app_dir" not in error.what, args


def test_config_dir_and_env_file_options_move_the_files_read(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text("HASSETTE__LOG_LEVEL=info\n")
    (tmp_path / "x.env").write_text("HASSETTE__NOPE=1\n")

    error, _ = check(tmp_path, DOCS_TOML, ("--config-dir", str(elsewhere)))
    assert error is not None and "HASSETTE__LOG_LEVEL (from " in error.what
    assert "app_dir" not in error.what  # the config folder's hassette.toml is not read

    error, _ = check(tmp_path, None, ("run", "-e", str(tmp_path / "x.env")))
    assert error is not None and "HASSETTE__NOPE (from " in error.what


def test_an_image_without_the_key_tree_says_so_and_goes_on(tmp_path):
    names, _ = hs.load_names(LIST)
    assert names is not None
    out = io.StringIO()
    found = hs._toml_keys(  # an image built before the tree: names.toml is None
        hs.KnownNames(**{**names.__dict__, "toml": None}),
        [tmp_path / "hassette.toml"],
        Console(env={}, stream=out),
    )
    assert found == []  # no file: nothing said
    (tmp_path / "hassette.toml").write_text(DOCS_TOML)
    found = hs._toml_keys(
        hs.KnownNames(**{**names.__dict__, "toml": None}),
        [tmp_path / "hassette.toml"],
        Console(env={}, stream=out),
    )
    assert found == [] and "not checked (this image has no key list)" in out.getvalue()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_and_truncated_files_never_end_in_a_traceback(tmp_path, data):
    for content in (data, DOCS_TOML.encode()[: len(data) % len(DOCS_TOML)]):
        error, _ = check(tmp_path, content)
        assert error is None or error.failure in (Failure.UNKNOWN_SETTING, Failure.HASSETTE_CONFIG)


@given(
    args=st.lists(
        st.sampled_from(["--config-file", "-c", "--env", "-e", "--config-dir", "--", "x", "-cX"])
        | st.text(max_size=8),
        max_size=6,
    )
)
def test_option_parsing_never_fails(args):
    where = hc.locations(Path("/config"), args, cwd=Path("/work"))
    assert len(where.toml_files) == 2
