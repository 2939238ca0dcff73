"""DiacriticRestorer: ASCII-typed course words get their Turkish letters back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turkish.diacritics import DiacriticRestorer
from turkish.tokenize import fold_ascii, turkish_lower

COURSE = [
    "Küçük dil modelinin zayıf yönleri nelerdir?",
    "Türkçe metinlerde küçük modeller hızlı çalışır.",
    "Işık hızı bir örnektir.",
]


@pytest.fixture
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer.from_texts(COURSE)


def test_ascii_course_words_get_turkish_letters(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("kucuk dil modelinin zayif yonleri") == "küçük dil modelinin zayıf yönleri"


def test_words_typed_with_turkish_letters_are_untouched() -> None:
    # "kücük" is half-restored; the student typed a Turkish letter, so trust it.
    restorer = DiacriticRestorer.from_texts(COURSE)
    assert restorer.restore("kücük zayıf") == "kücük zayıf"


def test_words_not_in_the_course_are_untouched(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("ogrenci cozum sinav") == "ogrenci cozum sinav"


def test_capitalised_first_letter_is_kept(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("Turkce") == "Türkçe"
    assert restorer.restore("Kucuk modeller") == "Küçük modeller"


def test_most_frequent_spelling_wins() -> None:
    restorer = DiacriticRestorer.from_texts(["sıç sıç", "siç"])
    assert restorer.spellings["sic"] == "sıç"
    assert restorer.restore("sic") == "sıç"
    # Same corpus, other order: frequency decides, not order.
    assert DiacriticRestorer.from_texts(["siç", "sıç sıç"]).restore("sic") == "sıç"


def test_tie_is_deterministic_and_order_independent() -> None:
    first = DiacriticRestorer.from_texts(["sıç", "siç"])
    second = DiacriticRestorer.from_texts(["siç", "sıç"])
    assert first.spellings["sic"] == second.spellings["sic"] == min("sıç", "siç")


def test_empty_restorer_returns_text_unchanged() -> None:
    assert DiacriticRestorer().restore("kucuk Turkce") == "kucuk Turkce"
    assert DiacriticRestorer.from_texts([]).restore("kucuk Turkce") == "kucuk Turkce"
    # A course with only ASCII words has nothing to restore.
    assert DiacriticRestorer.from_texts(["model gpu"]).spellings == {}


def test_punctuation_numbers_and_apostrophes_are_preserved(restorer: DiacriticRestorer) -> None:
    text = "gpu'nun 24 GB, Turkce'nin kucuk-modelleri (3.6) hizli mi?!"
    assert restorer.restore(text) == "gpu'nun 24 GB, Türkçe'nin küçük-modelleri (3.6) hızlı mi?!"


def test_dotless_i_is_restored_for_lowercase_query(restorer: DiacriticRestorer) -> None:
    assert restorer.spellings["isik"] == "ışık"  # corpus "Işık": I lowercases to ı, not i
    assert restorer.restore("isik hizi") == "ışık hızı"


def test_dotless_i_is_restored_for_capitalised_query(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("Isik hizi") == "Işık hızı"
    assert restorer.restore("ISIK") == "IŞIK"


def test_capital_dotted_i_keeps_its_dot() -> None:
    restorer = DiacriticRestorer.from_texts(["İşlemci çekirdeği"])
    assert restorer.restore("Islemci") == "İşlemci"


def test_ascii_words_in_the_corpus_teach_nothing() -> None:
    # "AI" lowercases to "aı" under Turkish rules; learning that would turn a
    # student's "ai" into "aı".
    restorer = DiacriticRestorer.from_texts(["AI ve ISIK başlığı"])
    assert restorer.restore("ai isik") == "ai isik"
    assert restorer.restore("AI") == "AI"


def test_dotted_capital_i_in_corpus() -> None:
    restorer = DiacriticRestorer.from_texts(["İşlemci çekirdeği"])
    assert restorer.spellings["islemci"] == "işlemci"
    assert restorer.restore("islemci cekirdegi") == "işlemci çekirdeği"


# --- property -----------------------------------------------------------------

_LETTERS = "abcçdefgğhıijklmnoöprsştuüvyzIİÇĞÖŞÜABCKMZ"
_words = st.text(alphabet=_LETTERS, min_size=1, max_size=8)
_texts = st.lists(_words, max_size=8).map(" ".join)
_queries = st.lists(
    st.one_of(_words, _words.map(fold_ascii), st.sampled_from(["24", "GB", "'nun", ",", "?", "-"])),
    max_size=10,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(corpus=st.lists(_texts, max_size=5), query=_queries)
def test_restore_only_changes_diacritics_and_is_idempotent(corpus: list[str], query: str) -> None:
    restorer = DiacriticRestorer.from_texts(corpus)
    restored = restorer.restore(query)
    assert restorer.restore(restored) == restored
    assert fold_ascii(turkish_lower(restored)) == fold_ascii(turkish_lower(query))
    # Without any ASCII-typed course word, the text is returned as is.
    ascii_hits = [
        w for w in re.findall(r"[^\W\d_]+", query)
        if w.isascii() and fold_ascii(turkish_lower(w)) in restorer.spellings
    ]
    if not ascii_hits:
        assert restored == query
