"""Sessions for hassette-tasks: lint, host tests, images, container tests, demo and bench.

Every session runs real uv; the container sessions run the real image built by
`image-3.X`. `.ci/run` runs the default sessions (lint, tests-*, container-*).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
DEMO_PYTHON = PYTHONS[-1]
# Build backends the test projects need that uv cannot build by itself (setuptools, for a
# project without [build-system]); fetched once, then every test works offline.
BUILD_BACKENDS = ROOT / ".cache" / "build-backends"


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
            str(BUILD_BACKENDS),
            "setuptools",
            external=True,
        )
    return BUILD_BACKENDS


def image_tag(python: str) -> str:
    """The layer's tag, as docker/images.py names it (HASSETTE_TASKS_IMAGE_NAME:3.X)."""
    return f"{os.environ.get('HASSETTE_TASKS_IMAGE_NAME') or 'hassette-tasks'}:{python}"


def build_image(session: nox.Session, python: str) -> str:
    """Build (or reuse) the base, python, hassette and layer images for PYTHON."""
    session.run(
        sys.executable,
        str(ROOT / "docker" / "images.py"),
        "build",
        "--python",
        python,
        external=True,
    )
    return image_tag(python)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common mistakes with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "--diff", ".")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Host tests: every task against real uv and a local package folder."""
    install_project(session)
    backends = fetch_build_backends(session)
    session.run(
        "pytest",
        "-m",
        "not docker",
        *session.posargs,
        env={"HASSETTE_TASKS_BUILD_BACKENDS": str(backends)},
    )


@nox.session(python=PYTHONS, default=False)
def image(session: nox.Session) -> None:
    """Build this Python's images (reusing what is cached): hassette-tasks:3.X."""
    build_image(session, session.python)


@nox.session(python=PYTHONS)
def container(session: nox.Session) -> None:
    """Container tests: each task and boot in the real image for this Python."""
    install_project(session)
    backends = fetch_build_backends(session)
    tag = build_image(session, session.python)
    session.run(
        "pytest",
        "-m",
        "docker",
        *session.posargs,
        env={
            "HASSETTE_TASKS_IMAGE": tag,
            "HASSETTE_TASKS_PYTHON": session.python,
            "HASSETTE_TASKS_BUILD_BACKENDS": str(backends),
        },
    )


@nox.session(python=False, default=False)
def demo(session: nox.Session) -> None:
    """Build the 3.13 image and boot it on the bundled examples: a real hassette and its apps."""
    tag = build_image(session, DEMO_PYTHON)
    session.run(
        sys.executable,
        str(ROOT / "docker" / "demo.py"),
        "--image",
        tag,
        *session.posargs,
        external=True,
    )


@nox.session(python=DEMO_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmark start-up with the 3.13 image: medians per scenario, a table and JSON."""
    install_project(session)
    backends = fetch_build_backends(session)
    tag = build_image(session, DEMO_PYTHON)
    session.run(
        "python",
        str(ROOT / "tests" / "bench.py"),
        "--image",
        tag,
        "--build-backends",
        str(backends),
        *session.posargs,
    )


@nox.session(python=DEMO_PYTHON, default=False)
def crash(session: nox.Session) -> None:
    """Randomized crash trials: containers killed at random moments of their start."""
    install_project(session)
    tag = build_image(session, DEMO_PYTHON)
    session.run("python", str(ROOT / "tests" / "crash_trials.py"), "--image", tag, *session.posargs)
