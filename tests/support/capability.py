"""What this machine lets a test do: the unprivileged container the 3.14 host tests run in
cannot mount, and may lack IPv6 on its loopback; the host (root) can. A test that needs one
of these asks here and is skipped with the reason where it cannot run: it runs on the host's
Pythons, so nothing is left untested in a full run."""

from __future__ import annotations

import ctypes
import functools
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def mount_read_only_tmpfs(folder: Path) -> None:
    """FOLDER covered by an empty read-only tmpfs, in a mount namespace of this process's
    own (nothing of it is seen outside it): for a forked child or a probe, never pytest."""
    libc = ctypes.CDLL(None, use_errno=True)
    new_user = 0 if os.geteuid() == 0 else 0x10000000  # CLONE_NEWUSER: mount rights
    steps = [
        lambda: libc.unshare(0x00020000 | new_user),  # CLONE_NEWNS
        # MS_REC | MS_PRIVATE: the mount below never propagates to the host
        lambda: libc.mount(b"none", b"/", None, 16384 | 262144, None),
        lambda: libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", 1, None),  # MS_RDONLY
    ]
    for step in steps:
        if step() != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))


@functools.cache
def mount_refused() -> str | None:
    """Why this process's user cannot mount a tmpfs in a namespace of its own, or None."""
    with tempfile.TemporaryDirectory() as folder:  # this file as a script: the probe
        argv = [sys.executable, __file__, folder]
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


if __name__ == "__main__":
    try:
        mount_read_only_tmpfs(Path(sys.argv[1]))
    except OSError as error:
        sys.exit(error.strerror)
