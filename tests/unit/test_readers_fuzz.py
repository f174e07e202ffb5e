"""Every reader of a user's file gets random, truncated and wrongly shaped input: it may
refuse it only with the project's own error (a StartupError, which becomes a banner and
honours HASSETTE__ON_FAILURE), never with a traceback (issue 20, 7)."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hassette_tasks import discovery, exact, pins, project, reqfiles, state
from hassette_tasks.errors import StartupError
from hassette_tasks.project import copy as project_copy
from hassette_tasks.project import pylock

ENV = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "implementation_version": "3.13.0",
    "os_name": "posix",
    "platform_release": "",
    "platform_version": "",
}

VALID_UV_LOCK = """version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "my-automations"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "mylib" }, { name = "requests", marker = "python_version >= '3.8'" }]

[package.optional-dependencies]
socks = [{ name = "pysocks" }]

[[package]]
name = "mylib"
version = "0.1.0"
source = { directory = "libs/mylib" }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/requests-2.32.3.tar.gz", hash = "sha256:00", size = 1 }
wheels = [{ url = "https://files.example/requests-2.32.3-py3-none-any.whl", hash = "sha256:00" }]
"""

VALID_PYLOCK = """lock-version = "1.0"
requires-python = ">=3.11"
environments = ["sys_platform == 'linux'"]
default-groups = ["default"]
created-by = "test"

[[packages]]
name = "appliba"
version = "1.0"
marker = "python_version >= '3.8'"
wheels = [
  { name = "appliba-1.0-py3-none-any.whl", url = "https://x/a.whl", hashes = { sha256 = "00" } },
]

[[packages]]
name = "mylib"
directory = { path = "libs/mylib" }

[[packages]]
name = "fromgit"
vcs = { type = "git", url = "https://example/repo.git", commit-id = "abc", subdirectory = "sub" }

[[packages]]
name = "tarball"
archive = { url = "https://x/tarball-1.0.tar.gz", hashes = { sha256 = "00" } }
"""

VALID_PYPROJECT = """[project]
name = "my-automations"
version = "0.1.0"
dependencies = ["appliba>=1"]

[build-system]
requires = ["uv_build>=0.9,<0.20"]
build-backend = "uv_build"
"""

VALID_REQUIREMENTS = """\ufeff# a comment
appliba==1.0 --hash=sha256:00
-r other.txt
-c constraints.txt
-e ./libs/mylib
./unnamed-folder
https://x/tarball-1.0.tar.gz#egg=tarball
--index-url https://alice:pw@host/simple
name @ file:///somewhere
line \\
continued
"""


# --- random TOML documents (written by a small emitter: no TOML writer is a dependency)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(document: dict[str, object]) -> str:
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in document.items())


plausible_text = st.sampled_from(
    ["", ".", "..", "../x", "libs/mylib", "1.0", "git", "https://x/y.whl", "sha256", "a\0b", "=="]
)
leaves = st.one_of(st.integers(-5, 5), st.booleans(), plausible_text, st.text(max_size=12))
anything = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "version",
                    "path",
                    "url",
                    "commit-id",
                    "type",
                    "hashes",
                    "sha256",
                    "subdirectory",
                    "marker",
                    "editable",
                    "directory",
                    "registry",
                    "virtual",
                ]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=8,
)


def keyed(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from(keys), anything, max_size=len(keys))


uv_lock_packages = keyed(
    ["name", "version", "source", "dependencies", "optional-dependencies", "sdist", "wheels"]
)
uv_lock_documents = st.fixed_dictionaries(
    {"version": st.just(1)},
    optional={"package": st.one_of(anything, st.lists(uv_lock_packages, max_size=4))},
)
pylock_packages = keyed(
    ["name", "version", "marker", "directory", "vcs", "archive", "wheels", "sdist"]
)
pylock_documents = st.fixed_dictionaries(
    {"lock-version": st.sampled_from(["1.0", "1", "2.0"])},
    optional={
        "packages": st.one_of(anything, st.lists(pylock_packages, max_size=4)),
        "default-groups": anything,
        "environments": anything,
        "requires-python": anything,
    },
)
pyproject_documents = st.dictionaries(
    st.sampled_from(["project", "build-system", "tool"]), anything, max_size=3
)


def damaged(valid: str) -> st.SearchStrategy[bytes]:
    """VALID cut short, with random bytes spliced in, or random bytes alone."""
    data = valid.encode()
    return st.one_of(
        st.integers(0, len(data)).map(lambda cut: data[:cut]),
        st.tuples(st.integers(0, len(data)), st.binary(max_size=8)).map(
            lambda pair: data[: pair[0]] + pair[1] + data[pair[0] :]
        ),
        st.binary(max_size=200),
    )


def contents(valid: str, documents: st.SearchStrategy[dict[str, object]]):
    return st.one_of(damaged(valid), documents.map(lambda d: toml_document(d).encode()))


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def folder_with(name: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz "))
    (folder / name).write_bytes(data)
    (folder / "libs" / "mylib").mkdir(parents=True)
    return folder


@FUZZ
@given(data=contents(VALID_UV_LOCK, uv_lock_documents))
def test_uv_lock_readers(data):
    folder = folder_with(project.LOCK, data)
    try:
        for read in (
            lambda: project.check_path_dependencies(folder),
            lambda: exact.uv_lock_names(folder / project.LOCK, ENV),
        ):
            with contextlib.suppress(StartupError):
                read()
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=contents(VALID_PYLOCK, pylock_documents))
def test_pylock_reader(data):
    folder = folder_with(project.PYLOCK, data)
    try:
        pylock.convert(folder, folder, ENV)
    except StartupError:
        pass
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=contents(VALID_PYPROJECT, pyproject_documents))
def test_pyproject_readers(data):
    folder = folder_with(project.PYPROJECT, data)
    try:
        project.project_name(folder)
        project_copy.pin_build_key(folder)
        exact.roots_from_text(f"{folder}\n", folder)  # a path line: its name from pyproject
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.one_of(damaged(VALID_REQUIREMENTS), st.text(max_size=200).map(str.encode)))
def test_requirements_readers(data):
    folder = folder_with("requirements.txt", data)
    (folder / "other.txt").write_bytes(data)
    try:
        exact.roots_from_files([folder / "requirements.txt"])
        pins.overridden([folder / "other.txt", folder / "requirements.txt"])
        reqfiles.reached([folder / "requirements.txt"])
        common = state.Fingerprint("fuzz")
        state.requirements_fingerprint(common, [folder], [folder / "requirements.txt"])
        state.project_fingerprint(common, folder, [folder / "requirements.txt"])
        discovery.has_requirements(folder / "requirements.txt")
        discovery.find_requirements([folder])
    finally:
        shutil.rmtree(folder)


ignore_lines = st.lists(
    st.one_of(
        st.sampled_from(["*", "!*/", "[", "\\", "**", "a/**/b", "!", "/", "#x", "***", "[!]"]),
        st.text(max_size=10),
    ),
    max_size=6,
)


@FUZZ
@given(
    lines=ignore_lines,
    name=st.sampled_from([".ignore", ".gitignore", ".fdignore"]),
    raw=st.binary(max_size=30),
)
def test_ignore_file_readers(lines, name, raw):
    folder = Path(tempfile.mkdtemp(prefix="fuzz "))
    try:
        (folder / ".git").mkdir()
        (folder / name).write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + raw)
        (folder / "app").mkdir()
        (folder / "app" / "requirements.txt").write_text("appliba\n")
        discovery.find_requirements([folder])
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=damaged("# Constraints for hassette 1.0\naiohttp>=3.9\nhassette==1.0\n"))
def test_constraints_file_check(data):
    from hassette_tasks.settings import load

    folder = folder_with("constraints.txt", data)
    try:
        settings_ = load({"HASSETTE__CONSTRAINTS": str(folder / "constraints.txt")})
        with contextlib.suppress(StartupError):
            assert settings_.require_constraints() == folder / "constraints.txt"
    finally:
        shutil.rmtree(folder)
