"""A folder in the apps tree that the container's user (uid 1000) cannot read: passed over
with a warning, by the requirements search, the project's copy and the warm-restart
fingerprint alike; the start goes on (it was exit 8, `Permission denied (.../.git)`)."""

from __future__ import annotations

import pytest

from tests.container.dockerrun import write
from tests.container.test_faults_input import ON, Step, boot_and_look, ro

pytestmark = [pytest.mark.docker, pytest.mark.faults]


def test_unreadable_folder_in_the_apps_tree_is_passed_over(
    containers, folders, make_project, base_env
):
    apps = make_project(folders.make("apps"))  # the default layout: project = apps folder
    write(apps / "mine" / "requirements.txt", "tinydep\n")
    secret = apps / "secret"
    write(secret / "requirements.txt", "applibc\n")
    write(secret / ".git" / "config", "")  # a git work tree the walk cannot look into

    first, warm = boot_and_look(
        containers,
        Step(),
        Step(),
        env={**base_env, **ON},
        mounts=[ro(apps, "/apps")],
        # after `create`, which opened every mounted folder: root's 0700 here is closed to
        # the container's uid 1000
        prepare=lambda: secret.chmod(0o700),
    )

    first.assert_handed_off()
    warnings = [
        "warning: cannot read the folder /apps/secret: not searched for requirements.txt",
        "warning: cannot read the folder /apps/secret: not part of the project build",
    ]
    for warning in warnings:
        assert first.output.count(warning) == 1, first.describe()
    assert first.installing == ["/apps/mine/requirements.txt"], first.describe()
    assert first.added == {"myapps": "0.1.0", "appliba": "1.0", "applibb": "1.0", "tinydep": "1.0"}
    warm.assert_handed_off()
    assert "project install: up to date" in warm.output, warm.describe()
    assert "requirements install: up to date" in warm.output, warm.describe()
    assert warm.added == {}
