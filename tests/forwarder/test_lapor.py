"""The SP4N-LAPOR! target against a stand-in LAPOR! on 127.0.0.1, in both wire formats."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from forwarder.errors import PermanentError, RetryableError
from forwarder.targets.lapor import LaporConfig, LaporTarget, read_ids, report_fields
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintEvent
from sandbox.citizens import TwilioSender
from sandbox.lapor_api import FakeLapor
from sandbox.server import ServerThread
from tests.conftest import TWILIO_TOKEN
from tests.forwarder.test_targets import DOC

TOKEN = "lapor-token-123"


@pytest.fixture
def lapor():
    fake = FakeLapor(TOKEN)
    with ServerThread(fake.app) as server:
        yield fake, server


def target(server, wire_format: str, **kw) -> LaporTarget:
    path = "/api/stream/addstream" if wire_format == "xml" else "/api/v1/laporan"
    return LaporTarget(
        server.url + path, token=TOKEN, config=LaporConfig.load(wire_format=wire_format), **kw
    )


def doc(privacy: str) -> dict:
    d = copy.deepcopy(DOC)
    d["reporter"]["privacy"] = privacy
    if privacy == "anonymous":  # what outbound_document hands every target
        d["reporter"].update(name=None, phone=None, email=None, channel_user_id=None)
    return d


IDENTITY = ("Siti", "Rahmawati", "6281234567890", "081234567890", "siti@example.id")


def test_xml_addstream_delivery_records_tracking_and_transaction_ids(lapor):
    fake, server = lapor
    receipt = target(server, "xml").deliver(doc("confidential"), "key-1")
    [report] = fake.reports
    assert receipt.central_id == report["trackingid"]
    assert receipt.token == report["transaksiid"]
    assert receipt.extra["public_url"] == f"https://www.lapor.go.id/pengaduan/{receipt.central_id}"
    assert report["rahasia"] == "1" and report["anonim"] == "0"
    assert report["pelapor"] == {
        "email": "siti@example.id",
        "telpon": "081234567890",
        "namadepan": "Siti Nurhaliza",
        "namabelakang": "Rahmawati",
    }
    assert report["isi"].startswith("Jalan berlubang di depan SDN 3")
    assert "Lokasi: Jl. Raya Sukamaju" in report["isi"]
    assert "Lampiran: https://gw.test/a/1.jpg" in report["isi"]
    assert f'token="{TOKEN}"'.encode() in fake.raw[0]


def test_public_report_is_neither_secret_nor_anonymous(lapor):
    fake, server = lapor
    target(server, "xml").deliver(doc("public"), "key-p")
    assert (fake.reports[0]["rahasia"], fake.reports[0]["anonim"]) == ("0", "0")


@pytest.mark.parametrize("wire_format", ["xml", "json"])
def test_anonymous_report_carries_no_identity_anywhere(lapor, wire_format):
    fake, server = lapor
    # even if identity slipped into the document, the mapping drops it
    leaky = copy.deepcopy(DOC)
    leaky["reporter"]["privacy"] = "anonymous"
    target(server, wire_format).deliver(leaky, "key-a")
    body = fake.raw[0].decode()
    for value in IDENTITY:
        assert value not in body
    report = fake.reports[0]
    if wire_format == "xml":
        assert report["anonim"] == "1" and report["pelapor"] == {}
    else:
        assert report["anonim"] == 1 and "pelapor" not in report


def test_json_format_follows_the_mapping_table(lapor):
    fake, server = lapor
    receipt = target(server, "json").deliver(doc("confidential"), "key-j")
    [report] = fake.reports
    assert receipt.central_id == report["trackingid"] and receipt.token == report["transaksiid"]
    assert report["judul"] == "Jalan berlubang" and report["rahasia"] == 1
    assert report["kategori"] == "Infrastruktur / Jalan"
    assert report["klasifikasi"] == "pengaduan" and report["id_eksternal"] == DOC["id"]
    assert report["pelapor"] == {
        "nama_depan": "Siti Nurhaliza",
        "nama_belakang": "Rahmawati",
        "telepon": "081234567890",
        "email": "siti@example.id",
    }
    assert report["lampiran"] == ["https://gw.test/a/1.jpg", "https://gw.test/a/2.jpg"]


def test_an_agency_can_rename_fields_without_code_changes(lapor, tmp_path):
    fake, server = lapor
    mapping = tmp_path / "lapor.toml"
    mapping.write_text("""
wire_format = "json"
public_url = "https://lapor.example/p/"
[json]
auth_header = "Authorization"
auth_scheme = "Bearer"
tracking_id_path = "data.tracking_id"
transaction_id_path = "data.transaction_id"
true_value = true
false_value = false
[json.fields]
description = "isi"
title = "laporan.judul_laporan"
anonymous = "privasi.anonim"
reporter_phone = "kontak.hp"
""")
    t = LaporTarget(server.url + "/api/v1/laporan", token=TOKEN, config=LaporConfig.load(mapping))
    receipt = t.deliver(doc("confidential"), "key-m")
    sent = json.loads(fake.raw[0])
    assert sent == {
        "isi": DOC["description"],
        "laporan": {"judul_laporan": "Jalan berlubang"},
        "privasi": {"anonim": False},
        "kontak": {"hp": "081234567890"},
    }
    assert receipt.extra["public_url"] == f"https://lapor.example/p/{receipt.central_id}"


@pytest.mark.parametrize("wire_format", ["xml", "json"])
def test_redelivery_with_the_same_key_is_one_report(lapor, wire_format):
    fake, server = lapor
    t = target(server, wire_format)
    first = t.deliver(doc("confidential"), "same-key")
    again = t.deliver(doc("confidential"), "same-key")
    assert first.central_id == again.central_id and len(fake.reports) == 1


@pytest.mark.parametrize("wire_format", ["xml", "json"])
def test_error_answers_are_classified(lapor, wire_format):
    fake, server = lapor
    t = target(server, wire_format)
    fake.script.extend([503, 429, "noid", "garbage", 400])
    with pytest.raises(RetryableError):
        t.deliver(doc("public"), "k")
    with pytest.raises(RetryableError):
        t.deliver(doc("public"), "k")
    with pytest.raises(PermanentError, match="without a tracking id"):
        t.deliver(doc("public"), "k")
    with pytest.raises(PermanentError, match="without a tracking id"):
        t.deliver(doc("public"), "k")
    with pytest.raises(PermanentError):
        t.deliver(doc("public"), "k")
    assert fake.reports == []


def test_wrong_token_is_not_a_success(lapor):
    fake, server = lapor
    t = LaporTarget(
        server.url + "/api/stream/addstream",
        token="wrong",
        config=LaporConfig.load(wire_format="xml"),
    )
    with pytest.raises(RetryableError, match="401"):
        t.deliver(doc("public"), "k")
    assert fake.reports == []


def test_read_ids_accepts_the_shapes_seen_in_the_wild():
    assert read_ids(b"<r><trackingid>1</trackingid><transaksiid>2</transaksiid></r>", "") == (
        "1",
        "2",
    )
    assert read_ids(b'<r trackingid="9" transaksiid="8"/>', "text/xml") == ("9", "8")
    assert read_ids(b'{"TrackingID": "5", "TransaksiID": "6"}', "application/json") == ("5", "6")
    assert read_ids(b'{"data": {"trackingid": 7}}', "application/json") == ("7", None)
    assert read_ids(b"<r><trackingid> </trackingid></r>", "") == (None, None)
    assert read_ids(b"not xml", "") == (None, None)
    # entity expansion is refused, not evaluated
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><r><trackingid>&a;</trackingid></r>'
    )
    assert read_ids(bomb, "") == (None, None)


def test_report_fields_keep_privacy_faithful():
    assert (
        report_fields(doc("anonymous"))
        .keys()
        .isdisjoint(
            {"reporter_first_name", "reporter_phone", "reporter_email", "reporter_last_name"}
        )
    )
    fields = report_fields(doc("confidential"))
    assert fields["confidential"] and not fields["anonymous"]


def test_end_to_end_sms_to_lapor_with_the_public_link(
    make_settings, live_gateway, lapor, fake_twilio
):
    url, _ = live_gateway
    fake, server = lapor
    twilio, twilio_server = fake_twilio
    TwilioSender(url, TWILIO_TOKEN, "+6281234567890").say(
        "LAPOR Jalan berlubang di depan SDN 3 Sukamaju sejak tiga bulan LOKASI Sukamaju"
    )
    runtime = Runtime(
        make_settings(
            forward_target="lapor",
            forward_api_key=TOKEN,
            forward_url=server.url + "/api/stream/addstream",
            twilio_api_url=twilio_server.url,
            public_url=url,
        )
    )
    make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=3)
    [report] = fake.reports
    with runtime.sessions() as s:
        row = s.scalars(select(Complaint)).one()
        notes = s.scalars(
            select(ComplaintEvent.note).where(ComplaintEvent.status == "submitted")
        ).all()
    assert row.status == "submitted" and row.central_target == "lapor"
    assert row.central_id == report["trackingid"]
    assert notes == [f"lapor id {report['trackingid']}, transaksi {report['transaksiid']}"]
    [sms] = twilio.messages
    assert f"https://www.lapor.go.id/pengaduan/{report['trackingid']}" in sms["body"]
    assert row.tracking_code in sms["body"]
    runtime.close()
