"""A student's own Groq key: the check, the sidebar box, the routing, and that the key never leaks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, isolate_app, texts
from chains.groq_keys import check_groq_key
from ders_asistani.settings import load_settings
from groq_stub import GroqStub, text

CLASS_KEY = "gsk_class_key_0000000000000000000000000000"
OWN_KEY = "gsk_own_key_STUDENT_7f3a9c1e5b2d4f6a8c0e"


@pytest.fixture
def stub():
    with GroqStub(default=text("Kuantalama, ağırlıkları daha az bitle saklamaktır.")) as server:
        server.valid_keys = {CLASS_KEY, OWN_KEY}
        yield server


def test_valid_key_lists_models_and_costs_no_tokens(stub) -> None:
    check = check_groq_key(load_settings(groq_base_url=stub.base_url), OWN_KEY)
    assert check.valid
    assert "openai/gpt-oss-120b" in check.models
    assert [r.method for r in stub.requests] == ["GET"]  # no chat completion spent
    assert stub.requests[0].api_key == OWN_KEY


def test_wrong_key_gets_turkish_message_without_the_key(stub) -> None:
    wrong = "gsk_wrong_key_1234567890"
    check = check_groq_key(load_settings(groq_base_url=stub.base_url), wrong)
    assert not check.valid
    assert "kabul etmedi" in check.message
    assert wrong not in check.message


def test_empty_and_malformed_keys_are_refused_without_a_request(stub) -> None:
    settings = load_settings(groq_base_url=stub.base_url)
    assert not check_groq_key(settings, "  ").valid
    assert not check_groq_key(settings, "gsk_anahtar ığ").valid
    assert stub.requests == []


def test_unreachable_groq_is_explained() -> None:
    check = check_groq_key(load_settings(groq_base_url="http://127.0.0.1:9"), OWN_KEY)
    assert not check.valid and "ulaşılamadı" in check.message and OWN_KEY not in check.message


@pytest.fixture
def tiny_course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "kuantalama.md").write_text(
        "# Kuantalama\n\nKuantalama, model ağırlıklarını daha az bitle saklayarak VRAM ihtiyacını azaltır.\n"
        "4-bit kuantalama, 16-bit modele göre yaklaşık dörtte bir bellek kullanır.\n", encoding="utf-8")
    return folder


def _app(monkeypatch, tmp_path, knowledge, stub, **env) -> tuple[AppTest, Path]:
    storage = isolate_app(monkeypatch, tmp_path, knowledge, LLM_PROVIDER="auto", GROQ_API_KEY=CLASS_KEY,
                          GROQ_BASE_URL=stub.base_url, GROQ_MAX_RETRIES="0", **env)
    return AppTest.from_file(APP, default_timeout=120).run(), storage


def _paste(at: AppTest, key: str) -> None:
    box = next(t for t in at.text_input if t.label == "Groq API anahtarı")
    box.input(key)
    next(b for b in at.button if b.label == "Anahtarı denetle ve kullan").click().run()


def test_own_key_answers_and_never_leaks(monkeypatch, tmp_path, tiny_course, stub, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    at, storage = _app(monkeypatch, tmp_path, tiny_course, stub)
    assert not at.exception
    assert "API Anahtarı Oluşturma" in texts(at)
    _paste(at, "gsk_wrong_key_1234567890")
    assert "kabul etmedi" in texts(at)
    _paste(at, OWN_KEY)
    assert "Kendi anahtarınız kullanılıyor" in texts(at)
    at.chat_input[0].set_value("Kuantalama nedir?").run()
    assert not at.exception
    chats = stub.chat_requests()
    assert chats and all(r.api_key == OWN_KEY for r in chats)  # the class key is not touched
    assert "kendi anahtarınız" in texts(at)

    # The leak check: files, logs, the URL, the page's messages and exceptions.
    needle = OWN_KEY.encode()
    for path in storage.rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path
    assert OWN_KEY not in caplog.text
    assert OWN_KEY not in str(dict(at.query_params))
    assert OWN_KEY not in texts(at)
    assert all(OWN_KEY not in t.value for t in at.text_input)  # the form was cleared
    assert not at.exception

    next(b for b in at.button if b.label == "Anahtarımı unut").click().run()
    at.chat_input[0].set_value("4-bit kuantalama ne kadar bellek kullanır?").run()
    assert stub.chat_requests()[-1].api_key == CLASS_KEY
    assert "sınıf anahtarı" in texts(at)


def test_policy_class_hides_the_box(monkeypatch, tmp_path, tiny_course, stub) -> None:
    at, _ = _app(monkeypatch, tmp_path, tiny_course, stub, GROQ_KEY_POLICY="class")
    assert not at.exception
    assert not any(t.label == "Groq API anahtarı" for t in at.text_input)


def test_policy_own_never_uses_the_class_key(monkeypatch, tmp_path, tiny_course, stub) -> None:
    at, _ = _app(monkeypatch, tmp_path, tiny_course, stub, GROQ_KEY_POLICY="own")
    at.chat_input[0].set_value("Kuantalama nedir?").run()
    assert not at.exception
    assert stub.chat_requests() == []
    assert "kendi Groq anahtarını" in texts(at)
    _paste(at, OWN_KEY)
    at.chat_input[0].set_value("4-bit kuantalama ne kadar bellek kullanır?").run()
    assert [r.api_key for r in stub.chat_requests()] and all(r.api_key == OWN_KEY for r in stub.chat_requests())
