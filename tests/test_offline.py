"""Offline answers: extractive course answers with citations and rule-based hardware answers."""

from __future__ import annotations

import pytest
from test_tutor_fakes import COURSE, FakeRetriever

from chains import offline
from chains.hardware_answers import answer_hardware
from chains.tutor import Tutor
from hardware.estimate import estimate
from hardware.explain import tr_number
from hardware.question_parser import parse_hardware_question
from vectorstore.types import Passage


def test_sentences_that_answer_the_question_are_quoted_with_their_number():
    numbered = list(enumerate(COURSE, start=1))
    picked = offline.select_sentences("QLoRA modeli kaç bit yükler?", numbered)
    assert (1, "QLoRA ise temel modeli 4-bit olarak yükleyip LoRA uygular.") in picked
    assert all(number in (1, 2, 3) for number, _ in picked)
    answer = offline.course_answer("QLoRA nedir?", numbered, off_topic=False)
    assert answer.answered_from_course and answer.cited == [1]
    assert "QLoRA ise temel modeli 4-bit olarak yükleyip LoRA uygular. [1]" in answer.text


def test_markdown_noise_is_not_quoted():
    passage = Passage(
        text="## 🛠️ Kurulum\n![](https://x/y.png){width=\"350px\"}\n**LangChain**, dil modellerini uygulamalara bağlayan bir çerçevedir.",
        source="a.md", section="Kurulum",
    )
    sentences = offline.split_sentences(passage.text)
    assert sentences == ["LangChain, dil modellerini uygulamalara bağlayan bir çerçevedir."]


def test_off_topic_question_says_the_course_does_not_cover_it():
    answer = offline.course_answer("Dünya kupasını kim kazandı?", [], off_topic=True)
    assert answer.text.startswith("Bu konu ders belgelerinde yok") and not answer.answered_from_course


def test_hardware_numbers_come_from_the_estimator():
    query = parse_hardware_question("Llama 3.1 8B modeli 8 GB'lık ekran kartımda 4-bit çalışır mı?")
    result = answer_hardware(query)
    expected = estimate({"model": "Llama 3.1 8B", "quant": "4-bit", "vram": 8.0})
    assert f"toplam ≈ {tr_number(expected.total_gb)} GB" in result.text
    assert ("sığar" if expected.fits else "sığmaz") in result.text
    call = result.tool_calls[0]
    assert call["name"] == "vram_hesapla" and call["args"]["quant"] == "4-bit"
    assert call["result"]["total_gb"] == expected.total_gb


def test_speed_is_said_in_the_calculators_unit():
    result = answer_hardware(parse_hardware_question("Llama 3.1 8B modelini 4-bit ile RTX 3060 12 GB'ta çalıştırabilir miyim?"))
    speed = result.tool_calls[0]["result"]["tokens_per_s"]
    assert speed and f"≈ {tr_number(speed, 0)} token/sn." in result.text  # "token/sn" like the calculator


def test_not_fitting_in_fp16_suggests_4bit_with_its_own_estimate():
    result = answer_hardware(parse_hardware_question("Llama 3.1 8B 8 GB kartta fp16 çalışır mı?"))
    assert "sığmaz" in result.text and "4-bit nicemleme ile" in result.text
    assert [c["args"].get("quant") for c in result.tool_calls] == ["fp16", "4-bit"]


def test_vague_model_choice_states_an_assumption_then_recommends():
    result = answer_hardware(parse_hardware_question("Hangi modeli seçmeliyim?"))
    assert "8 GB VRAM varsayıyorum" in result.text
    call = result.tool_calls[0]
    assert call["name"] == "model_oner" and call["args"]["vram"] == 8.0
    first = call["result"]["oneriler"][0]["model"]
    assert f"1. {first}" in result.text


def test_offline_tutor_reports_why_generation_is_off(settings_factory):
    tutor = Tutor(settings_factory(), FakeRetriever(), tools=[])
    answer = tutor.ask("LoRA nedir?", "t")
    assert answer.mode == "offline" and answer.model is None
    # A student-facing sentence; the setup hint with the setting name is for the instructor.
    assert "dil modeli bağlı değil" in answer.generation_off_reason
    assert "GROQ_API_KEY" not in answer.generation_off_reason
    assert "GROQ_API_KEY" in tutor.status()["setup_hint"]
    assert "[1]" in answer.answer and answer.answered_from_course
    forced = Tutor(settings_factory(groq_api_key="gsk_x1234567"), FakeRetriever(), force_offline=True, tools=[])
    assert forced.ask("LoRA nedir?", "t").generation_off_reason.startswith("Çevrimdışı mod istendi")


def test_offline_follow_ups_reuse_the_previous_hardware_question(settings_factory):
    tutor = Tutor(settings_factory(), FakeRetriever(), tools=[])
    tutor.ask("Llama 3.1 8B modeli 8 GB'lık ekran kartımda çalışır mı?", "t")
    second = tutor.ask("peki 4-bit olursa?", "t")
    assert second.tool_calls[0]["args"] == {"model": "Llama 3.1 8B", "quant": "4-bit", "mode": "inference", "vram": 8.0}
    third = tutor.ask("ya 16 GB'lık kartım olsaydı?", "t")
    assert third.tool_calls[0]["args"]["vram"] == 16.0 and third.tool_calls[0]["args"]["quant"] == "4-bit"
    other = tutor.ask("peki 4-bit olursa?", "another-thread")
    assert not other.tool_calls


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_invalid_questions_get_a_turkish_message(settings_factory, question):
    answer = Tutor(settings_factory(), FakeRetriever(), tools=[]).ask(question, "t")
    assert answer.answer in ("Lütfen bir soru yazın.",) or "en fazla 2000" in answer.answer
    assert answer.notices == [answer.answer]


def test_table_rows_are_quoted_as_readable_text():
    passage = Passage(text="| Model | Boyut | Alan |\n|---|---|---|\n| PubMedBERT-small | 100M | Tıbbi literatür işleme |",
                      source="t.md", section="Tablo")
    assert "PubMedBERT-small — 100M — Tıbbi literatür işleme" in offline.split_sentences(passage.text)


def test_a_shared_common_word_is_not_an_answer():
    passage = Passage(text="Proje kapsamında 100.000 adet GPU'nun kurulumu gerçekleştirildi.", source="g.md", section="GPU")
    answer = offline.course_answer("Fotosentez nasıl gerçekleşir?", [(1, passage)], off_topic=False)
    assert answer.text.startswith("Bu konu ders belgelerinde yok") and not answer.answered_from_course
    assert "Öneri — en yakın ders bölümü: g.md — GPU [1]" in answer.text


def test_glossary_expansion_terms_help_pick_the_sentence():
    passage = Passage(text="Nicemleme, ağırlıkları daha az bitle saklar ve belleği azaltır. Bu bölüm tarihçeyi anlatır ve modeli tanıtır.",
                      source="q.md", section="Nicemleme")
    picked = offline.select_sentences("quantization model bellek", [(1, passage)], min_overlap=1.5,
                                      expansion="quantization nicemleme model bellek")
    assert picked == [(1, "Nicemleme, ağırlıkları daha az bitle saklar ve belleği azaltır.")]
