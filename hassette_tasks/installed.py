"""What a venv holds: the one reader of installed distributions' metadata.

importlib.metadata is imported on every start anyway (environment.py finds hassette with
it), so the name, version, requirements and direct_url.json of every distribution come
from it. The dist-info folders themselves (for RECORD checks) are listed by name here too.
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


def _direct_url(dist: metadata.Distribution) -> str | None:
    try:
        url = json.loads(dist.read_text("direct_url.json") or "{}").get("url")
        return url if isinstance(url, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def installed(site_packages: Path) -> dict[str, Dist]:
    """Every distribution in SITE_PACKAGES, by canonical name (read from files only)."""
    found: dict[str, Dist] = {}
    for dist in metadata.distributions(path=[str(site_packages)]):
        try:
            name = dist.metadata["Name"]
            version = dist.version
            requires = tuple(dist.requires or ())
        except (OSError, UnicodeDecodeError):
            continue
        if name:
            key = canonicalize_name(name)
            found[key] = Dist(key, version or "", requires, _direct_url(dist))
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
