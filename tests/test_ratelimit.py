"""Groq's x-ratelimit-* and retry-after headers, parsed."""

from __future__ import annotations

import httpx
import pytest

from chains.ratelimit import limit_kind, parse_duration, parse_headers


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2m59.56s", 179.56), ("7.66s", 7.66), ("120ms", 0.12), ("1h2m3s", 3723.0), ("0s", 0.0),
     ("12", 12.0), (" 3.5 ", 3.5), ("86.4s", 86.4)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [None, "", "soon", "5x", "m5s", "2m-1s", "-"])
def test_unreadable_durations_are_none(text) -> None:
    assert parse_duration(text) is None


def test_groq_headers_case_insensitive() -> None:
    headers = httpx.Headers({
        "X-RateLimit-Limit-Requests": "1000", "x-ratelimit-limit-tokens": "8000",
        "x-ratelimit-remaining-requests": "998", "x-ratelimit-remaining-tokens": "5566",
        "x-ratelimit-reset-requests": "2m52.8s", "x-ratelimit-reset-tokens": "18.25s", "retry-after": "3",
    })
    info = parse_headers(headers)
    assert (info.limit_requests, info.remaining_requests, info.limit_tokens, info.remaining_tokens) == (1000, 998, 8000, 5566)
    assert info.reset_requests_s == pytest.approx(172.8) and info.reset_tokens_s == pytest.approx(18.25)
    assert info.retry_after_s == 3.0
    # A plain dict with Groq's capitalisation is read too.
    assert parse_headers({"X-Ratelimit-Remaining-Tokens": "7"}).remaining_tokens == 7


def test_missing_and_bad_headers() -> None:
    assert parse_headers(None).empty and parse_headers({}).empty
    info = parse_headers({"x-ratelimit-remaining-tokens": "lots", "x-ratelimit-reset-tokens": "later"})
    assert info.empty


def test_limit_kind_from_429_message() -> None:
    message = ("Rate limit reached for model `openai/gpt-oss-120b` in organization `org_x` service tier "
               "`on_demand` on tokens per day (TPD): Limit 200000, Used 199000, Requested 3000.")
    assert limit_kind(message) == "tpd"
    assert limit_kind("... on requests per minute (RPM): Limit 30") == "rpm"
    assert limit_kind("something else") is None
