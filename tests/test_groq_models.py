"""`ders-asistani models`, the model catalog and the completion-token cap, against the Groq stub."""

from __future__ import annotations

import json
import os

import pytest
from groq_stub import GroqStub, text
from typer.testing import CliRunner

from chains.groq_models import completion_cap, known, list_models
from chains.providers import build_chat_model, resolve_provider
from ders_asistani.cli import app
from ders_asistani.settings import Settings

KEY = "gsk_MODELSSECRET0123456789"
LISTED = [
    "openai/gpt-oss-120b",
    "openai/gpt-oss-20b",
    "qwen/qwen3.6-27b",
    "qwen/qwen3.8-27b",
    "llama-3.3-70b-versatile",
    "llama-3.1-8b-instant",
    "whisper-large-v3",
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in list(os.environ):
        if key.startswith(("GROQ_", "OLLAMA_", "LLM_PROVIDER", "MAX_COMPLETION")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    return monkeypatch


@pytest.fixture
def stub():
    with GroqStub(default=text("Merhaba.")) as server:
        server.valid_keys = {KEY}
        server.models = list(LISTED)
        yield server


def run(*args: str):
    return CliRunner().invoke(app, ["models", *args])


def settings(**overrides) -> Settings:
    return Settings(_env_file=None, **overrides)


# --- catalog -------------------------------------------------------------------------
def test_catalog_marks_retired_and_preview_ids() -> None:
    assert known("openai/gpt-oss-120b").status == "production"
    assert known("qwen/qwen3.6-27b").status == "preview"
    assert known("qwen/qwen3.8-27b").max_completion_tokens == 16_384
    assert (known("llama-3.3-70b-versatile").status, known("llama-3.3-70b-versatile").retired_on) == ("retired", "2026-08-16")
    assert known("llama-3.1-8b-instant").retired_on == "2026-08-16"
    assert known("meta-llama/llama-4-scout-17b-16e-instruct").status == "retired"
    assert known("qwen/qwen3-32b").status == "retired"
    assert known("bir-model").status == "unknown"


def test_completion_cap_clamps_only_above_the_model_cap() -> None:
    assert completion_cap("qwen/qwen3.6-27b", 30_000) == 16_384
    assert completion_cap("qwen/qwen3.8-27b", 1024) == 1024
    assert completion_cap("openai/gpt-oss-120b", 30_000) == 30_000
    assert completion_cap("openai/gpt-oss-120b", 100_000) == 65_536
    assert completion_cap("bir-model", 100_000) == 100_000


# --- the model setting --------------------------------------------------------------------
def test_defaults_keep_gpt_oss_120b_first_and_20b_as_first_fallback() -> None:
    choice = resolve_provider(settings(groq_api_key=KEY))
    assert choice.models[:2] == ("openai/gpt-oss-120b", "openai/gpt-oss-20b")


@pytest.mark.parametrize("model", ["qwen/qwen3.6-27b", "qwen/qwen3.8-27b"])
def test_preview_model_is_selectable_and_its_cap_is_sent(stub, model: str) -> None:
    config = settings(groq_api_key=KEY, groq_base_url=stub.base_url, groq_model=model, max_completion_tokens=30_000)
    choice = resolve_provider(config)
    assert choice.mode == "groq" and choice.models == (model, "openai/gpt-oss-20b")
    for name in choice.models:
        build_chat_model(config, "groq", name).invoke("Merhaba")
    sent = [(r.model, r.body.get("max_tokens", r.body.get("max_completion_tokens"))) for r in stub.chat_requests()]
    assert sent == [(model, 16_384), ("openai/gpt-oss-20b", 30_000)]
    assert stub.chat_requests()[0].body.get("reasoning_effort") is None  # a gpt-oss-only knob
    assert stub.chat_requests()[0].body.get("reasoning_format") == "hidden"  # no <think> in answers
    assert stub.chat_requests()[1].body.get("reasoning_effort") == "low"


# --- listing ------------------------------------------------------------------------------
def test_listing_marks_roles_retired_preview_and_unlisted(stub) -> None:
    listing = list_models(settings(groq_api_key=KEY, groq_base_url=stub.base_url,
                                   groq_fallback_models=["openai/gpt-oss-20b", "kimi-k2-instruct-0905"]))
    assert listing.ok
    rows = {row.id: row for row in listing.rows}
    assert set(rows) == set(LISTED) | {"kimi-k2-instruct-0905"}
    assert rows["openai/gpt-oss-120b"].role == "varsayılan" and rows["openai/gpt-oss-20b"].role == "yedek 1"
    assert rows["llama-3.3-70b-versatile"].status_tr == "emekli"
    assert rows["qwen/qwen3.8-27b"].status_tr == "önizleme" and rows["qwen/qwen3.8-27b"].max_completion_tokens == 16_384
    assert rows["whisper-large-v3"].status == "unknown"
    assert rows["kimi-k2-instruct-0905"].listed is False and "kimi-k2-instruct-0905" in listing.message
    assert [r.method for r in stub.requests] == ["GET"]  # costs no tokens


def test_cli_table(env, stub) -> None:
    env.setenv("GROQ_API_KEY", KEY)
    env.setenv("GROQ_BASE_URL", stub.base_url)
    env.setenv("GROQ_MODEL", "qwen/qwen3.6-27b")
    result = run()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Model", "Durum", "Rol", "Bağlam", "En", "çok", "çıktı"]
    by_id = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert "emekli (2026-08-16)" in by_id["llama-3.3-70b-versatile"]
    assert "önizleme" in by_id["qwen/qwen3.6-27b"] and "varsayılan" in by_id["qwen/qwen3.6-27b"]
    assert "16.384" in by_id["qwen/qwen3.6-27b"]
    assert "yedek 1" in by_id["openai/gpt-oss-20b"]
    assert "önizleme modeli" in result.stdout  # the note about the chosen preview model
    assert KEY not in result.output


def test_cli_json(env, stub) -> None:
    env.setenv("GROQ_API_KEY", KEY)
    env.setenv("GROQ_BASE_URL", stub.base_url)
    result = run("--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    rows = {row["id"]: row for row in payload["models"]}
    assert rows["llama-3.1-8b-instant"]["status"] == "retired"
    assert rows["llama-3.1-8b-instant"]["retired_on"] == "2026-08-16"
    assert rows["qwen/qwen3.6-27b"]["status"] == "preview"
    assert rows["openai/gpt-oss-120b"]["role"] == "varsayılan"
    assert set(rows["openai/gpt-oss-120b"]) == {
        "id", "status", "status_tr", "role", "context_window", "max_completion_tokens", "retired_on", "listed"
    }


@pytest.mark.parametrize("as_json", [False, True])
def test_cli_without_a_key(env, as_json: bool) -> None:
    result = run(*(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert "GROQ_API_KEY tanımlı değil" in result.output
    assert "Traceback" not in result.output


def test_cli_refused_key(env, stub) -> None:
    wrong = "gsk_wrong_0000000000"
    env.setenv("GROQ_API_KEY", wrong)
    env.setenv("GROQ_BASE_URL", stub.base_url)
    result = run()
    assert result.exit_code == 2
    assert "kabul etmedi" in result.output and wrong not in result.output


def test_cli_unreachable(env) -> None:
    env.setenv("GROQ_API_KEY", KEY)
    env.setenv("GROQ_BASE_URL", "http://127.0.0.1:9")
    result = run("--json")
    assert result.exit_code == 3
    assert "ulaşılamadı" in result.output and KEY not in result.output
