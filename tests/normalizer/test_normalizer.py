"""The complaint format and the pure helpers around it (no database, no network)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway import texts
from normalizer.build import build_complaint, make_title
from normalizer.categories import guess_category, guess_classification
from normalizer.complaint import SCHEMA_ID, outbound_document, public_view
from normalizer.gsm import is_gsm7, segments, septets, to_gsm7
from normalizer.language import detect_language
from normalizer.message import MediaRef
from normalizer.phone import to_e164, to_national
from normalizer.tracking import TRACKING_RE, new_tracking_code, normalize_tracking_code
from normalizer.validation import SCHEMA_FILE, complaint_schema, validate_complaint


def sample(**kw):
    values = dict(
        id="c-1",
        tracking_code="LPR-7K3M9Q2X",
        channel="whatsapp",
        received_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
        description="Jln rusak berlubang di depan pasar. Sudah 3 bulan tdk diperbaiki",
        privacy="anonymous",
        name="Siti",
        phone="+6281234567890",
        channel_user_id="whatsapp:+6281234567890",
        location_text="Pasar Kramat",
        lat=-6.2,
        lon=106.8,
        media=[MediaRef("https://x.test/1.jpg", "image/jpeg")],
    )
    values.update(kw)
    return build_complaint(**values)


def test_published_schema_is_the_contract():
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["$id"] == SCHEMA_ID == "lapor-gateway/complaint@1"
    required = {
        "id",
        "tracking_code",
        "channel",
        "received_at",
        "submitted_at",
        "reporter",
        "title",
        "description",
        "language",
        "classification",
        "category",
        "location",
        "incident_date",
        "attachments",
        "source_messages",
        "duplicate_of",
    }
    assert required <= set(schema["properties"])
    assert schema["properties"]["classification"]["enum"] == [
        "pengaduan",
        "aspirasi",
        "permintaan_informasi",
    ]


def test_built_complaint_validates_against_the_schema():
    doc = sample().to_document()
    assert validate_complaint(doc) == []
    assert doc["schema"] == SCHEMA_ID and doc["category"]["code"] == "infrastruktur"
    assert doc["title"] == "Jln rusak berlubang di depan pasar."


def test_validation_names_the_failing_fields():
    doc = sample().to_document()
    doc.update(channel="fax", tracking_code="LPR-1234")
    doc["reporter"]["phone"] = "0812"
    doc["location"]["lat"] = 123
    del doc["description"]
    fields = {e.field for e in validate_complaint(doc)}
    assert fields == {"channel", "tracking_code", "reporter.phone", "location.lat", "description"}
    assert validate_complaint([]) and validate_complaint({"id": 1})


def test_anonymous_identity_is_null_outside_the_gateway():
    doc = outbound_document(sample().to_document())
    assert doc["reporter"] == {
        "privacy": "anonymous",
        "name": None,
        "phone": None,
        "email": None,
        "channel_user_id": None,
    }
    kept = outbound_document(sample(privacy="confidential").to_document())
    assert kept["reporter"]["phone"] == "+6281234567890"


def test_public_view_never_shows_identity():
    for privacy in ("public", "confidential", "anonymous"):
        view = json.dumps(public_view(sample(privacy=privacy).to_document()))
        assert "6281234567890" not in view and "Siti" not in view
    assert public_view(sample(privacy="confidential").to_document())["title"] is None


def test_title_is_cut_at_a_word():
    title = make_title("kata " * 40)
    assert len(title) <= 80 and title.endswith("…") and not title.endswith(" …")


@given(st.integers(min_value=0, max_value=50))
def test_tracking_codes_match_the_contract(_):
    assert TRACKING_RE.match(new_tracking_code())


def test_tracking_codes_are_read_as_citizens_type_them():
    assert normalize_tracking_code("status lpr-7k3m9q2x") == "LPR-7K3M9Q2X"
    assert normalize_tracking_code("LPR 7K3M9QZO") == "LPR-7K3M9QZ0"
    assert normalize_tracking_code("LPR-IL000000") == "LPR-11000000"
    assert normalize_tracking_code("LPR-123") is None and normalize_tracking_code("") is None


def test_phone_numbers_become_e164():
    assert to_e164("081234567890") == "+6281234567890"
    assert to_e164("6281234567890") == "+6281234567890"
    assert to_e164("whatsapp:+6281234567890") == "+6281234567890"
    assert to_e164("+14155550100") == "+14155550100"
    assert to_e164("LAPOR1708") is None and to_e164("") is None
    assert to_national("+6281234567890") == "081234567890"


def test_gsm7():
    assert (
        to_gsm7("“Jalan” rusak — sejak… 2 bulan ’lalu’")
        == "\"Jalan\" rusak -- sejak... 2 bulan 'lalu'"
    )
    assert is_gsm7(to_gsm7("Emoji 🙏 dan tanda ✓")) and septets("a[b]") == 6
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("é" * 70) == 1
    assert segments("ĕ" * 71) == 2  # UCS-2


def test_every_sms_text_fits_one_segment_with_the_longest_values():
    values = {
        "code": "LPR-WWWWWWWW",
        "count": "10",
        "status": "x",
        "date": "31-12-2026",
        "central_id": "1234567890",
        "link": "https://www.lapor.go.id/pengaduan/12345678901",
        "description": "x" * 500,
        "location": "y" * 40,
        "attachments": "0",
        "privacy": "Confidential",
        "name": "Tasikmalaya",
        "note": "",
        # the longest list STATUS sends is cut to fit; one line of it must fit
        "lines": "LPR-WWWWWWWW: Menunggu tanggapan Anda (31-12)",
    }
    for key in texts.TEXTS.keys() - texts.CHAT_ONLY:
        for lang in texts.LANGUAGES:
            if key == "summary":
                text = texts.fit_sms(key, lang, "description", **values)
            elif key == "notify_status":
                longest = max((texts.label(k, lang) for k in texts.LABELS), key=len)
                text = texts.fit_sms(
                    key, lang, "note", **{**values, "status": longest, "note": "n " * 200}
                )
            elif key == "status_owner":
                longest = max((texts.label(k, lang) for k in texts.LABELS), key=len)
                text = texts.fit_sms(
                    key, lang, "title", **{**values, "status": longest, "title": "t" * 80}
                )
            elif key in ("status", "already_reported"):
                text = texts.render(
                    key,
                    lang,
                    sms=True,
                    **{
                        **values,
                        "status": max((texts.label(k, lang) for k in texts.LABELS), key=len),
                    },
                )
            else:
                text = texts.render(key, lang, sms=True, **values)
            assert is_gsm7(text) and segments(text) == 1, (key, lang, len(text), text)


def test_language():
    assert detect_language("The road near my house is broken") == "en"
    assert detect_language("Jalan di depan rumah saya rusak") == "id"
    assert detect_language("Pasar Kramat") is None


def test_category_and_classification_guesses():
    assert guess_category("jln berlubang dan rusak parah").code == "infrastruktur"
    assert guess_category("PDAM mati, air bersih tidak mengalir").code == "air_bersih"
    assert guess_category("blablabla").code == "lainnya"
    assert guess_category("blablabla").confidence == 0.0
    assert 0 < guess_category("listrik padam, PLN tidak datang").confidence <= 1
    assert guess_classification("Bagaimana syarat membuat KTP?") == "permintaan_informasi"
    assert guess_classification("Saran saya sebaiknya taman diperluas") == "aspirasi"
    assert guess_classification("Jalan rusak") == "pengaduan"


def test_schema_has_no_unknown_refs():
    text = json.dumps(complaint_schema())
    assert not re.search(r'"\$ref"', text)


def test_a_region_chosen_in_the_dialog_keeps_the_reporters_name():
    from datetime import UTC, datetime

    from normalizer.build import build_complaint

    doc = build_complaint(
        id="c-1",
        tracking_code="LPR-00000000",
        channel="whatsapp",
        received_at=datetime.now(UTC),
        description="Sampah menumpuk di pasar",
        privacy="confidential",
        name="Siti Rahmawati",
        location_text="Pasar Kramat, Cirebon",
        region=("32.74", "Kota Cirebon"),
    )
    assert doc.reporter.name == "Siti Rahmawati"
    assert (doc.location.region_code, doc.location.region_name) == ("32.74", "Kota Cirebon")


@pytest.mark.parametrize(
    "received_at",
    ["0001-01-01T00:00:00+00:01", "1999-12-31T23:59:59+00:00", "2999-01-01T00:00:00Z"],
)
def test_a_time_no_complaint_can_have_is_a_field_error(received_at):
    from normalizer.validation import validate_complaint

    document = {
        "schema": "lapor-gateway/complaint@1",
        "id": "c-1",
        "tracking_code": "LPR-ABCDEFGH",
        "channel": "api",
        "received_at": received_at,
        "reporter": {"privacy": "anonymous"},
        "title": "Jalan rusak",
        "description": "Jalan rusak di depan sekolah",
    }
    assert [e.field for e in validate_complaint(document)] == ["received_at"]
    document["received_at"] = "2026-11-30T10:00:00+07:00"
    assert validate_complaint(document) == []


@pytest.mark.parametrize(
    "description, title",
    [
        (
            "Jln rusak berlubang di Jl. Kaliurang No. 12 RT. 03. Sudah lama.",
            "Jln rusak berlubang di Jl. Kaliurang No. 12 RT. 03.",
        ),
        (
            "Pagi mbak, saya Hendra Gunawan. Jadi gini mbak, ada dua hal. Jalan di Kec. Ngaglik "
            "rusak. Lampu mati.",
            "Jalan di Kec. Ngaglik rusak.",
        ),
        (
            "Selamat siang admin. Ibu saya pasien BPJS ditolak di RSUD.",
            "Ibu saya pasien BPJS ditolak di RSUD.",
        ),
        (
            "Halo, saya mau melaporkan pohon tumbang di Jl. Gatot Subroto. Tolong.",
            "Pohon tumbang di Jl. Gatot Subroto.",
        ),
        (
            "Perihal: Pengaduan pungutan liar. Dengan hormat, pada tanggal 4 November …",
            "Pengaduan pungutan liar.",
        ),
        (
            "Dengan hormat, kami warga Desa Oelnasi menyampaikan bahwa sumur warga kering.",
            "Sumur warga kering.",
        ),
    ],
)
def test_the_title_is_the_sentence_that_states_the_problem(description, title):
    assert make_title(description) == title
