"""A citizen who shares a location instead of naming a place: the worker places it in
its kabupaten/kota from the configured borders, and the central system is told."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import main
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint
from sandbox.central import create_central_app, list_all, open_store
from sandbox.server import ServerThread

BORDERS = Path(__file__).parents[1] / "data" / "boundaries-bandung.geojson"


def test_a_shared_location_reaches_the_central_system_with_its_region(
    sms, live_gateway, make_settings, central, tmp_path
):
    _, runtime = live_gateway
    citizen = sms("+6281234500031", whatsapp=True)
    citizen.say("Lampu penerangan jalan di depan sekolah mati sudah dua minggu, gelap sekali")
    assert "foto" in citizen.say("", Latitude="-6.9025", Longitude="107.6188")[0].lower()
    citizen.say("LEWATI")
    citizen.say("2")
    citizen.say("KIRIM")
    worker_runtime = Runtime(
        make_settings(
            forward_url=central.url, status_poll_seconds=0, region_boundaries_file=BORDERS
        )
    )
    make_worker(worker_runtime, poll_seconds=0.01).run(max_idle_polls=1)
    worker_runtime.close()
    with runtime.sessions() as s:
        [row] = s.scalars(select(Complaint))
        assert (row.region_code, row.region_name) == ("32.73", "Kota Bandung")
        assert row.document["location"]["region_code"] == "32.73"
    [received] = list_all(open_store(tmp_path / "central.sqlite"))
    assert received["fields"]["attribute[region_code]"] == "32.73"


def test_a_worker_refuses_to_start_on_a_broken_borders_file(make_settings, tmp_path, monkeypatch):
    broken = tmp_path / "borders.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": []}')
    settings = make_settings()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("GATEWAY_REGION_BOUNDARIES_FILE", str(broken))
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 1
    assert "no features" in result.output


def test_a_one_shot_sms_naming_its_place_only_in_the_text_is_delivered_with_region_and_point(
    sms, live_gateway, make_settings, central, tmp_path
):
    """No LOKASI part: the worker reads the place from the complaint itself and, from the
    configured borders, gives it the kabupaten/kota's centroid (Open311 servers commonly
    refuse a request without lat/long), saying how precise that point is."""
    _, runtime = live_gateway
    citizen = sms("+6281234500032")
    citizen.say("LAPOR lampu jalan di Kota Bandung mati semua sudah dua minggu, gelap sekali")
    worker_runtime = Runtime(
        make_settings(
            forward_url=central.url, status_poll_seconds=0, region_boundaries_file=BORDERS
        )
    )
    make_worker(worker_runtime, poll_seconds=0.01).run(max_idle_polls=1)
    worker_runtime.close()
    with runtime.sessions() as s:
        [row] = s.scalars(select(Complaint))
        assert (row.region_code, row.region_name) == ("32.73", "Kota Bandung")
        location = row.document["location"]
        assert (location["region_source"], location["precision"]) == (
            "description",
            "kabupaten_kota",
        )
    [received] = list_all(open_store(tmp_path / "central.sqlite"))
    fields = received["fields"]
    assert fields["attribute[region_code]"] == "32.73"
    assert (fields["lat"], fields["long"]) == ("-6.905", "107.65")  # the fixture box's centre
    assert fields["address_string"] == "Kota Bandung, Jawa Barat"
    assert fields["attribute[location_precision]"] == "kabupaten_kota"


def test_without_borders_or_centroids_a_place_read_from_text_gets_the_shipped_point(
    sms, live_gateway, make_settings, central, tmp_path
):
    _, runtime = live_gateway
    sms("+6281234500033").say("LAPOR antrian dukcapil Kota Padang sampai ratusan orang tiap hari")
    worker_runtime = Runtime(make_settings(forward_url=central.url, status_poll_seconds=0))
    make_worker(worker_runtime, poll_seconds=0.01).run(max_idle_polls=1)
    worker_runtime.close()
    [received] = list_all(open_store(tmp_path / "central.sqlite"))
    fields = received["fields"]
    assert fields["attribute[region_code]"] == "13.71"
    assert fields["address_string"] == "Kota Padang, Sumatera Barat"
    # normalizer/data/region_centroids.csv: the kota's seat
    assert (fields["lat"], fields["long"]) == ("-0.87588", "100.38729")
    assert fields["attribute[location_precision]"] == "kabupaten_kota"


def test_a_one_shot_sms_naming_its_kecamatan_reaches_a_server_that_requires_lat_long(
    sms, live_gateway, make_settings, tmp_path
):
    """The independent Open311 server that refused every SMS complaint (no lat/long) is
    played by the sandbox with require_point: the kecamatan named only in the text gives
    the complaint its kabupaten's code and the kecamatan's point from the shipped table."""
    strict = create_central_app(tmp_path / "strict.sqlite", require_point=True)
    with ServerThread(strict) as server:
        refused = httpx.post(
            f"{server.url}/requests.json",
            data={"service_code": "INFRA", "description": "x", "address_string": "y"},
        )
        assert refused.status_code == 400 and "lat and long" in refused.text
        _, runtime = live_gateway
        sms("+6281234500034").say(
            "LAPOR jalan rusak parah di kec. ngaglik kab sleman sudah 3 bulan"
        )
        worker_runtime = Runtime(make_settings(forward_url=server.url, status_poll_seconds=0))
        make_worker(worker_runtime, poll_seconds=0.01).run(max_idle_polls=1)
        worker_runtime.close()
    with runtime.sessions() as s:
        [row] = s.scalars(select(Complaint))
        assert (row.region_code, row.region_name) == ("34.04", "Kabupaten Sleman")
        assert row.status == "submitted" and row.central_id
        location = row.document["location"]
        assert (location["region_source"], location["precision"]) == ("description", "kecamatan")
    [received] = list_all(open_store(tmp_path / "strict.sqlite"))
    fields = received["fields"]
    assert fields["attribute[region_code]"] == "34.04"
    assert fields["address_string"] == "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta"
    assert (fields["lat"], fields["long"]) == ("-7.71186", "110.39923")  # Ngaglik's point
    assert fields["attribute[location_precision]"] == "kecamatan"
