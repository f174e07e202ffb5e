"""What this machine lets a test do: the unprivileged container the 3.14 host tests run in
cannot mount, and may lack IPv6 on its loopback; the host (root) can. A test that needs one
of these asks here and is skipped with the reason where it cannot run: it runs on the host's
Pythons, so nothing is left untested in a full run."""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import tempfile

# unshare(CLONE_NEWNS), then the mounts a test makes: a private tree, a read-only tmpfs
_MOUNT_PROBE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
folder = sys.argv[1]
for step in (
    lambda: libc.unshare(0x00020000),
    lambda: libc.mount(b"none", b"/", None, 16384 | 262144, None),
    lambda: libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", 1, None),
):
    if step() != 0:
        sys.exit(os.strerror(ctypes.get_errno()))
"""


@functools.cache
def mount_refused() -> str | None:
    """Why this process's user cannot mount a tmpfs in a namespace of its own, or None."""
    with tempfile.TemporaryDirectory() as folder:
        argv = [sys.executable, "-c", _MOUNT_PROBE, folder]
        probe = subprocess.run(argv, capture_output=True, text=True, check=False)
    if probe.returncode == 0:
        return None
    return f"cannot mount here ({probe.stderr.strip() or probe.returncode}): needs CAP_SYS_ADMIN"


@functools.cache
def ipv6_refused() -> str | None:
    """Why nothing can listen on ::1 here, or None."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        return f"no IPv6 loopback here ({error.strerror})"
    return None
