"""Call transcripts: every file format read into the same call, and the complaint draft
built from the caller's words only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from normalizer.calls import Call, Speaker, draft_from_call, read_calls
from normalizer.calls.formats import parse_labelled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calls"


def read(name: str):
    return read_calls(name, (FIXTURES / name).read_bytes())


def one(name: str) -> Call:
    [result] = read(name)
    assert result.error is None, result.error
    return result.call


def test_json_call_keeps_its_id_times_and_turns():
    call = one("call-jalan-berlubang.json")
    assert call.call_id == "ICETA-2026-11-20-0042" and call.agent_id == "agen-07"
    assert len(call.turns) == 9 and call.turns[0].speaker == Speaker.AGENT
    assert call.turns[2].start == 6.5 and call.turns[2].end == 14.0


def test_draft_is_the_callers_words_not_the_agents_script():
    draft = draft_from_call(one("call-jalan-berlubang.json"))
    assert draft.description.startswith("Saya mau lapor jalan berlubang besar")
    assert "I-Ceta" not in draft.description and "Selamat pagi" not in draft.description
    assert "Pagi bu" not in draft.description  # greetings carry no complaint
    # the answer to "dengan bapak siapa?" is a name, kept out of the description
    assert draft.name == "Ahmad Fauzi" and "Fauzi" not in draft.description
    assert draft.location_text.startswith("Jalan Raya Lohbener dekat SD Negeri 2")
    assert draft.phone == "+6281223456789"
    assert draft.category.code == "infrastruktur"
    assert draft.incident_date == date(2026, 11, 19)  # "kemarin", the day before the call
    assert draft.language == "id" and draft.confident


def test_plain_text_with_timestamps_and_header_fields():
    call = one("penelepon-sampah.txt")
    assert call.call_id == "CC-112-20261119-0007"
    assert call.caller_number == "+62 857 1234 0099" and call.agent_id == "op-12"
    assert [t.speaker for t in call.turns][:2] == [Speaker.AGENT, Speaker.CALLER]
    assert call.turns[1].start == 4.0
    # an unlabelled line continues the turn before it
    assert "baunya sampai ke rumah warga" in call.turns[1].text
    draft = draft_from_call(call)
    assert draft.location_text == "Kelurahan Pekalipan, dekat pasar, Kota Cirebon"
    # "Jangan sebut nama saya ya pak, anonim saja."
    assert draft.privacy == "anonymous" and draft.name is None


def test_english_transcript_without_timestamps():
    call = one("caller-streetlight.txt")
    assert call.call_id.startswith("txt-")
    draft = draft_from_call(call)
    assert draft.language == "en"
    assert draft.location_text == "Near the junction with Jalan Bangka, South Jakarta"


@pytest.mark.parametrize(
    "line, speaker, start",
    [
        ("Operator: Selamat pagi", Speaker.AGENT, None),
        ("[00:04] Penelepon: Jalan rusak", Speaker.CALLER, 4.0),
        ("00:01:02 - Caller: the road", Speaker.CALLER, 62.0),
        ("Agent (00:12): Good morning", Speaker.AGENT, 12.0),
        ("[Pelapor] Lampu mati", Speaker.CALLER, None),
        ("(1:05,5) Petugas: Baik", Speaker.AGENT, 65.5),
    ],
)
def test_speaker_label_forms(line, speaker, start):
    _, [turn] = parse_labelled(line)
    assert turn["speaker"] == speaker and turn["start"] == start


def test_webvtt_voice_tags_and_a_cue_without_speaker():
    call = one("rekaman-banjir.vtt")
    assert [t.speaker for t in call.turns] == ["agent", "caller", "agent", "caller", "caller"]
    assert call.turns[1].start == 3.0 and call.turns[1].end == 12.0
    assert call.turns[4].text == "Sudah tiga kali banjir sejak tanggal 2 November."
    draft = draft_from_call(call)
    assert draft.location_text == "Perumahan Griya Asri, Desa Cangkuang, Kecamatan Dayeuhkolot"
    # no start time in a subtitle file: "tanggal 2 November" is the last 2 November
    assert (draft.incident_date.month, draft.incident_date.day) == (11, 2)


def test_srt_with_labels_in_the_cue_text():
    call = one("rekaman-bpjs.srt")
    assert [t.speaker for t in call.turns] == ["agent", "caller", "agent", "caller"]
    draft = draft_from_call(call)
    assert draft.category.code == "kesehatan"
    assert draft.location_text == "Puskesmas Kenjeran"


def test_csv_of_calls_one_row_each():
    results = read("calls.csv")
    assert [r.call.call_id for r in results] == ["CSV-0001", "CSV-0002", "CSV-0003"]
    first, second, third = (draft_from_call(r.call) for r in results)
    assert first.privacy == "public" and first.location_text == "Jalan Diponegoro Kota Semarang"
    # the agent's fields win over what is read from the words
    assert second.category.code == "bantuan_sosial" and second.category.confidence == 1.0
    assert second.location_text == "Desa Sukamaju, Kabupaten Garut"
    assert {"no_caller_words", "no_location"} <= set(third.reasons)


def test_csv_of_turns_keeps_good_calls_when_one_is_bad():
    good, bad = read("turns.csv")
    assert good.call.call_id == "T-100" and len(good.call.turns) == 5
    assert bad.call is None and "unknown speaker 'Narator'" in bad.error
    draft = draft_from_call(good.call)
    assert draft.location_text == "Kelurahan Tamalanrea Indah Kota Makassar"
    assert draft.category.code == "pelayanan_publik"


@pytest.mark.parametrize(
    "name, data, error",
    [
        ("rusak.vtt", None, "no cues"),
        ("biner.txt", None, "not UTF-8"),
        ("no-labels.txt", b"Halo ini catatan tanpa label pembicara", "no speaker label"),
        ("bad.json", b"{not json", "not JSON"),
        ("empty.json", b'{"call_id": "x"}', "turns or a summary"),
        ("audio.mp3", b"ID3", "unknown file type"),
        ("calls.csv", b"id,text\n1,halo\n", "no call_id column"),
    ],
)
def test_unreadable_files_say_why(name, data, error):
    [result] = read_calls(name, data if data is not None else (FIXTURES / name).read_bytes())
    assert result.call is None and error in result.error


def test_the_same_file_is_the_same_call():
    data = (FIXTURES / "rekaman-bpjs.srt").read_bytes()
    assert read_calls("a.srt", data)[0].call.call_id == read_calls("b.srt", data)[0].call.call_id


def test_review_reasons():
    def draft(*turns, **fields):
        return draft_from_call(
            Call(
                call_id="t",
                turns=[{"speaker": s, "text": t} for s, t in turns],
                started_at="2026-11-20T10:00:00+07:00",
                **fields,
            )
        )

    short = draft(("agent", "Ada yang bisa dibantu?"), ("caller", "Jalan rusak pak."))
    assert short.reasons == ["too_short", "no_location"]
    several = draft(
        ("caller", "Jalan di depan rumah saya di Desa Sukamaju rusak berlubang besar."),
        ("caller", "Terus puskesmas di desa kami juga tidak ada dokter sejak sebulan."),
    )
    assert "several_issues" in several.reasons
    located = draft(
        ("caller", "Lampu jalan mati semua sudah seminggu, gelap sekali kalau malam hari."),
        location={"text": "Jl. Merdeka, Kota Bogor"},
    )
    assert located.confident and located.location_text == "Jl. Merdeka, Kota Bogor"


def test_call_validation():
    with pytest.raises(ValidationError):
        Call(call_id="has space", turns=[{"speaker": "caller", "text": "x"}])
    with pytest.raises(ValidationError):
        Call(call_id="a", turns=[{"speaker": "robot", "text": "x"}])
    with pytest.raises(ValidationError):
        Call(
            call_id="a",
            summary="x",
            started_at="2026-11-20T10:00:00Z",
            ended_at="2026-11-20T09:00:00Z",
        )


def call_of(*turns: tuple[str, str]) -> Call:
    return Call(call_id="t-1", turns=[{"speaker": s, "text": t} for s, t in turns])


@pytest.mark.parametrize(
    "said, name",
    [
        ("Pagi mbak, saya Hendra Gunawan.", "Hendra Gunawan"),
        ("Halo, selamat siang, ini Bu Sri dari RT 3.", "Sri"),
        ("Siang bu, dengan Yusuf.", "Yusuf"),
        ("Iya mas, nama saya Agus.", "Agus"),
        ("Selamat malam pak, ini Wati dari Desa Cihanjuang.", "Wati"),
    ],
)
def test_a_self_introduction_is_the_callers_name_and_not_the_complaint(said, name):
    problem = "Lampu jalan di Gang Mawar mati semua sejak sebulan lalu, jadi gelap."
    draft = draft_from_call(
        call_of(
            ("agent", "Call center, selamat pagi."),
            ("caller", said),
            ("caller", f"Jadi gini pak. {problem}"),
        )
    )
    assert draft.name == name
    assert draft.description == problem  # greetings, lead-ins and the name all gone


def test_an_introduction_inside_the_complaint_turn_and_where_the_caller_is_from():
    draft = draft_from_call(
        call_of(
            (
                "caller",
                "Selamat pagi mbak. Nama saya Dewi Lestari dari Kec. Waru, Kab. Sidoarjo. "
                "Air PDAM di rumah saya sudah lima hari tidak keluar sama sekali.",
            ),
        )
    )
    assert draft.name == "Dewi Lestari" and "Dewi" not in draft.description
    assert draft.description.startswith("Air PDAM di rumah saya")
    assert draft.location_text == "Kec. Waru, Kab. Sidoarjo"


def test_saya_before_a_verb_is_no_name():
    draft = draft_from_call(call_of(("caller", "Saya mau lapor jalan rusak di Kota Padang.")))
    assert draft.name is None and draft.description.startswith("Saya mau lapor jalan rusak")


def test_two_unrelated_problems_are_held_one_problem_told_twice_is_not():
    several = draft_from_call(
        call_of(
            (
                "caller",
                "Jadi gini pak, ada dua hal. Pertama jalan di depan SD Kelurahan Oebobo "
                "rusak parah dan berlubang.",
            ),
            ("caller", "Terus yang kedua, bantuan sosial PKH ibu saya tidak cair tiga bulan."),
            ("caller", "Di Kota Kupang pak."),
        )
    )
    assert "several_issues" in several.reasons
    one = draft_from_call(
        call_of(
            ("caller", "Saluran air di perumahan kami mampet, setiap hujan jadi banjir."),
            ("agent", "Di mana bu?"),
            ("caller", "Perumahan Griya Asri, Kecamatan Dayeuhkolot."),
            ("caller", "Sudah tiga kali banjir sejak tanggal 2 November."),
        )
    )
    assert "several_issues" not in one.reasons


def test_a_place_phrase_goes_past_abbreviations_and_stops_at_the_complaint():
    draft = draft_from_call(
        call_of(
            (
                "caller",
                "Mau lapor ada pohon tumbang di Jl. MT Haryono Balikpapan, menutup "
                "separuh jalan dan kabel ikut putus.",
            )
        )
    )
    assert draft.location_text == "Jl. MT Haryono Balikpapan"
