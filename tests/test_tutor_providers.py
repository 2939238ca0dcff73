"""Provider choice, chat model construction, error mapping and secret scrubbing."""

from __future__ import annotations

import socket

import pytest
from test_tutor_fakes import FakeRetriever

from chains.errors import classify, scrub
from chains.providers import build_chat_model, resolve_provider
from chains.tutor import Tutor


def test_auto_uses_groq_only_with_a_key(settings_factory):
    assert resolve_provider(settings_factory()).mode == "offline"
    assert "GROQ_API_KEY" in resolve_provider(settings_factory()).reason
    choice = resolve_provider(settings_factory(groq_api_key="gsk_abc12345", groq_fallback_models=["openai/gpt-oss-20b"]))
    assert choice.mode == "groq" and choice.models == ("openai/gpt-oss-120b", "openai/gpt-oss-20b")
    assert resolve_provider(settings_factory(llm_provider="groq")).mode == "offline"
    assert resolve_provider(settings_factory(llm_provider="ollama")).models == ("llama3.2",)
    assert resolve_provider(settings_factory(groq_api_key="gsk_abc12345"), force_offline=True).mode == "offline"


def test_groq_model_settings(settings_factory):
    settings = settings_factory(groq_api_key="gsk_abc12345", groq_base_url="http://127.0.0.1:1", groq_timeout_s=7)
    oss = build_chat_model(settings, "groq", "openai/gpt-oss-120b")
    assert oss.reasoning_effort == "low" and oss.max_retries == 0 and oss.request_timeout == 7
    assert oss.groq_api_base == "http://127.0.0.1:1" and oss.temperature == 0.2
    assert build_chat_model(settings, "groq", "llama-3.3-70b-versatile").reasoning_effort is None
    assert "gsk_abc12345" not in repr(oss)


def test_ollama_unreachable_turn_falls_back_to_offline(settings_factory):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = settings_factory(llm_provider="ollama", ollama_base_url=f"http://127.0.0.1:{port}", ollama_model="llama3.2")
    tutor = Tutor(settings, FakeRetriever(), tools=[])
    assert tutor.mode == "ollama" and tutor.model == "llama3.2"
    answer = tutor.ask("LoRA nedir?", "t")
    assert answer.mode == "offline" and "Ollama sunucusuna ulaşılamadı" in answer.notices[0] and "[1]" in answer.answer


def test_scrub_hides_keys_everywhere():
    assert scrub("key gsk_ABCdef123456 leaked") == "key *** leaked"
    assert scrub("Authorization: Bearer sk-verysecretvalue") == "Authorization: Bearer ***"
    assert scrub("custom secret-value here", ["secret-value"]) == "custom *** here"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [(ConnectionRefusedError("Connection refused"), "connection"), (TimeoutError(), "timeout"),
     (RuntimeError("boom"), "unknown")],
)
def test_classify_plain_exceptions(exc, kind):
    assert classify(exc).kind == kind


def test_ollama_model_not_pulled_gets_a_pull_hint(settings_factory):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotFound(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802 - Ollama answers 404 for a model that was never pulled
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = json.dumps({"error": "model 'llama3.2' not found, try pulling it first"}).encode()
            self.send_response(404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = settings_factory(llm_provider="ollama", ollama_base_url=f"http://127.0.0.1:{server.server_address[1]}")
        answer = Tutor(settings, FakeRetriever(), tools=[]).ask("LoRA nedir?", "t")
    finally:
        server.shutdown()
        server.server_close()
    assert answer.mode == "offline"
    assert "ollama pull llama3.2" in answer.notices[0] and "[1]" in answer.answer
