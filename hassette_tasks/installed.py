"""What a venv holds: the one reader of installed distributions' metadata.

hassette itself is found with importlib.metadata (one distribution, by name). Every
distribution's name, version and requirements are read by hand from METADATA's headers:
importlib.metadata parses each whole METADATA with the email parser, which measured
59-82 ms for 27 distributions against 2.4-3.0 ms here (host, Python 3.13, busy machine),
and the exact environment reads them two or three times per install. The dist-info
folders themselves (for RECORD checks) are listed here too.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


def canonicalize_name(name: str) -> str:
    """PEP 503 normalization, as packaging.utils.canonicalize_name does it; written out
    because this module is imported on warm restarts, which never import packaging
    (~45 ms)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Dist:
    name: str  # canonical
    version: str
    requires: tuple[str, ...] = ()
    url: str | None = None  # direct_url.json's url (a path or URL install)


def _metadata(path: Path) -> tuple[str, str, list[str]]:
    name = version = ""
    requires: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                break  # the headers end at the first blank line
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key == "Version":
                version = value.strip()
            elif key == "Requires-Dist":
                requires.append(value.strip())
    return name, version, requires


def _direct_url(dist_info: Path) -> str | None:
    try:
        url = json.loads((dist_info / "direct_url.json").read_text()).get("url")
        return url if isinstance(url, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def installed(site_packages: Path) -> dict[str, Dist]:
    """Every distribution in SITE_PACKAGES, by canonical name (read from files only)."""
    found: dict[str, Dist] = {}
    for dist_info in site_packages.glob("*.dist-info"):
        try:
            name, version, requires = _metadata(dist_info / "METADATA")
        except OSError:
            continue
        if name:
            key = canonicalize_name(name)
            found[key] = Dist(key, version, tuple(requires), _direct_url(dist_info))
    return found


def hassette_distribution(site: Path) -> metadata.Distribution | None:
    return next(iter(metadata.distributions(name="hassette", path=[str(site)])), None)


def dist_infos(site: Path) -> list[Path]:
    """The dist-info folders in SITE (never through a symlink), sorted."""
    with os.scandir(site) as entries:
        return sorted(
            Path(entry.path)
            for entry in entries
            if entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False)
        )


def name_version(dist_info: Path) -> tuple[str, str]:
    """NAME-VERSION.dist-info's name and version, from the folder's name alone."""
    name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
    return name, version
