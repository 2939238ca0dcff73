"""Provider choice, chat model construction, error mapping and secret scrubbing."""

from __future__ import annotations

import socket

import pytest
from test_tutor_fakes import FakeRetriever

from chains.errors import classify, scrub
from chains.providers import build_chat_model, resolve_provider
from chains.tutor import Tutor


@pytest.mark.parametrize("options", [
    {}, {"llm_provider": "offline"}, {"llm_provider": "groq"}, {"groq_api_key": "gsk_abc12345"},
    {"llm_provider": "ollama"},
])
def test_the_first_banner_says_what_the_provider_choice_says(settings_factory, monkeypatch, options):
    """Before LangChain is imported the banner uses its own copy of the rule: same words."""
    import sys

    from ders_asistani.ui.render import preview_mode

    settings = settings_factory(**options)
    choice = resolve_provider(settings)
    monkeypatch.delitem(sys.modules, "chains.providers")  # as on the very first page render
    assert preview_mode(settings) == {"mode": choice.mode, "model": choice.model, "reason": choice.reason}


def test_auto_uses_groq_only_with_a_key(settings_factory):
    assert resolve_provider(settings_factory()).mode == "offline"
    no_key = resolve_provider(settings_factory())
    # Students read a plain sentence; the setting name is only in the instructor's hint.
    assert "GROQ_API_KEY" not in no_key.reason and "dil modeli bağlı değil" in no_key.reason
    assert "GROQ_API_KEY" in no_key.setup_hint
    assert "GROQ_API_KEY" in resolve_provider(settings_factory(llm_provider="groq")).setup_hint
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


# --- OpenAI-compatible servers (vLLM, llama-server, LM Studio) through ChatOpenAI ----------

from groq_stub import text, tool_call  # noqa: E402
from openai_stub import OpenAIStub, llama_server_tools_refused, unauthorized, vllm_model_not_found  # noqa: E402
from test_tutor_fakes import fake_vram_tool  # noqa: E402

HARDWARE_QUESTION = "Llama 3.1 8B 4-bit 8 GB kartta çalışır mı?"


@pytest.fixture
def openai_stub():
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def openai_tutor(settings_factory, openai_stub):
    def make(tools=None, **overrides):
        overrides.setdefault("llm_provider", "openai-compatible")
        overrides.setdefault("openai_compatible_base_url", openai_stub.api_base)
        overrides.setdefault("openai_compatible_model", "qwen2.5-7b-instruct")
        return Tutor(settings_factory(**overrides), FakeRetriever(), tools=[fake_vram_tool] if tools is None else tools)

    return make


def test_openai_compatible_needs_url_and_model(settings_factory):
    missing = resolve_provider(settings_factory(llm_provider="openai-compatible", openai_compatible_model="m"))
    assert missing.mode == "offline" and "OPENAI_COMPATIBLE_BASE_URL" in missing.setup_hint
    assert "OPENAI_COMPATIBLE" not in missing.reason
    choice = resolve_provider(settings_factory(llm_provider="openai-compatible", openai_compatible_model="m",
                                               openai_compatible_base_url="http://127.0.0.1:8000/v1"))
    assert choice.mode == "openai-compatible" and choice.models == ("m",)

    # `.env` gives the fallbacks as a comma separated list; the primary is never its own fallback.
    with_fallbacks = resolve_provider(settings_factory(
        llm_provider="openai-compatible", openai_compatible_model="m",
        openai_compatible_base_url="http://127.0.0.1:8000/v1", openai_compatible_fallback_models=" small, m ,tiny,small"))
    assert with_fallbacks.models == ("m", "small", "tiny")


def test_openai_compatible_moves_to_the_fallback_model_when_the_model_is_gone(openai_tutor, openai_stub):
    openai_stub.enqueue(vllm_model_not_found("qwen2.5-7b-instruct"), text("LoRA, düşük ranklı uyarlamadır [1]."),
                        text("QLoRA, 4-bit taban modelle LoRA'dır [1]."))
    tutor = openai_tutor(openai_compatible_fallback_models="qwen2.5-3b-instruct")
    answer = tutor.ask("LoRA nedir?", "t")
    assert answer.mode == "openai-compatible" and answer.answer == "LoRA, düşük ranklı uyarlamadır [1]."
    assert answer.model == "qwen2.5-3b-instruct"
    assert any("yedek model 'qwen2.5-3b-instruct'" in n for n in answer.notices)
    # The switch is remembered: the next turn asks the fallback at once, without a second notice.
    later = tutor.ask("QLoRA nedir?", "t2")
    assert later.model == "qwen2.5-3b-instruct" and not any("yedek model" in n for n in later.notices)
    assert [r.model for r in openai_stub.chat_requests()] == [
        "qwen2.5-7b-instruct", "qwen2.5-3b-instruct", "qwen2.5-3b-instruct"]


def test_openai_compatible_answers_and_sends_the_key(openai_tutor, openai_stub):
    openai_stub.enqueue(text("LoRA, düşük ranklı uyarlamadır [1]."))
    tutor = openai_tutor(openai_compatible_api_key="sk-local-secret-123")
    answer = tutor.ask("LoRA nedir?", "t")
    assert answer.mode == "openai-compatible" and answer.model == "qwen2.5-7b-instruct"
    assert answer.answer == "LoRA, düşük ranklı uyarlamadır [1]."
    request = openai_stub.chat_requests()[0]
    assert request.path == "/v1/chat/completions" and request.model == "qwen2.5-7b-instruct"
    assert request.headers["authorization"] == "Bearer sk-local-secret-123"
    assert "Ders Asistanı" in request.system_prompt()


def test_openai_compatible_calls_the_vram_tool_and_streams(openai_tutor, openai_stub):
    openai_stub.enqueue(tool_call("vram_hesapla", {"model": "Llama 3.1 8B", "quant": "int4", "vram": 8}),
                        text("Hesaplayıcıya göre 8 GB karta sığar."))
    events = list(openai_tutor().stream(HARDWARE_QUESTION, "t"))
    kinds = [e.kind for e in events]
    answer = events[-1].payload
    assert "tool_start" in kinds and "tool_end" in kinds
    assert kinds.count("token") >= 2  # the answer arrived in pieces
    assert answer.tool_calls[0]["name"] == "vram_hesapla" and answer.mode == "openai-compatible"
    first, second = openai_stub.chat_requests()
    assert first.stream and first.body["tools"][0]["function"]["name"]
    assert any(m.get("role") == "tool" for m in second.messages)  # the tool result went back


@pytest.mark.parametrize(
    ("reply", "words"),
    [(unauthorized(), "API anahtarı"), (vllm_model_not_found("qwen2.5-7b-instruct"), "'qwen2.5-7b-instruct' modeli bulunamadı")],
)
def test_openai_compatible_failures_answer_offline(openai_tutor, openai_stub, reply, words):
    openai_stub.enqueue(reply)
    answer = openai_tutor().ask("LoRA nedir?", "t")
    assert answer.mode == "offline" and words in answer.notices[-1] and "[1]" in answer.answer


def test_openai_compatible_server_down_gives_the_offline_notice(settings_factory):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = settings_factory(llm_provider="openai-compatible", openai_compatible_model="m",
                                openai_compatible_base_url=f"http://127.0.0.1:{port}/v1")
    answer = Tutor(settings, FakeRetriever(), tools=[]).ask("LoRA nedir?", "t")
    assert answer.mode == "offline" and "model sunucusuna ulaşılamadı" in answer.notices[0]


def test_server_without_tool_support_answers_without_tools_and_numbers_from_the_calculator(
    openai_tutor, openai_stub
):
    from chains.hardware_tools import hardware_tools

    openai_stub.enqueue(llama_server_tools_refused(),
                        text("Sanırım 3 GB yeter."))  # a made-up number the student must not get
    answer = openai_tutor(tools=hardware_tools()).ask(HARDWARE_QUESTION, "t")
    requests = openai_stub.chat_requests()
    # No pointless retry with tools: the second request already goes without them.
    assert len(requests) == 2 and requests[0].body.get("tools") and not requests[1].body.get("tools")
    assert "Sanırım 3 GB" not in answer.answer and "3 GB yeter" not in answer.answer
    assert answer.tool_calls and answer.tool_calls[0]["name"] == "vram_hesapla"
    assert answer.tool_calls[0]["result"]["fits"] is True
    assert any("hesaplama aracını çağıramıyor" in n for n in answer.notices)


def test_classify_recognises_servers_that_cannot_call_tools():
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:8000/v1/chat/completions")
    for status, body in [
        (500, {"error": {"code": 500, "message": "tools param requires --jinja flag", "type": "server_error"}}),
        (400, {"object": "error", "message": '"auto" tool choice requires --enable-auto-tool-choice and '
               "--tool-call-parser to be set", "type": "BadRequestError", "code": 400}),
    ]:
        response = httpx.Response(status, json=body, request=request)
        exc = openai.APIStatusError("error", response=response, body=body.get("error", body))
        failure = classify(exc)
        assert failure.kind == "tool_use_failed" and failure.tools_unsupported
    assert classify(openai.APIConnectionError(request=request)).kind == "connection"
    assert classify(openai.APITimeoutError(request=request)).kind == "timeout"
