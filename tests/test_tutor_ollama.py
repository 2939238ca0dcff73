"""The real ChatOllama client, through the tutor, against the fake Ollama server (tests/ollama_stub.py)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from groq_stub import text, tool_call, truncated, unfinished
from ollama_stub import OllamaStub, stream_error
from test_tutor_fakes import FakeRetriever

from chains.hardware_tools import hardware_tools, run_vram
from chains.prompts import SYSTEM_PROMPT
from chains.tutor import Tutor

HARDWARE_QUESTION = "Llama 3.1 8B 4-bit 8 GB kartta çalışır mı?"
VRAM_ARGS = {"model": "Llama 3.1 8B", "quant": "int4", "vram": 8}


@pytest.fixture
def stub():
    with OllamaStub(models=["llama3.2:latest", "qwen2.5:7b"]) as server:
        yield server


@pytest.fixture
def ollama_tutor(settings_factory, stub):
    def make(tools=None, **overrides):
        overrides.setdefault("llm_provider", "ollama")
        overrides.setdefault("ollama_base_url", stub.base_url)
        overrides.setdefault("ollama_model", "llama3.2")
        return Tutor(settings_factory(**overrides), FakeRetriever(), tools=hardware_tools() if tools is None else tools)

    return make


def _tool_messages(request) -> list[dict]:
    return [m for m in request.messages if m.get("role") == "tool"]


# --- the stub speaks Ollama's protocol -----------------------------------------------


def test_stub_streams_ndjson_and_ends_with_a_done_line_with_counts(stub):
    stub.enqueue(text("Merhaba öğrenciler, bugün LoRA."))
    lines = []
    with httpx.stream("POST", f"{stub.base_url}/api/chat",
                      json={"model": "llama3.2", "messages": [{"role": "user", "content": "selam"}]}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["transfer-encoding"] == "chunked"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    *pieces, last = lines
    assert all(p["done"] is False and p["message"]["role"] == "assistant" for p in pieces)
    assert "".join(p["message"]["content"] for p in pieces) == "Merhaba öğrenciler, bugün LoRA."
    assert last["done"] is True and last["done_reason"] == "stop" and last["message"]["content"] == ""
    assert last["eval_count"] == len(pieces) + 1 and last["prompt_eval_count"] > 0
    assert last["total_duration"] > last["eval_duration"] > 0 and last["model"] == "llama3.2"
    assert stub.chat_requests()[0].stream  # "stream" absent means streaming, as in Ollama


def test_stub_non_streaming_tool_call_has_an_arguments_object(stub):
    stub.enqueue(tool_call("vram_hesapla", VRAM_ARGS))
    body = httpx.post(f"{stub.base_url}/api/chat", json={
        "model": "qwen2.5:7b", "stream": False, "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "vram_hesapla", "parameters": {}}}],
    }).json()
    assert body["done"] is True and body["done_reason"] == "stop"
    call = body["message"]["tool_calls"][0]["function"]
    assert call == {"index": 0, "name": "vram_hesapla", "arguments": VRAM_ARGS}  # an object, not a JSON string


def test_stub_lists_and_shows_models_and_refuses_unknown_ones(stub):
    tags = httpx.get(f"{stub.base_url}/api/tags").json()["models"]
    assert [m["name"] for m in tags] == ["llama3.2:latest", "qwen2.5:7b"]
    assert tags[0]["details"]["quantization_level"] == "Q4_K_M"
    assert "tools" in httpx.post(f"{stub.base_url}/api/show", json={"model": "llama3.2"}).json()["capabilities"]
    missing = httpx.post(f"{stub.base_url}/api/chat", json={"model": "mistral", "messages": []})
    assert missing.status_code == 404
    assert missing.json() == {"error": 'model "mistral" not found, try pulling it first'}
    assert httpx.get(f"{stub.base_url}/api/nope").text == "404 page not found"
    assert httpx.get(stub.base_url).text == "Ollama is running"


def test_stub_num_predict_stops_with_done_reason_length(stub):
    stub.enqueue(text("a" * 120))
    body = httpx.post(f"{stub.base_url}/api/chat", json={
        "model": "llama3.2", "stream": False, "options": {"num_predict": 3},
        "messages": [{"role": "user", "content": "x"}]}).json()
    assert body["done_reason"] == "length" and len(body["message"]["content"]) == 36


# --- the tutor on Ollama ------------------------------------------------------------------


def test_ollama_answers_a_course_question_with_citations(ollama_tutor, stub):
    stub.enqueue(text("LoRA, ağırlıkları dondurup küçük düşük ranklı matrisleri eğitir [1]."))
    answer = ollama_tutor(max_completion_tokens=512, temperature=0.1).ask("LoRA nedir?", "t")
    assert answer.mode == "ollama" and answer.model == "llama3.2" and not answer.notices
    assert answer.answer == "LoRA, ağırlıkları dondurup küçük düşük ranklı matrisleri eğitir [1]."
    assert answer.sources[0]["source"] == "llm-nedir-fine-tune.md" and answer.answered_from_course
    request = stub.chat_requests()[0]
    # What ChatOllama actually sent to /api/chat: Ollama's own request shape.
    assert request.model == "llama3.2" and request.stream
    assert request.options["num_predict"] == 512 and request.options["temperature"] == 0.1
    assert request.messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert "<kaynaklar>\n[1] llm-nedir-fine-tune.md" in request.messages[-1]["content"]
    assert {t["function"]["name"] for t in request.body["tools"]} >= {"ders_ara", "vram_hesapla"}
    # The counters of the done line reach the tutor's usage calibration.
    assert answer.reported_prompt_tokens == [request.prompt_tokens()]


def test_ollama_calls_the_vram_tool_and_the_numbers_come_from_it(ollama_tutor, stub):
    def answer_from_the_tool_result(request):
        # Like a model that reads the tool message: only the calculator's number is used.
        result = _tool_messages(request)[0]["content"]
        total = re.search(r'"total_gb": ([\d.]+)', result).group(1)
        return text(f"Hesaplayıcıya göre toplam {total} GiB gerekir; 8 GB karta sığar.")

    stub.enqueue(tool_call("vram_hesapla", VRAM_ARGS), answer_from_the_tool_result)
    events = list(ollama_tutor().stream(HARDWARE_QUESTION, "t"))
    kinds = [e.kind for e in events]
    answer = events[-1].payload
    assert kinds.index("tool_start") < kinds.index("tool_end") < kinds.index("token")
    expected = run_vram(**VRAM_ARGS)["total_gb"]
    assert answer.mode == "ollama" and answer.tool_calls[0]["name"] == "vram_hesapla"
    assert answer.tool_calls[0]["args"] == VRAM_ARGS and answer.tool_calls[0]["result"]["total_gb"] == expected
    assert f"toplam {expected} GiB" in answer.answer
    first, second = stub.chat_requests()
    # The tool call went back in Ollama's format (arguments as an object) with its result.
    assistant = [m for m in second.messages if m.get("tool_calls")][0]
    assert assistant["tool_calls"][0]["function"] == {"name": "vram_hesapla", "arguments": VRAM_ARGS}
    assert f'"total_gb": {expected}' in _tool_messages(second)[0]["content"]


def test_ollama_streams_tokens_as_events(ollama_tutor, stub):
    reply = text("Kuantizasyon, ağırlıkları daha az bitle saklamaktır; 4-bit belleği dörtte bire indirir [1].")
    reply.chunk_chars = 4  # Ollama sends about one token per line
    stub.enqueue(reply)
    events = list(ollama_tutor().stream("Kuantizasyon nedir?", "t"))
    tokens = [e.payload for e in events if e.kind == "token"]
    assert len(tokens) >= 10
    assert "".join(tokens) == reply.content == events[-1].payload.answer
    assert events[0].kind == "status" and events[0].payload["mode"] == "ollama"


@pytest.mark.parametrize("style", ["pull", "short"])
def test_model_not_pulled_gives_a_turkish_pull_hint_and_an_offline_answer(ollama_tutor, stub, style):
    stub.not_found_style = style  # older releases say "try pulling it first", newer ones do not
    stub.enqueue(text("Bu cevap hiç gönderilmemeli."))
    answer = ollama_tutor(ollama_model="mistral").ask("LoRA nedir?", "t")
    assert [r.model for r in stub.chat_requests()] == ["mistral"]  # no retry against a missing model
    assert stub.pending() == 1
    assert answer.mode == "offline" and "[1]" in answer.answer
    assert "Ollama'da 'mistral' modeli bulunamadı" in answer.notices[0] and "ollama pull mistral" in answer.notices[0]
    assert "Traceback" not in answer.answer


def test_ollama_server_going_down_answers_offline(ollama_tutor, stub):
    tutor = ollama_tutor()
    stub.enqueue(text("LoRA küçük matrisleri eğitir [1]."))
    assert tutor.ask("LoRA nedir?", "t").mode == "ollama"
    stub.stop()  # `ollama serve` was stopped between two questions
    answer = tutor.ask("QLoRA nedir?", "t")
    assert answer.mode == "offline" and "[1]" in answer.answer
    assert "Ollama sunucusuna ulaşılamadı" in answer.notices[0]


def test_model_without_tool_support_answers_without_tools_and_numbers_from_the_calculator(ollama_tutor, stub):
    stub.no_tools.add("llama3.2")
    stub.enqueue(text("Sanırım 3 GB yeter."))  # a made-up number the student must not get
    answer = ollama_tutor().ask(HARDWARE_QUESTION, "t")
    first, second = stub.chat_requests()
    assert first.body.get("tools") and not second.body.get("tools")
    assert "Sanırım 3 GB" not in answer.answer
    assert answer.tool_calls[0]["name"] == "vram_hesapla" and answer.tool_calls[0]["result"]["fits"] is True
    assert any("hesaplama aracını çağıramıyor" in n for n in answer.notices)


@pytest.mark.parametrize(("broken", "words"), [
    (truncated("LoRA küçük matrisleri eğitir ve bellek", after_chunks=2), "yarıda kesildi"),  # connection dropped
    (unfinished("LoRA küçük matrisleri eğitir [1]."), "yarıda kesildi"),  # clean end but no done line
    (stream_error("model runner has unexpectedly stopped"), "isteği başarısız oldu"),  # an error line mid-stream
])
def test_broken_streams_end_in_an_offline_answer(ollama_tutor, stub, broken, words):
    stub.enqueue(broken)
    answer = ollama_tutor().ask("LoRA nedir?", "t")
    assert answer.mode == "offline" and "[1]" in answer.answer
    assert words in answer.notices[-1] and "runner" not in " ".join(answer.notices)
    assert "Traceback" not in answer.answer
