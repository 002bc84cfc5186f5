"""rapidfuzz's distance in lokal's address parser is lokal's own distance, faster."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lokal import alamat

from normalizer.region import resolve_place
from normalizer.typos import osa_distance, pure_python_distance

# region names are lower-case letters; a few letters make swaps and repeats common
WORDS = st.text(alphabet="abcikmnsty", max_size=14)


@settings(max_examples=3000, deadline=None)
@given(WORDS, WORDS, st.integers(min_value=0, max_value=4))
def test_the_same_distance_as_lokals(a: str, b: str, most: int) -> None:
    # lokal's parser only asks whether a name is within ``most``, and how close; past it
    # lokal may return the whole distance or ``most + 1``, rapidfuzz always the latter
    fast, slow = osa_distance(a, b, most), pure_python_distance(a, b, most)
    assert fast == min(slow, most + 1)


def test_swaps_count_one_and_the_cut_off_holds() -> None:
    assert osa_distance("tasikmalaya", "tasikmalyaa", 2) == 1
    assert osa_distance("cibinong", "cibinog", 2) == 1
    assert osa_distance("bogor", "sleman", 2) == 3  # past the cut-off: most + 1


def test_the_parser_uses_it_and_still_reads_typos() -> None:
    assert alamat._distance is osa_distance
    place = resolve_place("Kec. Cibinog, Kab. Bogor")
    assert place is not None and place.region.code == "32.01"
    typo = resolve_place("Kab. Tasikmalayah")
    assert typo is not None and typo.region.code == "32.06"
