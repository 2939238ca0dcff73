"""Questions about a name the course never mentions are refused offline; slips in a known name are not."""

from __future__ import annotations

import pytest

from chains.offline_quote import SUGGESTION_LABEL, compose
from chains.offline_scope import names_in_question, unknown_names
from vectorstore.types import Passage

PHI = """Microsoft Phi

- Phi-1
- Phi-1.5
- Phi-2: Son çıkan phi modeli, Llama 2 ve Mistral'e kıyasla oldukça düşük parametreye sahiptir.
"""
COURSE = [
    PHI,
    "Mixtral, Mistral'in geliştirilmiş versiyonu gibi düşünülebilir. Mixture-of-Experts yaklaşımını kullanır.",
    "Mistral 7B, küçük boyutuna rağmen çok yönlü bir model.",
    "| Anthropic | Claude 3 Sonnet | Açıklanmadı | 200K token |",
    "Falcon-40B, 40 milyar parametre üzerinde eğitilmiştir. H200 GPU'ların her biri yaklaşık 40.000$ değerindedir.",
    "Küçük dil modelleri, daha küçük parametreye sahip olan dil modelidir. LLaMA 3 70B için 140GB+ gerekir.",
]


@pytest.mark.parametrize(
    "question, names",
    [
        ("LoRA ile ince ayar adım adım nasıl yapılır?", ["LoRA"]),
        ("Phi-3 mini kaç parametreli", ["Phi-3"]),
        ("claude 3.5 sonnet ne zaman çıktı", ["claude 3.5"]),
        ("qwen modelleri türkçede ne kadar iyi", ["qwen"]),
        ("RTX 3060 ekran kartının fiyatı kaç TL?", ["RTX 3060"]),
        ("Gemma 2B çalıştırmak için kaç GB VRAM gerekiyor", ["Gemma 2B", "VRAM"]),  # a model and its size
        ("evde 8B ile denemek istiyorum", []),  # a plain word before a size is no name
        ("evde 8B llama denemek istiyorum", ["llama"]),  # a model family typed in lower case
        ("ollama ile mistral'i nasıl kurarım", ["ollama", "mistral"]),
        ("LLaMA 3 70B en az kaç GB VRAM istiyor", ["LLaMA", "VRAM"]),  # "70B", "GB" are amounts
        ("küçük dil modellerinin avantajları neler", []),  # plain words are never names
    ],
)
def test_names_are_what_the_student_typed_as_names(question, names):
    assert names_in_question(question) == names


@pytest.mark.parametrize(
    "question",
    ["LoRA ile ince ayar nasıl yapılır?", "Phi-3 mini kaç parametreli", "claude 3.5 sonnet ne zaman çıktı",
     "H100 kiralamanın saatlik fiyatı ne kadar", "qwen modelleri türkçede ne kadar iyi",
     "Gemma 2B modeli Türkçede ne kadar başarılı?"],
)
def test_a_name_missing_from_the_passages_is_unknown(question):
    assert unknown_names(question, COURSE)


def test_a_product_spelled_right_is_not_a_slip_of_another_and_a_version_letter_is_another_model():
    course = ["Meta'nın Llama 2 modeli ve OpenAI'nin GPT-4 modeli."]
    assert unknown_names("ollama ile mistral'i nasıl kurarım", course) == ["ollama", "mistral"]
    assert unknown_names("Ollama ile model nasıl indirilir", course) == ["Ollama"]
    assert unknown_names("gpt-4o api fiyatı ne kadar", course) == ["gpt-4o"]
    assert unknown_names("gpt-4 kaç parametreli", course) == []
    assert unknown_names("llama modeli nedir", course) == []


@pytest.mark.parametrize(
    "question",
    ["Mixtrl yabancı dil öğrenenlere faydalı mı?", "Falkon-40B kaç parametre ile eğitildi?",
     "Claude 3 Sonet günlük kullanıma uygun mu?", "mistral mixtrue of experts yapısı nasıl çalışıyor",
     "Phi-2 kaç parametreli", "SLM nedir?", "LLaMA 3 70B en az kaç GB VRAM istiyor", "Mistral 7B neyi iyi yapar?"],
)
def test_known_names_typed_with_a_slip_or_known_to_the_glossary_are_not_unknown(question):
    assert unknown_names(question, COURSE) == []


def test_the_composer_refuses_a_question_about_an_unknown_model_and_suggests_the_nearest_section():
    numbered = [(1, Passage(text=PHI, source="slm-sunumu.txt", section="Microsoft Phi"))]
    text, cited, answered = compose("Phi-3 mini kaç parametreli", numbered, off_topic=False, relevance=0.76)
    assert not answered and text.startswith("Bu konu ders belgelerinde yok")
    assert SUGGESTION_LABEL in text and cited == [1] and "Phi-1.5" not in text
    text, _, answered = compose("Phi-2 kaç parametreli", numbered, off_topic=False, relevance=0.87)
    assert answered and "Phi-2" in text
