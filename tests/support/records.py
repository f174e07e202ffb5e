"""What a test calls "consistent": every package in a venv matches its RECORD, and the venv
holds the same packages and files as one a fresh start made.

Written apart from hassette_tasks.integrity on purpose: the product's own checker must not
be the judge of the product. Standard library only, so it also runs as a script inside a
container (`python records.py VENV` prints JSON), where the image's Python is the only one.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

# what an install writes apart from the wheel's files, named by the venv's own path
VOLATILE_DIST_FILES = ("direct_url.json", "uv_cache.json")


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3.*/site-packages"))


def record_problems(venv: Path) -> dict[str, list[str]]:
    """{dist-info name: problems} for every distribution in VENV that does not match RECORD."""
    site = site_packages(venv)
    found: dict[str, list[str]] = {}
    for dist in sorted(site.glob("*.dist-info")):
        problems = [f"no {name}" for name in ("METADATA", "RECORD", "INSTALLER")]
        problems = [p for p in problems if not (dist / p.removeprefix("no ")).is_file()]
        if (dist / "RECORD").is_file():
            with open(dist / "RECORD", newline="") as handle:
                for row in csv.reader(handle):
                    if not row or not row[0]:
                        continue
                    path = Path(os.path.normpath(site / row[0]))
                    if not path.is_file():
                        if not row[0].endswith(".pyc"):
                            problems.append(f"missing {row[0]}")
                        continue
                    if len(row) > 1 and row[1].startswith("sha256="):
                        data = path.read_bytes()
                        digest = hashlib.sha256(data).digest()
                        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                        if "sha256=" + encoded != row[1] or (row[2] and int(row[2]) != len(data)):
                            problems.append(f"differs {row[0]}")
        if problems:
            found[dist.name] = problems
    return found


def files(venv: Path) -> list[str]:
    """Every file and folder in site-packages and bin, except bytecode (`*.pyc`, which a
    kill during compilation may leave out: slower imports, never wrong ones)."""
    listed = []
    for top in (site_packages(venv), venv / "bin"):
        for folder, dirs, names in os.walk(top):
            for name in dirs + names:
                if name.endswith(".pyc") or name == "__pycache__":
                    continue
                listed.append(os.path.relpath(os.path.join(folder, name), venv))
    return sorted(listed)


def freeze(venv: Path, uv: str = "uv") -> list[str]:
    """`uv pip freeze`, with local paths (a private build copy's) reduced to the name."""
    result = subprocess.run(
        [uv, "pip", "freeze", "--python", str(venv / "bin" / "python")],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    return sorted(
        line.split(" @ ")[0] + " @ local" if " @ " in line else line
        for line in result.stdout.splitlines()
        if line.strip()
    )


def state(venv: Path, uv: str = "uv") -> dict:
    return {
        "record_problems": record_problems(venv),
        "files": files(venv),
        "freeze": freeze(venv, uv),
    }


if __name__ == "__main__":
    print(json.dumps(state(Path(sys.argv[1]), *(sys.argv[2:3]))))
