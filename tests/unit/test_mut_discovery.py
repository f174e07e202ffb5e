"""discovery: what the log says about a skipped requirements.txt symlink, and an ignore
file with a line git drops (tests found by nox -s mutate -- discovery)."""

from __future__ import annotations

import io
import os

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


def test_gitignore_and_ignore_in_one_folder_both_apply(tree):
    root = tree(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".gitignore": "a/\n",
            ".ignore": "b/\n",
            "a/requirements.txt": REQ,
            "b/requirements.txt": REQ,
            "c/requirements.txt": REQ,
        }
    )

    assert find_requirements([root]).files == [root / "c/requirements.txt"]


def test_a_folder_only_pattern_does_not_ignore_a_file(tree):
    root = tree({".ignore": "requirements.txt/\n", "requirements.txt": REQ})

    assert find_requirements([root]).files == [root / "requirements.txt"]


def test_a_file_below_an_ignored_folder_cannot_be_taken_back(tree):
    # git's rule (and fd's): nothing below an excluded folder comes back
    root = tree({".ignore": "sub/\n!sub/requirements.txt\n", "sub/requirements.txt": REQ})

    assert find_requirements([root]).files == []


def test_a_missing_first_root_does_not_stop_the_second(tmp_path, tree):
    root = tree({"requirements.txt": REQ})

    assert find_requirements([tmp_path / "missing", root]).files == [root / "requirements.txt"]


def test_an_unreadable_first_root_does_not_stop_the_second(tmp_path, tree):
    root = tree({"requirements.txt": REQ})
    (tmp_path / "a file").write_text("")
    below_a_file = tmp_path / "a file" / "config"  # ENOTDIR

    result = find_requirements([below_a_file, root])

    assert result.unreadable_folders == [below_a_file]
    assert result.files == [root / "requirements.txt"]


def test_entries_after_a_skipped_link_or_a_fifo_are_still_searched(tree, tmp_path):
    root = tree({"linked/z/requirements.txt": REQ, "fifo/z/requirements.txt": REQ})
    (root / "linked" / "requirements.txt").symlink_to(tmp_path / "gone.txt")
    os.mkfifo(root / "fifo" / "requirements.txt")

    assert find_requirements([root]).files == [
        root / "fifo/z/requirements.txt",
        root / "linked/z/requirements.txt",
    ]


def test_files_are_listed_in_the_order_of_the_paths_found_not_their_targets(tree):
    root = tree({"m/requirements.txt": REQ, "z/requirements.txt": "flask\n"})
    (root / "a").mkdir()
    (root / "a" / "requirements.txt").symlink_to(root / "z" / "requirements.txt")

    assert find_requirements([root]).files == [
        root / "a/requirements.txt",
        root / "m/requirements.txt",
    ]
