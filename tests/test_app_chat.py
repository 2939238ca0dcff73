"""Chat page (AppTest): rendering of the tutor's events, history, feedback, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, Event, FakeTutor, isolate_app, texts
from vectorstore.types import Passage


@pytest.fixture
def app_env(monkeypatch, tmp_path, course_copy):
    return isolate_app(monkeypatch, tmp_path, course_copy)


def _use_tutor(monkeypatch, tutor) -> None:
    from ders_asistani.ui import resources

    monkeypatch.setattr(resources, "tutor", lambda value=None: tutor)


SCRIPT = [
    Event("status", {"mode": "offline", "model": None, "reason": "GROQ_API_KEY tanımlı değil."}),
    Event("tool_start", {"name": "vram_hesapla", "args": {"model": "llama-3.1-8b", "quant": "q4"}}),
    Event("tool_end", {"name": "vram_hesapla", "result": {"total_gb": 6.1, "fits": True}}),
    Event("sources", [Passage(text="QLoRA 4-bit ağırlıklarla eğitir.", source="llm-nedir-fine-tune.md",
                              section="İnce ayar > QLoRA", page=3)]),
    Event("token", "Toplam "),
    Event("token", "6,1 GB [1]."),
    Event("done", {"answer": "Toplam 6,1 GB gerekir [1].", "sources": None, "mode": "offline",
                   "answered_from_course": True, "tool_calls": []}),
]


def test_empty_chat_shows_examples_and_offline_banner(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "🆕 Yeni sohbet" in labels
    assert any("RTX 3060" in label for label in labels)
    assert "Çevrimdışı" in at.warning[0].value
    assert any("Arama derinliği" in m.value for m in at.sidebar.markdown)


def test_answer_shows_tool_status_sources_and_feedback_is_stored(app_env, monkeypatch) -> None:
    tutor = FakeTutor(SCRIPT)
    _use_tutor(monkeypatch, tutor)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("8B model 12 GB'a sığar mı?").run()
    assert not at.exception
    assert tutor.calls[0][0] == "8B model 12 GB'a sığar mı?"
    page = texts(at)
    assert "Toplam 6,1 GB gerekir [1]." in page
    assert any(s.label.startswith("VRAM hesaplandı") for s in at.status)
    expander = [e for e in at.expander if e.label.startswith("📚 Kaynaklar")]
    assert expander and "llm-nedir-fine-tune.md" in texts(at)
    assert "sayfa 3" in page

    at.feedback[0].set_value(0).run()
    at.text_input[0].set_value("Kaynak yanlış")
    at.form_submit_button[0].click().run()
    assert "yorumunuz kaydedildi" in texts(at)

    from ders_asistani.appdb import AppDatabase
    from ders_asistani.settings import load_settings

    db = AppDatabase(load_settings().app_database_url)
    gaps = db.knowledge_gaps()
    assert [g.question for g in gaps] == ["8B model 12 GB'a sığar mı?"]
    assert gaps[0].comments == ["Kaynak yanlış"]


def test_example_button_asks_and_new_chat_clears(app_env, monkeypatch) -> None:
    tutor = FakeTutor(SCRIPT)
    _use_tutor(monkeypatch, tutor)
    at = AppTest.from_file(APP, default_timeout=30).run()
    example = next(b for b in at.button if "İnce ayar" in b.label)
    example.click().run()
    assert tutor.calls and "İnce ayar" in tutor.calls[0][0]
    assert len(at.session_state.messages) == 2
    first_thread = at.session_state.thread_id
    next(b for b in at.button if b.label == "🆕 Yeni sohbet").click().run()
    assert at.session_state.messages == []
    assert at.session_state.thread_id != first_thread


def test_a_failing_tutor_gives_a_polite_message(app_env, monkeypatch) -> None:
    class Broken:
        def stream(self, question, thread_id):
            raise RuntimeError("boom")
            yield  # pragma: no cover

    _use_tutor(monkeypatch, Broken())
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("Merhaba").run()
    assert not at.exception
    assert "Üzgünüm" in texts(at)
    assert "boom" not in texts(at)


def test_unanswered_questions_go_to_the_database_named_by_database_url(app_env, monkeypatch, tmp_path) -> None:
    shared = tmp_path / "shared" / "ortak.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{shared}")
    script = [Event("done", {"answer": "Bu konu ders belgelerinde yok.", "answered_from_course": False,
                             "mode": "offline", "tool_calls": []})]
    _use_tutor(monkeypatch, FakeTutor(script))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("Futbol maçı kaç kaç bitti?").run()
    from ders_asistani.appdb import AppDatabase

    gaps = AppDatabase(f"sqlite:///{shared}").knowledge_gaps()
    assert [g.question for g in gaps] == ["Futbol maçı kaç kaç bitti?"]
    assert not (app_env / "app.db").exists()  # nothing went to the default file under STORAGE_DIR


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The course indexed once for this module (offline tutor tests)."""
    import shutil

    from conftest import COURSE_DIR
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    root = tmp_path_factory.mktemp("indexed")
    shutil.copytree(COURSE_DIR, root / "knowledge")
    kb = KnowledgeBase(Settings(_env_file=None, knowledge_dir=root / "knowledge", storage_dir=root / "storage"))
    kb.ingest()
    warm = getattr(kb.retriever(), "warm_up", None)
    if warm:
        warm()  # per-passage caches land on disk once for the whole module
    kb.close()
    return root


def test_offline_tutor_answers_with_course_sources(indexed, monkeypatch, tmp_path) -> None:
    isolate_app(monkeypatch, tmp_path, indexed / "knowledge", STORAGE_DIR=str(indexed / "storage"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.chat_input[0].set_value("Küçük dil modellerinin zayıf yönleri nelerdir?").run()
    assert not at.exception
    reply = at.session_state.messages[-1]
    assert reply["mode"] == "offline" and reply["content"]
    assert reply["answered_from_course"] is True
    assert reply["sources"], "offline answers cite course passages"
    assert any(e.label.startswith("📚 Kaynaklar") for e in at.expander)
    assert reply["sources"][0]["source"] in texts(at)
    assert "Çevrimdışı" in at.warning[0].value


def test_groq_mode_against_the_stub_server_streams_and_shows_the_model(indexed, monkeypatch, tmp_path) -> None:
    from groq_stub import GroqStub, text, tool_call

    with GroqStub() as stub:
        stub.enqueue(
            tool_call("ders_ara", {"sorgu": "QLoRA 4-bit"}),
            text("QLoRA, 4-bit nicelenmiş taban model üzerinde LoRA eğitir [1]."),
        )
        isolate_app(monkeypatch, tmp_path, indexed / "knowledge", STORAGE_DIR=str(indexed / "storage"),
                    LLM_PROVIDER="groq", GROQ_API_KEY="gsk_test", GROQ_BASE_URL=stub.base_url,
                    GROQ_MODEL="openai/gpt-oss-120b")
        at = AppTest.from_file(APP, default_timeout=120).run()
        assert "Groq" in at.success[0].value and "openai/gpt-oss-120b" in at.success[0].value
        at.chat_input[0].set_value("QLoRA nedir?").run()
        assert not at.exception
        reply = at.session_state.messages[-1]
        assert reply["mode"] == "groq"
        assert "4-bit nicelenmiş taban model" in reply["content"]
        assert stub.chat_requests() and stub.chat_requests()[0].model == "openai/gpt-oss-120b"
        assert any(s.label.startswith("Ders notlarında") for s in at.status)
        assert reply["sources"]


def test_two_browser_sessions_keep_their_own_history(indexed, monkeypatch, tmp_path) -> None:
    isolate_app(monkeypatch, tmp_path, indexed / "knowledge", STORAGE_DIR=str(indexed / "storage"))
    first = AppTest.from_file(APP, default_timeout=120).run()
    second = AppTest.from_file(APP, default_timeout=120).run()
    first.chat_input[0].set_value("Mixtral'ın öne çıkan özellikleri neler?").run()
    second.chat_input[0].set_value("Açık kaynak modeller nelerdir?").run()
    first.chat_input[0].set_value("Peki zayıf yönleri?").run()
    assert first.session_state.thread_id != second.session_state.thread_id
    assert [m["content"] for m in first.session_state.messages if m["role"] == "user"] == [
        "Mixtral'ın öne çıkan özellikleri neler?", "Peki zayıf yönleri?"]
    assert [m["content"] for m in second.session_state.messages if m["role"] == "user"] == [
        "Açık kaynak modeller nelerdir?"]

    from ders_asistani.ui import resources

    tutor = resources.tutor()  # the one shared, cached tutor
    assert [t.question for t in tutor.history(first.session_state.thread_id)] == [
        "Mixtral'ın öne çıkan özellikleri neler?", "Peki zayıf yönleri?"]
    assert [t.question for t in tutor.history(second.session_state.thread_id)] == ["Açık kaynak modeller nelerdir?"]
    old_thread = first.session_state.thread_id
    next(b for b in first.button if b.label == "🆕 Yeni sohbet").click().run()
    assert tutor.history(old_thread) == []  # "Yeni sohbet" frees the old memory
    assert len(tutor.history(second.session_state.thread_id)) == 1  # other sessions untouched


def test_chat_works_before_anything_is_indexed(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.chat_input[0].set_value("Küçük dil modeli nedir?").run()
    assert not at.exception
    reply = at.session_state.messages[-1]
    assert reply["content"]  # a polite Turkish answer, never a traceback


def test_only_answers_without_course_or_tool_reach_the_instructor() -> None:
    from ders_asistani.ui.chat import needs_instructor

    assert needs_instructor({"answered_from_course": False, "tools": []})
    assert not needs_instructor({"answered_from_course": False, "tools": [{"name": "vram_hesapla"}]})
    assert not needs_instructor({"answered_from_course": True, "tools": []})
    assert not needs_instructor({"answered_from_course": None, "tools": []})  # the tutor did not say
