"""End to end with the real knowledge base (temp copy of knowledge/) and the Groq stub."""

from __future__ import annotations

import re
import shutil

import pytest
from groq_stub import GroqStub, text, tool_call

from chains.assistant import build_tutor
from ders_asistani.settings import Settings

KEY = "gsk_KBSECRET0123456789"


@pytest.fixture(scope="module")
def kb_settings(tmp_path_factory):
    from conftest import COURSE_DIR

    root = tmp_path_factory.mktemp("tutor_kb")
    shutil.copytree(COURSE_DIR, root / "knowledge")
    return root


@pytest.fixture(scope="module")
def knowledge_base(kb_settings):
    from vectorstore.knowledge_base import KnowledgeBase

    settings = Settings(_env_file=None, knowledge_dir=kb_settings / "knowledge", storage_dir=kb_settings / "storage",
                        llm_provider="offline")
    settings.ensure_storage()
    kb = KnowledgeBase(settings)
    kb.ingest()
    yield kb
    kb.close()


def _settings(kb_settings, **overrides):
    base = dict(knowledge_dir=kb_settings / "knowledge", storage_dir=kb_settings / "storage")
    base.update(overrides)
    return Settings(_env_file=None, **base)


def test_groq_answer_grounded_in_real_passages(kb_settings, knowledge_base):
    with GroqStub() as stub:
        stub.enqueue(
            tool_call("ders_ara", {"sorgu": "küçük dil modelinin avantajları"}),
            text("Küçük dil modelleri daha az parametreyle çalışır [1]."),
        )
        settings = _settings(kb_settings, llm_provider="groq", groq_api_key=KEY, groq_base_url=stub.base_url)
        tutor = build_tutor(settings, knowledge_base=knowledge_base)
        events = list(tutor.stream("Küçük dil modeli nedir?", "t"))
        requests = stub.chat_requests()
    answer = events[-1].payload
    assert answer.mode == "groq" and "[1]" in answer.answer
    slm = next(s for s in answer.sources if s["source"] == "slm-sunumu.txt")
    first_user = requests[0].messages[-1]["content"]
    assert f"[{slm['n']}] slm-sunumu.txt" in first_user and "Küçük dil modelleri" in first_user
    # The agent's own search went through the real retriever: every passage it
    # found is numbered among the sources (new ones in full, known ones by number).
    tool_text = [m for m in requests[1].messages if m["role"] == "tool"][0]["content"]
    found = answer.tool_calls[0]["result"]
    assert found and {item["n"] for item in found} <= {s["n"] for s in answer.sources}
    assert all(f"[{item['n']}]" in tool_text for item in found)
    assert sum(1 for e in events if e.kind == "sources") >= 1
    assert max(answer.prompt_tokens) <= settings.prompt_token_budget


def test_offline_answers_from_the_real_course(kb_settings, knowledge_base):
    tutor = build_tutor(_settings(kb_settings, llm_provider="offline"), knowledge_base=knowledge_base)
    answer = tutor.ask("Küçük dil modeli nedir?", "t")
    assert answer.mode == "offline" and answer.answered_from_course
    assert "daha küçük parametreye" in answer.answer
    assert re.search(r"daha küçük parametreye.*?\[1\]", answer.answer, re.S)  # the quote is cited
    off = tutor.ask("Dünya kupasını 2018'de hangi ülke kazandı?", "t2")
    assert off.answer.startswith("Bu konu ders belgelerinde yok") and not off.answered_from_course


@pytest.mark.parametrize("question", ["bugün hava nasıl?", "en iyi pizza nerede?"])
def test_offline_refusal_never_streams_unrelated_sources(kb_settings, knowledge_base, question):
    # The first (and only) sources event of an offline refusal lists no passage, or just the suggested section.
    tutor = build_tutor(_settings(kb_settings, llm_provider="offline"), knowledge_base=knowledge_base)
    events = list(tutor.stream(question, "t"))
    answer = events[-1].payload
    assert not answer.answered_from_course and answer.answer.startswith("Bu konu ders belgelerinde yok")
    streamed = [e.payload for e in events if e.kind == "sources"]
    assert streamed and all(len(s) <= 1 for s in streamed), streamed
    assert streamed[-1] == answer.sources and len(answer.sources) <= 1
    assert answer.answer.count("Bu konu ders belgelerinde yok") == 1  # one refusal, not doubled
    if answer.sources:
        assert "Öneri — en yakın ders bölümü" in answer.answer and "[1]" in answer.answer


def test_offline_course_answer_streams_the_passages_it_quotes_once(kb_settings, knowledge_base):
    tutor = build_tutor(_settings(kb_settings, llm_provider="offline"), knowledge_base=knowledge_base)
    events = list(tutor.stream("küçük dil modellerinin avantajları neler", "t"))
    streamed = [e.payload for e in events if e.kind == "sources"]
    final = events[-1].payload
    assert len(streamed) == 1 and streamed[0] == final.sources and final.sources
    # Only what the answer quotes, numbered from [1]: no panel of passages the answer never used.
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", final.answer)}
    assert cited == set(range(1, len(final.sources) + 1))
    assert "Daha az hesaplama gücü" in final.sources[0]["text"]
