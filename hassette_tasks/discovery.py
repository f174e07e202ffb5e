"""Find requirements.txt files the way the old image's `fd` call did.

Rules (docs/contract.md, step 3): the exact name `requirements.txt`, at most 5 levels deep
(`root/requirements.txt` is depth 1), hidden files and folders skipped, `.ignore` and
`.fdignore` files honoured everywhere and `.gitignore` inside a git work tree, empty
files skipped, no symlink followed out of the tree, each file once, in sorted order.
"""

from __future__ import annotations

import os
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
    missing_roots: list[Path] = field(default_factory=list)
    unreadable_folders: list[Path] = field(default_factory=list)


@dataclass
class _Layer:
    base: Path
    spec: PathSpec[Pattern]


def _in_git_work_tree(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path, *path.parents))


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


def _is_inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def find_requirements(roots: Iterable[Path], max_depth: int = MAX_DEPTH) -> Discovery:
    result = Discovery()
    seen: set[Path] = set()
    existing = []
    for root in roots:
        if root.is_dir():
            existing.append(root)
        else:
            result.missing_roots.append(root)
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
                    walk(path, depth + 1, layers, git or (path / ".git").exists())
                continue
            if entry.name != REQUIREMENTS_NAME or _ignored(path, False, layers):
                continue
            real = path.resolve()
            if entry.is_symlink() and not (real.is_file() and _is_inside(real, real_roots)):
                continue  # a symlink that leaves the searched folders, or dangles
            if not real.is_file():
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
