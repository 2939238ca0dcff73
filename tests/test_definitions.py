"""Definition questions and definitional sentences (turkish.definitions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turkish.definitions import defined_subjects, defines, is_definition_question, question_subject


@pytest.mark.parametrize(
    "question, subject",
    [
        ("SLM ne demek", {"slm"}),
        ("LLM nedir kısaca?", {"llm"}),
        ("langchain tam olarak ne işe yarıyor", {"langc"}),
        ("Slm'nin tanımı ne", {"slm"}),
        ("parametre ne anlama geliyor", {"param"}),
        ("quantization nedir", {"quant"}),
    ],
)
def test_definition_questions_give_their_subject(question, subject):
    assert is_definition_question(question)
    assert question_subject(question) == frozenset(subject)


@pytest.mark.parametrize(
    "question",
    ["rnn vs transformer eğitim hızı", "8 GB kartta hangi model çalışır", "Mistral 7B kaç GB", ""],
)
def test_other_questions_have_no_definition_subject(question):
    assert not is_definition_question(question)
    assert question_subject(question) == frozenset()


def test_a_bare_request_has_no_subject():
    assert is_definition_question("nedir?") and question_subject("nedir?") == frozenset()


def test_copula_sentences_and_nedir_headings_are_definitions():
    text = (
        "## LangChain Nedir?\n"
        "LangChain, büyük dil modellerini uygulamalarla entegre etmek için kullanılan açık kaynak bir framework'tür.\n"
        "Küçük dil modelleri, daha az hesaplama gücüne sahip olan dil modelidir. "
        "Parametreler, modelin öğrenme sürecinde ayarladığı sayısal değerlerdir."
    )
    subjects = defined_subjects(text)
    assert frozenset({"langc"}) in subjects  # heading and the framework'tür sentence
    assert frozenset({"kucuk", "dil", "model"}) in subjects
    assert frozenset({"param"}) in subjects


def test_sentences_that_only_mention_a_subject_are_not_definitions():
    text = (
        "LLM'lerin geliştirilmesi yazılım geliştirmeye benzer unsurlar içerse de süreç aynı değildir.\n"
        "Programlama için Mistral 7B, Türkçe için Nemotron önerilir.\n"
        "Bu tablo, her bir model ailesinin temel özelliklerini ve farklılıklarını, kullanım alanlarını, "
        "fiyatlarını, lisanslarını ve donanım gereksinimlerini bir arada gösterir."
    )
    assert defined_subjects(text) == []


def test_an_abbreviation_matches_the_spelled_out_subject_through_its_variants():
    subjects = defined_subjects("Küçük dil modelleri, daha küçük parametreye sahip dil modelidir.")
    assert not defines(subjects, [frozenset({"slm"})])
    assert defines(subjects, [frozenset({"slm"}), frozenset({"kucuk", "dil", "model"})])
    assert not defines(subjects, [frozenset()])  # an empty variant matches nothing


@given(st.text(max_size=300))
def test_arbitrary_text_never_breaks_the_parsers(text):
    assert isinstance(defined_subjects(text), list)
    subject = question_subject(text)
    assert subject == frozenset() or is_definition_question(text)
