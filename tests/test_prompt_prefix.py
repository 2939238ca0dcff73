"""Prefix-cache layout: what is the same for every student comes first, byte-identical.

Groq caches exact prompt prefixes (gpt-oss) and cached tokens do not count toward
the limits. The real tutor's requests, as the stub receives them: system prompt,
then tool schemas, identical across students, threads and turns; passages,
history and the question only after them.
"""

from __future__ import annotations

import json

from groq_limits_stub import CACHE_BLOCK_TOKENS, FakeClock, GroqLimitsStub, canonical_prompt
from groq_stub import CHARS_PER_TOKEN, text, tool_call
from test_tutor_fakes import FakeRetriever, fake_vram_tool

from chains.governor import Governor, MemoryBackend
from chains.prompts import SYSTEM_PROMPT
from chains.tutor import Tutor

KEY = "gsk_PREFIX0123456789abcdef"


def _prefix(request) -> tuple[str, str]:
    body = request.body
    return body["messages"][0]["content"], json.dumps(body.get("tools"), ensure_ascii=False, sort_keys=True)


def test_two_students_share_the_identical_prefix(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, default=text("Cevap [1].")) as stub:
        settings = settings_factory(groq_api_key=KEY, groq_base_url=stub.base_url)
        governor = Governor(MemoryBackend(), "k", clock=clock)
        tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], sleep=clock.sleep, governor=governor)
        tutor.ask("LoRA nedir?", "thread-a", student_id="ali")
        tutor.ask("Kuantizasyon ne işe yarar?", "thread-b", student_id="ayse")
        tutor.ask("peki QLoRA?", "thread-a", student_id="ali")  # a follow-up: history in the prompt
        stub.enqueue(tool_call("vram_hesapla", {"model": "llama 3.1 8b"}), text("Sığar [1]."))
        tutor.ask("Llama 3.1 8B 12 GB karta sığar mı?", "thread-c", student_id="can")
        requests = stub.chat_requests()
        usage = stub.usage_log
    assert len(requests) == 5
    prefixes = {_prefix(r) for r in requests}
    assert len(prefixes) == 1, "system prompt or tool schemas differ between requests"
    system, _tools = prefixes.pop()
    assert system == SYSTEM_PROMPT  # nothing per student or per turn in the system message
    for request in requests:
        roles = [m["role"] for m in request.messages]
        assert roles[0] == "system" and "system" not in roles[1:]
        assert "</kaynaklar>" not in request.messages[0]["content"]  # no passages in the prefix
    # The stub, reading the prompt the way Groq renders it, finds the shared prefix cached.
    shared_chars = len(canonical_prompt({"messages": requests[0].messages[:1], "tools": requests[0].body["tools"]}))
    shared_blocks = int(shared_chars / CHARS_PER_TOKEN) // CACHE_BLOCK_TOKENS
    assert shared_blocks >= 4
    for entry in usage[1:]:
        assert entry["prompt_tokens_details"]["cached_tokens"] >= shared_blocks * CACHE_BLOCK_TOKENS


def test_per_turn_content_comes_after_the_prefix(settings_factory):
    with GroqLimitsStub(clock=FakeClock(), default=text("Cevap [1].")) as stub:
        settings = settings_factory(groq_api_key=KEY, groq_base_url=stub.base_url)
        tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], governor=Governor(MemoryBackend(), "k"))
        tutor.ask("LoRA nedir?", "t", student_id="s")
        request = stub.chat_requests()[0]
    last = request.messages[-1]
    assert last["role"] == "user" and "<kaynaklar>" in last["content"] and last["content"].rstrip().endswith("LoRA nedir?")
