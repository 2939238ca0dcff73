"""`ders-asistani ask`: JSON schema, Groq through GROQ_BASE_URL, threads, exit codes."""

from __future__ import annotations

import json
import os
import re

import pytest
from groq_stub import GroqStub, text, tool_call
from typer.testing import CliRunner

from ders_asistani.cli import app

KEY = "gsk_CLISECRET0123456789"


@pytest.fixture
def cli_env(tmp_path, course_copy, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("GROQ_", "OLLAMA_", "CHROMA_", "LLM_PROVIDER")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(course_copy))
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    return monkeypatch


def run(*args: str):
    return CliRunner().invoke(app, ["ask", *args])


def test_offline_json_has_exactly_the_documented_schema(cli_env):
    result = run("Küçük dil modeli nedir?", "--offline", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["answer", "sources", "tool_calls", "mode", "model", "notices"]
    assert data["mode"] == "offline" and data["model"] is None
    assert data["notices"] == ["Çevrimdışı mod istendi; cevaplar ders belgelerinden ve araçlardan derlenir."]
    assert data["sources"] and list(data["sources"][0]) == ["n", "source", "section", "text"]
    assert [s["n"] for s in data["sources"]] == list(range(1, len(data["sources"]) + 1))
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    assert cited and cited <= {s["n"] for s in data["sources"]}
    assert "daha küçük parametreye" in data["answer"]


def test_groq_endpoint_from_environment_drives_the_agent(cli_env):
    with GroqStub() as stub:
        cli_env.setenv("GROQ_API_KEY", KEY)
        cli_env.setenv("GROQ_BASE_URL", stub.base_url)
        stub.enqueue(
            tool_call("vram_hesapla", {"model": "Llama 3.1 8B", "quant": "int4", "vram": 8}),
            text("4-bit ile kartınıza sığar; ders tablosu da 8B modeller için GPU önerir [1]."),
        )
        result = run("Llama 3.1 8B 4-bit 8 GB kartta çalışır mı?", "--json")
        requests = stub.chat_requests()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "groq" and data["model"] == "openai/gpt-oss-120b"
    call = data["tool_calls"][0]
    assert call["name"] == "vram_hesapla" and isinstance(call["result"]["total_gb"], float)
    assert "[1]" in data["answer"]
    assert len(requests) == 2 and "<kaynaklar>" in requests[0].messages[-1]["content"]
    assert KEY not in result.output


def test_unreachable_groq_still_answers_with_exit_code_zero(cli_env):
    cli_env.setenv("GROQ_API_KEY", KEY)
    cli_env.setenv("GROQ_BASE_URL", "http://127.0.0.1:9")
    result = run("Küçük dil modeli nedir?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "offline" and data["notices"] and KEY not in result.output
    assert "Traceback" not in result.output and "model call failed" not in result.output


def test_thread_keeps_follow_ups_between_invocations(cli_env):
    first = run("Llama 3.1 8B modeli 8 GB'lık ekran kartımda çalışır mı?", "--thread", "ogr-1", "--offline", "--json")
    second = run("peki 4-bit olursa?", "--thread", "ogr-1", "--offline", "--json")
    assert first.exit_code == second.exit_code == 0
    args = json.loads(second.stdout)["tool_calls"][0]["args"]
    assert args["model"] == "Llama 3.1 8B" and args["quant"] == "4-bit" and args["vram"] == 8.0


@pytest.mark.parametrize(
    ("args", "message"),
    [(("   ",), "boş"), (("soru", "--thread", "../etc"), "Konuşma kimliği"), (("x" * 2001,), "çok uzun")],
)
def test_usage_errors_exit_non_zero_with_turkish_message(cli_env, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
