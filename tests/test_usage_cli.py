"""`ders-asistani usage`: the ledger after real `ask` turns (offline, Groq stub, answer cache), JSON and table."""

from __future__ import annotations

import json
import os

import pytest
from groq_stub import GroqStub, text
from typer.testing import CliRunner

from ders_asistani.cli import app

KEY = "gsk_USAGECLISECRET0123456789"


@pytest.fixture
def cli_env(tmp_path, course_copy, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("GROQ_", "OLLAMA_", "CHROMA_", "LLM_PROVIDER", "DATABASE_URL", "ANSWER_CACHE")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(course_copy))
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    return monkeypatch


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_usage_json_on_an_empty_ledger_has_the_limits_and_zero_days(cli_env):
    result = run("usage", "--json", "--days", "3", "--day", "2026-12-03")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["day"] == "2026-12-03" and [d["day"] for d in data["days"]] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert data["limits"] == {"model": "openai/gpt-oss-120b", "requests_per_minute": 30, "requests_per_day": 1000,
                              "tokens_per_minute": 8000, "tokens_per_day": 200000, "source": "settings"}
    assert data["turns"] == 0 and data["llm_share"] is None and data["top_offline_reasons"] == []


def test_bad_options_get_a_turkish_message(cli_env):
    result = run("usage", "--day", "dün")
    assert result.exit_code == 2 and "Geçersiz gün" in result.output
    result = run("usage", "--days", "0")
    assert result.exit_code == 2 and "1 ile 366" in result.output


@pytest.mark.slow
def test_usage_after_offline_llm_and_cached_turns(cli_env):
    assert run("ask", "Küçük dil modeli nedir?", "--offline").exit_code == 0
    with GroqStub() as stub:
        cli_env.setenv("GROQ_API_KEY", KEY)
        cli_env.setenv("GROQ_BASE_URL", stub.base_url)
        stub.enqueue(text("LoRA küçük matrisleri eğitir [1]."))
        first = run("ask", "LoRA nedir?", "--json")
        second = run("ask", "lora NEDİR", "--json")  # another process, same first question: the cache answers
        cached_text = run("ask", "LoRA nedir", "--thread", "t1")
        requests = stub.chat_requests()
    assert first.exit_code == second.exit_code == cached_text.exit_code == 0, first.output + second.output
    assert json.loads(second.stdout)["answer"] == json.loads(first.stdout)["answer"]
    assert len(requests) == 1
    assert "önbellekten]" in cached_text.stdout

    result = run("usage", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    today = data["today"]
    assert (today["turns"], today["llm_turns"], today["offline_turns"], today["cache_hits"]) == (4, 3, 1, 2)
    assert today["requests"] == 1 and today["prompt_tokens"] > 1000 and today["completion_tokens"] > 0
    assert data["today_vs_limits"]["requests"] == 1 and data["today_vs_limits"]["tokens"] == today["limit_tokens"]
    assert data["llm_share"] == 0.75 and data["cache_hits"] == 2
    assert data["top_offline_reasons"] == [
        {"reason": "provider_off", "label": "Dil modeli kapalı (çevrimdışı mod ya da anahtar yok)", "count": 1}]
    assert data["cache"] == {"entries": 1, "hits": 2}

    table = run("usage")
    assert table.exit_code == 0
    assert "Dil modeliyle cevaplanan: %75 (4 sorudan)" in table.stdout
    assert "Sınıf anahtarı: 1 / 1.000 istek" in table.stdout
    assert "Dil modeli kapalı (çevrimdışı mod ya da anahtar yok): 1" in table.stdout
