"""Chat page (AppTest): saved conversations, answer actions, banner truth, input limits, tool tables."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, Event, isolate_app, texts
from chains.context import Turn
from vectorstore.types import Passage


@pytest.fixture
def app_env(monkeypatch, tmp_path, course_copy):
    return isolate_app(monkeypatch, tmp_path, course_copy)


class MemoryTutor:
    """Scripted answers plus the Tutor's memory API (history, load_history, export_history, reset)."""

    def __init__(self, status=None, done=None, extra=()):
        self.calls: list[tuple[str, str]] = []
        self.memory: dict[str, list[Turn]] = {}
        self.loaded: list[tuple[str, list[Turn]]] = []
        self.status = status or {"mode": "offline", "model": None, "reason": None}
        self.done = done or {}
        self.extra = list(extra)

    def stream(self, question, thread_id, **options):
        self.calls.append((question, thread_id))
        answer = f"Cevap {len(self.calls)}: {question}"
        yield Event("status", self.status)
        yield from self.extra
        yield Event("token", answer)
        self.memory.setdefault(thread_id, []).append(Turn(question, answer))
        yield Event("done", {"answer": answer, "mode": "offline", "answered_from_course": True,
                             "tool_calls": [], **self.done})

    def history(self, thread_id):
        return list(self.memory.get(thread_id, []))

    def load_history(self, thread_id, turns, hardware=None):
        self.loaded.append((thread_id, list(turns)))
        self.memory[thread_id] = list(turns)

    def export_history(self, thread_id):
        return list(self.memory.get(thread_id, [])), None

    def reset(self, thread_id):
        self.memory.pop(thread_id, None)


def _use(monkeypatch, tutor) -> None:
    from ders_asistani.ui import resources

    monkeypatch.setattr(resources, "tutor", lambda value=None: tutor)


def _open(sid: str | None = None, cid: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if sid:
        at.query_params["sid"] = sid
    if cid:
        at.query_params["cid"] = cid
    return at.run()


def _ids(at: AppTest) -> tuple[str, str]:
    def one(value):
        return value[0] if isinstance(value, list) else value

    return one(at.query_params["sid"]), one(at.query_params["cid"])


def _store():
    from ders_asistani.conversations import ConversationStore
    from ders_asistani.settings import load_settings

    return ConversationStore(load_settings().app_database_url)


def test_a_reload_restores_the_conversation_and_the_tutors_memory(app_env, monkeypatch) -> None:
    tutor = MemoryTutor()
    _use(monkeypatch, tutor)
    first = _open()
    first.chat_input[0].set_value("LoRA nedir?").run()
    first.feedback[0].set_value(1).run()
    sid, cid = _ids(first)
    assert first.session_state.thread_id == cid and tutor.calls == [("LoRA nedir?", cid)]

    tutor.memory.clear()  # a restarted server remembers nothing
    reloaded = _open(sid, cid)
    assert not reloaded.exception
    assert [m["content"] for m in reloaded.session_state.messages] == ["LoRA nedir?", "Cevap 1: LoRA nedir?"]
    assert "Cevap 1: LoRA nedir?" in texts(reloaded)
    assert reloaded.feedback[0].value == 1  # the thumb survives too
    assert [b.label for b in reloaded.sidebar.button if "LoRA" in b.label] == ["LoRA nedir?"]

    reloaded.chat_input[0].set_value("Peki QLoRA?").run()
    assert tutor.loaded == [(cid, [Turn("LoRA nedir?", "Cevap 1: LoRA nedir?")])]  # memory back before the turn
    assert [t.question for t in tutor.memory[cid]] == ["LoRA nedir?", "Peki QLoRA?"]
    saved = _store().get(cid, sid)
    assert [m["role"] for m in saved.messages] == ["user", "assistant", "user", "assistant"]
    assert [t["question"] for t in saved.turns] == ["LoRA nedir?", "Peki QLoRA?"]


def test_a_conversation_of_another_student_is_never_opened(app_env, monkeypatch) -> None:
    _use(monkeypatch, MemoryTutor())
    alice = _open()
    alice.chat_input[0].set_value("Alice'in gizli sorusu").run()
    alice_sid, alice_cid = _ids(alice)

    bob = _open("bob-student-0000000001", alice_cid)  # Bob got Alice's link, not her sid
    assert not bob.exception
    assert bob.session_state.messages == []
    assert "Alice'in gizli sorusu" not in texts(bob)
    assert _ids(bob)[1] != alice_cid
    assert not [b for b in bob.sidebar.button if "Alice" in b.label]
    bob.chat_input[0].set_value("Bob'un sorusu").run()
    assert _store().get(alice_cid, alice_sid).messages[0]["content"] == "Alice'in gizli sorusu"  # untouched


def test_sidebar_lists_opens_renames_and_deletes(app_env, monkeypatch) -> None:
    _use(monkeypatch, MemoryTutor())
    at = _open()
    at.chat_input[0].set_value("Birinci soru").run()
    sid, first_cid = _ids(at)
    next(b for b in at.sidebar.button if b.label == "🆕 Yeni sohbet").click().run()
    at.chat_input[0].set_value("İkinci soru").run()
    second_cid = _ids(at)[1]
    titles = [b.label for b in at.sidebar.button if b.label.endswith("soru")]
    assert titles == ["İkinci soru", "Birinci soru"]  # newest first

    next(b for b in at.sidebar.button if b.label == "Birinci soru").click().run()
    assert _ids(at)[1] == first_cid
    assert [m["content"] for m in at.session_state.messages][0] == "Birinci soru"

    at.sidebar.text_input(key=f"rename-{first_cid}").set_value("LoRA çalışması")
    next(b for b in at.sidebar.button if b.label == "Kaydet").click().run()
    assert _store().get(first_cid, sid).title == "LoRA çalışması"
    assert any(b.label == "LoRA çalışması" for b in at.sidebar.button)

    next(b for b in at.sidebar.button if b.label == "Evet, sil").click().run()
    assert _store().owner(first_cid) is None  # really deleted
    assert at.session_state.messages == [] and _ids(at)[1] not in (first_cid, second_cid)
    assert [c.id for c in _store().list_for(sid)] == [second_cid]


def test_regenerate_replaces_the_last_answer(app_env, monkeypatch) -> None:
    tutor = MemoryTutor()
    _use(monkeypatch, tutor)
    at = _open()
    at.chat_input[0].set_value("LoRA nedir?").run()
    next(b for b in at.button if b.label == "🔄 Yeniden oluştur").click().run()
    assert not at.exception
    assert [q for q, _ in tutor.calls] == ["LoRA nedir?", "LoRA nedir?"]
    assert [m["content"] for m in at.session_state.messages] == ["LoRA nedir?", "Cevap 2: LoRA nedir?"]
    assert [t.answer for t in tutor.memory[at.session_state.thread_id]] == ["Cevap 2: LoRA nedir?"]
    popovers = at.get("popover")
    assert popovers and any("Cevap 2: LoRA nedir?" in str(c.value) for c in at.code)  # copy box (st.code)


def test_whitespace_is_ignored_and_the_length_limit_is_said(app_env, monkeypatch) -> None:
    tutor = MemoryTutor()
    _use(monkeypatch, tutor)
    at = _open()
    at.chat_input[0].set_value("   \n\t ").run()
    assert tutor.calls == [] and at.session_state.messages == []
    assert "Lütfen bir soru yazın." not in texts(at)
    at.chat_input[0].set_value("a" * 2001).run()
    assert tutor.calls == [] and at.session_state.messages == []
    warning = " ".join(w.value for w in at.warning)
    assert "2.001 karakter" in warning and "En fazla 2.000" in warning
    from ders_asistani.appdb import AppDatabase
    from ders_asistani.settings import load_settings

    assert AppDatabase(load_settings().app_database_url).knowledge_gaps() == []


def test_banner_and_caption_follow_the_turn_that_answered(app_env, monkeypatch) -> None:
    offline_after_401 = MemoryTutor(
        status={"mode": "groq", "model": "openai/gpt-oss-120b", "reason": None},
        done={"mode": "offline", "model": None,
              "generation_off_reason": "Groq anahtarı reddedildi; bu cevap ders belgelerinden derlendi."},
    )
    _use(monkeypatch, offline_after_401)
    at = _open()
    at.chat_input[0].set_value("LoRA nedir?").run()
    assert not [s for s in at.success if "Mod: Groq" in s.value]
    assert "Çevrimdışı" in at.warning[0].value and "reddedildi" in at.warning[0].value
    assert any("📴 Çevrimdışı cevap — Groq anahtarı reddedildi" in c.value for c in at.caption)
    # A reason already shown as a notice is not repeated in the caption.
    from ders_asistani.ui.render import answered_by

    assert answered_by({"mode": "offline", "off_reason": "Anahtar reddedildi.", "notices": ["Anahtar reddedildi."]}) \
        == "📴 Çevrimdışı cevap (nedeni yukarıda)"
    assert any("Çevrimdışı" in m.value for m in at.sidebar.markdown)

    fallback = MemoryTutor(status={"mode": "groq", "model": "openai/gpt-oss-120b", "reason": None},
                           done={"mode": "groq", "model": "openai/gpt-oss-20b"})
    _use(monkeypatch, fallback)
    at.chat_input[0].set_value("Peki QLoRA?").run()
    assert "openai/gpt-oss-20b" in at.success[0].value
    assert any("openai/gpt-oss-20b" in m.value for m in at.sidebar.markdown)
    assert not any("gpt-oss-120b" in m.value for m in at.sidebar.markdown)
    captions = [c.value for c in at.caption]
    assert any("Cevaplayan: Groq · `openai/gpt-oss-20b`" in c for c in captions)


def test_refusals_show_no_sources_and_tools_show_a_turkish_table(app_env, monkeypatch) -> None:
    passage = Passage(text="LoRA düşük ranklı güncellemedir.", source="lora.md", section="LoRA")
    refusal = MemoryTutor(
        extra=[Event("sources", [passage])],
        done={"answer": "Bu konu ders belgelerinde yok.", "answered_from_course": False,
              "sources": [{"n": 1, "source": "lora.md", "section": "LoRA", "text": "LoRA"}]},
    )
    _use(monkeypatch, refusal)
    at = _open()
    at.chat_input[0].set_value("Dün maç kaç kaç bitti?").run()
    assert not [e for e in at.expander if e.label.startswith("📚 Kaynaklar")]

    args = {"model": "Llama 3.1 8B", "quant": "q4", "context": None}
    tool = MemoryTutor(extra=[
        Event("tool_start", {"name": "vram_hesapla", "args": args}),
        Event("tool_end", {"name": "vram_hesapla", "args": args, "result": {
            "weights_gb": 4.575, "total_gb": 5.876, "fits": True, "tokens_per_s": None, "max_context": 54267,
            "mode": "inference", "birim": "GB (1 GB = 2^30 bayt)"}, "error": False}),
    ])
    _use(monkeypatch, tool)
    at.chat_input[0].set_value("8B 12 GB'a sığar mı?").run()
    page = texts(at)
    assert "| Ağırlıklar | 4,6 GB |" in page
    assert "| Sığıyor mu | Evet |" in page
    assert "| Tahmini hız (token/sn) | — |" in page
    assert "| Sığan en uzun bağlam (token) | 54.267 |" in page
    assert "| Kullanım | çıkarım |" in page
    assert "| Bağlam (token) | — |" in page  # the inputs' null
    assert not at.json and "null" not in page.lower() and "weights_gb" not in page


def test_recommendation_lists_become_one_turkish_table() -> None:
    from ders_asistani.ui import tool_labels

    table = tool_labels.list_table_markdown(
        [{"model": "Gemma 2 9B", "quant": "Q4_K_M", "total_gb": 7.715, "tokens_per_s": None}], unit="GB")
    assert table.splitlines()[0] == "| Model | Nicemleme | Toplam | Tahmini hız (token/sn) |"
    assert table.splitlines()[2] == "| Gemma 2 9B | Q4_K_M | 7,7 GB | — |"
    assert tool_labels.value_text("fits", False) == "Hayır"
    assert tool_labels.value_text("params_billion", 8.03) == "8,03"
