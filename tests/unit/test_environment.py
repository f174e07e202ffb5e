"""environment.inspect: hassette checked by files only, against fake venvs."""

from __future__ import annotations

import pytest

from hassette_tasks.environment import inspect
from hassette_tasks.errors import Failure, StartupError


def _image_error(venv) -> StartupError:
    with pytest.raises(StartupError) as caught:
        inspect(venv)
    error = caught.value
    assert error.failure is Failure.IMAGE
    assert error.failure.exit_code != 0
    assert "image may be corrupt" in error.todo
    return error


def test_missing_venv(tmp_path):
    error = _image_error(tmp_path / "no-such-venv")
    assert str(tmp_path / "no-such-venv") in error.what


def test_venv_without_python(fake_venv):
    _image_error(fake_venv(python=False))


def test_missing_dist_info(fake_venv):
    error = _image_error(fake_venv(hassette_version=None))
    assert "hassette is not installed" in error.what


def test_dist_info_without_package_files(fake_venv):
    error = _image_error(fake_venv(hassette_version="1.2.3", package=False))
    assert "1.2.3" in error.what and "missing" in error.what


def test_missing_hassette_script(fake_venv):
    error = _image_error(fake_venv(script=False))
    assert "bin/hassette" in error.what


def test_good_venv_gives_versions(fake_venv):
    venv = fake_venv(hassette_version="0.14.2", python_minor="3.12", python_version="3.12.4")
    app = inspect(venv)
    assert app.hassette_version == "0.14.2"
    assert app.python_version == "3.12.4"
    assert app.venv == venv
    assert app.site_packages == venv / "lib" / "python3.12" / "site-packages"
    assert app.python == venv / "bin" / "python"


def test_python_version_from_stdlib_venv_key(fake_venv):
    app = inspect(fake_venv(pyvenv_key="version", python_version="3.11.9", python_minor="3.11"))
    assert app.python_version == "3.11.9"


def test_python_version_unknown_without_pyvenv_cfg(fake_venv):
    venv = fake_venv()
    (venv / "pyvenv.cfg").unlink()
    assert inspect(venv).python_version == "unknown"


@pytest.mark.parametrize(
    ("content", "version"),
    [
        (b"home = /usr\xff\xfe\nversion_info = 3.12.7\n", "3.12.7"),
        (b"\x80\x81\x82", "unknown"),
        (b"", "unknown"),
    ],
)
def test_python_version_from_a_pyvenv_cfg_that_is_not_utf8(fake_venv, content, version):
    venv = fake_venv()
    (venv / "pyvenv.cfg").write_bytes(content)
    assert inspect(venv).python_version == version


def test_single_module_hassette_counts(fake_venv):
    venv = fake_venv(package=False)
    (venv / "lib" / "python3.12" / "site-packages" / "hassette.py").write_text("")
    assert inspect(venv).hassette_version == "1.2.3"
