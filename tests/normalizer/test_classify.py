"""Category, classification and language on the labelled corpus (tests/data/), and the
text handling underneath: SMS spellings, stems in both languages, regional words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from normalizer.categories import (
    FALLBACK_CODE,
    guess_category,
    guess_classification,
    normalize_words,
    word_forms,
)
from normalizer.language import complaint_language, detect_language, text_language

CORPUS = Path(__file__).resolve().parents[1] / "data" / "complaints.tsv"


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def held_out() -> list[dict[str, str]]:
    return [row for n, row in enumerate(corpus(), start=1) if n % 3 == 0]


def test_the_corpus_is_what_the_issue_asks_for():
    rows = corpus()
    assert len(rows) >= 300
    assert {r["style"] for r in rows} == {"sms", "chat", "call"}
    assert {r["lang"] for r in rows} == {"id", "en", "jv", "su"}
    assert {r["classification"] for r in rows} == {"pengaduan", "aspirasi", "permintaan_informasi"}
    assert len({r["category"] for r in rows}) == 12
    assert len({r["text"] for r in rows}) == len(rows)  # no repeats


def test_held_out_accuracy_does_not_regress():
    # bench/classify.py prints the figures; this keeps them from sliding unnoticed
    rows = held_out()
    category = sum(guess_category(r["text"]).code == r["category"] for r in rows) / len(rows)
    classification = sum(
        guess_classification(r["text"]) == r["classification"] for r in rows
    ) / len(rows)
    assert category >= 0.85 and classification >= 0.9


def test_the_language_of_every_corpus_complaint():
    for row in corpus():
        reply = "en" if row["lang"] == "en" else "id"
        assert complaint_language(row["text"], reply) == row["lang"], row["text"]


def test_sms_spellings_stems_and_regional_words():
    assert normalize_words("jln rsk dpn SDN, anak2 gk bs lwt") == [
        "jalan",
        "rsk",
        "depan",
        "sdn",
        "anak",
        "tidak",
        "bisa",
        "lwt",
    ]
    assert "baik" in word_forms("diperbaiki") and "pothol" in word_forms("potholes")
    assert normalize_words("banyu pdam mati")[0] == "air"
    assert guess_category("listrik pareum tos saminggu").code == "listrik"


@pytest.mark.parametrize(
    "text, code",
    [
        ("pemadaman bergilir tiap malam tanpa jadwal", "listrik"),
        ("there are potholes all along the road to the market", "infrastruktur"),
        ("ktp sy blm jadi2, blangko habis trs", "kependudukan"),
        ("Sampah numpuk di TPS gk diangkut seminggu", "lingkungan"),
        # issue 19: drains, markets, fallen trees, floods, illegal parking
        ("got depan rumah mampet parah, airnya item dan bau", "infrastruktur"),
        ("atap los pasar bocor, dagangan basah semua", "infrastruktur"),
        ("pohon roboh menutup jalan sejak tadi pagi", "lingkungan"),
        ("banjir belum surut dua hari, warga perlu perahu karet", "lingkungan"),
        ("mobil parkir dua lapis di depan stasiun tiap sore", "ketertiban"),
    ],
)
def test_examples(text, code):
    guess = guess_category(text)
    assert guess.code == code and 0.3 <= guess.confidence <= 1.0


def test_weak_evidence_falls_back_to_lainnya():
    guess = guess_category("Tolong dibantu pak, sudah lama sekali begini terus.")
    assert guess.code == FALLBACK_CODE and guess.confidence < 0.3


def test_reply_language_and_written_language():
    assert detect_language("The road near my house is broken") == "en"
    assert detect_language("Jalan di depan rumah saya rusak") == "id"
    javanese = "Dalan neng desa kula rusak banget, wis telung sasi ora didandani"
    assert text_language(javanese) == "jv" and complaint_language(javanese, "id") == "jv"
    assert text_language("halo") is None
    # a quoted tracking code's random letters say nothing ("ARE" is not English here)
    assert detect_language("/status LPR-6BQD1ARE") is None
    assert detect_language("cek lpr 6bqd1are dong") is None


def test_stemming_from_many_threads_at_once():
    # a gthread worker, or the warm-up thread beside the first request, stems concurrently
    import threading

    errors: list[Exception] = []

    def stem(k: int) -> None:
        try:
            for i in range(2000):
                word_forms(f"pemadaman{k}x{i}potholes")
        except Exception as exc:  # noqa: BLE001 - any error is the failure
            errors.append(exc)

    threads = [threading.Thread(target=stem, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_numbers_are_not_kept_in_the_stem_cache():
    """House numbers and RTs are endless: the memory bench saw the stem cache grow every
    process by ~10 MB over a million messages with them. Words are still cached."""
    from normalizer.categories import _stemmed_forms, word_forms

    before = _stemmed_forms.cache_info().currsize
    assert [word_forms(str(n)) for n in range(1000, 1100)][0] == frozenset({"1000"})
    assert _stemmed_forms.cache_info().currsize == before
    assert "jalan" in word_forms("jalanan")  # the Indonesian stem
    assert _stemmed_forms.cache_info().currsize <= before + 1


REGISTERS = Path(__file__).resolve().parents[1] / "data" / "complaints_registers.tsv"


def test_the_registers_corpus_held_out_third_does_not_regress():
    """bench/classify.py prints the figures of tests/data/complaints_registers.tsv (formal
    letters, long chat, call transcripts, one-shot SMS naming the place in the text);
    this keeps its held-out third's category and region from sliding unnoticed."""
    from normalizer.region import with_region

    with REGISTERS.open(encoding="utf-8") as fh:
        rows = [r for n, r in enumerate(csv.DictReader(fh, delimiter="\t"), 1) if n % 3 == 0]
    category = sum(guess_category(r["text"]).code == r["category"] for r in rows) / len(rows)
    text_only = [r for r in rows if " LOKASI " not in r["text"]]
    region = sum(
        (
            (with_region({"description": r["text"], "location": None}) or {}).get("location") or {}
        ).get("region_code", "")
        == r["region"]
        for r in text_only
    ) / len(text_only)
    assert category >= 0.8 and region >= 0.85
