"""Defects found by probing with bad input, concurrency and secrets (issue 20), each proven
with real uv against the test wheels."""

from __future__ import annotations

import pytest

from tests.host.conftest import ON, assert_failed, write_requirements

# a base64-style token: its `/` and `+` are not percent-encoded, so uv rejects the URL
B64_PASSWORD = "Zm9v/YmFy+SECRETpart=="


@pytest.mark.faults
@pytest.mark.parametrize("where", ["UV_INDEX_URL", "requirements", "no scheme"])
def test_malformed_index_url_password_never_printed(layout, where):
    env = dict(ON)
    if where == "UV_INDEX_URL":
        env["UV_INDEX_URL"] = f"https://alice:{B64_PASSWORD}@host/simple"
        write_requirements(layout.apps_dir, "appliba")
    elif where == "requirements":
        write_requirements(
            layout.apps_dir, f"--index-url https://alice:{B64_PASSWORD}@host/simple", "appliba"
        )
    else:
        write_requirements(layout.apps_dir, f"--index-url alice:{B64_PASSWORD}@host", "appliba")

    result = layout.run("boot", env=env)

    assert result.exit_code != 0, result.describe()
    assert "uv said:" in result.stdout, result.describe()  # uv's words reached the log
    for part in ("SECRETpart", "Zm9v", "YmFy"):
        assert part not in result.output, result.describe()
