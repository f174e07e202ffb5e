"""Starts that survive the network, in the real image (hassette_tasks/offline.py, last_good.py).

A recreate is a NEW container on the same /uv_cache volume and the same folders, started
with `--network none` after a first container installed online: what a power cut with the
internet still down does to a compose recreate or an image update.
"""

from __future__ import annotations

import secrets

import pytest

from tests.container.dockerrun import Mount, docker, write
from tests.container.test_hassette import NO_HOME_ASSISTANT, stop_cleanly, wait_live
from tests.support import packages

pytestmark = pytest.mark.docker

UNREACHABLE = "PACKAGE INDEX UNREACHABLE"
FROM_CACHE_LINE = (
    "requirements install: index unreachable, installed from the local cache "
    "(versions may be older than the index has)"
)
LAST_GOOD = "STARTED WITH THE LAST GOOD ENVIRONMENT"


@pytest.fixture
def cache_volume():
    """A named volume for /uv_cache, shared by the test's containers (as compose would)."""
    name = f"htt-uv-cache-{secrets.token_hex(4)}"
    docker("volume", "create", name)
    yield name
    docker("volume", "rm", "-f", name, check=False)


def online_then_offline(containers, spec, *args):
    """The first container online, then a new one with no network at all."""
    first = containers.run(*args, **spec)
    assert first.exit_code == 0, first.describe()
    second = containers.run(*args, network="none", **spec)
    return first, second


def assert_started_offline(run) -> None:
    assert run.exit_code == 0, run.describe()
    assert UNREACHABLE not in run.output, run.describe()
    assert "Traceback" not in run.output, run.describe()
    assert "handing off to hassette" in run.output, run.describe()


def test_requirements_with_a_pin_and_a_range_recreate_offline(
    cache_volume, containers, folders, base_env
):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\nappliba>=1\n")
    spec = {
        "env": {**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        "mounts": [Mount(config, "/config", read_only=True)],
        "options": ["-v", f"{cache_volume}:/uv_cache"],
    }

    _, offline = online_then_offline(containers, spec, "--version")

    assert_started_offline(offline)
    # the compose index sends no-cache: uv asked it again, met no network, took the cache
    assert FROM_CACHE_LINE in offline.output, offline.describe()
    assert "+ appliba==1.0" in offline.output, offline.describe()
    assert "+ applibb==1.0" in offline.output, offline.describe()


def test_locked_project_with_a_build_system_recreates_offline(
    cache_volume, containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"), build_system=True)
    spec = {
        "env": base_env,
        "mounts": [Mount(project, "/apps", read_only=True)],
        "options": ["-v", f"{cache_volume}:/uv_cache"],
    }

    _, offline = online_then_offline(containers, spec, "--version")

    assert_started_offline(offline)
    assert "installing the locked dependencies: installed from the local cache" in offline.output
    assert "installing the project: installed from the local cache" in offline.output
    assert "+ myapps==0.1.0" in offline.output, offline.describe()


def test_pylock_recreates_offline(cache_volume, containers, folders, container_wheels, base_env):
    project = folders.make("my apps")
    packages.write_pylock(project, container_wheels, ["appliba==1.0", "applibb==1.0"])
    spec = {
        "env": base_env,
        "mounts": [Mount(project, "/apps", read_only=True)],
        "options": ["-v", f"{cache_volume}:/uv_cache"],
    }

    _, offline = online_then_offline(containers, spec, "--version")

    assert_started_offline(offline)
    assert "installed from the local cache" in offline.output, offline.describe()
    assert "+ appliba==1.0" in offline.output, offline.describe()


def test_a_package_never_cached_is_named_offline(cache_volume, containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\n")
    spec = {
        "env": {**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        "mounts": [Mount(config, "/config", read_only=True)],
        "options": ["-v", f"{cache_volume}:/uv_cache"],
    }
    assert containers.run("--version", **spec).exit_code == 0
    write(config / "requirements.txt", "tinydep==1.0\napplibc\n")

    run = containers.run("--version", network="none", **spec)

    assert run.exit_code == 5, run.describe()
    assert UNREACHABLE in run.output
    assert "lacks applibc too" in run.output, run.describe()
    assert "The network is needed once for applibc" in run.output
    assert "Traceback" not in run.output


def test_last_good_environment_when_the_network_is_cut(
    cache_volume, containers, folders, base_env, index
):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\n")
    name = containers.create(
        env={**base_env, **NO_HOME_ASSISTANT, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config")],
        options=["-v", f"{cache_volume}:/uv_cache"],
    )
    docker("start", name)
    wait_live(containers, name)
    stop_cleanly(containers, name)
    record = containers.read_text(name, "/app/.venv/.hassette-tasks-record.json")
    docker("network", "disconnect", index.network, name)
    write(config / "requirements.txt", "tinydep==1.0\napplibc\n")  # never cached

    docker("start", name)
    wait_live(containers, name)
    stop_cleanly(containers, name)
    cut = containers.logs(name)

    assert LAST_GOOD in cut, cut
    assert "Not installed: the requirements (applibc not in the local cache)" in cut, cut
    assert "handing off to hassette (the last good environment" in cut, cut
    assert "Traceback" not in cut
    assert containers.read_text(name, "/app/.venv/.hassette-tasks-record.json") == record

    docker("network", "connect", index.network, name)
    docker("start", name)
    wait_live(containers, name)
    stop_cleanly(containers, name)
    back = containers.logs(name)[len(cut) :]

    assert LAST_GOOD not in back, back
    assert "+ applibc==1.0" in back, back


def test_baked_image_starts_warm_read_only_without_network(
    containers, folders, make_project, index, image
):
    context = folders.make("bake context")
    make_project(context / "project")
    write(context / "requirements.txt", "tinydep==1.0\n")
    # the README's recipe, with the tests' index (published on the host) in place of PyPI
    write(
        context / "Dockerfile",
        f"FROM {image}\n"
        "COPY project /apps\n"
        "COPY requirements.txt /config/requirements.txt\n"
        "ENV HASSETTE__INSTALL_DEPS=1\n"
        f"RUN UV_INDEX_URL={index.host_url} hassette-tasks bake\n",
    )
    tag = f"{image.replace(':', '-')}-baked-{secrets.token_hex(3)}"
    build = docker("build", "--network", "host", "-t", tag, str(context), timeout=600, check=False)
    try:
        assert build.exit_code == 0, build.describe()
        assert "bake: complete" in build.output, build.describe()
        left = docker(
            "run",
            "--rm",
            "--entrypoint",
            "sh",
            tag,
            "-c",
            "ls -A /tmp /uv_cache; ls -A /home/hassette/.cache 2>/dev/null; true",
        ).output.split()
        started = docker(
            "run",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "--tmpfs",
            "/tmp",
            tag,
            "--version",
            check=False,
            timeout=120,
        )
    finally:
        docker("rmi", "-f", tag, check=False)

    assert [entry for entry in left if not entry.endswith(":")] == [], left
    assert started.exit_code == 0, started.describe()
    assert "project install: up to date" in started.output, started.describe()
    assert "requirements install: up to date (1 file(s)" in started.output
    assert "Installing requirements" not in started.output
    assert "exact environment" not in started.output
    assert "handing off to hassette" in started.output


def test_last_good_puts_back_what_an_earlier_file_installed(
    cache_volume, containers, folders, base_env, index
):
    config, apps, other = folders.make("config"), folders.make("my apps"), folders.make("other")
    cache = ["-v", f"{cache_volume}:/uv_cache"]
    env = {**base_env, "HASSETTE__INSTALL_DEPS": "1"}
    write(other / "requirements.txt", "applibb==1.0\n")  # another container fills the cache
    filled = containers.run("--version", env=env, mounts=[Mount(other, "/config")], options=cache)
    assert filled.exit_code == 0, filled.describe()
    write(apps / "requirements.txt", "tinydep==1.0\n")  # /apps is installed before /config
    write(config / "requirements.txt", "applibc==1.0\n")
    name = containers.create(
        "--version", env=env, mounts=[Mount(config, "/config"), Mount(apps, "/apps")], options=cache
    )
    assert containers.start_attached(name).exit_code == 0
    docker("network", "disconnect", index.network, name)
    write(apps / "requirements.txt", "tinydep==1.0\napplibb==1.0\n")  # from the cache
    write(config / "requirements.txt", "applibc==1.0\nappliba\n")  # appliba: never cached

    cut = containers.start_attached(name)

    assert cut.exit_code == 0, cut.describe()
    assert LAST_GOOD in cut.output, cut.describe()
    assert "putting the venv back (applibb 1.0 removed)" in cut.output, cut.describe()
    assert "Traceback" not in cut.output

    docker("network", "connect", index.network, name)
    back = containers.start_attached(name)

    assert back.exit_code == 0, back.describe()
    assert LAST_GOOD not in back.output
    assert "+ appliba==1.0" in back.output, back.describe()
