"""discovery: what the log says about a skipped requirements.txt symlink, and an ignore
file with a line git drops (tests found by nox -s mutate -- discovery)."""

from __future__ import annotations

import io

from hassette_tasks.console import Console
from hassette_tasks.discovery import find_requirements
from hassette_tasks.installs import describe_discovery

REQ = "requests>=2\n"


def _warnings(root) -> str:
    out = io.StringIO()
    describe_discovery(Console(env={}, stream=out), find_requirements([root]), [root])
    return out.getvalue()


def test_each_skipped_symlink_is_logged_with_why_it_was_not_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "requirements.txt").write_text(REQ)
    root = tree({"dangles/keep.txt": "", "folder/keep.txt": "", "leaves/keep.txt": ""})
    (root / "dangles" / "requirements.txt").symlink_to(tmp_path / "gone.txt")
    (root / "folder" / "requirements.txt").symlink_to(outside / "folder")
    (root / "leaves" / "requirements.txt").symlink_to(outside / "requirements.txt")

    log = _warnings(root)

    assert (
        f"skipped {root}/dangles/requirements.txt: it is a symlink to {tmp_path}/gone.txt, "
        "which does not exist (or cannot be read)\n"
    ) in log
    assert (
        f"skipped {root}/folder/requirements.txt: it is a symlink to {outside}/folder, "
        "which is not a file\n"
    ) in log
    assert (
        f"skipped {root}/leaves/requirements.txt: it is a symlink to "
        f"{outside}/requirements.txt, outside the searched folders: a symlink is followed "
        "only within them\n"
    ) in log


def test_an_ignore_file_line_git_drops_leaves_its_other_lines_in_force(tree):
    # a lone `!` is a line git ignores; pathspec refuses the whole file for it
    root = tree(
        {".ignore": "!\nskipped/\n", "skipped/requirements.txt": REQ, "requirements.txt": REQ}
    )

    assert find_requirements([root]).files == [root / "requirements.txt"]
