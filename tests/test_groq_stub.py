"""The Groq stub speaks the protocol the real clients expect."""

from __future__ import annotations

import json

import httpx
import pytest
from groq_stub import GroqStub, rate_limited, text, tool_call

from langchain_groq import ChatGroq


@pytest.fixture
def stub():
    with GroqStub() as server:
        yield server


def test_json_completion_has_openai_shape_and_ratelimit_headers(stub):
    stub.enqueue(text("Merhaba"))
    response = httpx.post(
        f"{stub.base_url}/openai/v1/chat/completions",
        json={"model": "openai/gpt-oss-120b", "messages": [{"role": "user", "content": "selam"}]},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Merhaba"}
    assert body["usage"]["prompt_tokens"] > 0
    assert int(response.headers["x-ratelimit-limit-tokens"]) > 0  # a generous tier; groq_limits_stub enforces the free one
    assert response.headers["x-ratelimit-reset-tokens"].endswith("s")
    assert "retry-after" not in response.headers
    assert stub.requests[0].messages[0]["content"] == "selam"


def test_sse_stream_ends_with_done_and_carries_tool_call_deltas(stub):
    stub.enqueue(tool_call("ders_ara", {"sorgu": "LoRA"}))
    with httpx.stream(
        "POST",
        f"{stub.base_url}/openai/v1/chat/completions",
        json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
    ) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    arguments = "".join(
        d["function"].get("arguments", "")
        for c in chunks
        for d in c["choices"][0]["delta"].get("tool_calls", [])
    )
    assert json.loads(arguments) == {"sorgu": "LoRA"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["x_groq"]["usage"]["total_tokens"] > 0


def test_real_chatgroq_client_streams_and_sees_errors(stub):
    import groq

    stub.enqueue(text("Kuantizasyon belleği azaltır."), rate_limited(3))
    llm = ChatGroq(model="openai/gpt-oss-120b", api_key="gsk_stubkey000", base_url=stub.base_url, max_retries=0)
    pieces = [chunk.content for chunk in llm.stream("soru")]
    assert "".join(pieces) == "Kuantizasyon belleği azaltır."
    assert stub.requests[0].stream is True
    assert stub.requests[0].headers["authorization"] == "Bearer gsk_stubkey000"
    with pytest.raises(groq.RateLimitError) as caught:
        llm.invoke("tekrar")
    assert caught.value.response.headers["retry-after"] == "3"


def test_unknown_path_is_404_and_recorded(stub):
    response = httpx.post(f"{stub.base_url}/v1/other", json={})
    assert response.status_code == 404
    assert stub.requests[-1].path == "/v1/other"
