"""Projects whose uv.lock takes a package from an index named in their pyproject.toml
(`[[tool.uv.index]]` + `[tool.uv.sources]`), behind basic auth, with real uv.

Two local indexes: the default one (UV_INDEX_URL) with the test wheels and an impostor
`secretpkg` (same name and version, other content: dependency confusion), and the
project's explicit index `private-repo`, which demands USER:PASSWORD and serves the real
`secretpkg`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import make_app_venv
from tests.host.conftest import ON, assert_failed, assert_ok, from_index, write_requirements
from tests.support import packages
from tests.support.index_server import IndexServer

USER = "alice"
PASSWORD = "pw-7c1e-Zm9v/YmFy"  # a `/` too: a URL parser would split it in the wrong place
NAMED = {"UV_INDEX_PRIVATE_REPO_USERNAME": USER, "UV_INDEX_PRIVATE_REPO_PASSWORD": PASSWORD}
FORCE = {"HASSETTE__FORCE_INSTALL": "1"}
SECRET = packages.Dist("secretpkg", "1.0", files={"__init__.py": "WHO = 'private'\n"})
IMPOSTOR = packages.Dist("secretpkg", "1.0", files={"__init__.py": "WHO = 'impostor'\n"})


@pytest.fixture(scope="session")
def private_wheels(tmp_path_factory, fixture_uv_env) -> tuple[Path, Path]:
    """(the private index's wheels, the impostor's wheel folder)."""
    root = tmp_path_factory.mktemp("private-wheels")
    private = packages.build_dists([SECRET], root / "private", root / "src-private", fixture_uv_env)
    impostor = packages.build_dists([IMPOSTOR], root / "impostor", root / "src-imp", fixture_uv_env)
    return private, impostor


class Indexes:
    def __init__(self, layout, tmp_path: Path, private_wheels, denied: int = 401):
        public_wheels = tmp_path / "public-wheels"
        shutil.copytree(layout.wheels, public_wheels)
        shutil.copy2(next(private_wheels[1].glob("*.whl")), public_wheels)
        packages.write_simple_index(public_wheels, tmp_path / "public")
        self.private_simple = packages.write_simple_index(private_wheels[0], tmp_path / "private")
        self.public = IndexServer("serve", tmp_path / "public", lifetime=120).start()
        self.private = IndexServer(
            "serve", tmp_path / "private", lifetime=120, auth=f"{USER}:{PASSWORD}", denied=denied
        ).start()

    @property
    def default(self) -> dict[str, str | None]:
        return from_index(f"{self.public.url}/simple")

    def stop(self) -> None:
        self.public.stop()
        self.private.stop()


@pytest.fixture
def indexes(layout, tmp_path, private_wheels):
    served = Indexes(layout, tmp_path, private_wheels)
    yield served
    served.stop()


def private_project(layout, fixture_uv_env, indexes: Indexes, url: str | None = None) -> Path:
    """A project pinning secretpkg to its explicit index `private-repo`, locked through
    both indexes (with the credentials) as its author would."""
    url = url or f"{indexes.private.url}/simple"
    extra = f"""
        [[tool.uv.index]]
        name = "private-repo"
        url = "{url}"
        explicit = true

        [tool.uv.sources]
        secretpkg = {{ index = "private-repo" }}
    """
    folder = packages.write_project(
        layout.project_dir, dependencies=("appliba>=1", "secretpkg"), extra=extra
    )
    env = {k: v for k, v in fixture_uv_env.items() if k != "UV_NO_INDEX"}
    env |= {"UV_INDEX_URL": f"{indexes.public.url}/simple", **NAMED}
    packages.run_uv(["lock", "--quiet"], env=env, cwd=folder)
    return folder


def who(layout) -> str:
    """secretpkg's WHO as installed: 'private' from the right index, 'impostor' if not."""
    found = next(layout.venv.glob("lib/python*/site-packages/secretpkg/__init__.py"))
    return found.read_text().split("'")[1]


def assert_no_secret(result, layout) -> None:
    assert PASSWORD not in result.output, result.describe()
    for path in layout.tmpdir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), f"{path} holds the password"


def test_explicit_index_serves_its_package_with_the_named_credentials(
    layout, installed, fixture_uv_env, indexes
):
    private_project(layout, fixture_uv_env, indexes)

    result = layout.run("boot", env=indexes.default | NAMED)

    assert_ok(result)
    assert installed()["secretpkg"] == "1.0" and installed()["appliba"] == "1.0"
    assert who(layout) == "private", "secretpkg came from the default index"
    assert f"index(es) `private-repo` {indexes.private.url}/simple" in result.stdout
    assert "from its locked file only: secretpkg" in result.stdout
    assert_no_secret(result, layout)
    assert layout.leftover_temp_dirs() == []


def test_wrong_password_is_an_authentication_banner_naming_the_variables(
    layout, installed, fixture_uv_env, indexes
):
    private_project(layout, fixture_uv_env, indexes)
    before = installed()
    wrong = NAMED | {"UV_INDEX_PRIVATE_REPO_PASSWORD": "not-the-pw-91f"}

    result = layout.run("boot", env=indexes.default | wrong)

    assert_failed(result, "INDEX AUTHENTICATION FAILED", 17)
    assert "DEPENDENCY CONFLICT" not in result.stdout
    assert "UV_INDEX_PRIVATE_REPO_USERNAME and UV_INDEX_PRIVATE_REPO_PASSWORD" in result.stdout
    assert f"`private-repo` {indexes.private.url}" in result.stdout
    assert "401" in result.stdout
    assert installed() == before
    assert "not-the-pw-91f" not in result.output
    assert_no_secret(result, layout)
    assert layout.leftover_temp_dirs() == []


def test_a_403_index_is_an_authentication_banner_too(
    layout, installed, fixture_uv_env, tmp_path, private_wheels
):
    served = Indexes(layout, tmp_path, private_wheels, denied=403)
    try:
        private_project(layout, fixture_uv_env, served)  # locked with the right credentials
        wrong = NAMED | {"UV_INDEX_PRIVATE_REPO_PASSWORD": "nope"}
        result = layout.run("boot", env=served.default | wrong)
    finally:
        served.stop()

    assert_failed(result, "INDEX AUTHENTICATION FAILED", 17)
    assert "403" in result.stdout and "UV_INDEX_PRIVATE_REPO_PASSWORD" in result.stdout


def test_credentials_in_the_index_url_work_and_are_never_shown(
    layout, installed, fixture_uv_env, indexes
):
    encoded = quote(PASSWORD, safe="")  # as a URL must hold it
    url = f"http://{USER}:{encoded}@127.0.0.1:{indexes.private.port}/simple"
    private_project(layout, fixture_uv_env, indexes, url=url)

    plan = layout.run("boot", "--dry-run", env=indexes.default)
    result = layout.run("boot", env=indexes.default)

    assert plan.exit_code == 0, plan.describe()
    assert (
        f"index `private-repo` http://****@127.0.0.1:{indexes.private.port}/simple" in plan.stdout
    )
    assert "explicit: only the packages pinned to it" in plan.stdout
    assert f"default index {indexes.public.url}/simple (the rest)" in plan.stdout
    assert PASSWORD not in plan.output and encoded not in plan.output
    assert encoded not in result.output
    assert_ok(result)
    assert who(layout) == "private"
    assert_no_secret(result, layout)


def test_a_changed_file_on_the_private_index_is_still_a_hash_mismatch(
    layout, installed, fixture_uv_env, indexes, private_wheels
):
    private_project(layout, fixture_uv_env, indexes)
    # the impostor's wheel (same file name) re-uploaded to the private index
    packages.replace_in_index(indexes.private_simple, next(private_wheels[1].glob("*.whl")))
    before = installed()

    result = layout.run("boot", env=indexes.default | NAMED)

    assert_failed(result, "HASH MISMATCH", 13)
    assert installed() == before


def test_warm_restart_and_offline_recreate_of_a_private_index_project(
    layout, installed, fixture_uv_env, indexes, uv_calls
):
    private_project(layout, fixture_uv_env, indexes)
    assert_ok(layout.run("boot", env=indexes.default | NAMED))
    uv_calls()

    warm = layout.run("boot", env=indexes.default | NAMED | {"HASSETTE__PRUNE_UV_CACHE": "0"})

    assert_ok(warm)
    assert uv_calls() == [], "a warm restart ran uv"
    shutil.rmtree(layout.venv)  # a new container on the same uv cache, both indexes gone
    make_app_venv(layout.venv, layout.wheels, fixture_uv_env)
    indexes.stop()

    again = layout.run("boot", env=indexes.default | NAMED | FORCE)

    assert_ok(again)
    assert "installing the locked dependencies: installed from the local cache" in again.stdout
    assert who(layout) == "private"


def test_requirements_from_an_index_that_wants_credentials_is_the_auth_banner(
    layout, installed, indexes
):
    write_requirements(layout.apps_dir, "secretpkg")

    result = layout.run(
        "boot",
        env=ON | from_index(f"{indexes.private.url}/simple"),
    )

    assert_failed(result, "INDEX AUTHENTICATION FAILED", 17)
    assert "DEPENDENCY CONFLICT" not in result.stdout
    assert "UV_INDEX_URL" in result.stdout and "netrc" in result.stdout


def test_no_password_in_files_left_by_a_failed_start(layout, fixture_uv_env, indexes):
    private_project(layout, fixture_uv_env, indexes)
    write_requirements(layout.apps_dir, "nosuchpkg")

    result = layout.run("boot", env=indexes.default | NAMED | ON)

    assert result.exit_code != 0
    assert_no_secret(result, layout)
