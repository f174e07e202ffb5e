"""Find requirements.txt files the way the old image's `fd` call did.

Rules (docs/contract.md, step 3): the exact name `requirements.txt`, at most 5 levels deep
(`root/requirements.txt` is depth 1), hidden files and folders skipped, `.ignore` and
`.fdignore` files honoured everywhere and `.gitignore` inside a git work tree, empty
files skipped, no symlink followed out of the tree, each file once, in sorted order.
A folder this user cannot read is passed over (and reported), never a reason to stop.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import PathSpec
    from pathspec.pattern import Pattern

REQUIREMENTS_NAME = "requirements.txt"
MAX_DEPTH = 5
# within one folder, later files win: .ignore beats .gitignore, as in fd
IGNORE_FILES = (".gitignore", ".ignore", ".fdignore")
_BOM = "\ufeff".encode()


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    empty: list[Path] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)
    missing_roots: list[Path] = field(default_factory=list)  # roots not searched: no folder
    unreadable_folders: list[Path] = field(default_factory=list)
    not_folders: list[Path] = field(default_factory=list)  # those of them that exist (files)
    # requirements.txt symlinks not followed: (the link, where it points, why not)
    skipped_links: list[tuple[Path, str, str]] = field(default_factory=list)


@dataclass
class _Layer:
    base: Path
    spec: PathSpec[Pattern]


# os.path's tests, not Path's: on Python < 3.14 Path.exists() and .is_file() raise for a
# path inside a folder this user cannot read (EACCES), and one such folder would stop the
# whole start; os.path answers False for it, and the walk then reports the folder itself
_exists, _is_file = os.path.exists, os.path.isfile


def _in_git_work_tree(path: Path) -> bool:
    return any(_exists(parent / ".git") for parent in (path, *path.parents))


def _read_layer(folder: Path, use_gitignore: bool) -> _Layer | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        if name == ".gitignore" and not use_gitignore:
            continue
        try:
            lines += (folder / name).read_text(errors="replace").splitlines()
        except OSError:
            continue
    if not lines:
        return None
    import pathspec  # only paid for where an ignore file exists

    # plain last-match-wins per path: the walk never enters an ignored folder, which is
    # git's rule that nothing below an excluded folder comes back (GitIgnoreSpec's extra
    # priority rule would hide `!*/` folders of a whitelist ignore file, unlike fd)
    try:
        spec = pathspec.PathSpec.from_lines("gitignore", lines)
    except ValueError:  # a line git itself would ignore (`!`, a lone `\\`): drop such lines
        spec = pathspec.PathSpec.from_lines("gitignore", [x for x in lines if _valid(x)])
    return _Layer(folder, spec)


def _valid(line: str) -> bool:
    import pathspec

    try:
        pathspec.PathSpec.from_lines("gitignore", [line])
    except ValueError:
        return False
    return True


def _ignored(path: Path, is_dir: bool, layers: list[_Layer]) -> bool:
    for layer in reversed(layers):  # the deepest ignore file decides first
        relative = path.relative_to(layer.base).as_posix() + ("/" if is_dir else "")
        verdict: bool | None = layer.spec.check_file(relative).include
        if verdict is not None:
            return verdict
    return False


def has_requirements(path: Path) -> bool:
    """False for a file with nothing but blank lines and comments."""
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.removeprefix(_BOM).strip()  # uv reads past a byte-order mark
            if line and not line.startswith(b"#"):
                return True
    return False


def _link_target(link: Path) -> str:
    try:
        return os.readlink(link)
    except OSError:
        return "?"


def _why_not(real: Path) -> str:
    if not _exists(real):
        return "which does not exist (or cannot be read)"
    if not _is_file(real):
        return "which is not a file"
    return "outside the searched folders: a symlink is followed only within them"


def _is_inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _folders(roots: Iterable[Path], result: Discovery) -> list[Path]:
    """The ROOTS that are folders; the others go to RESULT's lists, to be told apart."""
    existing = []
    for root in roots:
        try:
            is_dir = stat.S_ISDIR(root.stat().st_mode)
        except FileNotFoundError:
            result.missing_roots.append(root)
            continue
        except OSError:  # EACCES on a folder above it, ENOTDIR, a loop: it cannot be read
            result.unreadable_folders.append(root)
            continue
        if is_dir:
            existing.append(root)
        else:
            result.missing_roots.append(root)
            result.not_folders.append(root)
    return existing


def find_requirements(roots: Iterable[Path], max_depth: int = MAX_DEPTH) -> Discovery:
    result = Discovery()
    seen: set[Path] = set()
    existing = _folders(roots, result)
    real_roots = [root.resolve() for root in existing]
    found: list[tuple[Path, Path]] = []  # (shown path, real path)

    def walk(folder: Path, depth: int, layers: list[_Layer], git: bool) -> None:
        layer = _read_layer(folder, git)
        if layer:
            layers = [*layers, layer]
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            result.unreadable_folders.append(folder)  # said in the log, then passed over
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if depth < max_depth and not _ignored(path, True, layers):
                    walk(path, depth + 1, layers, git or _exists(path / ".git"))
                continue
            if entry.name != REQUIREMENTS_NAME or _ignored(path, False, layers):
                continue
            real = path.resolve()
            if entry.is_symlink() and not (_is_file(real) and _is_inside(real, real_roots)):
                result.skipped_links.append((path, _link_target(path), _why_not(real)))
                continue  # a symlink that leaves the searched folders, or dangles
            if not _is_file(real):
                continue
            found.append((path, real))

    for root in existing:
        walk(root, 1, [], _in_git_work_tree(root.resolve()))

    for shown, real in sorted(found, key=lambda pair: str(pair[0])):
        if real in seen:
            continue
        seen.add(real)
        try:
            if not has_requirements(real):
                result.empty.append(shown)
                continue
        except OSError:
            result.unreadable.append(shown)
            continue
        result.files.append(shown)
    return result
