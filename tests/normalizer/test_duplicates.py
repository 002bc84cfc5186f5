"""When two complaints are the same one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from normalizer.duplicates import (
    Reported,
    distance_m,
    near_duplicate,
    same_complaint,
    text_similarity,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_the_same_words_however_they_are_spelled():
    a = "jln dpn SDN 3 Sukamaju berlubang bsr sdh 3 bln"
    b = "Jalan di depan SDN 3 Sukamaju berlubang besar sudah 3 bulan"
    assert text_similarity(a, b) == 1.0 and same_complaint(a, b)
    assert not same_complaint(a, "Lampu jalan di gang Mawar mati sudah seminggu")


def test_distance():
    # Monas to Bundaran HI is about 2.2 km
    assert 2000 < distance_m(-6.1754, 106.8272, -6.1949, 106.8230) < 2400


def test_near_duplicates_by_place_or_by_text():
    first = Reported("Jalan berlubang", T0, "infrastruktur", "32.17", -6.9000, 107.6000)
    nearby = Reported(
        "Aspal rusak parah", T0 + timedelta(days=2), "infrastruktur", None, -6.9015, 107.6008
    )  # ~190 m away
    far = Reported("Aspal rusak parah", T0, "infrastruktur", None, -6.9100, 107.6000)
    other_kind = Reported("Sampah menumpuk", T0, "lingkungan", None, -6.9001, 107.6001)
    later = Reported(
        "Aspal rusak parah", T0 + timedelta(days=8), "infrastruktur", None, -6.9001, 107.6001
    )
    assert near_duplicate(nearby, first)
    assert not near_duplicate(far, first)
    assert not near_duplicate(other_kind, first)
    assert not near_duplicate(later, first)  # beyond 7 days
    same_text = Reported("Jalan berlubang", T0, None, "32.17")
    assert near_duplicate(same_text, first)
    assert not near_duplicate(Reported("Jalan berlubang", T0, None, "32.73"), first)
