"""A fork probe for the tests: with this folder on PYTHONPATH and HASSETTE_TASKS_FORK_PROBE
naming a file, every os.fork() of a Python process appends one line to that file:

    PID PYTHON_THREADS OS_THREADS COMMAND LINE

A fork while other threads run can deadlock the child (Python 3.12+ warns about it); the
tests read these lines to prove that every fork on boot's path happens with one thread.
"""

import os
import sys
import threading

_LOG = os.environ.get("HASSETTE_TASKS_FORK_PROBE")


def _os_threads() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


if _LOG:
    _real_fork = os.fork

    def _probed_fork() -> int:
        argv = " ".join(getattr(sys, "orig_argv", sys.argv)).replace("\n", " ")
        line = f"{os.getpid()} {threading.active_count()} {_os_threads()} {argv}\n"
        with open(_LOG, "a") as log:
            log.write(line)
        return _real_fork()

    os.fork = _probed_fork
