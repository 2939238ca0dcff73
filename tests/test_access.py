"""Class access code: constant-time check, growing delay, and the chat gate (AppTest)."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, isolate_app, texts
from ders_asistani.ui import access


def test_code_matches_exact_code_only() -> None:
    assert access.code_matches("ders-2026", "ders-2026")
    assert access.code_matches("ders-2026", "  ders-2026 ")  # pasted with spaces
    assert not access.code_matches("ders-2026", "ders-2025")
    assert not access.code_matches("ders-2026", "")
    assert not access.code_matches("ders-2026", "DERS-2026")


def test_code_matches_uses_constant_time_compare(monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: seen.append((a, b)) or False)
    assert not access.code_matches("kod", "kod")
    assert seen == [(b"kod", b"kod")]


def test_wrong_code_delay_grows_and_is_capped() -> None:
    delays = [access.wrong_code_delay(n) for n in range(0, 9)]
    assert delays[0] == 0.0
    assert all(later > earlier for earlier, later in zip(delays[1:6], delays[2:7]))
    assert delays[1] == 1.0 and delays[3] == 4.0
    assert access.wrong_code_delay(50) == access.MAX_DELAY_S


@pytest.fixture
def gated(monkeypatch, tmp_path, course_copy):
    isolate_app(monkeypatch, tmp_path, course_copy, COURSE_ACCESS_CODE="gizli-kod-42")
    slept = []
    monkeypatch.setattr(access, "sleep", slept.append)
    return slept


def test_chat_asks_for_code_before_anything_else(gated, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "sınıf kodunu" in texts(at)
    assert not at.chat_input  # no chat before the code
    at.text_input[0].input("yanlis")
    at.button[0].click().run()
    assert access.WRONG_CODE in texts(at)
    at.text_input[0].input("yine-yanlis")
    at.button[0].click().run()
    assert gated == [1.0, 2.0]  # the delay grows with each wrong code
    at.text_input[0].input("gizli-kod-42")
    at.button[0].click().run()
    assert not at.exception
    assert at.chat_input  # the chat is open now
    assert "sınıf kodunu" not in texts(at)
    at.run()  # later reruns in this session do not ask again
    assert at.chat_input
    assert "gizli-kod-42" not in caplog.text and "yanlis" not in caplog.text


def test_no_code_set_means_no_gate(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.chat_input and "sınıf kodunu" not in texts(at)
