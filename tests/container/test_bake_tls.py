"""The README's baked-image recipe behind a TLS-inspecting proxy: the proxy's CA reaches
`hassette-tasks bake` as a build secret, and never a layer of the image.

The index here speaks HTTPS with a certificate from an authority of the tests' own
(tests/support/tls.py), as a corporate proxy does: uv trusts it only through the CA.
"""

from __future__ import annotations

import secrets

import pytest

from tests.container.dockerrun import docker, write
from tests.support.index_server import IndexServer
from tests.support.tls import make_certificates

pytestmark = pytest.mark.docker


def recipe(image: str, index_url: str) -> str:
    """The README's Dockerfile, with the tests' HTTPS index in place of PyPI."""
    return (
        f"FROM {image}\n"
        "COPY --chown=1000:1000 project/ /apps/\n"
        "COPY --chown=1000:1000 requirements.txt /config/requirements.txt\n"
        "ENV HASSETTE__INSTALL_DEPS=1\n"
        "RUN --mount=type=secret,id=ca,uid=1000 \\\n"
        f"    SSL_CERT_FILE=/run/secrets/ca UV_INDEX_URL={index_url} hassette-tasks bake\n"
    )


def test_bake_behind_a_tls_proxy_needs_the_ca_and_keeps_it_out_of_the_image(
    folders, make_project, index_dir, image, tmp_path
):
    certificates = make_certificates(tmp_path / "tls")
    context = folders.make("bake context")
    make_project(context / "project")
    write(context / "requirements.txt", "tinydep==1.0\n")
    tag = f"{image.replace(':', '-')}-baked-tls-{secrets.token_hex(3)}"
    tls = (certificates.certificate, certificates.key)
    with IndexServer("serve", root=index_dir, tls=tls, lifetime=900) as index:
        write(context / "Dockerfile", recipe(image, f"{index.url}/simple"))
        build = ["build", "--network", "host", "--progress", "plain", str(context)]
        untrusted = docker(*build, "-t", f"{tag}-no-ca", timeout=600, check=False)
        trusted = docker(
            *build, "--secret", f"id=ca,src={certificates.ca}", "-t", tag, timeout=600, check=False
        )
    try:
        assert untrusted.exit_code != 0, untrusted.describe()
        assert "PACKAGE INDEX UNREACHABLE" in untrusted.output, untrusted.describe()
        assert "certificate" in untrusted.output.lower()

        assert trusted.exit_code == 0, trusted.describe()
        assert "bake: complete" in trusted.output, trusted.describe()
        secrets_left = docker(
            "run", "--rm", "--entrypoint", "sh", tag, "-c", "ls -A /run/secrets 2>&1; true"
        ).output
        started = docker(
            "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", tag,
            "--version", check=False, timeout=120,
        )  # fmt: skip
    finally:
        docker("rmi", "-f", tag, f"{tag}-no-ca", check=False)

    assert "BEGIN CERTIFICATE" not in secrets_left and "ca" not in secrets_left.split()
    assert started.exit_code == 0, started.describe()
    assert "project install: up to date" in started.output, started.describe()
    assert "requirements install: up to date (1 file(s)" in started.output
    assert "handing off to hassette" in started.output
