"""Chat page (AppTest): the student id reaches the tutor, queue events and the offline-now path."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, Event, FakeTutor, isolate_app, texts
from chains.governed_turn import queue_text

SCRIPT = [
    Event("status", {"mode": "groq", "model": "openai/gpt-oss-120b", "reason": None}),
    Event("queue", {"position": 3, "eta_s": 38.2}),
    Event("queue", {"position": 1, "eta_s": 4.0}),
    Event("token", "Cevap [1]."),
    Event("done", {"answer": "LoRA bir ince ayar yöntemidir.", "sources": None, "mode": "groq",
                   "answered_from_course": True, "tool_calls": []}),
]


@pytest.fixture
def app_env(monkeypatch, tmp_path, course_copy):
    return isolate_app(monkeypatch, tmp_path, course_copy)


def _use_tutor(monkeypatch, tutor) -> None:
    from ders_asistani.ui import resources

    monkeypatch.setattr(resources, "tutor", lambda value=None: tutor)


def test_queue_text() -> None:
    assert queue_text(3, 38.2) == "Sıranız: 3 — yaklaşık 39 sn"
    assert queue_text(1, 600) == "Sıranız: 1 — yaklaşık 10 dakika"


def test_student_id_reaches_the_tutor_and_queue_events_render(app_env, monkeypatch) -> None:
    tutor = FakeTutor(SCRIPT)
    _use_tutor(monkeypatch, tutor)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("LoRA nedir?").run()
    assert not at.exception
    sid = at.query_params["sid"]
    sid = sid[0] if isinstance(sid, list) else sid
    assert tutor.options[0] == {"student_id": sid}
    assert "LoRA bir ince ayar yöntemidir." in texts(at)
    assert "Sıranız" not in texts(at)  # the wait is over: the queue line is gone


def test_offline_now_asks_the_tutor_offline(app_env, monkeypatch) -> None:
    tutor = FakeTutor(SCRIPT)
    _use_tutor(monkeypatch, tutor)
    at = AppTest.from_file(APP, default_timeout=30).run()
    # What the "Çevrimdışı cevabı şimdi al" button's callback leaves for the next run.
    from ders_asistani.ui import chat

    at.session_state[chat.PENDING_KEY] = "LoRA nedir?"
    at.session_state[chat.OFFLINE_NOW_KEY] = True
    at.run()
    assert not at.exception
    assert tutor.calls[-1][0] == "LoRA nedir?" and tutor.options[-1]["offline"] is True
    assert [m["content"] for m in at.session_state["messages"] if m["role"] == "user"] == ["LoRA nedir?"]
