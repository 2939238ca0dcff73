"""Groq's rate-limit headers, parsed (pure: no I/O, no clock).

Every Groq response carries (console.groq.com/docs/rate-limits):

    x-ratelimit-limit-requests      requests per DAY (RPD) of the key's org for this model
    x-ratelimit-limit-tokens        tokens per MINUTE (TPM)
    x-ratelimit-remaining-requests  left of the RPD bucket
    x-ratelimit-remaining-tokens    left of the TPM bucket
    x-ratelimit-reset-requests      time until the RPD bucket is full again ("2m59.56s")
    x-ratelimit-reset-tokens        time until the TPM bucket is full again ("7.66s", "120ms")

and a 429 carries `retry-after` in seconds. The buckets refill linearly: with
1,000 RPD one request comes back every 86.4 s, so two used requests read
"2m52.8s". A 429's message also names the exhausted limit ("tokens per minute
(TPM)", "requests per day (RPD)", ...), parsed by `limit_kind`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Mapping

LimitKind = Literal["rpm", "rpd", "tpm", "tpd"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_KIND_WORDS: tuple[tuple[str, LimitKind], ...] = (
    ("(rpm)", "rpm"), ("(rpd)", "rpd"), ("(tpm)", "tpm"), ("(tpd)", "tpd"),
    ("requests per minute", "rpm"), ("requests per day", "rpd"),
    ("tokens per minute", "tpm"), ("tokens per day", "tpd"),
)
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str | None) -> float | None:
    """'2m59.56s' -> 179.56, '7.66s' -> 7.66, '120ms' -> 0.12, '1h2m' -> 3720; None when unreadable."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    try:
        return max(0.0, float(text))  # a bare number is seconds
    except ValueError:
        pass
    position = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        position = match.end()
    if position != len(text) or position == 0:
        return None
    return total


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitInfo:
    """What one response says about the key's buckets; every field may be missing."""

    limit_requests: int | None = None  # per day
    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    limit_tokens: int | None = None  # per minute
    remaining_tokens: int | None = None
    reset_tokens_s: float | None = None
    retry_after_s: float | None = None

    @property
    def empty(self) -> bool:
        return all(value is None for value in self.__dict__.values())

    def to_dict(self) -> dict[str, float | int | None]:
        return dict(self.__dict__)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; httpx.Headers are not
        lowered = {str(k).lower(): v for k, v in headers.items()}
        value = lowered.get(name)
    return value


def parse_headers(headers: Mapping[str, str] | None) -> RateLimitInfo:
    """Read the x-ratelimit-* and retry-after headers of one response."""
    if not headers:
        return RateLimitInfo()
    return RateLimitInfo(
        limit_requests=_int(_get(headers, "x-ratelimit-limit-requests")),
        remaining_requests=_int(_get(headers, "x-ratelimit-remaining-requests")),
        reset_requests_s=parse_duration(_get(headers, "x-ratelimit-reset-requests")),
        limit_tokens=_int(_get(headers, "x-ratelimit-limit-tokens")),
        remaining_tokens=_int(_get(headers, "x-ratelimit-remaining-tokens")),
        reset_tokens_s=parse_duration(_get(headers, "x-ratelimit-reset-tokens")),
        retry_after_s=parse_duration(_get(headers, "retry-after")),
    )


def limit_kind(message: str | None) -> LimitKind | None:
    """Which limit a 429 message names ('... on tokens per minute (TPM): Limit 8000 ...')."""
    lowered = (message or "").lower()
    for word, kind in _KIND_WORDS:
        if word in lowered:
            return kind
    return None
