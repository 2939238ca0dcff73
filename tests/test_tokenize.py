"""Turkish casing, folding and tokenization edge cases."""

from __future__ import annotations

from turkish.tokenize import fold_ascii, index_terms, normalize, tokens, turkish_lower


def test_turkish_lower_dotted_and_dotless_i():
    assert turkish_lower("İSTANBUL") == "istanbul"
    assert turkish_lower("IŞIK") == "ışık"
    assert turkish_lower("İŞLEMCİ") == "işlemci"
    # No stray combining dot, unlike str.lower().
    assert len(turkish_lower("İ")) == 1


def test_fold_ascii_maps_every_turkish_letter():
    assert fold_ascii("çğıöşüÇĞÖŞÜ".lower()) == "cgiosucgosu"
    assert fold_ascii("kâr") == "kar"
    assert fold_ascii("café") == "cafe"


def test_normalize_makes_ascii_and_turkish_typing_equal():
    assert normalize("Hangi modeli SEÇMELİYİM?") == normalize("hangi modeli secmeliyim?")
    assert normalize("  Büyük\n\tDil   Modeli ") == "buyuk dil modeli"


def test_tokens_drop_apostrophe_suffix_and_keep_numbers():
    assert tokens("LLM'lerin gücü") == ["llm", "gucu"]
    assert tokens("Mistral’in 7B sürümü") == ["mistral", "7b", "surumu"]
    assert "62.2" in tokens("Commonsense 62.2 puan")
    assert tokens("GPT-3") == ["gpt", "3"]


def test_index_terms_prefix_and_stopwords():
    assert index_terms("Küçük dil modelleri nedir?") == ["kucuk", "dil", "model"]
    assert index_terms("modellerinin") == index_terms("modeli")
    assert index_terms("ekran kartı", prefix_length=4) == ["ekra", "kart"]
    assert "nedir" in index_terms("nedir", mode="token", keep_stopwords=True)


def test_index_terms_ascii_typing_matches_turkish():
    assert index_terms("Öğrenciler için GPU seçimi") == index_terms("ogrenciler icin gpu secimi")


def test_stem_mode_uses_snowball():
    assert index_terms("modellerinin", mode="stem") == ["model"]
