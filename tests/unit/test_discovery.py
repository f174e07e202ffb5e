"""discovery.find_requirements: fd's rules as step 3 of docs/contract.md states them.

Expected results were checked against fdfind 8.6.0 (`fd --max-depth 5 --type f
'^requirements\\.txt$'`) on the same trees.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hassette_tasks import discovery
from hassette_tasks.discovery import find_requirements

REQ = "requests>=2\n"


def found(roots, **kwargs) -> list[Path]:
    return find_requirements(roots, **kwargs).files


def test_exact_name_only(tree):
    root = tree(
        {
            "requirements.txt": REQ,
            "a/requirements-dev.txt": REQ,
            "b/Requirements.txt": REQ,
            "c/requirements.txt.bak": REQ,
            "d/requirements.txt~": REQ,
            "e/my-requirements.txt": REQ,
        }
    )
    assert found([root]) == [root / "requirements.txt"]


def test_depth_counts_as_fd_max_depth_5(tree):
    root = tree(
        {
            "requirements.txt": REQ,  # depth 1
            "a/b/c/d/requirements.txt": REQ,  # depth 5
            "a/b/c/d/e/requirements.txt": REQ,  # depth 6
            "x/y/z/w/v/u/t/requirements.txt": REQ,  # depth 8
        }
    )
    assert found([root]) == [root / "a/b/c/d/requirements.txt", root / "requirements.txt"]


def test_max_depth_argument(tree):
    root = tree({"requirements.txt": REQ, "a/requirements.txt": REQ})
    assert found([root], max_depth=1) == [root / "requirements.txt"]


def test_hidden_files_and_folders_skipped(tree):
    root = tree(
        {
            ".hidden/requirements.txt": REQ,
            "a/.cache/requirements.txt": REQ,
            ".requirements.txt": REQ,
            "visible/requirements.txt": REQ,
        }
    )
    assert found([root]) == [root / "visible/requirements.txt"]


def test_ignore_file_excludes_a_folder_and_a_file(tree):
    root = tree(
        {
            ".ignore": "skipped/\nkeep/sub/requirements.txt\n",
            "skipped/requirements.txt": REQ,
            "skipped/deeper/requirements.txt": REQ,
            "keep/requirements.txt": REQ,
            "keep/sub/requirements.txt": REQ,
        }
    )
    assert found([root]) == [root / "keep/requirements.txt"]


def test_ignore_file_in_a_subfolder_applies_below_it(tree):
    root = tree(
        {
            "a/.ignore": "old/\n",
            "a/old/requirements.txt": REQ,
            "b/old/requirements.txt": REQ,
        }
    )
    assert found([root]) == [root / "b/old/requirements.txt"]


def test_fdignore_is_honoured(tree):
    root = tree(
        {".fdignore": "skipped/\n", "skipped/requirements.txt": REQ, "requirements.txt": REQ}
    )
    assert found([root]) == [root / "requirements.txt"]


def test_ignore_negation(tree):
    root = tree(
        {
            ".ignore": "requirements.txt\n!keep/requirements.txt\n",
            "requirements.txt": REQ,
            "drop/requirements.txt": REQ,
            "keep/requirements.txt": REQ,
        }
    )
    assert found([root]) == [root / "keep/requirements.txt"]


def test_deeper_ignore_overrides_shallower(tree):
    root = tree(
        {
            ".ignore": "requirements.txt\n",
            "requirements.txt": REQ,
            "other/requirements.txt": REQ,
            "wanted/.ignore": "!requirements.txt\n",
            "wanted/requirements.txt": REQ,
            "wanted/deeper/requirements.txt": REQ,
        }
    )
    assert found([root]) == [
        root / "wanted/deeper/requirements.txt",
        root / "wanted/requirements.txt",
    ]


def test_gitignore_ignored_outside_a_git_work_tree(tree):
    root = tree({".gitignore": "build/\n", "build/requirements.txt": REQ})
    assert found([root]) == [root / "build/requirements.txt"]


def test_gitignore_honoured_with_git_in_the_root(tree):
    root = tree({".gitignore": "build/\n", "build/requirements.txt": REQ, "requirements.txt": REQ})
    (root / ".git").mkdir()
    assert found([root]) == [root / "requirements.txt"]


def test_gitignore_honoured_with_git_in_a_parent(tree, tmp_path):
    root = tree(
        {".gitignore": "build/\n", "build/requirements.txt": REQ, "requirements.txt": REQ},
        root="repo/apps",
    )
    (tmp_path / "repo" / ".git").mkdir()
    assert found([root]) == [root / "requirements.txt"]


def test_gitignore_honoured_below_a_nested_git_work_tree(tree):
    root = tree(
        {
            "plain/.gitignore": "build/\n",
            "plain/build/requirements.txt": REQ,
            "repo/.gitignore": "build/\n",
            "repo/build/requirements.txt": REQ,
        }
    )
    (root / "repo" / ".git").mkdir()
    assert found([root]) == [root / "plain/build/requirements.txt"]


def test_ignore_beats_gitignore_in_the_same_folder(tree):
    root = tree({".gitignore": "build/\n", ".ignore": "!build/\n", "build/requirements.txt": REQ})
    (root / ".git").mkdir()
    assert found([root]) == [root / "build/requirements.txt"]


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n   # indented comment\n\n"])
def test_empty_and_comment_only_files_reported_not_installed(tree, text):
    root = tree({"empty/requirements.txt": text, "full/requirements.txt": "# deps\n" + REQ})
    result = find_requirements([root])
    assert result.files == [root / "full/requirements.txt"]
    assert result.empty == [root / "empty/requirements.txt"]


def test_directory_symlink_loop_terminates(tree):
    root = tree({"a/requirements.txt": REQ})
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "a" / "self").symlink_to(".", target_is_directory=True)
    started = time.monotonic()
    assert found([root]) == [root / "a/requirements.txt"]
    assert time.monotonic() - started < 5


def test_symlinked_folder_is_not_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    (outside / "pkg").mkdir(parents=True)
    (outside / "pkg" / "requirements.txt").write_text(REQ)
    root = tree({})
    (root / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    assert find_requirements([root]).files == []


def test_symlink_pointing_outside_the_roots_is_not_followed(tree, tmp_path):
    secret = tmp_path / "elsewhere" / "requirements.txt"
    secret.parent.mkdir()
    secret.write_text(REQ)
    root = tree({"a/keep.txt": ""})
    (root / "a" / "requirements.txt").symlink_to(secret)
    result = find_requirements([root])
    assert result.files == [] and result.empty == [] and result.unreadable == []


def test_dangling_symlink_is_skipped(tree, tmp_path):
    root = tree({"a/keep.txt": ""})
    (root / "a" / "requirements.txt").symlink_to(tmp_path / "gone.txt")
    assert find_requirements([root]).files == []


def test_symlink_inside_the_roots_is_found_once(tree):
    root = tree({"real/requirements.txt": REQ})
    (root / "alias").mkdir()
    (root / "alias" / "requirements.txt").symlink_to(root / "real" / "requirements.txt")
    result = find_requirements([root])
    assert len(result.files) == 1
    assert result.files[0].resolve() == (root / "real/requirements.txt").resolve()


def test_symlink_into_the_other_root_is_found_once(tmp_path, tree):
    config = tree({"requirements.txt": REQ}, root="config")
    apps = tree({"a/x.py": ""}, root="apps")
    (apps / "a" / "requirements.txt").symlink_to(config / "requirements.txt")
    result = find_requirements([config, apps])
    assert [path.resolve() for path in result.files] == [(config / "requirements.txt").resolve()]


def test_paths_with_spaces_and_non_ascii_names(tree):
    root = tree(
        {
            "my app/requirements.txt": REQ,
            "café/ünïcødé/requirements.txt": REQ,
            "日本/requirements.txt": REQ,
        }
    )
    assert found([root]) == sorted(
        [
            root / "café/ünïcødé/requirements.txt",
            root / "my app/requirements.txt",
            root / "日本/requirements.txt",
        ],
        key=str,
    )


def test_config_dir_equal_to_apps_dir_finds_each_file_once(tree):
    root = tree({"requirements.txt": REQ, "a/requirements.txt": REQ})
    assert found([root, root]) == [root / "a/requirements.txt", root / "requirements.txt"]


def test_config_dir_inside_apps_dir_finds_each_file_once(tree):
    apps = tree(
        {"requirements.txt": REQ, "config/requirements.txt": REQ, "x/requirements.txt": REQ}
    )
    result = find_requirements([apps / "config", apps])
    assert result.files == [
        apps / "config/requirements.txt",
        apps / "requirements.txt",
        apps / "x/requirements.txt",
    ]


def test_same_root_spelled_differently_finds_each_file_once(tree):
    root = tree({"requirements.txt": REQ})
    result = find_requirements([root, root / "." / ".." / root.name])
    assert len(result.files) == 1


def test_sorted_path_order_across_both_roots(tree):
    config = tree({"z/requirements.txt": REQ, "requirements.txt": REQ}, root="config")
    apps = tree(
        {"b/requirements.txt": REQ, "a/requirements.txt": REQ, "a b/requirements.txt": REQ},
        root="apps",
    )
    result = find_requirements([config, apps])  # config first, as Settings orders them
    assert result.files == sorted(result.files, key=str)
    assert result.files == [
        apps / "a b/requirements.txt",
        apps / "a/requirements.txt",
        apps / "b/requirements.txt",
        config / "requirements.txt",
        config / "z/requirements.txt",
    ]


def test_missing_roots_reported(tree, tmp_path):
    apps = tree({"requirements.txt": REQ})
    missing = tmp_path / "no-config"
    a_file = tmp_path / "plain-file"
    a_file.write_text("")
    result = find_requirements([missing, apps, a_file])
    assert result.missing_roots == [missing, a_file]
    assert result.files == [apps / "requirements.txt"]


def test_no_roots_at_all(tmp_path):
    result = find_requirements([tmp_path / "a", tmp_path / "b"])
    assert result.files == [] and len(result.missing_roots) == 2


def test_folder_named_requirements_txt_is_not_a_file(tree):
    root = tree({"requirements.txt/requirements.txt": REQ})
    assert found([root]) == [root / "requirements.txt/requirements.txt"]


def test_unreadable_file_with_chmod_000(tree):
    root = tree({"locked/requirements.txt": REQ, "ok/requirements.txt": REQ})
    locked = root / "locked/requirements.txt"
    locked.chmod(0)
    try:
        locked.open("rb").close()
        readable = True  # root (with its usual capabilities) reads a mode-000 file
    except PermissionError:
        readable = False
    result = find_requirements([root])
    if readable:
        # a file this process can read is installed like any other (for the container's
        # uid 1000, the next test's behaviour applies)
        assert result.files == [root / "locked/requirements.txt", root / "ok/requirements.txt"]
        assert result.unreadable == []
    else:
        assert result.files == [root / "ok/requirements.txt"]
        assert result.unreadable == [root / "locked/requirements.txt"]


def test_unreadable_file_reported_not_installed(tree, monkeypatch):
    """A file that open() refuses (as for uid 1000 and a mode-000 file), whoever runs the test."""
    root = tree({"locked/requirements.txt": REQ, "ok/requirements.txt": REQ})
    locked = (root / "locked/requirements.txt").resolve()
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self.resolve() == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    result = find_requirements([root])
    assert result.files == [root / "ok/requirements.txt"]
    assert result.unreadable == [root / "locked/requirements.txt"]
    assert result.empty == []


def test_unreadable_folder_is_skipped(tree, monkeypatch):
    root = tree({"locked/requirements.txt": REQ, "ok/requirements.txt": REQ})
    real_scandir = os.scandir

    def refusing_scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", refusing_scandir)
    result = discovery.find_requirements([root])
    assert result.files == [root / "ok/requirements.txt"]
    assert result.unreadable_folders == [root / "locked"]  # so the log can say so


def test_wide_and_deep_tree_finishes_and_respects_depth(tmp_path):
    root = tmp_path / "apps"
    wide = root / "wide"
    wide.mkdir(parents=True)
    for index in range(10_000):
        (wide / f"module_{index}.py").touch()
    (wide / "requirements.txt").write_text(REQ)
    deep = root
    expected = [wide / "requirements.txt"]
    for level in range(1, 51):  # root/requirements.txt is depth 1, deep/d1/... depth 2 and on
        (deep / "requirements.txt").write_text(REQ)
        if level <= 5:
            expected.append(deep / "requirements.txt")
        deep = deep / f"d{level}"
        deep.mkdir()
    started = time.monotonic()
    result = find_requirements([root])
    assert time.monotonic() - started < 10
    assert result.files == sorted(expected, key=str)
    assert len(result.files) == 6


def test_whitelist_gitignore_keeps_folders_like_fd(tree):
    # the "ignore everything, whitelist what we commit" .gitignore of many HA config repos
    root = tree(
        {
            ".gitignore": "*\n!*.yaml\n!.gitignore\n!*/\n!requirements.txt\n",
            "requirements.txt": REQ,
            "a/requirements.txt": REQ,
            "a/b/requirements.txt": REQ,
        },
        root="config",
    )
    (root / ".git").mkdir()
    assert found([root]) == [
        root / "a/b/requirements.txt",
        root / "a/requirements.txt",
        root / "requirements.txt",
    ]


def test_a_byte_order_mark_before_a_comment_is_an_empty_file(tmp_path):
    from hassette_tasks.discovery import has_requirements

    path = tmp_path / "requirements.txt"
    path.write_text("\ufeff# nothing yet\n", encoding="utf-8")
    assert not has_requirements(path)
    path.write_text("\ufeffappliba\n", encoding="utf-8")
    assert has_requirements(path)


def test_a_symlinked_requirements_file_inside_the_roots_is_found_under_its_own_name(tree):
    # the target has another name, so the link alone names it: it must be found, once,
    # as the path the user put it at
    root = tree({"shared/deps-common.txt": REQ, "app/x.py": ""})
    (root / "app" / "requirements.txt").symlink_to(root / "shared" / "deps-common.txt")
    (root / "requirements.txt").symlink_to(Path("shared") / "deps-common.txt")  # relative

    assert found([root]) == [root / "app/requirements.txt"]


def test_a_symlink_to_a_file_in_the_other_root_is_found(tmp_path, tree):
    config = tree({"shared.txt": REQ}, root="config")
    apps = tree({"a/x.py": ""}, root="apps")
    (apps / "a" / "requirements.txt").symlink_to(config / "shared.txt")

    assert found([config, apps]) == [apps / "a/requirements.txt"]
