"""Is this the same complaint again? Two questions, two answers.

- The same reporter sending the same complaint again (on the same or another channel):
  the texts say the same thing (``same_complaint``) — the gateway links it to the first
  and tells the citizen the code they already have.
- Someone else reporting the same problem: the same category within 250 m, or the same
  region and near-identical text, within 7 days (``near_duplicate``) — a candidate an
  operator looks at, never merged automatically.

Texts are compared as sets of stemmed content words (normalizer.categories), so "jln
berlubang di dpn SDN 3" and "Jalan di depan SDN 3 berlubang" are the same words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from normalizer.categories import analyse

SAME_TEXT = 0.6  # the same reporter: this much overlap is a repeat
NEAR_IDENTICAL = 0.8  # different reporters: only near-identical text counts
NEARBY_METRES = 250.0
WINDOW = timedelta(days=7)
_STOPWORDS = frozenset(
    """yang dan di ke dari ini itu tidak sudah belum ada dengan untuk saya kami kita mohon
    tolong sejak karena pak bu bapak ibu sangat sekali banyak warga juga atau tapi sampai
    masih lagi akan bisa harus the and is are was of to in on at for with this that my our
    we i please""".split()
)


# A delivery compares its complaint with up to 30 recent ones of its region, and the next
# delivery in that region with mostly the same 30: each text is read into words once,
# not once per pair (14-34 % of a delivery's CPU went here). Bounded: a few MB at most.
@lru_cache(maxsize=2048)
def content_words(text: str) -> frozenset[str]:
    """One form per content word (its shortest form: the stem)."""
    return frozenset(
        min(forms, key=len)
        for forms in analyse(text)
        if not forms & _STOPWORDS and not all(f.isdigit() for f in forms)
    )


def text_similarity(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' content words, 0 to 1."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def same_complaint(a: str, b: str) -> bool:
    return text_similarity(a, b) >= SAME_TEXT


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Reported:
    """What the duplicate check needs to know of a complaint."""

    text: str
    received_at: datetime
    category: str | None = None
    region_code: str | None = None
    lat: float | None = None
    lon: float | None = None


def near_duplicate(new: Reported, old: Reported) -> bool:
    if abs(new.received_at - old.received_at) > WINDOW:
        return False
    both_placed = None not in (new.lat, new.lon, old.lat, old.lon)
    if (
        new.category
        and new.category == old.category
        and both_placed
        and distance_m(new.lat, new.lon, old.lat, old.lon) <= NEARBY_METRES  # type: ignore[arg-type]
    ):
        return True
    return bool(
        new.region_code
        and new.region_code == old.region_code
        and text_similarity(new.text, old.text) >= NEAR_IDENTICAL
    )
