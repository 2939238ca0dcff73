"""The limit-enforcing Groq stub behaves like Groq's free tier (fake clock, real HTTP)."""

from __future__ import annotations

import httpx
import pytest

from chains.ratelimit import parse_headers
from groq_limits_stub import CACHE_BLOCK_TOKENS, FakeClock, GroqLimitsStub, Limits, format_duration
from groq_stub import text

MODEL = "openai/gpt-oss-120b"
SYSTEM = "Sen bir ders asistanısın. " * 200  # about 1,600 tokens, the same for everyone


def post(stub: GroqLimitsStub, question: str, *, key: str = "gsk_a", max_tokens: int = 500,
         system: str = SYSTEM) -> httpx.Response:
    body = {"model": MODEL, "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": question}]}
    return httpx.post(f"{stub.base_url}/openai/v1/chat/completions", json=body,
                      headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_format_duration_like_groq() -> None:
    assert format_duration(179.56) == "2m59.56s"
    assert format_duration(7.66) == "7.66s"
    assert format_duration(0.12) == "120ms"


def test_tokens_per_minute_429_with_retry_after_and_refill() -> None:
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, default=text("kısa")) as stub:
        first = post(stub, "soru 1")
        assert first.status_code == 200
        info = parse_headers(first.headers)
        assert info.limit_tokens == 8000 and info.limit_requests == 1000 and info.remaining_requests == 999
        post(stub, "soru 2")
        post(stub, "soru 3")  # cached prefix: the second and third cost little after processing
        spent = 8000 - stub.remaining("gsk_a", MODEL)["tpm"]
        assert spent < 3 * 2100
        # A burst that asks for more than what is left: 429 naming TPM, retry-after in seconds.
        big = post(stub, "x" * 12000, max_tokens=2000)
        assert big.status_code == 429
        assert "tokens per minute (TPM)" in big.json()["error"]["message"]
        retry = float(big.headers["retry-after"])
        assert retry >= 1
        clock.advance(retry)
        assert post(stub, "x" * 12000, max_tokens=2000).status_code == 200
        assert stub.counters["rate_limited"] == 1


def test_requests_per_minute_and_per_day() -> None:
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(rpm=2, rpd=3, tpm=100000, tpd=10**7)) as stub:
        assert [post(stub, "a").status_code for _ in range(3)] == [200, 200, 429]
        clock.advance(60)
        assert post(stub, "b").status_code == 200
        refused = post(stub, "c")
        assert refused.status_code == 429 and "requests per day (RPD)" in refused.json()["error"]["message"]
        assert float(refused.headers["retry-after"]) > 3600
        # Another key (another account) has its own buckets.
        assert post(stub, "d", key="gsk_b").status_code == 200


def test_tokens_per_day() -> None:
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(rpm=100, rpd=1000, tpm=8000, tpd=9000),
                        default=text("kısa")) as stub:
        assert post(stub, "q1", system="a" * 16000).status_code == 200  # 5,000 tokens
        clock.advance(60)
        refused = post(stub, "q2", system="b" * 16000)
        assert refused.status_code == 429 and "tokens per day (TPD)" in refused.json()["error"]["message"]


def test_request_too_large_is_413() -> None:
    with GroqLimitsStub(clock=FakeClock()) as stub:
        response = post(stub, "y" * 30000, max_tokens=1024)
        assert response.status_code == 413
        assert "Request too large" in response.json()["error"]["message"]
        assert stub.counters["too_large"] == 1


def test_prefix_cache_reports_cached_tokens_per_key() -> None:
    with GroqLimitsStub(clock=FakeClock(), default=text("kısa")) as stub:
        first = post(stub, "LoRA nedir?").json()["usage"]
        second = post(stub, "QLoRA nedir?").json()["usage"]
        other_key = post(stub, "QLoRA nedir?", key="gsk_b").json()["usage"]
        changed = post(stub, "QLoRA nedir?", system="Farklı bir sistem. " + SYSTEM).json()["usage"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    cached = second["prompt_tokens_details"]["cached_tokens"]
    assert cached % CACHE_BLOCK_TOKENS == 0 and second["prompt_tokens"] - CACHE_BLOCK_TOKENS < cached + CACHE_BLOCK_TOKENS
    assert cached >= 1400
    assert other_key["prompt_tokens_details"]["cached_tokens"] == 0
    assert changed["prompt_tokens_details"]["cached_tokens"] == 0  # exact prefix only


def test_cache_expires_after_two_hours() -> None:
    clock = FakeClock()
    with GroqLimitsStub(clock=clock, default=text("kısa")) as stub:
        post(stub, "a")
        clock.advance(2 * 3600 + 1)
        assert post(stub, "b").json()["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


def test_streamed_reply_reports_cached_tokens() -> None:
    with GroqLimitsStub(clock=FakeClock(), default=text("kısa")) as stub:
        post(stub, "a")
        body = {"model": MODEL, "stream": True, "max_tokens": 100,
                "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "b"}]}
        raw = httpx.post(f"{stub.base_url}/openai/v1/chat/completions", json=body,
                         headers={"Authorization": "Bearer gsk_a"}, timeout=10).text
    assert '"cached_tokens": ' in raw and '"cached_tokens": 0' not in raw


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_completion_cap_counts_at_admission(field: str) -> None:
    with GroqLimitsStub(clock=FakeClock(), limits=Limits(tpm=3000)) as stub:
        body = {"model": MODEL, field: 2999, "messages": [{"role": "user", "content": "a" * 100}]}
        response = httpx.post(f"{stub.base_url}/openai/v1/chat/completions", json=body,
                              headers={"Authorization": "Bearer k"}, timeout=10)
    assert response.status_code == 413
