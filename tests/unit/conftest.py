"""Fixtures for the unit tests: fake app venvs and file trees, all under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks import hassette_settings as hs
from hassette_tasks import health, settings

SETTINGS_LIST = Path(__file__).parents[1] / "support" / "data" / "hassette-0.60.0-settings.json"


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_venv(
    root: Path,
    *,
    python_minor: str = "3.12",
    pyvenv_key: str = "version_info",
    python_version: str = "3.12.4",
    hassette_version: str | None = "1.2.3",
    requires: tuple[str, ...] = (),
    package: bool = True,
    python: bool = True,
    script: bool = True,
) -> Path:
    """A venv laid out as uv makes it, with hassette's dist-info written by hand."""
    site = root / "lib" / f"python{python_minor}" / "site-packages"
    site.mkdir(parents=True)
    write(
        root / "pyvenv.cfg",
        f"home = /usr/bin\nimplementation = CPython\n"
        f"{pyvenv_key} = {python_version}\ninclude-system-site-packages = false\n",
    )
    if python:
        write(root / "bin" / "python", "#!/bin/sh\n")
    if script:
        write(root / "bin" / "hassette", "#!/bin/sh\n")
    if hassette_version is not None:
        metadata = ["Metadata-Version: 2.1", "Name: hassette", f"Version: {hassette_version}"]
        metadata += [f"Requires-Dist: {line}" for line in requires]
        write(
            site / f"hassette-{hassette_version}.dist-info" / "METADATA", "\n".join(metadata) + "\n"
        )
        write(site / f"hassette-{hassette_version}.dist-info" / "RECORD", "")
    if package:
        write(site / "hassette" / "__init__.py", "")
    return root


@pytest.fixture
def fake_venv(tmp_path):
    """Call with keyword arguments of make_venv; each call gets a fresh folder."""
    count = iter(range(1000))

    def factory(**kwargs) -> Path:
        return make_venv(tmp_path / f"venv{next(count)}", **kwargs)

    return factory


@pytest.fixture
def tree(tmp_path):
    """Write files (relative path -> text) under a root in tmp_path; returns the root."""

    def factory(files: dict[str, str], root: str = "apps") -> Path:
        base = tmp_path / root
        base.mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            write(base / relative, text)
        return base

    return factory


@pytest.fixture
def uv_on_path(tmp_path, monkeypatch):
    """A stand-in `uv` script (`uv 0.9.0`) alone on PATH, as a start finds uv; returns it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    uv = tools / "uv"
    uv.write_text("#!/bin/sh\necho 'uv 0.9.0'\n")
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    return uv


@pytest.fixture
def names() -> hs.KnownNames:
    """hassette 0.60.0's setting names, from the list the image build writes."""
    known, why = hs.load_names(SETTINGS_LIST)
    assert known is not None, why
    return known


@pytest.fixture
def fresh(monkeypatch):
    """health's one server and state, reset for each test and closed after it."""
    monkeypatch.setattr(health, "_state", health.State())
    monkeypatch.setattr(health, "_server", None)
    monkeypatch.setattr(health, "_tried", False)
    yield
    health.close()


def load_settings(tmp_path: Path, venv: Path, **env: str) -> settings.Settings:
    """Settings for a start whose folders are in TMP_PATH (the project in apps/), the app
    venv VENV; ENV over them."""
    base = {
        "HASSETTE__VENV": str(venv),
        "HASSETTE__PROJECT_DIR": str(tmp_path / "apps"),
        "HASSETTE__CONFIG_DIR": str(tmp_path / "config"),
        "HASSETTE__CONSTRAINTS": str(tmp_path / "constraints.txt"),
    }
    return settings.load({**base, **env})
