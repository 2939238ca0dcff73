"""Instructor page, "Kullanım" tab (AppTest): today against the limits, the last days, LLM share, offline reasons."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, KNOWLEDGE_PAGE, isolate_app, texts


def _open_usage_tab(monkeypatch):
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(KNOWLEDGE_PAGE).run()
    at.text_input[0].input("p")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Belgeler", "Parçalar ve deneme araması", "Cevapsız sorular", "Kullanım"]
    return at, at.tabs[3]


def _seed_ledger() -> None:
    from ders_asistani.settings import load_settings
    from ders_asistani.usage_ledger import UsageLedger, utc_day

    ledger = UsageLedger(load_settings().app_database_url)
    today = utc_day()
    for student in ("s1", "s2", "s1"):
        ledger.record_turn(day=today, key_kind="class", student_id=student, answered_by="llm")
    ledger.record_turn(day=today, key_kind="class", student_id="s3", answered_by="cache")
    for _ in range(2):
        ledger.record_turn(day=today, key_kind="class", student_id="s2", answered_by="offline",
                           offline_reason="rate_limit", queue_wait_s=12.0)
    ledger.record_turn(day=today, key_kind="class", answered_by="offline", offline_reason="queue")
    ledger.record_turn(day=today, key_kind="own", student_id="s4", answered_by="llm")
    ledger.record_call(day=today, key_kind="class", requests=5, prompt_tokens=14000, cached_tokens=2000,
                       completion_tokens=500, rate_limited=2)
    ledger.record_call(day=today, key_kind="own", prompt_tokens=3000, completion_tokens=100)
    ledger.dispose()


def test_usage_tab_shows_today_against_limits_chart_share_and_reasons(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    _seed_ledger()
    at, tab = _open_usage_tab(monkeypatch)
    metrics = {m.label: m.value for m in tab.metric}
    # The class key only: the own-key turn's tokens do not count against the class limits.
    assert metrics["İstek (sınıf anahtarı)"] == "5 / 1.000"
    assert metrics["Token (sınıf anahtarı)"] == "12.500 / 200.000"
    assert metrics["Soru (bugün)"] == "8"
    assert metrics["Dil modeli payı"] == "%62,5"  # 4 LLM (one from the cache) + 1 own of 8
    assert metrics["Önbellekten"] == "1" and metrics["Kendi anahtarıyla"] == "1"
    assert metrics["429 (hız sınırı)"] == "2" and metrics["Sırada bekleyen"] == "2"
    progress = [p.proto.text for p in tab.get("progress")]
    assert progress == ["%0,5 kullanıldı", "%6,2 kullanıldı"]
    reasons = tab.dataframe[0].value
    assert list(reasons["Neden"]) == ["Groq kullanım sınırı (429)", "Sırada bekleme / sınıf kotası"]
    assert list(reasons["Sayı"]) == ["2", "1"]
    charts = tab.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert "replace(format(datum.value" in json.dumps(spec)  # Turkish axis numbers
    page = texts(at)
    assert "Son 14 günde 8 soru; dil modeliyle cevaplanan %62,5, önbellekten 1." in page
    assert "Önbellekte şu an 0 cevap var" in page
    assert "Gün UTC'ye göre" in page


def test_usage_tab_on_an_empty_ledger(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    at, tab = _open_usage_tab(monkeypatch)
    metrics = {m.label: m.value for m in tab.metric}
    assert metrics["İstek (sınıf anahtarı)"] == "0 / 1.000" and metrics["Dil modeli payı"] == "—"
    assert any(i.value == "Bu dönemde çevrimdışı cevap yok." for i in tab.info)


def test_chat_marks_an_answer_served_from_the_cache(monkeypatch, tmp_path, course_copy) -> None:
    from app_support import Event, FakeTutor
    from ders_asistani.ui import resources

    isolate_app(monkeypatch, tmp_path, course_copy)
    script = [
        Event("status", {"mode": "groq", "model": "openai/gpt-oss-120b", "reason": None}),
        Event("sources", [{"n": 1, "source": "llm-nedir-fine-tune.md", "section": "LoRA", "text": "LoRA ..."}]),
        Event("token", "LoRA küçük matrisleri eğitir [1]."),
        Event("done", {"answer": "LoRA küçük matrisleri eğitir [1].", "mode": "groq", "model": "openai/gpt-oss-120b",
                       "cached": True, "answered_from_course": True, "tool_calls": []}),
    ]
    monkeypatch.setattr(resources, "tutor", lambda value=None: FakeTutor(script))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("LoRA nedir?").run()
    assert not at.exception
    captions = [c.value for c in at.caption if "Önbellekten" in c.value]
    assert len(captions) == 1  # shown in the history after the rerun, once
    assert at.session_state.messages[-1]["cached"] is True


@pytest.mark.slow
def test_two_sessions_share_the_cache_and_the_instructor_sees_it(monkeypatch, tmp_path, course_copy) -> None:
    """The real chat page and tutor on the Groq stub: the second student's identical question is answered
    from the cache (no model call), and the Kullanım tab counts both turns."""
    from groq_stub import GroqStub, text

    with GroqStub() as stub:
        stub.enqueue(text("Küçük dil modelleri az parametreyle çalışır [1]."))
        isolate_app(monkeypatch, tmp_path, course_copy, LLM_PROVIDER="groq", GROQ_API_KEY="gsk_APPTESTKEY0123456789",
                    GROQ_BASE_URL=stub.base_url, ADMIN_PASSWORD="p")
        first = AppTest.from_file(APP, default_timeout=300).run()
        first.chat_input[0].set_value("Küçük dil modeli nedir?").run()
        second = AppTest.from_file(APP, default_timeout=120).run()
        second.chat_input[0].set_value("kucuk dil modeli nedir").run()
        requests = len(stub.chat_requests())
    assert not first.exception and not second.exception
    assert requests == 1
    reply = second.session_state.messages[-1]
    assert reply["cached"] is True and reply["content"] == first.session_state.messages[-1]["content"]
    assert reply["sources"]
    assert any("Önbellekten" in c.value for c in second.caption)
    assert not any("Önbellekten" in c.value for c in first.caption)

    _at, tab = _open_usage_tab(monkeypatch)
    metrics = {m.label: m.value for m in tab.metric}
    assert metrics["Soru (bugün)"] == "2" and metrics["Önbellekten"] == "1"
    assert metrics["İstek (sınıf anahtarı)"] == "1 / 1.000" and metrics["Dil modeli payı"] == "%100"
