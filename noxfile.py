"""Sessions for hassette-tasks: lint, host tests, images, container tests, demo and bench.

Every session runs real uv; the container sessions run the real image built by
`image-3.X`. `.ci/run` runs the default sessions (lint, tests-*, container-*).
The images are built here too: `docker build` of the Dockerfiles under docker/, in order;
BuildKit's own cache decides what is rebuilt.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
HASSETTE_VERSION = PYPROJECT["tool"]["hassette-tasks"]["hassette-version"]
# Pythons build machines lack: their stand-in image comes from Debian's packages of this
# suite, and their host tests run inside it (the others use the host's interpreters)
DEBIAN_PYTHONS = {"3.14": "forky"}
NEWEST = PYTHONS[-1]
# the benchmark's image: the Python its figures (and the old start-up's) were taken on
BENCH_PYTHON = "3.13"
# Build backends the test projects need that uv cannot build by itself (setuptools, for a
# project without [build-system]); fetched once, then every test works offline.
BUILD_BACKENDS = ROOT / ".cache" / "build-backends"

DOCKER = os.environ.get("DOCKER") or "docker"
# every image of this checkout but the shared Debian bases is named after this: a second
# checkout on the same engine sets another name
IMAGE_NAME = os.environ.get("HASSETTE_TASKS_IMAGE_NAME") or "hassette-tasks"
# where a registry is reachable: only the layer, on the official image (also --from-registry)
FROM_REGISTRY = os.environ.get("HASSETTE_TASKS_FROM_REGISTRY", "").lower() in ("1", "true", "yes")
BASE_SUITE = "bookworm"
# what a CPython build from the host needs at run time
CPYTHON_LIBRARIES = [
    "libssl3",
    "libsqlite3-0",
    "libffi8",
    "libbz2-1.0",
    "liblzma5",
    "libreadline8",
    "libncursesw6",
    "libgdbm6",
    "libuuid1",
]
# what the official image has: CA certificates, tini, curl (its documented healthcheck), fd,
# time zones
COMMON_PACKAGES = ["ca-certificates", "tini", "curl", "fd-find", "tzdata"]


def install_project(session: nox.Session) -> None:
    """The project and its dev group, exactly as locked."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--group",
        "dev",
        f"--python={session.virtualenv.location}",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )


def fetch_build_backends(session: nox.Session) -> Path:
    """Download the setuptools wheel once into .cache (the only network the tests need)."""
    if not any(BUILD_BACKENDS.glob("setuptools-*.whl")):
        BUILD_BACKENDS.mkdir(parents=True, exist_ok=True)
        # into a folder of this process's own, then moved in: sessions may run at once
        # (docker/test-all.sh), and none may see a wheel half written
        download = Path(tempfile.mkdtemp(prefix="download-", dir=BUILD_BACKENDS.parent))
        session.run(
            "uv",
            "run",
            "--no-project",
            "--with",
            "pip",
            "python",
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(download),
            "setuptools",
            external=True,
        )
        for wheel in download.glob("*.whl"):
            os.replace(wheel, BUILD_BACKENDS / wheel.name)
        shutil.rmtree(download, ignore_errors=True)
    return BUILD_BACKENDS


def layer_image(python: str) -> str:
    return f"{IMAGE_NAME}:{python}"


def docker_build(
    session: nox.Session,
    dockerfile: str,
    tag: str,
    context: Path | str = ROOT,
    options: Sequence[str] = (),
    **build_args: str,
) -> str:
    """docker build; the host's CA bundle (a TLS-inspecting proxy's) goes in as a BuildKit
    secret, mounted for single RUN steps and never stored in a layer."""
    bundle = os.environ.get("SSL_CERT_FILE")
    secret = ["--secret", f"id=ca,src={bundle}"] if bundle and Path(bundle).is_file() else []
    arguments = [f"--build-arg={name}={value}" for name, value in build_args.items()]
    session.run(
        DOCKER,
        "build",
        *("--file", str(ROOT / dockerfile), "--tag", tag, *secret, *arguments, *options),
        str(context),
        env={"DOCKER_BUILDKIT": "1"},
        external=True,
    )
    return tag


def debian_image(session: nox.Session, suite: str, packages: Sequence[str]) -> str:
    """The shared Debian base for SUITE, made weekly: hassette-tasks-debian:bookworm-2026w47."""
    year, week, _ = datetime.date.today().isocalendar()
    tag = f"hassette-tasks-debian:{suite}-{year}w{week:02d}"
    session.run(str(ROOT / "docker" / "debian-base.sh"), tag, suite, *packages, external=True)
    return tag


def python_image(
    session: nox.Session, python: str, options: Sequence[str] = (), registry: bool = FROM_REGISTRY
) -> str:
    """A python:3.X-slim stand-in: Debian's python3.X packages, or the host's interpreter."""
    if registry:
        return f"python:{python}-slim"
    dockerfile, tag = "docker/python/Dockerfile", f"{IMAGE_NAME}-python:{python}"
    if python in DEBIAN_PYTHONS:
        packages = [f"python{python}", f"python{python}-venv", *COMMON_PACKAGES]
        base = debian_image(session, DEBIAN_PYTHONS[python], packages)
        context, options = ROOT / "docker" / "python", ["--target=debian", *options]
        return docker_build(
            session, dockerfile, tag, context, options, DEBIAN_IMAGE=base, PYTHON=python
        )
    base = debian_image(session, BASE_SUITE, [*CPYTHON_LIBRARIES, *COMMON_PACKAGES])
    code = "import sys; print(sys.base_prefix)"
    printed = session.run(f"python{python}", "-c", code, silent=True, external=True)
    if not isinstance(printed, str):
        session.error(f"python{python} printed no prefix")
    prefix = printed.strip()
    options = ["--target=host-prefix", *options]
    return docker_build(
        session, dockerfile, tag, prefix, options, DEBIAN_IMAGE=base, PYTHON=python, PREFIX=prefix
    )


def build_images(
    session: nox.Session, python: str, options: Sequence[str] = (), registry: bool = FROM_REGISTRY
) -> str:
    """PYTHON's images in order (Debian base, Python, hassette, the layer); the layer's tag.

    OPTIONS go to every docker build (e.g. --no-cache); with REGISTRY only the layer is
    built, on the official hassette image.
    """
    if registry:
        base = f"ghcr.io/nodejsmith/hassette:{HASSETTE_VERSION}-py{python}"
    else:
        base = docker_build(
            session,
            "docker/hassette/Dockerfile",
            f"{IMAGE_NAME}-hassette:{python}",
            options=options,
            PYTHON_IMAGE=python_image(session, python, options, registry=False),
            HASSETTE_VERSION=HASSETTE_VERSION,
        )
    return docker_build(
        session, "docker/Dockerfile", layer_image(python), options=options, BASE_IMAGE=base
    )


PythonSession = Callable[[nox.Session, str], None]


def per_python(
    name: str, venv: str, default: bool = True
) -> Callable[[PythonSession], PythonSession]:
    """Register FUNC(session, python) as NAME-3.X for each Python of the matrix (tag NAME:
    `nox -t container` runs them all).

    Not nox's python=[...], whose venv must be of that very Python: the host lacks some
    (DEBIAN_PYTHONS). VENV: "own" (the host's interpreter of that Python; none for those it
    lacks), "nox" (nox's own interpreter: these drive images), "none".
    """

    def register(func: PythonSession) -> PythonSession:
        for python in PYTHONS:
            own: str | bool = python if python not in DEBIAN_PYTHONS else False
            interpreter = {"own": own, "nox": None, "none": False}[venv]

            def run(session: nox.Session, python: str = python) -> None:
                func(session, python)

            run.__doc__ = (func.__doc__ or "").replace("3.X", python)
            nox.session(name=f"{name}-{python}", python=interpreter, default=default, tags=[name])(
                run
            )
        return func

    return register


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and mistakes with the locked ruff, and types with the locked mypy (strict)."""
    install_project(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "--diff", ".")
    session.run("mypy")


@per_python("tests", venv="own")
def tests(session: nox.Session, python: str) -> None:
    """Host tests on Python 3.X: every task against real uv and a local package folder."""
    backends = fetch_build_backends(session)
    if python in DEBIAN_PYTHONS:
        tests_in_image(session, python, backends)
        return
    install_project(session)
    session.run(
        "pytest",
        "-m",
        "not docker",
        *session.posargs,
        env={"HASSETTE_TASKS_BUILD_BACKENDS": str(backends)},
    )


def tests_in_image(session: nox.Session, python: str, backends: Path) -> None:
    """The host tests inside PYTHON's image (a Python this machine lacks): the checkout and
    the host's uv mounted read-only, the project synced into a venv in the container."""
    mounts = {ROOT: "/src", shutil.which("uv") or "uv": "/usr/local/bin/uv", backends: "/backends"}
    env = {"UV_PROJECT_ENVIRONMENT": "/venv", "UV_PYTHON_DOWNLOADS": "never"}
    env["HASSETTE_TASKS_BUILD_BACKENDS"] = "/backends"
    bundle = os.environ.get("SSL_CERT_FILE")
    if bundle and Path(bundle).is_file():
        mounts[bundle] = env["SSL_CERT_FILE"] = "/etc/ssl/host-ca-bundle.pem"
    script = (
        "uv sync --quiet --frozen --group dev --python python3 && "
        'exec /venv/bin/pytest -p no:cacheprovider -m "not docker" "$@"'
    )
    session.run(
        DOCKER, "run", "--rm", "--init", "--workdir=/src",
        *(f"--mount=type=bind,src={src},dst={dst},readonly" for src, dst in mounts.items()),
        *(f"--env={name}={value}" for name, value in env.items()),
        python_image(session, python), "sh", "-c", script, "sh", *UNPRIVILEGED_DESELECT,
        *session.posargs,
        external=True,
    )  # fmt: skip


# Tests that need what the unprivileged test container lacks (mount, IPv6, setsid in PATH);
# they run on the host's Pythons. Found by the cold CI run of session 6: to be made to
# check for the capability themselves.
UNPRIVILEGED_DESELECT = [
    f"--deselect=tests/unit/{test}"
    for test in (
        "test_mut_copy.py::test_a_full_tmpdir_while_copying_files_is_no_space_left",
        "test_mut_copy.py::test_a_full_tmpdir_at_the_first_folder_is_no_space_left",
        "test_mut_environment.py::test_a_venv_on_a_read_only_file_system_says_so",
        "test_mut_health.py::test_it_answers_on_an_ipv6_address",
        "test_mut_uv.py::test_uv_runs_in_a_process_group_of_its_own",
        "test_mut_uv.py::test_start_detached_returns_at_once_and_the_command_runs",
    )
]


@per_python("image", venv="none", default=False)
def image(session: nox.Session, python: str) -> None:
    """Build the Python 3.X images (BuildKit reuses what is unchanged); -- OPTIONS: docker build."""
    options = [option for option in session.posargs if option != "--from-registry"]
    build_images(session, python, options, FROM_REGISTRY or options != session.posargs)


@per_python("container", venv="nox")
def container(session: nox.Session, python: str) -> None:
    """Container tests: each task and boot in the real Python 3.X image."""
    install_project(session)
    backends = fetch_build_backends(session)
    tag = build_images(session, python)
    session.run(
        "pytest",
        "-m",
        "docker",
        *session.posargs,
        env={
            "HASSETTE_TASKS_IMAGE": tag,
            "HASSETTE_TASKS_PYTHON": python,
            "HASSETTE_TASKS_BUILD_BACKENDS": str(backends),
        },
    )


@nox.session(default=False)
def mutate(session: nox.Session) -> None:
    """Mutation testing (mutmut, [tool.mutmut]): -- [--host[=FILE,...]] MODULE... (e.g. state
    exact), or the whole package; each mutant against the unit tests (--host: and the host
    tests, or those FILEs of tests/host: all of them take hours for the package); prints
    killed / total per module."""
    install_project(session)
    backends = fetch_build_backends(session)
    flags = [arg for arg in session.posargs if arg.startswith("--host")]
    host = flags[-1].partition("=")[2] or "1" if flags else ""
    modules = [name for name in session.posargs if name not in flags]
    # which tests reach which function, collected afresh each run: mutmut's own update of
    # it kept stale entries here (a function mapped to fewer tests than reach it)
    (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    # a private TMPDIR: a mutant that drops a folder argument falls back to the temporary
    # folder, where it could remove a real start's work folders
    with tempfile.TemporaryDirectory(prefix="hassette-tasks-mutate-") as scratch:
        # traversable, not listable: tests that drop to another uid (uid 65534) in a forked
        # child reach their folders in it by name
        Path(scratch).chmod(0o711)
        session.run(
            "mutmut",
            "run",
            *(f"hassette_tasks.{module}.*" for module in modules),
            env={
                "HASSETTE_TASKS_BUILD_BACKENDS": str(backends),
                "HASSETTE_TASKS_MUTATE_HOST": host,
                "TMPDIR": scratch,
            },
        )
    printed = session.run("mutmut", "results", "--all", "true", silent=True)
    session.log(mutation_scores(printed if isinstance(printed, str) else "", modules))


def mutation_scores(results: str, modules: Sequence[str]) -> str:
    """Killed / total per module from `mutmut results --all true` (`    NAME: STATUS` lines;
    NAME is module.function__mutmut_N). A timeout counts as killed: the mutant did not pass."""
    counts: dict[str, dict[str, int]] = {}
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        module = name.rpartition(".")[0].removeprefix("hassette_tasks.")
        if not name or (modules and module not in modules):
            continue
        tally = counts.setdefault(module, {})
        tally[status] = tally.get(status, 0) + 1
    lines = ["mutation score per module (killed / checked; PARTIAL: mutants left unchecked):"]
    for module, tally in sorted(counts.items()):
        unchecked = tally.pop("not checked", 0)
        killed, total = tally.get("killed", 0) + tally.get("timeout", 0), sum(tally.values())
        statuses = [f"{status} {n}" for status, n in sorted(tally.items())]
        statuses += [f"PARTIAL: {unchecked} not checked"] if unchecked else []
        percent = f"{100 * killed / total:5.1f}%" if total else "    -"
        lines.append(f"  {module:20} {killed:4} / {total:<4} {percent}  ({', '.join(statuses)})")
    return "\n".join(lines)


@nox.session(python=False, default=False)
def demo(session: nox.Session) -> None:
    """Build the newest Python's image and boot it on the bundled examples: real hassette, apps."""
    tag = build_images(session, NEWEST)
    session.run(
        sys.executable,
        str(ROOT / "docker" / "demo.py"),
        "--image",
        tag,
        *session.posargs,
        external=True,
    )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmark start-up with the 3.13 image: medians per scenario and step, time to live."""
    install_project(session)
    backends = fetch_build_backends(session)
    tag = build_images(session, BENCH_PYTHON)
    session.run(
        "python",
        str(ROOT / "tests" / "bench.py"),
        "--image",
        tag,
        "--build-backends",
        str(backends),
        *session.posargs,
    )


@nox.session(default=False)
def crash(session: nox.Session) -> None:
    """Randomized crash trials in the newest Python's image: starts killed at random moments."""
    install_project(session)
    tag = build_images(session, NEWEST)
    session.run("python", str(ROOT / "tests" / "crash_trials.py"), "--image", tag, *session.posargs)
