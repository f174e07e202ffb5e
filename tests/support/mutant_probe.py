"""Try chosen mutants against chosen tests by hand, without a mutmut run.

    python tests/support/mutant_probe.py TESTFILE [-k EXPR] MUTANT...

Run it from the worktree root with the nox venv's Python (.nox/mutate/bin/python), after
one `nox -s mutate` has written mutants/. Each MUTANT (e.g.
hassette_tasks.installs.x_export_locked__mutmut_9) is tried as mutmut tries it: the test
file runs inside mutants/ with MUTANT_UNDER_TEST naming it (children the tests start
inherit it), -x; a failing run is a kill. TESTFILE is copied in first, so tests written
since that run count (mutmut keeps the copy it made). Check it once on a known kill and
a known survivor. Needs HASSETTE_TASKS_BUILD_BACKENDS like the tests; TMPDIR is set to a
private folder (0711: tests that drop to another uid reach their own folders in it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(test_file: Path, mutant: str, select: str | None, scratch: str) -> bool:
    """True when the tests fail with MUTANT in place (killed)."""
    copy = ROOT / "mutants" / "tests" / test_file.parent.name / f"test_zz_probe_{test_file.name}"
    shutil.copy(test_file, copy)
    try:
        args = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
        args += [str(copy.relative_to(ROOT / "mutants")), *(["-k", select] if select else [])]
        env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "TMPDIR": scratch}
        done = subprocess.run(args, cwd=ROOT / "mutants", env=env, capture_output=True, text=True)
        print(f"{mutant}: {'killed' if done.returncode else 'survived'}")
        print("    " + (done.stdout.strip().splitlines() or ["(no output)"])[-1])
        return done.returncode != 0
    finally:
        copy.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test_file", type=Path)
    parser.add_argument("-k", dest="select")
    parser.add_argument("mutants", nargs="+")
    options = parser.parse_args()
    if not (ROOT / "mutants").is_dir():
        parser.error("no mutants/ folder: run `nox -s mutate -- MODULE` once first")
    with tempfile.TemporaryDirectory(prefix="hassette-tasks-probe-") as scratch:
        Path(scratch).chmod(0o711)
        killed = [
            probe(options.test_file.resolve(), m, options.select, scratch) for m in options.mutants
        ]
    print(f"killed {sum(killed)} / {len(killed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
