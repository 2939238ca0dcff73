"""The real tutor (ChatGroq, agent, middleware) with the key governor against the free tier's limits.

The stub and the governor share one fake clock; the tutor's waits advance it, so
minutes of queueing take no real time.
"""

from __future__ import annotations

import threading

import pytest
from groq_limits_stub import FakeClock, GroqLimitsStub, Limits, LockstepClock
from groq_stub import error, text, tool_call
from test_tutor_fakes import FakeRetriever, fake_vram_tool

from chains.governor import Governor, MemoryBackend, ModelLimits
from chains.tutor import Tutor

KEY = "gsk_CLASSKEY0123456789abcdef"
MODEL = "openai/gpt-oss-120b"
ANSWER = "LoRA, küçük ek matrislerle ince ayar yapar [1]. " * 12


def governed_tutor(settings_factory, stub, clock, **overrides):
    settings = settings_factory(groq_api_key=KEY, groq_base_url=stub.base_url, **overrides)
    governor = Governor(MemoryBackend(), "k_class", ModelLimits(rpm=30, rpd=1000, tpm=8000, tpd=200000),
                        clock=clock, student_daily_tokens=overrides.get("class_tokens_per_student_per_day"))
    return Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], sleep=clock.sleep, governor=governor)


def test_no_429_under_load_and_students_see_their_place(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        answers, queue_events = [], []
        for turn in range(16):
            events = list(tutor.stream(f"LoRA nedir? ({turn})", f"t{turn % 4}", student_id=f"student-{turn % 4}"))
            queue_events += [e.payload for e in events if e.kind == "queue"]
            answers.append(events[-1].payload)
        assert stub.counters["rate_limited"] == 0 and stub.counters["requests"] == 16
    assert all(a.mode == "groq" for a in answers)
    assert queue_events and all(e["position"] >= 1 and e["eta_s"] >= 0 for e in queue_events)
    assert max(e["eta_s"] for e in queue_events) > 1
    waited = [a.usage["queue_wait_s"] for a in answers]
    assert max(waited) > 0 and max(waited) <= tutor.settings.max_queue_wait_s
    assert answers[-1].usage["key_kind"] == "class" and answers[-1].usage["requests"] == 1


def test_the_same_load_without_the_governor_gets_429s(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        settings = settings_factory(groq_api_key=KEY, groq_base_url=stub.base_url, class_governor=False)
        tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], sleep=clock.sleep)
        assert tutor.governor is None
        answers = [tutor.ask(f"LoRA nedir? ({turn})", f"t{turn}") for turn in range(40)]
        assert stub.counters["rate_limited"] > 0
        assert sum(a.usage["rate_limited"] for a in answers) == stub.counters["rate_limited"]


def test_concurrent_students_share_fairly_without_429(settings_factory):
    clock = LockstepClock(participants=5)
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        results: dict[str, list] = {}

        def student(name: str) -> None:
            try:
                results[name] = [tutor.ask(f"Kuantizasyon nedir? {name} {i}", name, student_id=name) for i in range(3)]
            finally:
                clock.leave()

        threads = [threading.Thread(target=student, args=(f"s{i}",)) for i in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        # Overlapping calls: Groq's headers count the answering call, the governor still holds
        # it; neither side counts a call twice, so no call is refused.
        assert stub.counters["rate_limited"] == 0
    assert sorted(results) == [f"s{i}" for i in range(5)]
    assert all(a.mode == "groq" for answers in results.values() for a in answers)


def test_hardware_turn_second_call_is_governed_and_usage_recorded(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        stub.enqueue(tool_call("vram_hesapla", {"model": "llama 3.1 8b", "quant": "4bit"}), text("Sığar [1]."))
        answer = tutor.ask("Llama 3.1 8B 4-bit 12 GB karta sığar mı?", "hw", student_id="s1")
        assert answer.mode == "groq" and answer.usage["requests"] == 2
        # The second call repeats the first's prefix: the stub's cache saw it.
        assert answer.usage["cached_tokens"] > 0
        snapshot = tutor.governor.snapshot(MODEL)
        assert snapshot["in_flight"] == 0 and snapshot["waiting"] == 0


def test_queue_past_max_wait_goes_offline_with_reason(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock, max_queue_wait_s=5)
        # Someone else used the key: Groq's headers say this minute is spent.
        tutor.governor.observe(MODEL, __import__("chains.ratelimit", fromlist=["x"]).parse_headers(
            {"x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "0"}))
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
        assert stub.counters["requests"] == 0
    assert answer.mode == "offline" and answer.usage["offline_reason"] == "queue_timeout"
    assert "yoğun" in answer.generation_off_reason and "sn sonra" in answer.generation_off_reason
    assert "[1]" in answer.answer  # still an answer from the course


def test_daily_budget_gone_moves_to_the_fallback_model_with_its_own_budget(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        tutor.governor.observe_rate_limited(MODEL, 3 * 3600, "tpd")
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
        assert [r.model for r in stub.chat_requests()] == ["openai/gpt-oss-20b"]
    assert answer.mode == "groq" and answer.model == "openai/gpt-oss-20b"
    assert any("daha küçük 'openai/gpt-oss-20b'" in n for n in answer.notices)


def test_daily_budget_gone_says_so_and_suggests_an_own_key(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock, budget_fallback_models=False)
        tutor.governor.observe_rate_limited(MODEL, 3 * 3600, "tpd")
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
    assert answer.mode == "offline"
    assert "bugünkü dil modeli kotası doldu" in answer.generation_off_reason
    assert "Kendi Groq anahtarım" in answer.generation_off_reason and "saat" in answer.generation_off_reason


def test_student_share_refuses_with_reason(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock, class_tokens_per_student_per_day=800)
        first = tutor.ask("LoRA nedir?", "t", student_id="s1")
        second = tutor.ask("QLoRA nedir?", "t", student_id="s1")
        other = tutor.ask("QLoRA nedir?", "u", student_id="s2")
    assert first.mode == "groq" and other.mode == "groq"
    assert second.mode == "offline" and "size düşen payı" in second.generation_off_reason
    assert second.usage["offline_reason"] == "student_day"


def test_offline_now_skips_the_queue(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1", offline=True)
        assert stub.counters["requests"] == 0
    assert answer.mode == "offline" and answer.usage["offline_reason"] == "student_asked"


def test_request_too_large_shrinks_and_retries_once(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        stub.enqueue(error(413, "Request too large for model `openai/gpt-oss-120b` on tokens per minute (TPM)",
                           type="tokens", code="rate_limit_exceeded"), text("Kısa cevap [1]."))
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
        first, second = stub.chat_requests()[:2]
        assert second.prompt_tokens() < first.prompt_tokens()
    assert answer.mode == "groq" and answer.answer.startswith("Kısa cevap")
    assert tutor.governor.snapshot(MODEL)["in_flight"] == 0


def test_request_too_large_twice_goes_offline(settings_factory):
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        too_large = error(413, "Request too large", type="tokens", code="rate_limit_exceeded")
        stub.enqueue(too_large, too_large)
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
    assert answer.mode == "offline" and answer.usage["offline_reason"] == "too_large"
    assert "uzun" in answer.generation_off_reason


def test_headers_from_the_real_client_correct_the_governor(settings_factory):
    """The groq SDK's responses reach the governor through the httpx hook: a 6,000 TPM key is seen as one."""
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(tpm=6000), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        tutor.ask("LoRA nedir?", "t", student_id="s1")
        remaining = stub.remaining(KEY, MODEL)["tpm"]
    buckets = tutor.governor.snapshot(MODEL)["buckets"]
    assert buckets["tpm"]["limit"] == 6000
    assert abs(buckets["tpm"]["remaining"] - remaining) < 30  # the same budget, up to the estimate


def test_default_tutor_builds_a_shared_governor_on_the_app_database(settings_factory):
    with GroqLimitsStub(default=text(ANSWER)) as stub:
        settings = settings_factory(groq_api_key=KEY, groq_base_url=stub.base_url)
        tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool])
        answer = tutor.ask("LoRA nedir?", "t", student_id="s1")
    assert answer.mode == "groq"
    assert type(tutor.governor.backend).__name__ == "SqlGovernorBackend"
    assert tutor.governor.backend.url == settings.app_database_url
    assert KEY not in (settings.storage_dir / "app.db").read_bytes().decode("latin-1")
    own = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], key_kind="own")
    assert type(own.governor.backend).__name__ == "MemoryBackend"


def test_a_closed_page_leaves_the_queue(settings_factory):
    """A student who walks away (Streamlit rerun, closed tab) does not hold a place."""
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(), default=text(ANSWER)) as stub:
        tutor = governed_tutor(settings_factory, stub, clock)
        tutor.governor.observe(MODEL, __import__("chains.ratelimit", fromlist=["x"]).parse_headers(
            {"x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "0"}))
        events = tutor.stream("LoRA nedir?", "t", student_id="s1")
        kinds = []
        for event in events:
            kinds.append(event.kind)
            if event.kind == "queue":
                break
        assert tutor.governor.snapshot(MODEL)["waiting"] == 1
        events.close()
        assert tutor.governor.snapshot(MODEL)["waiting"] == 0
        assert stub.counters["requests"] == 0
