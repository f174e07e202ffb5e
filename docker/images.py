#!/usr/bin/env python3
"""Build the hassette-tasks images for one or more Pythons, reusing what is cached.

Without a registry (the default) the chain is built from nothing but Debian's packages,
PyPI and a host interpreter:

    hassette-tasks-debian:bookworm   debootstrap rootfs + runtime libraries (shared)
    hassette-tasks-python:3.X        + the host's python3.X prefix (a python:3.X-slim stand-in)
    hassette-tasks-hassette:3.X      docker/hassette/Dockerfile (an official-image stand-in)
    hassette-tasks:3.X               docker/Dockerfile: the task collection layer (the product)

With --from-registry (or HASSETTE_TASKS_FROM_REGISTRY=1) only the last image is built,
on the official ghcr.io/nodejsmith/hassette:<version>-py3.X image.

Each step is skipped when its image exists with the same input hash (the LABEL below).
Progress goes to stderr; the final tag(s) to stdout. Standard library only.

    python docker/images.py build --python 3.13 [--python 3.12] [--from-registry] [--no-cache]
    python docker/images.py list
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HASSETTE_DOCKERFILE = ROOT / "docker" / "hassette" / "Dockerfile"
LAYER_DOCKERFILE = ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

PYTHONS = ("3.11", "3.12", "3.13")
HASSETTE_VERSION = "0.60.0"
HASH_LABEL = "org.hassette-tasks.input-hash"
FROM_REGISTRY_ENV = "HASSETTE_TASKS_FROM_REGISTRY"
# the name every image of one checkout carries; another name keeps the images of a second
# checkout on the same engine apart (the shared Debian base aside)
IMAGE_NAME = os.environ.get("HASSETTE_TASKS_IMAGE_NAME") or "hassette-tasks"

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_IMAGE = f"hassette-tasks-debian:{DEBIAN_SUITE}"
# what a CPython build needs at run time, plus what the hassette image uses
RUNTIME_PACKAGES = (
    "libssl3",
    "libsqlite3-0",
    "libffi8",
    "libbz2-1.0",
    "liblzma5",
    "libreadline8",
    "libncursesw6",
    "libgdbm6",
    "libuuid1",
    "ca-certificates",
    "tini",
    "curl",
    "fd-find",
    "tzdata",
)
# bump when a recipe below changes in a way its inputs do not show
RECIPE_VERSION = 2


def python_image(python: str) -> str:
    return f"{IMAGE_NAME}-python:{python}"


def hassette_image(python: str) -> str:
    return f"{IMAGE_NAME}-hassette:{python}"


def layer_image(python: str) -> str:
    return f"{IMAGE_NAME}:{python}"


def registry_base_image(python: str, hassette_version: str = HASSETTE_VERSION) -> str:
    """The official hassette image (tags are <version>-py<python>)."""
    return f"ghcr.io/nodejsmith/hassette:{hassette_version}-py{python}"


# --------------------------------------------------------------------------- output


class BuildError(Exception):
    """A step failed; the message says which and what to look at."""


def log(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


def seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 120 else f"{int(value // 60)}m{int(value % 60):02d}s"


def megabytes(size: int | None) -> str:
    return "?" if size is None else f"{size / 1e6:.0f} MB"


# --------------------------------------------------------------------------- docker


def docker_binary() -> str:
    """$DOCKER, else the distribution's client, else docker on PATH.

    host-setup.sh sets DOCKER=/usr/bin/docker: the newer client first on PATH here has no
    buildx plugin and falls back to the legacy builder, which has no build secrets.
    """
    if os.environ.get("DOCKER"):
        return os.environ["DOCKER"]
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"


def docker_env() -> dict[str, str]:
    return {**os.environ, "DOCKER_BUILDKIT": "1"}


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [docker_binary(), *args], capture_output=True, text=True, env=docker_env()
    )
    if check and result.returncode:
        raise BuildError(f"docker {' '.join(args[:2])} failed: {result.stderr.strip()}")
    return result


def image_info(tag: str) -> dict | None:
    """`docker image inspect` of TAG, or None when there is no such image."""
    result = docker("image", "inspect", tag, check=False)
    if result.returncode:
        return None
    return json.loads(result.stdout)[0]


def image_id(tag: str) -> str | None:
    info = image_info(tag)
    return info["Id"] if info else None


def input_hash_of(tag: str) -> str | None:
    info = image_info(tag)
    labels = ((info or {}).get("Config") or {}).get("Labels") or {}
    return labels.get(HASH_LABEL)


def image_size(tag: str) -> int | None:
    info = image_info(tag)
    return info.get("Size") if info else None


class BuildOutput:
    """Keeps docker's output for the failure message; shows one line per finished step.

    BuildKit's plain progress names a step (`#8 [builder 3/6] RUN ...`) and later reports
    `#8 DONE 12.3s` or `#8 CACHED`; with verbose every line is shown as it arrives.
    """

    STEP = re.compile(r"^#(\d+) \[([^\]]+)\] (.*)$")
    STATUS = re.compile(r"^#(\d+) (DONE [\d.]+s|CACHED|ERROR.*)$")

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.lines: list[str] = []
        self.steps: dict[str, str] = {}

    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        self.lines.append(line)
        if self.verbose:
            print(f"    {line}", file=sys.stderr, flush=True)
            return
        step = self.STEP.match(line)
        if step and not step.group(2).startswith("internal"):
            self.steps[step.group(1)] = f"[{step.group(2)}] {step.group(3)}"
            return
        status = self.STATUS.match(line)
        if status and status.group(1) in self.steps:
            what = self.steps.pop(status.group(1))
            what = what if len(what) <= 96 else what[:93] + "..."
            word = status.group(2).replace("DONE ", "")
            print(
                f"    {what}  ({word.lower() if word == 'CACHED' else word})",
                file=sys.stderr,
                flush=True,
            )

    def tail(self, count: int = 40) -> str:
        return "\n".join(self.lines[-count:])


def run_streaming(
    command: Sequence[str], verbose: bool, what: str, stdin_writer=None
) -> BuildOutput:
    """Run COMMAND, feeding its output to a BuildOutput; STDIN_WRITER(pipe) streams input."""
    output = BuildOutput(verbose)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin_writer else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=docker_env(),
    )
    writer_error: list[BaseException] = []

    def write_input() -> None:
        try:
            stdin_writer(
                process.stdin.buffer if hasattr(process.stdin, "buffer") else process.stdin
            )
        except BrokenPipeError:
            pass  # the reader gave up; its exit code tells why
        except BaseException as error:
            writer_error.append(error)
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()

    writer = threading.Thread(target=write_input, daemon=True) if stdin_writer else None
    try:
        if writer:
            writer.start()
        for line in process.stdout:
            output.feed(line)
        code = process.wait()
        if writer:
            writer.join()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if writer_error:
        raise BuildError(f"{what}: could not stream the build context: {writer_error[0]}")
    if code:
        raise BuildError(f"{what} failed (exit {code}); the last lines:\n{output.tail()}")
    return output


# --------------------------------------------------------------------------- hashing


class InputHash:
    def __init__(self, *parts: object):
        self._hash = hashlib.sha256()
        self.add(RECIPE_VERSION, *parts)

    def add(self, *parts: object) -> InputHash:
        for part in parts:
            self._hash.update(repr(part).encode() + b"\0")
        return self

    def add_file(self, path: Path) -> InputHash:
        self.add(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
        self._hash.update(path.read_bytes())
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()[:24]


def copied_sources(dockerfile: Path) -> list[Path]:
    """The context files a Dockerfile's COPY lines (without --from) name, expanded."""
    sources: list[Path] = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if not words or words[0].upper() != "COPY":
            continue
        args = [word for word in words[1:] if not word.startswith("--")]
        if any(word.startswith("--from") for word in words[1:]) or len(args) < 2:
            continue
        for source in args[:-1]:
            path = ROOT / source
            if path.is_dir():
                sources += sorted(
                    file
                    for file in path.rglob("*")
                    if file.is_file() and "__pycache__" not in file.parts
                )
            elif path.exists():
                sources.append(path)
            else:
                raise BuildError(
                    f"{dockerfile.relative_to(ROOT)} copies {source}, which does not exist"
                )
    return sources


def dockerfile_inputs(dockerfile: Path, *parts: object) -> str:
    digest = InputHash(*parts).add_file(dockerfile)
    if DOCKERIGNORE.exists():
        digest.add_file(DOCKERIGNORE)
    for source in copied_sources(dockerfile):
        digest.add_file(source)
    return digest.hexdigest()


# --------------------------------------------------------------------------- steps


@dataclass
class Options:
    no_cache: bool = False
    verbose: bool = False
    hassette_version: str = HASSETTE_VERSION


@dataclass
class Step:
    """One image: its tag, its input hash, and how to build it."""

    kind: str
    tag: str
    started: float = field(default_factory=time.monotonic)  # hashing counts too

    def up_to_date(self, digest: str, options: Options) -> bool:
        if options.no_cache:
            return False
        return input_hash_of(self.tag) == digest

    def run(self, digest: str, options: Options, build, detail: str = "") -> None:
        started = self.started
        name = f"{self.kind:<8} {self.tag}"
        if self.up_to_date(digest, options):
            log(f"{name}: up to date (input {digest[:12]}), {seconds(time.monotonic() - started)}")
            return
        log(f"{name}: building{f' ({detail})' if detail else ''}...")
        replaced = image_id(self.tag)
        build()
        took = seconds(time.monotonic() - started)
        log(f"{name}: built in {took}, {megabytes(image_size(self.tag))}")
        if replaced and replaced != image_id(self.tag):
            # the old image is now untagged; its unshared layers are dead weight on disk
            # (docker refuses while a container or another tag still uses it: that is fine)
            docker("image", "rm", replaced, check=False)


def debian_step(options: Options) -> str:
    """hassette-tasks-debian:bookworm from debootstrap, shared by every Python."""
    step = Step("debian", DEBIAN_IMAGE)
    digest = InputHash("debian", DEBIAN_SUITE, DEBIAN_MIRROR, sorted(RUNTIME_PACKAGES)).hexdigest()
    step.run(
        digest,
        options,
        lambda: build_debian(digest, options),
        f"debootstrap {DEBIAN_SUITE}, about a minute",
    )
    return DEBIAN_IMAGE


def build_debian(digest: str, options: Options) -> None:
    if os.geteuid() != 0:
        raise BuildError(
            "debootstrap needs root: run images.py as root (or use "
            "--from-registry where a registry is reachable)"
        )
    if not shutil.which("debootstrap"):
        raise BuildError("debootstrap is not installed: run `. docker/host-setup.sh` first")
    rootfs = Path(tempfile.mkdtemp(prefix="hassette-tasks-rootfs-", dir="/var/tmp"))
    try:
        started = time.monotonic()
        run_streaming(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(RUNTIME_PACKAGES)}",
                DEBIAN_SUITE,
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            options.verbose,
            "debootstrap",
        )
        log(f"  debootstrap: {seconds(time.monotonic() - started)}")
        trim_rootfs(rootfs)
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
        )
        changes = [
            f"LABEL {HASH_LABEL}={digest}",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            'CMD ["bash"]',
        ]
        command = [docker_binary(), "import"]
        for change in changes:
            command += ["--change", change]
        imported = subprocess.run(
            [*command, "-", DEBIAN_IMAGE],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            env=docker_env(),
        )
        tar.stdout.close()
        if tar.wait() or imported.returncode:
            raise BuildError(f"docker import failed: {imported.stderr.strip()}")
    finally:
        remove_rootfs(rootfs)


# as Debian's -slim images do: no manuals, translations or docs (copyright files stay),
# now and for every package apt installs later
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""


def trim_rootfs(rootfs: Path) -> None:
    """Leave out what a base image does not need: downloaded packages, apt lists, docs."""
    (rootfs / "etc/dpkg/dpkg.cfg.d/hassette-tasks-slim").write_text(DPKG_EXCLUDES)
    for pattern in (
        "var/cache/apt/archives/*.deb",
        "var/cache/apt/*.bin",
        "var/lib/apt/lists/*_*",
        "var/log/*.log",
        "debootstrap",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/locale/*/",
        "usr/share/doc/*/*",
    ):
        for path in rootfs.glob(pattern):
            if path.name in ("copyright", "locale.alias"):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    for name in ("etc/hostname", "etc/resolv.conf"):  # docker provides both at run time
        path = rootfs / name
        if path.is_file() and not path.is_symlink():
            path.write_text("")


def remove_rootfs(rootfs: Path) -> None:
    """Unmount what debootstrap may have left mounted (on failure), then delete the tree."""
    with open("/proc/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in sorted((p for p in points if p.startswith(f"{rootfs}/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)
    shutil.rmtree(rootfs, ignore_errors=True)


@dataclass(frozen=True)
class HostPython:
    minor: str  # 3.13
    version: str  # 3.13.0
    prefix: Path


def host_python(minor: str) -> HostPython:
    """The host's python3.X: its full version and its installation prefix."""
    command = f"python{minor}"
    if not shutil.which(command):
        raise BuildError(
            f"{command} is not on PATH: run `. docker/host-setup.sh` (it sets "
            "PYENV_VERSION so pyenv's interpreters resolve)"
        )
    probe = subprocess.run(
        [
            command,
            "-c",
            "import platform, sys; print(sys.base_prefix); print(platform.python_version())",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode:
        raise BuildError(f"{command} does not run: {probe.stderr.strip()}")
    prefix, version = probe.stdout.splitlines()[:2]
    return HostPython(minor, version, Path(prefix))


def prefix_entries(python: HostPython) -> Iterator[tuple[Path, str]]:
    """(path, name in the context) for every entry of the prefix the image keeps.

    Left out: the test suite, site-packages contents (an empty folder stays), the static
    libpython (only for embedding), -O/-OO bytecode, and bin/pip* (pip lives in the
    site-packages left out).
    """
    lib = f"lib/python{python.minor}"
    skip_dirs = {f"{lib}/test", f"{lib}/idlelib/idle_test"}
    for folder, dirs, files in os.walk(python.prefix):
        folder_path = Path(folder)
        relative = folder_path.relative_to(python.prefix).as_posix()
        relative = "" if relative == "." else relative
        yield folder_path, f"prefix/{relative}".rstrip("/")
        if relative == f"{lib}/site-packages":
            dirs[:] = []
            continue
        kept_dirs = []
        for name in sorted(dirs):
            path = f"{relative}/{name}".lstrip("/")
            if path in skip_dirs:
                continue
            if (folder_path / name).is_symlink():
                yield folder_path / name, f"prefix/{path}"
            else:
                kept_dirs.append(name)
        dirs[:] = kept_dirs
        for name in sorted(files):
            path = f"{relative}/{name}".lstrip("/")
            if (
                (name.startswith("libpython") and name.endswith(".a"))
                or re.search(r"\.opt-[12]\.pyc$", name)
                or (relative == "bin" and name.startswith("pip"))
            ):
                continue
            yield folder_path / name, f"prefix/{path}"


# CPython gh-116669: typing's `Alias[T](...)` lets a TypeError escape when the instance is a
# frozen slots dataclass, and hassette does that at import. Later 3.11/3.12 releases (what
# python:3.X-slim ships) catch it; a stand-in made from an older interpreter gets that fix.
TYPING_FIX = (
    "            result.__orig_class__ = self\n        except AttributeError:\n",
    "            result.__orig_class__ = self\n        except Exception:  # gh-116669\n",
)


def patched(python: HostPython, name: str) -> bytes | None:
    """The content to ship instead of the prefix file NAME, or None to ship it as it is."""
    if name != f"prefix/lib/python{python.minor}/typing.py":
        return None
    text = (python.prefix / name.removeprefix("prefix/")).read_text()
    old, new = TYPING_FIX
    return text.replace(old, new).encode() if old in text else None


def python_dockerfile(python: HostPython) -> str:
    prefix = python.prefix.as_posix()
    # every folder on the way to the prefix must be open to uid 1000 (root's home is 700)
    folders = [p.as_posix() for p in reversed(python.prefix.parents) if p.as_posix() != "/"]
    opens = " ".join(shlex.quote(p) for p in [*folders, prefix])
    binary = f"{prefix}/bin/python{python.minor}"
    return f"""\
FROM {DEBIAN_IMAGE}
COPY prefix/ {prefix}/
RUN chmod 755 {opens} \\
 && ln -s {binary} /usr/local/bin/python{python.minor} \\
 && ln -s python{python.minor} /usr/local/bin/python3 \\
 && ln -s python{python.minor} /usr/local/bin/python \\
 && python3 -m compileall -q {prefix}/lib/python{python.minor}/typing.py \\
 && python3 -c 'import ssl, sqlite3, ctypes, zlib, bz2, lzma, venv'
ENV LANG=C.UTF-8 PYTHON_VERSION={python.version}
CMD ["python3"]
"""


def python_step(minor: str, options: Options) -> str:
    """hassette-tasks-python:3.X: the Debian image plus the host's interpreter prefix."""
    tag = python_image(minor)
    step = Step("python", tag)
    python = host_python(minor)
    dockerfile = python_dockerfile(python)
    digest = InputHash("python", image_id(DEBIAN_IMAGE), dockerfile)
    for path, name in prefix_entries(python):
        info = path.lstat()
        digest.add(
            name,
            info.st_mode,
            info.st_size,
            info.st_mtime_ns,
            os.readlink(path) if path.is_symlink() else None,
            patched(python, name),
        )
    digest = digest.hexdigest()

    def write_context(pipe) -> None:
        with tarfile.open(fileobj=pipe, mode="w|") as tar:
            data = dockerfile.encode()
            info = tarfile.TarInfo("Dockerfile")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
            for path, name in prefix_entries(python):
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                replacement = patched(python, name) if info.isfile() else None
                if replacement is not None:
                    log(f"  {name.removeprefix('prefix/')}: applying the gh-116669 fix")
                    info.size = len(replacement)
                    tar.addfile(info, io.BytesIO(replacement))
                elif info.isfile():
                    with open(path, "rb") as handle:
                        tar.addfile(info, handle)
                else:
                    tar.addfile(info)

    def build() -> None:
        command = [
            docker_binary(),
            "build",
            "--progress=plain",
            "--tag",
            tag,
            "--label",
            f"{HASH_LABEL}={digest}",
        ]
        if options.no_cache:
            command.append("--no-cache")
        run_streaming([*command, "-"], options.verbose, f"building {tag}", write_context)

    step.run(digest, options, build, f"{python.prefix}, Python {python.version}")
    return tag


def secret_args() -> list[str]:
    """The host's CA bundle as a build secret (PyPI may sit behind a TLS-inspecting proxy).

    Secrets are mounted for single RUN steps only: nothing of it reaches an image.
    """
    bundle = os.environ.get("SSL_CERT_FILE")
    if bundle and Path(bundle).is_file():
        return ["--secret", f"id=ca,src={bundle}"]
    return []


def dockerfile_step(
    kind: str, tag: str, dockerfile: Path, build_args: dict[str, str], parent: str, options: Options
) -> str:
    """Build DOCKERFILE with the repository as context, unless its inputs are unchanged."""
    step = Step(kind, tag)
    digest = dockerfile_inputs(
        dockerfile, kind, sorted(build_args.items()), image_id(parent) or parent
    )

    def build() -> None:
        command = [
            docker_binary(),
            "build",
            "--progress=plain",
            "--file",
            str(dockerfile),
            "--tag",
            tag,
            "--label",
            f"{HASH_LABEL}={digest}",
            *secret_args(),
        ]
        for name, value in build_args.items():
            command += ["--build-arg", f"{name}={value}"]
        if options.no_cache:
            command.append("--no-cache")
        run_streaming([*command, str(ROOT)], options.verbose, f"building {tag}")

    step.run(digest, options, build, f"{dockerfile.relative_to(ROOT)} FROM {parent}")
    return tag


def build(python: str, from_registry: bool = False, options: Options | None = None) -> str:
    """Build every image PYTHON's layer needs; return the layer's tag."""
    options = options or Options()
    if from_registry:
        base = registry_base_image(python, options.hassette_version)
    else:
        debian_step(options)
        python_tag = python_step(python, options)
        base = dockerfile_step(
            "hassette",
            hassette_image(python),
            HASSETTE_DOCKERFILE,
            {"PYTHON_IMAGE": python_tag, "HASSETTE_VERSION": options.hassette_version},
            python_tag,
            options,
        )
    return dockerfile_step(
        "layer", layer_image(python), LAYER_DOCKERFILE, {"BASE_IMAGE": base}, base, options
    )


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """One build at a time on this machine: images and the rootfs folder are shared."""
    path = Path(tempfile.gettempdir()) / "hassette-tasks-images.lock"
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another images.py build to finish ({path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --------------------------------------------------------------------------- CLI


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def cmd_build(args: argparse.Namespace) -> int:
    pythons = args.python or ["3.13"]
    for python in pythons:
        if python not in PYTHONS:
            raise BuildError(f"unsupported Python {python!r}: choose from {', '.join(PYTHONS)}")
    from_registry = args.from_registry or truthy(os.environ.get(FROM_REGISTRY_ENV))
    options = Options(
        no_cache=args.no_cache, verbose=args.verbose, hassette_version=args.hassette_version
    )
    started = time.monotonic()
    tags = []
    with build_lock():
        for python in pythons:
            source = "the public base image" if from_registry else "local stand-ins"
            log(f"Python {python}: building from {source}")
            tags.append(build(python, from_registry, options))
    log(f"done in {seconds(time.monotonic() - started)}: {', '.join(tags)}")
    for tag in tags:
        print(tag, flush=True)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    tags = [DEBIAN_IMAGE]
    for python in PYTHONS:
        tags += [python_image(python), hassette_image(python), layer_image(python)]
    for tag in tags:
        info = image_info(tag)
        if info:
            digest = ((info.get("Config") or {}).get("Labels") or {}).get(HASH_LABEL, "-")
            print(
                f"{tag:<34} {megabytes(info.get('Size')):>8}  {info['Created'][:19]}  "
                f"input {digest[:12]}"
            )
        else:
            print(f"{tag:<34} {'-':>8}  (not built)")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = main.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build (or reuse) the images for a Python")
    build_cmd.add_argument(
        "--python",
        action="append",
        metavar="3.X",
        help=f"Python version, repeatable (one of {', '.join(PYTHONS)}; default 3.13)",
    )
    build_cmd.add_argument(
        "--from-registry",
        action="store_true",
        help="build the layer on the official hassette image instead of "
        f"local stand-ins (also {FROM_REGISTRY_ENV}=1)",
    )
    build_cmd.add_argument(
        "--no-cache",
        action="store_true",
        help="rebuild every step, ignoring input hashes and docker's cache",
    )
    build_cmd.add_argument(
        "--hassette-version",
        default=HASSETTE_VERSION,
        help=f"hassette version to install or pull (default {HASSETTE_VERSION})",
    )
    build_cmd.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every line of docker's and debootstrap's output",
    )
    build_cmd.set_defaults(func=cmd_build)
    list_cmd = commands.add_parser("list", help="show the images, their sizes and input hashes")
    list_cmd.set_defaults(func=cmd_list)
    return main


def main(argv: Iterable[str] | None = None) -> int:
    args = parser().parse_args(list(argv) if argv is not None else None)
    try:
        return args.func(args)
    except BuildError as error:
        log(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
