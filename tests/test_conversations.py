"""Multi-turn conversations through the offline Tutor over the real course index.

Each conversation is a list of turns: the question, the hardware tool the turn
must call (None: no hardware tool at all), a subset of that call's arguments,
and text the answer must (or must not) contain. Topic changes must not repeat
the previous hardware calculation; hardware follow-ups carry it over; task
words are kept and combined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from chains.tutor import Tutor

VRAM = "vram_hesapla"
REC = "model_oner"
LLAMA_4BIT = "Llama 3.1 8B'yi 4-bit çalıştırmak için kaç GB VRAM gerekir?"
LLAMA_FIT = "Llama 3.1 8B modeli 8 GB'lık ekran kartımda çalışır mı?"
RECOMMEND_8GB = "8 GB ekran kartım var, hangi modeli önerirsin?"


@dataclass(frozen=True)
class T:
    question: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()


NO_CALC = ("toplam ≈",)  # the hardware calculation's wording

CONVERSATIONS: dict[str, list[T]] = {
    # --- a topic change after a hardware question is a new topic -------------------------------
    "vram-then-transformer": [T(LLAMA_4BIT, VRAM), T("peki Transformer nedir?", None, says=("Transformer",), not_says=NO_CALC)],
    "vram-then-slm-disadvantages": [
        T(LLAMA_4BIT, VRAM),
        T("peki küçük dil modellerinin dezavantajları neler?", None, says=("Daha sınırlı dil yeteneği",), not_says=NO_CALC),
    ],
    "vram-then-attention": [T(LLAMA_4BIT, VRAM), T("peki attention nedir?", None, not_says=NO_CALC)],
    "vram-then-groq-key": [
        T(LLAMA_4BIT, VRAM),
        T("peki Groq API anahtarını nasıl alırım?", None, says=("Groq paneline giriş yapın",), not_says=NO_CALC),
    ],
    "vram-then-lora-definition": [T(LLAMA_4BIT, VRAM), T("peki LoRA nedir?", None, not_says=NO_CALC)],
    "recommend-then-langchain": [T(RECOMMEND_8GB, REC), T("peki LangChain nedir?", None, not_says=("Öneri aracının",))],
    "fit-then-open-source": [T(LLAMA_FIT, VRAM), T("ya açık kaynak modellerin avantajları neler?", None, not_says=NO_CALC)],
    "vram-then-parameter": [T(LLAMA_4BIT, VRAM), T("peki parametre nedir?", None, not_says=NO_CALC)],
    "vram-then-weather": [T(LLAMA_4BIT, VRAM), T("peki bugün hava nasıl?", None, says=("Bu konu ders belgelerinde yok",))],
    "vram-then-falcon": [T(LLAMA_4BIT, VRAM), T("peki Falcon'u kim geliştirdi?", None, not_says=NO_CALC)],
    "vram-then-mistral-then-hw": [
        T(LLAMA_4BIT, VRAM),
        T("peki Mistral nedir?", None),
        T("peki 12 GB kartta?", VRAM, {"model": "Llama 3.1 8B", "vram": 12.0}),
    ],
    "recommend-then-slm-uses": [
        T(RECOMMEND_8GB, REC),
        T("peki küçük dil modellerinin kullanım alanları neler?", None, says=("Gömülü sistemler",)),
    ],
    # --- hardware follow-ups carry the context over --------------------------------------------
    "vram-then-16k": [T(LLAMA_4BIT, VRAM), T("peki 16K bağlamda?", VRAM, {"model": "Llama 3.1 8B", "context": 16384})],
    "vram-then-qlora": [T(LLAMA_4BIT, VRAM), T("ya QLoRA?", VRAM, {"model": "Llama 3.1 8B", "mode": "qlora"})],
    "vram-then-12gb": [T(LLAMA_4BIT, VRAM), T("12 GB kartta?", VRAM, {"model": "Llama 3.1 8B", "vram": 12.0})],
    "vram-then-rtx3060": [T(LLAMA_4BIT, VRAM), T("RTX 3060 ile?", VRAM, {"model": "Llama 3.1 8B", "gpu": "GeForce RTX 3060 12GB"})],
    "fit-then-4bit": [T(LLAMA_FIT, VRAM), T("peki 4-bit olursa?", VRAM, {"quant": "4-bit", "vram": 8.0})],
    "fit-then-4bit-then-16gb": [
        T(LLAMA_FIT, VRAM),
        T("peki 4-bit olursa?", VRAM, {"quant": "4-bit"}),
        T("ya 16 GB'lık kartım olsaydı?", VRAM, {"quant": "4-bit", "vram": 16.0}),
    ],
    "fit-then-8bit": [T(LLAMA_FIT, VRAM), T("peki 8-bit ile?", VRAM, {"quant": "int8"})],
    "vram-then-lora": [T(LLAMA_4BIT, VRAM), T("ya LoRA ile eğitirsem?", VRAM, {"mode": "lora"})],
    "vram-then-32k-then-topic": [
        T(LLAMA_4BIT, VRAM),
        T("peki 32K bağlamda?", VRAM, {"context": 32768}),
        T("peki Transformer nedir?", None, not_says=NO_CALC),
    ],
    "vram-topic-then-hw-again": [
        T(LLAMA_4BIT, VRAM),
        T("peki Transformer nedir?", None),
        T("peki 8K bağlamda?", VRAM, {"model": "Llama 3.1 8B", "context": 8192}),
    ],
    "recommend-then-12gb": [T(RECOMMEND_8GB, REC, {"vram": 8.0}), T("peki 12 GB kartta?", REC, {"vram": 12.0})],
    "recommend-then-qlora": [T(RECOMMEND_8GB, REC), T("ya QLoRA için?", REC, {"mode": "qlora", "vram": 8.0})],
    "new-model-is-new-question": [
        T(LLAMA_4BIT, VRAM),
        T("Qwen2.5 7B için kaç GB VRAM gerekir?", VRAM, {"model": "Qwen2.5 7B"}),
    ],
    "hw-followup-without-history": [T("peki 16K bağlamda?", None)],
    # --- task words are kept and combined -------------------------------------------------------
    "turkish-chat": [
        T("8 GB ekran kartım var, Türkçe sohbet için hangi modeli önerirsin?", REC, {"task": "türkçe+sohbet"},
          says=("1. Nemotron-Mini-4B-Instruct",)),
    ],
    "turkish-only": [T("8 GB kartım var, Türkçe için hangi model?", REC, {"task": "türkçe"}, says=("1. Nemotron-Mini-4B-Instruct",))],
    "code": [T("12 GB VRAM ile kod yazmak için hangi modeli önerirsin?", REC, {"task": "kod", "vram": 12.0})],
    "code-then-turkish": [
        T("12 GB VRAM ile kod için hangi modeli önerirsin?", REC, {"task": "kod"}),
        T("peki Türkçe için?", REC, {"task": "türkçe", "vram": 12.0}),
    ],
    "summary-task": [T("8 GB kartım var, özet çıkarmak için hangi model önerirsin?", REC, {"task": "özetleme"})],
    "chat-task-then-16gb": [
        T("sohbet için hangi modeli önerirsin? 8 GB VRAM var", REC, {"task": "sohbet"}),
        T("ya 16 GB olsaydı?", REC, {"task": "sohbet", "vram": 16.0}),
    ],
    "turkish-code-combined": [T("8 GB VRAM, Türkçe kod asistanı için hangi modeli önerirsin?", REC, {"task": "türkçe+kod+sohbet"})],
    "recommend-no-hardware": [T("Türkçe sohbet için hangi modeli önerirsin?", REC, {"vram": 8.0}, says=("8 GB VRAM varsayıyorum",))],
    # --- "4-bit" means one thing ----------------------------------------------------------------
    "4bit-default-named": [
        T(LLAMA_4BIT, VRAM, {"quant": "4-bit"}, says=("GGUF Q4_K_M ile ≈ 5,9 GB", "bitsandbytes 4-bit ile ≈ 7,2 GB")),
    ],
    "bnb-explicit": [T("Llama 3.1 8B int4 ile kaç GB VRAM gerekir?", VRAM, {"quant": "int4"}, not_says=("GGUF Q4_K_M ile",))],
    "gguf-explicit": [T("Llama 3.1 8B Q4_K_M kaç GB VRAM ister?", VRAM, {"quant": "Q4_K_M"}, says=("GGUF Q4_K_M",))],
    # --- course questions without any hardware ----------------------------------------------------
    "slm-advantages": [T("küçük dil modellerinin avantajları neler", None, says=("- Daha az hesaplama gücü", "- Daha az veri ihtiyacı"))],
    "groq-steps": [T("Groq API anahtarını nasıl alırım?", None, says=('2. "API Keys" bölümünü bulun',))],
    "off-topic": [T("bugün hava nasıl?", None, says=("Bu konu ders belgelerinde yok",))],
    "two-course-questions": [
        T("küçük dil modellerinin avantajları neler", None),
        T("peki dezavantajları neler?", None, says=("Daha sınırlı dil yeteneği",)),
    ],
    "course-then-hw": [T("Transformer nedir?", None), T(LLAMA_4BIT, VRAM)],
    "course-then-peki-hw": [T("LoRA nedir?", None), T("peki 4-bit olursa?", None)],
}


def _hardware_calls(answer) -> list[dict[str, Any]]:
    return [call for call in answer.tool_calls if call["name"] in (VRAM, REC)]


@pytest.fixture
def tutor(settings_factory, course_retriever):
    return Tutor(settings_factory(), course_retriever, tools=[])


def test_an_off_topic_offline_answer_shows_no_unrelated_sources(tutor):
    answer = tutor.ask("bugün hava nasıl?", "hava")
    assert not answer.answered_from_course and len(answer.sources) <= 1
    if answer.sources:  # only the labelled suggestion, renumbered
        assert "Öneri — en yakın ders bölümü" in answer.answer and "[1]" in answer.answer
    course = tutor.ask("küçük dil modellerinin avantajları neler", "ders")
    assert course.answered_from_course and course.sources


def test_there_are_at_least_forty_conversations():
    assert len(CONVERSATIONS) >= 40


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_conversation(name, tutor):
    for index, turn in enumerate(CONVERSATIONS[name]):
        answer = tutor.ask(turn.question, name)
        calls = _hardware_calls(answer)
        where = f"{name} turn {index + 1}: {turn.question!r}\n{answer.answer}"
        if turn.tool is None:
            assert not calls, where
        else:
            assert calls and calls[0]["name"] == turn.tool, where
            for key, value in turn.args.items():
                assert calls[0]["args"].get(key) == value, (key, calls[0]["args"], where)
        for text in turn.says:
            assert text in answer.answer, (text, where)
        for text in turn.not_says:
            assert text not in answer.answer, (text, where)


# Course vocabulary with no hardware word, number, model name or task word in it.
_COURSE_WORDS = [
    "transformer", "attention", "dikkat", "mekanizması", "nedir", "neler", "nasıl", "açık", "kaynak", "lisans",
    "parametre", "tokenizer", "avantajları", "dezavantajları", "langchain", "groq", "anahtarı", "veri", "seti",
    "etik", "önyargı", "halüsinasyon", "mimari", "katman", "embedding", "prompt", "zincir", "ajan", "belge",
    "kullanım", "alanları", "gelecek", "kim", "geliştirdi", "neden", "önemli", "fark", "örnek",
]
_STARTS = ["peki", "ya", "o zaman", "bir de", "ayrıca", "şimdi"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.sampled_from(_STARTS), words=st.lists(st.sampled_from(_COURSE_WORDS), min_size=1, max_size=6),
       first=st.sampled_from([LLAMA_4BIT, LLAMA_FIT, RECOMMEND_8GB]))
def test_a_follow_up_without_hardware_words_never_calls_a_hardware_tool(settings_factory, first, start, words):
    from test_tutor_fakes import FakeRetriever

    tutor = Tutor(settings_factory(), FakeRetriever(), tools=[])
    assert _hardware_calls(tutor.ask(first, "p"))
    follow_up = f"{start} {' '.join(words)}?"
    assert not _hardware_calls(tutor.ask(follow_up, "p")), follow_up


@pytest.mark.parametrize(
    "question, leans",
    [
        ("peki dezavantajları neler?", True),
        ("ya kullanım alanları?", True),
        ("peki bunların avantajları neler?", True),
        ("peki Transformer nedir?", False),
        ("peki attention nedir?", False),
        ("peki küçük dil modellerinin dezavantajları neler?", False),
        ("dezavantajları neler?", False),
    ],
)
def test_which_follow_ups_lean_on_the_previous_question(question, leans):
    from chains.offline_followup import leans_on_previous, search_query
    from hardware.question_parser import parse_hardware_question

    assert leans_on_previous(question) is leans
    query = search_query(question, parse_hardware_question(question), "küçük dil modellerinin avantajları neler")
    assert query.startswith("küçük dil modellerinin") is leans and query.endswith(question)


@pytest.mark.parametrize(
    "question",
    [LLAMA_4BIT, LLAMA_FIT, RECOMMEND_8GB, "Mixtral 8x7B kaç GB VRAM ister?", "RTX 3060 ile hangi modeli çalıştırabilirim?",
     "llama 3 70b kac gb vram istiyor hangi gpu lazim"],
)
def test_an_offline_hardware_answer_fits_on_a_screen(tutor, question):
    answer = tutor.ask(question, "ekran")
    assert _hardware_calls(answer) and len(answer.answer) <= 1200, (len(answer.answer), answer.answer)
