"""Faults in a real container, the user's side: a failing index, a corrupt wheel, malformed
files, options pointing out of the mounts, permissions, constraints, odd folders, a
root-owned cache, temporary files.

Each test runs boot (`hassette-tasks boot -- --version`, as the image's entrypoint does)
inside `sh -c`, with `uv pip list` of /app/.venv before and after in the same container, so
"nothing installed" is a comparison of the real venv. Cases that need nothing but another
setting share one container: the boots run one after another, each with its own variables.
/apps and /config are mounted read-only throughout, as the docs advise.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from tests.container.conftest import ERROR_URL, HANG_URL, HASSETTE_VERSION
from tests.container.dockerrun import Docker, Mount, Run, write
from tests.support import packages

pytestmark = [pytest.mark.docker, pytest.mark.faults]

ON = {"HASSETTE__INSTALL_DEPS": "1"}
MARK = "@@hassette-tasks-test"
BOOT = "hassette-tasks boot -- --version"
# the app venv's packages; no cache, so a root-owned cache volume does not get in the way
LIST_PACKAGES = "UV_NO_CACHE=1 uv pip list --python /app/.venv/bin/python --format json"
INSTALLING = re.compile(r"Installing requirements from (.+) \(with constraints\)\.\.\.")
HAND_OFF = "handing off to hassette"


@dataclass
class Boot:
    """One boot in the container: its exit code and output, the venv around it, /tmp after."""

    output: str
    exit_code: int
    during: str
    before: dict[str, str]
    after: dict[str, str]
    run: Run
    tmp: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return self.run.describe()

    @property
    def added(self) -> dict[str, str]:
        """Packages the boot installed or changed: {name: version}."""
        return {k: v for k, v in self.after.items() if self.before.get(k) != v}

    @property
    def installing(self) -> list[str]:
        """The requirements files the log says were installed, in order."""
        return INSTALLING.findall(self.output)

    def after_banner(self, banner: str) -> str:
        """What the user reads from BANNER on (the banner and uv's words below it)."""
        assert banner in self.output, self.describe()
        return self.output.split(banner, 1)[1]

    def assert_failed(self, banner: str, code: int) -> str:
        """A fatal error: its banner and exit code, no hand-off, the venv as it was."""
        assert self.exit_code == code, self.describe()
        assert HAND_OFF not in self.output, self.describe()
        assert self.after == self.before, f"the venv changed: {self.added}\n{self.describe()}"
        return self.after_banner(banner)

    def assert_handed_off(self) -> None:
        """Exit 0 and the real hassette printed its version after the hand-off."""
        assert self.exit_code == 0, self.describe()
        assert HAND_OFF in self.output, self.describe()
        assert HASSETTE_VERSION in self.output.split(HAND_OFF, 1)[1], self.describe()


@dataclass(frozen=True)
class Step:
    """One boot with its own variables; DURING is shell run while it runs (output kept)."""

    env: Mapping[str, str] = field(default_factory=dict)
    during: str = ""


def script(steps: Sequence[Step]) -> str:
    """sh: the venv's packages, then per step: boot, its exit code, DURING's output, the
    packages again and /tmp; each part after a marker line."""
    lines = [f"echo {MARK} packages", LIST_PACKAGES]
    for step in steps:
        boot = shlex.join(["env", *(f"{k}={v}" for k, v in step.env.items())]) + f" {BOOT}"
        lines.append(f"echo {MARK} boot")
        if step.during:
            lines += [f"{boot} &", "pid=$!", f"seen=$({step.during})", "wait $pid"]
        else:
            lines += [boot]
        lines += [
            "code=$?",
            f"echo {MARK} exit $code",
            f"echo {MARK} during",
            'printf "%s\\n" "${seen:-}"',
            f"echo {MARK} packages",
            LIST_PACKAGES,
            f"echo {MARK} tmp",
            "ls -A /tmp",
        ]
    return "\n".join(lines)


def parse(run: Run) -> list[Boot]:
    """The Boots of a `script` run, from its output."""
    sections: list[tuple[str, str, list[str]]] = []
    for line in run.output.splitlines():
        text, marked, rest = line.partition(f"{MARK} ")
        if sections and (text or not marked):  # output without a final newline is kept too
            sections[-1][2].append(text)
        if marked:
            word, _, argument = rest.partition(" ")
            sections.append((word, argument, []))
    lists: list[dict[str, str]] = []
    boots: list[Boot] = []
    current: dict = {}
    for word, argument, body in sections:
        if word == "packages":
            listed = [line for line in body if line.startswith("[")]
            assert listed, f"uv pip list printed no list:\n{run.describe()}"
            found = json.loads(listed[0])
            lists.append({packages.normalize(p["name"]): p["version"] for p in found})
            if current:
                boots.append(Boot(before=lists[-2], after=lists[-1], run=run, **current))
                current = {}
        elif word == "boot":
            current = {"output": "\n".join(body)}
        elif word == "exit":
            current["exit_code"] = int(argument)
        elif word == "during":
            current["during"] = "\n".join(body)
        elif word == "tmp":
            boots[-1].tmp = [name for name in body if name]
    return boots


def boot_and_look(
    containers: Docker,
    *steps: Step,
    prepare: Callable[[], None] | None = None,
    **options,
) -> list[Boot]:
    """Run STEPS (boots) in one container; PREPARE runs after `docker create`, before start
    (for file modes that `docker create` would open up)."""
    args = ["-c", script(steps or [Step()])]
    if prepare is None:
        run = containers.run(*args, entrypoint="sh", **options)
    else:
        name = containers.create(*args, entrypoint="sh", **options)
        prepare()
        run = containers.start_attached(name)
    boots = parse(run)
    assert len(boots) == max(len(steps), 1), run.describe()
    return boots


def ro(folder, target: str) -> Mount:
    return Mount(folder, target, read_only=True)


# --- the index


def test_index_answering_500_is_unreachable(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep\n")

    (boot,) = boot_and_look(
        containers,
        env={**base_env, **ON, "UV_INDEX_URL": ERROR_URL},
        mounts=[ro(config, "/config")],
    )

    said = boot.assert_failed("PACKAGE INDEX UNREACHABLE", 5)
    assert "500" in said, boot.describe()
    assert "DEPENDENCY CONFLICT" not in boot.output


def test_corrupt_wheel_from_the_index_is_an_install_failure(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "corruptpkg\n")

    (boot,) = boot_and_look(containers, env={**base_env, **ON}, mounts=[ro(config, "/config")])

    said = boot.assert_failed("INSTALL FAILED", 8)
    assert "corruptpkg" in said, boot.describe()
    assert "DEPENDENCY CONFLICT" not in boot.output  # not something the user's pins can fix


# --- malformed project files


def test_malformed_pyproject_fails_the_export_with_a_lock_and_is_skipped_without(
    containers, folders, make_project, base_env
):
    apps = folders.make("apps")
    locked = make_project(apps / "locked")
    unlocked = make_project(apps / "unlocked", lock=False)
    for project in (locked, unlocked):
        (project / "pyproject.toml").write_text('[project\nname = "myapps"\n')

    with_lock, without_lock = boot_and_look(
        containers,
        Step({"HASSETTE__PROJECT_DIR": "/apps/locked"}),
        Step({"HASSETTE__PROJECT_DIR": "/apps/unlocked"}),
        env=base_env,
        mounts=[ro(apps, "/apps")],
    )

    said = with_lock.assert_failed("EXPORT FAILED", 3)
    assert "pyproject.toml" in said and "uv lock" in said, with_lock.describe()
    without_lock.assert_handed_off()
    skipped = [line for line in without_lock.output.splitlines() if "project install: sk" in line]
    assert len(skipped) == 1 and "uv lock" in skipped[0], without_lock.describe()
    assert without_lock.added == {}


# --- requirements files: syntax, options, what they point at


def test_requirements_syntax_error_names_the_file(containers, folders, base_env):
    apps = folders.make("apps")
    write(apps / "mine" / "requirements.txt", "tinydep\nappliba ===\n")

    (boot,) = boot_and_look(containers, env={**base_env, **ON}, mounts=[ro(apps, "/apps")])

    said = boot.assert_failed("INSTALL FAILED", 8)
    assert "/apps/mine/requirements.txt" in said and "appliba ===" in said, boot.describe()


OUTSIDE = {  # option: a line naming something next to the mounted folder on the host
    "-r": "-r ../../shared/more.txt",
    "-e": "-e ../../shared/localpkg",
    "-c": "-c ../../shared/extra-constraints.txt",
}


def test_options_pointing_outside_the_mounts_fail_naming_the_file(containers, folders, base_env):
    """On the host each target exists (next to the apps folder); the container cannot see it."""
    shared = folders.make("shared")
    write(shared / "more.txt", "tinydep\n")
    write(shared / "extra-constraints.txt", "applibb<2\n")
    packages.write_source_tree(packages.Dist("localpkg", "1.0"), shared / "localpkg")
    apps = folders.make("apps")
    for option, line in OUTSIDE.items():
        write(apps / option.strip("-") / "requirements.txt", f"{line}\napplibc\n")

    boots = boot_and_look(
        containers,
        *(Step({"HASSETTE__APPS__DIRECTORY": f"/apps/{o.strip('-')}"}) for o in OUTSIDE),
        env={**base_env, **ON},
        mounts=[ro(apps, "/apps")],
    )

    for (option, line), boot in zip(OUTSIDE.items(), boots, strict=True):
        said = boot.assert_failed("INSTALL FAILED", 8)
        target = line.split()[1].removeprefix("../../")
        assert f"/apps/{option.strip('-')}/requirements.txt" in said, boot.describe()
        assert target in said, f"{option}: {target} not named\n{boot.describe()}"


def test_options_inside_the_read_only_mount_install(containers, folders, base_env):
    """`-e ./localpkg` on a read-only mount: uv_build builds the editable without writing
    into the source tree."""
    apps = folders.make("apps")
    packages.write_source_tree(packages.Dist("localpkg", "1.0"), apps / "localpkg")
    write(apps / "other.txt", "tinydep\n")
    write(apps / "extra-constraints.txt", "applibb<2\n")
    write(
        apps / "requirements.txt",
        "-e ./localpkg\n-r other.txt\n-c extra-constraints.txt\nappliba\n",
    )

    (boot,) = boot_and_look(containers, env={**base_env, **ON}, mounts=[ro(apps, "/apps")])

    boot.assert_handed_off()
    assert boot.added == {
        "localpkg": "1.0",
        "tinydep": "1.0",
        "appliba": "1.0",
        "applibb": "1.0",
    }, boot.describe()


def test_editable_setuptools_package_on_a_read_only_mount_fails_clearly(
    containers, folders, base_env
):
    """setuptools (a project without [build-system]) writes NAME.egg-info into the source
    tree for `-e`, which a read-only mount refuses: a clear failure, nothing installed."""
    apps = folders.make("apps")
    write(apps / "legacypkg" / "pyproject.toml", '[project]\nname = "legacypkg"\nversion = "1.0"\n')
    write(apps / "legacypkg" / "legacypkg.py", "VALUE = 1\n")
    write(apps / "requirements.txt", "-e ./legacypkg\n")

    (boot,) = boot_and_look(containers, env={**base_env, **ON}, mounts=[ro(apps, "/apps")])

    said = boot.assert_failed("INSTALL FAILED", 8)
    assert "/apps/requirements.txt" in said and "legacypkg" in said, boot.describe()
    assert "Read-only file system" in said, boot.describe()
    assert "Drop the -e" in said, "no advice for a read-only editable install"


def test_unreadable_requirements_file_is_named_and_nothing_installs(containers, folders, base_env):
    """chmod 000 on the host: the container's uid 1000 really cannot read it."""
    apps = folders.make("apps")
    config = folders.make("config")
    write(config / "requirements.txt", "applibc\n")  # readable: must not install either
    unreadable = write(apps / "mine" / "requirements.txt", "tinydep\n")

    (boot,) = boot_and_look(
        containers,
        env={**base_env, **ON},
        mounts=[ro(apps, "/apps"), ro(config, "/config")],
        prepare=lambda: unreadable.chmod(0),
    )

    said = boot.assert_failed("INSTALL FAILED", 8)
    assert "cannot read /apps/mine/requirements.txt" in said, boot.describe()
    assert "chmod" in said, boot.describe()
    assert "Installing requirements" not in boot.output


def test_folder_named_requirements_txt_is_ignored(containers, folders, base_env):
    apps = folders.make("apps")
    write(apps / "requirements.txt" / "notes.md", "a folder, not a requirements file\n")
    write(apps / "sub" / "requirements.txt", "applibc\n")

    (boot,) = boot_and_look(containers, env={**base_env, **ON}, mounts=[ro(apps, "/apps")])

    boot.assert_handed_off()
    assert boot.installing == ["/apps/sub/requirements.txt"], boot.describe()
    assert boot.added == {"applibc": "1.0"}


# --- constraints


def test_empty_or_missing_constraints_stop_before_anything_installs(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep\n")
    empty = write(folders.root / "empty constraints.txt", "")

    over_the_image, nonexistent = boot_and_look(
        containers,
        Step(),
        Step({"HASSETTE__CONSTRAINTS": "/nonexistent"}),
        env={**base_env, **ON},
        mounts=[ro(config, "/config"), ro(empty, "/app/constraints.txt")],
    )

    for boot, path in ((over_the_image, "/app/constraints.txt"), (nonexistent, "/nonexistent")):
        said = boot.assert_failed("CONFIGURATION ERROR", 2)
        assert "HASSETTE__CONSTRAINTS" in said and path in said, boot.describe()
        assert "Installing requirements" not in boot.output, boot.describe()


# --- folders: names, sharing, loops, absence


def test_paths_with_spaces_and_non_ascii_names_install(containers, folders, make_project, base_env):
    project = make_project(folders.make("mon projet é"))
    apps = folders.make("äpps ünïcode")
    write(apps / "dossier été" / "requirements.txt", "tinydep\n")

    (boot,) = boot_and_look(
        containers,
        env={**base_env, **ON, "HASSETTE__PROJECT_DIR": "/srv/mon projet é"},
        mounts=[ro(project, "/srv/mon projet é"), ro(apps, "/apps")],
    )

    boot.assert_handed_off()
    assert "project install: starting (/srv/mon projet é/uv.lock)" in boot.output
    assert boot.installing == ["/apps/dossier été/requirements.txt"], boot.describe()
    assert boot.added == {"myapps": "0.1.0", "appliba": "1.0", "applibb": "1.0", "tinydep": "1.0"}


def test_missing_apps_folder_is_logged_and_boot_hands_off(containers, base_env):
    (boot,) = boot_and_look(
        containers, env={**base_env, **ON, "HASSETTE__APPS__DIRECTORY": "/nowhere"}
    )

    boot.assert_handed_off()
    assert "requirements install: /nowhere does not exist, not searched" in boot.output
    assert boot.added == {}


def test_one_folder_for_project_apps_and_config_installs_each_file_once(
    containers, folders, make_project, base_env
):
    shared = make_project(folders.make("everything"))
    write(shared / "requirements.txt", "tinydep\n")
    write(shared / "sub" / "requirements.txt", "applibc\n")

    (boot,) = boot_and_look(
        containers,
        env={**base_env, **ON, "HASSETTE__CONFIG_DIR": "/apps"},  # project and apps: /apps
        mounts=[ro(shared, "/apps")],
    )

    boot.assert_handed_off()
    assert boot.installing == ["/apps/requirements.txt", "/apps/sub/requirements.txt"], (
        boot.describe()
    )
    assert boot.output.count("project install: starting") == 1, boot.describe()
    assert boot.added == {
        "myapps": "0.1.0",
        "appliba": "1.0",
        "applibb": "1.0",
        "tinydep": "1.0",
        "applibc": "1.0",
    }


def test_symlink_loops_in_the_apps_folder_do_not_stop_the_boot(
    containers, folders, make_project, base_env
):
    apps = make_project(folders.make("apps"))
    write(apps / "sub" / "requirements.txt", "applibc\n")
    (apps / "up").symlink_to("..", target_is_directory=True)
    (apps / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (apps / "slash").symlink_to("/", target_is_directory=True)

    (boot,) = boot_and_look(
        containers, env={**base_env, **ON}, mounts=[ro(apps, "/apps")], timeout=60
    )

    boot.assert_handed_off()
    assert boot.installing == ["/apps/sub/requirements.txt"], boot.describe()
    assert boot.added == {"myapps": "0.1.0", "appliba": "1.0", "applibb": "1.0", "applibc": "1.0"}
    assert boot.run.seconds < 30, boot.describe()


# --- the uv cache and temporary files


def test_cache_volume_the_container_cannot_write_installs_without_a_cache(
    containers, folders, base_env
):
    """What a root-owned cache volume is to the container's uid 1000, whoever owns it here."""
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep\n")
    cache = folders.make("uv cache")

    (boot,) = boot_and_look(
        containers,
        env={**base_env, **ON},
        mounts=[ro(config, "/config"), Mount(cache, "/uv_cache")],
        # after `create`, which opened it for writing: now only root may write, and the
        # container's user is not root
        prepare=lambda: cache.chmod(0o555),
    )

    boot.assert_handed_off()
    assert "the uv cache /uv_cache is not writable by uid 1000" in boot.output, boot.describe()
    assert "uv cache prune: skipped" in boot.output, boot.describe()
    assert boot.added == {"tinydep": "1.0"}
    assert list(cache.iterdir()) == [], "the install wrote into the unwritable cache"


# while the install hangs: the private folder's mode and owner, then that of its project copy
SHOW_TEMP_FOLDER = (
    "for _ in $(seq 100); do set -- /tmp/hassette-tasks-*/project; "
    '[ -d "$1" ] && break; sleep 0.1; done; '
    'stat -c "%a %u %n" /tmp/hassette-tasks-* /tmp/hassette-tasks-*/project'
)


def test_temporary_files_are_private_and_none_are_left(containers, folders, make_project, base_env):
    """A failure (the install hangs until its timeout), then a success, in one container."""
    project = make_project(folders.make("apps"))
    hanging = {"UV_INDEX_URL": HANG_URL, "HASSETTE__INSTALL_TIMEOUT": "3"}

    failure, success = boot_and_look(
        containers,
        Step(hanging, during=SHOW_TEMP_FOLDER),
        Step(),
        env=base_env,
        mounts=[ro(project, "/apps")],
    )

    failure.assert_failed("timed out after 3s", 6)
    modes = [line.split(" ", 2) for line in failure.during.splitlines() if line]
    assert len(modes) == 2, failure.describe()
    for mode, uid, path in modes:
        assert (mode, uid) == ("700", "1000"), f"{path}: mode {mode}, uid {uid}"
    success.assert_handed_off()
    assert success.added == {"myapps": "0.1.0", "appliba": "1.0", "applibb": "1.0"}
    for boot in (failure, success):
        assert not [n for n in boot.tmp if n.startswith("hassette-tasks-")], boot.describe()
