"""Answer cache: normalization, storage on SQLite and Postgres, and the tutor against the Groq stub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from groq_stub import GroqStub, rate_limited, text, tool_call
from test_tutor_fakes import FakeRetriever, fake_vram_tool

from chains.answer_cache import CACHED_CAPTION, AnswerCache, MemoryCacheStore, normalize_question, tutor_fingerprint
from chains.tutor import Tutor
from ders_asistani.answer_cache_store import AnswerCacheStore

KEY = "gsk_CACHESECRET0123456789abcdef"


def test_normalization_folds_case_diacritics_punctuation_and_spaces() -> None:
    base = normalize_question("LoRA nedir?")
    assert base == "lora nedir"
    for variant in ("lora nedir", "  LORA   NEDİR !!", "LoRA, nedir…", "lora-nedir"):
        assert normalize_question(variant) == base
    assert normalize_question("Kuantizasyon nasıl çalışır?") == normalize_question("KUANTİZASYON NASIL ÇALIŞIR")
    assert normalize_question("Işık") == normalize_question("ısık") == "isik"
    assert normalize_question("QLoRA nedir?") != base
    assert normalize_question("?!") == ""
    assert CACHED_CAPTION == "Önbellekten"


# --- storage: `app_database_url` runs these on SQLite and on a real Postgres ----------------
def test_store_put_get_counts_hits_and_prunes_old_generations(app_database_url: str) -> None:
    store = AnswerCacheStore(app_database_url)
    assert store.get("k1") is None
    store.put("k1", generation="g1", normalized="lora nedir", payload={"answer": "LoRA [1]", "sources": []})
    store.put("k2", generation="g1", normalized="qlora nedir", payload={"answer": "QLoRA"})
    store.put("k1", generation="g1", normalized="lora nedir", payload={"answer": "LoRA yeni [1]"})  # replaced
    assert store.get("k1") == {"answer": "LoRA yeni [1]"}
    store.get("k1")
    assert store.stats() == {"entries": 2, "hits": 2}
    store.put("k3", generation="g2", normalized="lora nedir", payload={"answer": "g2"})
    assert store.prune("g2") == 2
    assert store.get("k1") is None and store.get("k3") == {"answer": "g2"}
    # Expired rows are not served and are pruned.
    later = datetime.now(UTC) + timedelta(hours=1)
    assert store.get("k3", not_before=later) is None
    assert store.prune("g2", older_than=later) == 1
    assert store.stats()["entries"] == 0
    store.dispose()


def test_two_store_objects_share_rows(app_database_url: str) -> None:
    writer, reader = AnswerCacheStore(app_database_url), AnswerCacheStore(app_database_url)
    writer.put("k", generation="g", normalized="n", payload={"answer": "paylaşılan"})
    assert reader.get("k") == {"answer": "paylaşılan"}
    writer.dispose()
    reader.dispose()


def test_memory_store_behaves_like_the_database_store() -> None:
    store = MemoryCacheStore()
    store.put("k1", generation="g1", normalized="n", payload={"answer": "a"})
    got = store.get("k1")
    got["answer"] = "changed"  # callers get a copy
    assert store.get("k1") == {"answer": "a"} and store.stats() == {"entries": 1, "hits": 2}
    assert store.get("k1", not_before=datetime.now(UTC) + timedelta(hours=1)) is None
    assert store.prune("g2") == 1 and store.get("k1") is None


# --- the tutor ---------------------------------------------------------------------------------
@pytest.fixture
def stub():
    with GroqStub() as server:
        yield server


@pytest.fixture
def cached_tutor(settings_factory, stub, tmp_path):
    """Tutors on the Groq stub sharing one answer cache (SQLite) and one index generation."""
    generation = ["g1"]
    store = AnswerCacheStore(f"sqlite:///{tmp_path / 'cache' / 'app.db'}")

    def make(**overrides):
        overrides.setdefault("groq_api_key", KEY)
        overrides.setdefault("groq_base_url", stub.base_url)
        settings = settings_factory(**overrides)
        tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], sleep=lambda _s: None)
        tutor.answer_cache = AnswerCache(store, lambda: generation[0], tutor_fingerprint(settings, tutor))
        return tutor

    make.generation = generation
    make.store = store
    yield make
    store.dispose()


def test_second_identical_question_from_another_thread_is_served_from_cache(cached_tutor, stub) -> None:
    stub.enqueue(text("LoRA küçük düşük ranklı matrisleri eğitir [1]."))
    tutor = cached_tutor()
    first = tutor.ask("LoRA nedir?", "student-a")
    assert first.mode == "groq" and first.cached is False and len(stub.chat_requests()) == 1
    assert first.usage["requests"] == 1 and first.usage["prompt_tokens"] > 0

    other = cached_tutor()  # another session's tutor (same settings), e.g. another app process
    events = list(other.stream("lora NEDİR", "student-b"))
    kinds = [e.kind for e in events]
    assert kinds == ["status", "sources", "token", "done"]
    hit = events[-1].payload
    assert hit.cached is True and hit.answer == first.answer and hit.sources == first.sources
    assert hit.mode == "groq" and hit.model == first.model and hit.usage == {}
    assert events[2].payload == first.answer
    assert len(stub.chat_requests()) == 1  # no model call for the hit
    # The hit is remembered as the thread's first turn: a follow-up goes to the model with it.
    stub.enqueue(text("QLoRA temel modeli 4-bit yükler [1]."))
    follow = other.ask("peki QLoRA?", "student-b")
    assert follow.cached is False and len(stub.chat_requests()) == 2
    sent = stub.chat_requests()[-1].messages
    assert any(m["role"] == "assistant" and m["content"] == first.answer for m in sent)


@pytest.mark.parametrize("variant", ["LORA NEDİR", "lora nedir???", "  LoRA,   nedir !", "LoRA nedir…"])
def test_punctuation_case_and_diacritic_variants_hit(cached_tutor, stub, variant: str) -> None:
    stub.enqueue(text("LoRA küçük matrisleri eğitir [1]."))
    tutor = cached_tutor()
    tutor.ask("LoRA nedir?", "a")
    assert tutor.ask(variant, "b").cached is True
    assert len(stub.chat_requests()) == 1


def test_reindex_invalidates_and_prunes(cached_tutor, stub) -> None:
    stub.enqueue(text("Eski cevap [1]."), text("Yeni dizinden cevap [1]."))
    tutor = cached_tutor()
    tutor.ask("LoRA nedir?", "a")
    assert tutor.ask("LoRA nedir?", "b").cached is True
    cached_tutor.generation[0] = "g2"  # the instructor re-indexed and the index changed
    fresh = tutor.ask("LoRA nedir?", "c")
    assert fresh.cached is False and fresh.answer == "Yeni dizinden cevap [1]."
    assert len(stub.chat_requests()) == 2
    assert cached_tutor.store.stats()["entries"] == 1  # the g1 row was pruned when g2 stored
    again = tutor.ask("lora nedir", "d")
    assert again.cached is True and again.answer == "Yeni dizinden cevap [1]."


def test_follow_up_turns_are_never_served_nor_stored(cached_tutor, stub) -> None:
    stub.enqueue(text("LoRA küçük matrisleri eğitir [1]."), text("QLoRA 4-bit ile yükler [1]."))
    tutor = cached_tutor()
    tutor.ask("LoRA nedir?", "a")
    tutor.ask("QLoRA nedir?", "a")  # a follow-up in thread a: not stored
    assert cached_tutor.store.stats()["entries"] == 1
    stub.enqueue(text("Bağlamlı cevap [1]."))
    tutor.ask("Kuantizasyon nedir?", "b")  # first turn of b
    stub.enqueue(text("Takip cevabı [1]."))
    follow = tutor.ask("LoRA nedir?", "b")  # same text as a cached question, but b has history
    assert follow.cached is False and follow.answer == "Takip cevabı [1]."
    assert len(stub.chat_requests()) == 4


def test_other_model_or_provider_settings_never_share_answers(cached_tutor, stub) -> None:
    stub.enqueue(text("120b cevabı [1]."), text("20b cevabı [1]."), text("Düşük bütçe cevabı [1]."))
    cached_tutor().ask("LoRA nedir?", "a")
    small = cached_tutor(groq_model="openai/gpt-oss-20b").ask("LoRA nedir?", "b")
    assert small.cached is False and small.answer == "20b cevabı [1]."
    budget = cached_tutor(prompt_token_budget=2500).ask("LoRA nedir?", "c")
    assert budget.cached is False
    assert len(stub.chat_requests()) == 3
    # The student's own key is not part of the key: own-key turns read the class cache.
    own = cached_tutor(groq_api_key="gsk_OWNKEY0123456789abcdefgh").ask("LoRA nedir?", "d")
    assert own.cached is True and own.answer == "120b cevabı [1]."
    assert len(stub.chat_requests()) == 3


def test_offline_and_fallback_answers_are_not_stored(cached_tutor, stub) -> None:
    stub.enqueue(rate_limited(60))  # longer than the tutor waits: the turn is answered offline
    tutor = cached_tutor()
    offline = tutor.ask("LoRA nedir?", "a")
    assert offline.mode == "offline" and offline.usage["offline_reason"] == "rate_limit"
    assert offline.usage["rate_limited"] == 1
    assert cached_tutor.store.stats()["entries"] == 0
    stub.enqueue(text("Şimdi model cevapladı [1]."))
    assert tutor.ask("LoRA nedir?", "b").cached is False
    assert cached_tutor.store.stats()["entries"] == 1


def test_hardware_answer_hit_keeps_calculator_calls_and_follow_up_state(cached_tutor, stub) -> None:
    stub.enqueue(
        tool_call("vram_hesapla", {"model": "Llama 3.1 8B", "bits": 4, "vram_gb": 8}),
        text("4-bit ile yaklaşık 4,8 GB gerekir, sığar [1]."),
    )
    tutor = cached_tutor()
    first = tutor.ask("Llama 3.1 8B 4-bit 8 GB kartta çalışır mı?", "a")
    hit = tutor.ask("llama 3.1 8b 4 bit 8 gb kartta calisir mi", "b")
    assert hit.cached is True and hit.tool_calls == first.tool_calls
    assert len(stub.chat_requests()) == 2
    assert tutor.export_history("b")[1] is not None  # the hardware question carries into a follow-up


@pytest.mark.slow
def test_build_tutor_wires_the_cache_to_the_real_index_generation(settings_factory, course_copy, stub) -> None:
    """Real knowledge base: an instructor's re-index that changes the index invalidates the cache."""
    from chains.assistant import build_tutor
    from vectorstore.knowledge_base import KnowledgeBase

    settings = settings_factory(knowledge_dir=course_copy, llm_provider="groq", groq_api_key=KEY,
                                groq_base_url=stub.base_url)
    settings.ensure_storage()
    kb = KnowledgeBase(settings)
    try:
        kb.ingest()
        stub.enqueue(text("Küçük dil modelleri az parametreyle çalışır [1]."), text("Yeni belgelerle cevap [1]."))
        tutor = build_tutor(settings, knowledge_base=kb)
        assert tutor.answer_cache is not None
        first = tutor.ask("Küçük dil modeli nedir?", "a")
        hit = build_tutor(settings, knowledge_base=kb).ask("kucuk dil modeli nedir", "b")
        assert hit.cached is True and hit.sources == first.sources
        assert len(stub.chat_requests()) == 1
        unchanged = kb.ingest()  # nothing changed: same generation, the cache stays valid
        assert unchanged.added == unchanged.updated == 0
        assert tutor.ask("Küçük dil modeli nedir", "c").cached is True
        (course_copy / "yeni-konu.md").write_text("# Distilasyon\n\nBüyük model küçük modele öğretir.", encoding="utf-8")
        kb.ingest()
        fresh = tutor.ask("Küçük dil modeli nedir?", "d")
        assert fresh.cached is False and fresh.answer == "Yeni belgelerle cevap [1]."
        assert len(stub.chat_requests()) == 2
        # ANSWER_CACHE=false: no cache at all.
        assert build_tutor(settings.model_copy(update={"answer_cache": False}), knowledge_base=kb).answer_cache is None
    finally:
        kb.close()
