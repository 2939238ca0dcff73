"""Glossary-based query expansion: abbreviations and synonyms the documents spell differently."""

from __future__ import annotations

import json
from importlib import resources

from turkish.glossary import Glossary, load_glossary


def test_abbreviation_expands_to_full_term():
    expansion = load_glossary().expand("SLM nedir?")
    assert "SLM" in expansion.matched
    assert "küçük dil modeli" in expansion.added
    assert expansion.text.startswith("SLM nedir?")


def test_issue_pairs_expand_both_ways():
    glossary = load_glossary()
    assert "tıbbi" in glossary.expand("sağlık alanında model").added
    assert "sağlık" in glossary.expand("tıbbi literatür").added
    assert "GPU" in glossary.expand("ekran kartı önerisi").added
    assert "ekran kartı" in glossary.expand("GPU önerisi").added
    assert "bellek" in glossary.expand("VRAM ne kadar olmalı").added
    assert "VRAM" in glossary.expand("bellek ne kadar olmalı").added
    assert "küçük dil modeli" in glossary.expand("SLM'lerin avantajları").added
    assert "SLM" in glossary.expand("Küçük dil modellerinin avantajları").added


def test_matching_ignores_case_diacritics_and_suffixes():
    glossary = load_glossary()
    assert "tıbbi" in glossary.expand("saglikla ilgili model").added
    assert "GPU" in glossary.expand("EKRAN KARTLARI").added
    assert "nicemleme" in glossary.expand("kuantizasyon yaparsam").added
    # Short words match whole words only.
    assert glossary.expand("parametre sayısı").added == ["ağırlık"]


def test_a_long_word_is_not_the_stem_of_a_different_word():
    glossary = load_glossary()
    assert glossary.expand("Kuantum bilgisayarlar nasıl çalışır?").added == []  # quantum is not quantization
    assert "nicemleme" in glossary.expand("kuantizasyonu nasıl yaparım").added
    assert "GPU" in glossary.expand("programlamada ekran kartı").added


def test_unrelated_query_is_left_alone():
    expansion = load_glossary().expand("Falcon'u kim geliştirdi?")
    assert expansion.added == []
    assert expansion.text == "Falcon'u kim geliştirdi?"


def test_groups_are_reported_per_concept():
    expansion = load_glossary().expand("SLM için GPU")
    matched = [tuple(m) for m, _ in expansion.groups]
    assert ("SLM",) in matched and ("GPU",) in matched


def test_custom_glossary_and_phrase_already_present():
    glossary = Glossary.from_json(json.dumps({"groups": [{"terms": ["LLM", "büyük dil modeli"]}, {"terms": ["tek"]}]}))
    assert len(glossary.groups) == 1  # one-term groups carry nothing
    assert glossary.expand("LLM nedir").added == ["büyük dil modeli"]
    # Both forms typed: nothing to add.
    assert glossary.expand("LLM yani büyük dil modeli").added == []


def test_bundled_glossary_is_valid_data():
    data = json.loads(resources.files("turkish").joinpath("data", "glossary.json").read_text(encoding="utf-8"))
    groups = data["groups"]
    assert len(groups) >= 20
    for group in groups:
        assert len(group["terms"]) >= 2
        assert all(isinstance(t, str) and t.strip() for t in group["terms"])
