"""Exact, verified installs and pylock.toml projects in the real image."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.container.dockerrun import DOCKER, Mount, docker, write
from tests.support import packages

pytestmark = pytest.mark.docker

FREEZE_MARK = "--- freeze ---"
# boot (which hands off to `hassette run --version`), then what the venv holds
BOOT_THEN_FREEZE = (
    f"hassette-tasks boot -- --version; echo boot-exit=$?; echo '{FREEZE_MARK}'; "
    "uv pip freeze --python /app/.venv/bin/python"
)


def frozen(output: str) -> list[str]:
    """The `uv pip freeze` lines after FREEZE_MARK, private copy folders blanked."""
    lines = output.split(FREEZE_MARK, 1)[1].splitlines()
    return sorted(
        re.sub(r"hassette-tasks-[^/]+", "hassette-tasks-TMP", line)
        for line in lines
        if "==" in line or " @ " in line
    )


def test_a_removed_dependency_leaves_what_a_fresh_container_has(
    containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"), dependencies=("appliba", "applibc"))
    config = folders.make("config")
    requirements = write(config / "requirements.txt", "tinydep\n")
    spec = {
        "env": {**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        "mounts": [
            Mount(project, "/apps", read_only=True),
            Mount(config, "/config", read_only=True),
        ],
        "entrypoint": "sh",
    }
    name = containers.create("-c", BOOT_THEN_FREEZE, **spec)
    first = containers.start_attached(name)
    assert "boot-exit=0" in first.output, first.describe()
    assert {"applibc==1.0", "tinydep==1.0"} <= set(frozen(first.output))
    # the image recorded its own packages when it was built: nothing is taken at start
    assert "recorded the" not in first.output

    make_project(project, dependencies=("appliba",))
    requirements.write_text("# nothing any more\n")
    second = containers.start_attached(name)
    fresh = containers.run("-c", BOOT_THEN_FREEZE, **spec)

    assert "boot-exit=0" in second.output, second.describe()
    assert "exact environment: removed applibc 1.0, tinydep 1.0" in second.output
    assert "applibc==1.0" not in frozen(second.output)
    assert "boot-exit=0" in fresh.output, fresh.describe()
    assert frozen(second.output) == frozen(fresh.output)


def test_dry_run_names_what_would_be_removed(containers, folders, make_project, base_env):
    before = make_project(folders.make("before"), dependencies=("appliba", "applibc"))
    after = make_project(folders.make("after"), dependencies=("appliba",))
    # one container: the first project installed, then the second one's plan
    script = (
        "cp -r /before/. /apps/ && hassette-tasks boot -- --version >/dev/null && "
        "rm -rf /apps/* && cp -r /after/. /apps/ && hassette-tasks boot --dry-run -- --version"
    )

    run = containers.run(
        "-c",
        script,
        entrypoint="sh",
        env=base_env,
        mounts=[Mount(before, "/before", read_only=True), Mount(after, "/after", read_only=True)],
    )

    assert "plan: exact environment: would remove applibc 1.0" in run.output, run.describe()


def test_a_wrong_hash_is_refused_in_the_image(containers, folders, base_env, index):
    config = folders.make("config")
    write(config / "requirements.txt", f"applibc==1.0 --hash=sha256:{'0' * 64}\n")

    run = containers.run(
        "--version",
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config", read_only=True)],
    )

    assert run.exit_code == 13, run.describe()
    assert "HASH MISMATCH" in run.output and "applibc==1.0" in run.output
    assert "handing off to hassette" not in run.output


def test_locked_hashes_are_checked_in_the_image(
    containers, folders, base_env, index, fixture_uv_env
):
    project = packages.write_project(folders.make("my apps"), dependencies=("applibc",))
    env = {key: value for key, value in fixture_uv_env.items() if key != "UV_NO_INDEX"}
    packages.run_uv(["lock", "--quiet", "--default-index", index.host_url], env=env, cwd=project)
    lock = (project / "uv.lock").read_text()
    assert "sha256:" in lock
    mounts = [Mount(project, "/apps", read_only=True)]

    good = containers.run("--version", env=base_env, mounts=mounts)
    recorded = re.search(r"applibc-1\.0-py3-none-any\.whl\", hash = \"sha256:([0-9a-f]+)", lock)
    assert recorded, lock
    (project / "uv.lock").write_text(lock.replace(recorded.group(1), "0" * 64))
    refused = containers.run("--version", env=base_env, mounts=mounts)

    assert good.exit_code == 0, good.describe()
    assert "project install: complete" in good.output
    assert refused.exit_code == 13, refused.describe()
    assert "HASH MISMATCH" in refused.output


def test_pylock_project_installs_and_restarts_warm_offline(
    containers, folders, container_wheels, base_env, index
):
    project = packages.write_project(folders.make("my apps"), dependencies=("appliba",))
    packages.write_pylock(project, container_wheels, ["appliba==1.0", "applibb==1.0"])
    name = containers.create(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    first = containers.start_attached(name)
    docker("network", "disconnect", index.network, name)
    second = containers.start_attached(name)

    assert first.exit_code == 0, first.describe()
    assert "project install: starting (/apps/pylock.toml)" in first.output
    assert "project install: installing the project myapps (no deps)" in first.output
    assert second.exit_code == 0, second.describe()
    assert "project install: up to date" in second.output


def test_pylock_cannot_downgrade_hassettes_dependencies(
    containers, folders, container_wheels, base_env, conflict
):
    project = packages.write_project(folders.make("my apps"), dependencies=(conflict.name,))
    packages.write_pylock(project, container_wheels, [conflict.pin])

    run = containers.run(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    assert run.exit_code == 4, run.describe()
    assert "DEPENDENCY CONFLICT" in run.output


def repack_installed(image: str, name: str, version: str, new_version: str, out: Path) -> Path:
    """A wheel of NAME as the image installed it, labelled NEW_VERSION: the image's own code
    under another version number (the index here has no real copy of any hassette
    dependency, and the image's version must come back from somewhere)."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    result = subprocess.run(
        [
            DOCKER,
            "run",
            "--rm",
            "--entrypoint",
            "sh",
            image,
            "-c",
            f"cd /app/.venv/lib/python3.*/site-packages && tar -c {module} {dist_info}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    new_info = f"{module}-{new_version}.dist-info"
    wheel = out / f"{module}-{new_version}-py3-none-any.whl"
    out.mkdir(parents=True, exist_ok=True)
    record = []
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar, zipfile.ZipFile(wheel, "w") as zf:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if not member.isfile() or "__pycache__" in parts:
                continue
            if parts[0] == dist_info:
                if parts[-1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                    continue
                parts[0] = new_info
            data = tar.extractfile(member).read()
            if parts[-1] == "METADATA":
                data = re.sub(rb"(?m)^Version: .*$", f"Version: {new_version}".encode(), data)
            path = "/".join(parts)
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        record.append(f"{new_info}/RECORD,,")
        zf.writestr(f"{new_info}/RECORD", "\n".join(record) + "\n")
    return wheel


def test_the_image_version_comes_back_when_the_upgrading_requirement_goes(
    containers, folders, base_env, image
):
    # tomli-w: one of hassette's own (pure Python); the constraints allow >=1.2.0
    wheels = folders.make("wheels")
    repack_installed(image, "tomli-w", "1.2.0", "1.2.0", wheels)
    repack_installed(image, "tomli-w", "1.2.0", "1.3.0", wheels)
    config = folders.make("config")
    requirements = write(config / "requirements.txt", "tomli-w>=1.3\n")
    spec = {
        "env": {**base_env, "HASSETTE__INSTALL_DEPS": "1", "UV_FIND_LINKS": "/wheels"},
        "mounts": [
            Mount(config, "/config", read_only=True),
            Mount(wheels, "/wheels", read_only=True),
        ],
        "entrypoint": "sh",
    }
    name = containers.create("-c", BOOT_THEN_FREEZE, **spec)
    first = containers.start_attached(name)
    assert "boot-exit=0" in first.output, first.describe()
    assert "tomli-w==1.3.0" in frozen(first.output)

    requirements.write_text("# tomli-w is not needed any more\n")
    second = containers.start_attached(name)
    fresh = containers.run("-c", BOOT_THEN_FREEZE, **spec)

    assert "boot-exit=0" in second.output, second.describe()
    assert "putting back the image's tomli-w 1.2.0 (now 1.3.0)" in second.output
    assert "tomli-w==1.2.0" in frozen(second.output)
    assert frozen(second.output) == frozen(fresh.output)
