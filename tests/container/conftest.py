"""Container tests: the image in HASSETTE_TASKS_IMAGE, a local index on a compose network.

pytest-docker starts tests/container/docker-compose.yml with Compose v1: an `index`
service serving a PEP 503 tree of wheels built here (the setuptools wheel from
HASSETTE_TASKS_BUILD_BACKENDS, and a corrupt `corruptpkg` wheel), an `index-hang` service
that never answers and an `index-500` service that answers every request with 500. Test
containers join the compose network and use `UV_INDEX_URL=http://index:8000/simple`;
nothing reaches a public index. `nox -s container-3.X` sets every variable used here.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.container.dockerrun import Docker, docker, remove_tree
from tests.support import packages
from tests.support.crash import crash_dists
from tests.support.packages import Dist

HERE = Path(__file__).parent
IMAGE_VARIABLE = "HASSETTE_TASKS_IMAGE"
PYTHON_VARIABLE = "HASSETTE_TASKS_PYTHON"
INDEX_URL = "http://index:8000/simple"
HANG_URL = "http://index-hang:8000/simple"
ERROR_URL = "http://index-500:8000/simple"
HOME_ASSISTANT_URL = "http://ha:8123"
HOME_ASSISTANT_TOKEN = f"ha-token-{secrets.token_hex(8)}"
PYPROJECT = tomllib.loads((HERE.parents[1] / "pyproject.toml").read_text())
HASSETTE_VERSION = PYPROJECT["tool"]["hassette-tasks"]["hassette-version"]  # what images install
# a version no real dependency range of hassette allows
CONFLICT_VERSION = "0.0.1"

# Tiny packages the index serves; none of these names is among hassette's dependencies.
CONTAINER_DISTS = (
    Dist("tinydep", "1.0"),
    Dist("appliba", "1.0", dependencies=("applibb>=1,<2",)),
    Dist("applibb", "1.0"),
    Dist("applibc", "1.0"),
    # many files each, so that a kill during uv's copy can leave one half-copied
    *crash_dists(),
)


# --- the image under test


@pytest.fixture(scope="session")
def image() -> str:
    tag = os.environ.get(IMAGE_VARIABLE)
    if not tag:
        pytest.fail(
            f"{IMAGE_VARIABLE} is not set: run `nox -s container-3.X`, or build the "
            f"image (nox -s image-3.X) and set {IMAGE_VARIABLE}=hassette-tasks:3.X",
            pytrace=False,
        )
    if docker("image", "inspect", tag, check=False).exit_code != 0:
        pytest.fail(
            f"{IMAGE_VARIABLE}={tag} does not exist: build it with `nox -s image-3.X`",
            pytrace=False,
        )
    return tag


@pytest.fixture(scope="session")
def image_python() -> str | None:
    """The Python version the image was built for (HASSETTE_TASKS_PYTHON), if given."""
    return os.environ.get(PYTHON_VARIABLE) or None


@pytest.fixture(scope="session")
def image_constraints(image) -> str:
    """The constraints file the image carries (/app/constraints.txt)."""
    result = docker("run", "--rm", "--entrypoint", "cat", image, "/app/constraints.txt")
    return result.output


@dataclass(frozen=True)
class Conflict:
    """A real dependency of hassette, and a version of it the image's constraints forbid."""

    name: str
    version: str
    constraint: str

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@pytest.fixture(scope="session")
def conflict(image_constraints) -> Conflict:
    for line in image_constraints.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = Requirement(line)
        if requirement.marker is not None or packages.normalize(requirement.name) == "hassette":
            continue
        if requirement.specifier and Version(CONFLICT_VERSION) not in requirement.specifier:
            return Conflict(packages.normalize(requirement.name), CONFLICT_VERSION, line.strip())
    pytest.fail(f"no constraint in the image excludes {CONFLICT_VERSION}:\n{image_constraints}")


# --- the wheels and the index


@pytest.fixture(scope="session")
def container_wheels(tmp_path_factory, fixture_uv_env, build_backends, conflict) -> Path:
    """Wheels for the index: the tiny packages, a forbidden version, and setuptools."""
    out = tmp_path_factory.mktemp("container-wheels")
    work = tmp_path_factory.mktemp("container-wheel-sources")
    dists = (*CONTAINER_DISTS, Dist(conflict.name, conflict.version))
    packages.build_dists(dists, out, work, fixture_uv_env)
    for wheel in build_backends.glob("setuptools-*.whl"):
        shutil.copy2(wheel, out / wheel.name)
    return out


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, container_wheels) -> Path:
    """The folder the `index` service serves: DIR/simple/<project>/ pages and wheels, plus
    a file named like a wheel that is not one (`corruptpkg`)."""
    served = tmp_path_factory.mktemp("container-served-wheels")
    for wheel in container_wheels.glob("*.whl"):
        shutil.copy2(wheel, served / wheel.name)
    packages.write_corrupt_wheel(served)
    root = tmp_path_factory.mktemp("container-index")
    packages.write_simple_index(served, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


@pytest.fixture(scope="session")
def docker_compose_command() -> str:
    return "docker-compose"  # Compose v1: the only one on these machines


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(HERE / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return f"htt{os.getpid()}"


@pytest.fixture(scope="session")
def docker_setup(image, index_dir):
    """`up -d` (v1 has no --wait); the compose file reads the image and folder from here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HASSETTE_TASKS_INDEX_DIR", str(index_dir))
        patch.setenv(IMAGE_VARIABLE, image)
        patch.setenv("HASSETTE_TASKS_HA_TOKEN", HOME_ASSISTANT_TOKEN)
        yield ["up -d"]  # the variables stay set until `down` (docker_cleanup) has run


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    return ["down -v -t 2"]


def _index_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and b"tinydep-1.0" in response.read()
    except OSError:
        return False


def _hangs(port: int) -> bool:
    """True once the hung index holds a request without answering.

    docker's port proxy accepts even while nothing listens behind it, then closes at
    once; only a request that gets neither an answer nor a close proves the service.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
            probe.sendall(b"GET /simple/ HTTP/1.0\r\n\r\n")
            probe.settimeout(0.5)
            probe.recv(1)  # an answer, or a close: not the hung index (yet)
            return False
    except TimeoutError:
        return True
    except OSError:
        return False


def _answers_500(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return False
    except urllib.error.HTTPError as error:
        return error.code == 500
    except OSError:
        return False


def _http_answers(url: str) -> bool:
    """Any HTTP answer at all (an error status included) from URL."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Index:
    network: str
    url: str  # as containers on the network see it
    host_url: str  # as the host sees it (127.0.0.1 and the published port)


@pytest.fixture(scope="session")
def index(docker_services, docker_compose_project_name) -> Index:
    """The `index` service, answering through its published port; its network's name."""
    port = docker_services.port_for("index", 8000)
    host_url = f"http://127.0.0.1:{port}/simple"
    docker_services.wait_until_responsive(
        check=lambda: _index_answers(f"{host_url}/tinydep/"), timeout=60, pause=0.3
    )
    hang_port = docker_services.port_for("index-hang", 8000)
    docker_services.wait_until_responsive(check=lambda: _hangs(hang_port), timeout=60, pause=0.3)
    error_port = docker_services.port_for("index-500", 8000)
    docker_services.wait_until_responsive(
        check=lambda: _answers_500(f"http://127.0.0.1:{error_port}/simple/"), timeout=60, pause=0.3
    )
    listed = docker(
        "ps",
        "-q",
        "--filter",
        f"label=com.docker.compose.project={docker_compose_project_name}",
        "--filter",
        "label=com.docker.compose.service=index",
    )
    container = listed.output.split()[0]
    networks = docker(
        "inspect",
        "--format",
        "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}",
        container,
    ).output.split()
    assert len(networks) == 1, networks
    return Index(networks[0], INDEX_URL, host_url)


@dataclass(frozen=True)
class HomeAssistant:
    url: str  # as containers on the index's network see it
    token: str


@pytest.fixture(scope="session")
def home_assistant(docker_services, index) -> HomeAssistant:
    """The `ha` service (a stand-in Home Assistant), answering HTTP on its published port."""
    port = docker_services.port_for("ha", 8123)
    docker_services.wait_until_responsive(
        check=lambda: _http_answers(f"http://127.0.0.1:{port}/api/"), timeout=60, pause=0.3
    )
    return HomeAssistant(HOME_ASSISTANT_URL, HOME_ASSISTANT_TOKEN)


@pytest.fixture(scope="session")
def docker_session(image, index) -> Iterable[Docker]:
    client = Docker(image, index.network, secrets.token_hex(3))
    yield client
    client.remove_all()


@pytest.fixture
def containers(docker_session) -> Iterable[Docker]:
    """The image on the index's network; containers a test creates are removed after it."""
    yield docker_session
    for name in docker_session.containers:
        docker_session.remove(name)
    docker_session.containers.clear()


@pytest.fixture
def base_env(index) -> dict[str, str]:
    """What every test container gets: the local index, no colour."""
    return {"UV_INDEX_URL": index.url, "NO_COLOR": "1"}


# --- host folders mounted into containers


class Folders:
    """Folders under the test's tmp_path (names may contain spaces), removed afterwards."""

    def __init__(self, root: Path):
        self.root = root

    def make(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@pytest.fixture
def folders(tmp_path, image) -> Iterable[Folders]:
    yield Folders(tmp_path)
    remove_tree(tmp_path, image)  # whatever uid 1000 wrote into mounts goes too


@pytest.fixture
def make_project(container_wheels, fixture_uv_env):
    """A user project (pyproject.toml + uv.lock unless lock=False) locked against the index's
    wheels; returns its folder."""

    def make(
        folder: Path,
        dependencies: Iterable[str] = ("appliba>=1",),
        build_system: bool = True,
        lock: bool = True,
        name: str = "myapps",
    ) -> Path:
        packages.write_project(
            folder, name=name, dependencies=tuple(dependencies), build_system=build_system
        )
        if lock:
            packages.lock_project(folder, [container_wheels], fixture_uv_env)
        return folder

    return make
