"""`GroqLimitsStub`: the Groq stub that enforces the free tier's rate limits the way Groq does.

    from groq_limits_stub import GroqLimitsStub, FakeClock, Limits

    clock = FakeClock()
    with GroqLimitsStub(clock=clock, limits=Limits(rpm=30, rpd=1000, tpm=8000, tpd=200000)) as stub:
        ...   # a real HTTP server, like GroqStub (replies, recording, valid_keys all work)
        stub.counters["rate_limited"], stub.usage_log

Per API key and model (Groq's limits are per organisation and model) four
buckets refill linearly: requests per minute and per day, tokens per minute and
per day. This is how Groq's headers read: `x-ratelimit-*-requests` is the day's
request bucket, `x-ratelimit-*-tokens` the minute's token bucket, and the reset
durations are the time until the bucket is full again ("2m59.56s").

A chat request asks for `prompt_tokens + max_tokens` (all prompt tokens: the
cache is only known after processing). More than the TPM limit in one request
-> 413 "Request too large". Not enough left in any bucket -> 429 with
`retry-after` (whole seconds, rounded up) and a message naming the limit, as
Groq words it. Otherwise the request is charged what it asked for; when the
reply is complete the charge becomes what it really cost: uncached prompt
tokens + completion tokens ("cached tokens do not count towards your rate
limits, though they are subtracted after processing").

Prefix cache (per key, like Groq's per-organisation cache): the prompt is read
as Groq renders it: system messages, then the tool definitions, then the other
messages in order. Blocks of `CACHE_BLOCK_TOKENS` tokens that match a prompt
seen in the last 2 hours (exact prefix) are reported as
`usage.prompt_tokens_details.cached_tokens`.

Tokens are the stub's estimate: characters / 3.2 (see groq_stub).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable

from groq_stub import CHARS_PER_TOKEN, GroqStub, RecordedRequest, Reply, error, estimate_prompt_tokens

MINUTE_S = 60.0
DAY_S = 86400.0
CACHE_BLOCK_TOKENS = 128
CACHE_TTL_S = 2 * 3600.0

_LIMIT_WORDS = {
    "rpm": ("requests per minute (RPM)", "requests"),
    "rpd": ("requests per day (RPD)", "requests"),
    "tpm": ("tokens per minute (TPM)", "tokens"),
    "tpd": ("tokens per day (TPD)", "tokens"),
}


@dataclass(frozen=True)
class Limits:
    rpm: int = 30
    rpd: int = 1000
    tpm: int = 8000
    tpd: int = 200000


class FakeClock:
    """A clock that only moves when told: `clock()`, `clock.advance(s)`, `clock.sleep(s)`."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)

    sleep = advance


class LockstepClock(FakeClock):
    """A fake clock for several threads: time moves only when every participant sleeps.

    With `FakeClock` one waiting thread's sleeps push time forward while another thread's
    HTTP call is still on its way (real work takes no fake time), so on a loaded machine a
    call could "take" minutes. Here `sleep` blocks until all `participants` are asleep (or
    have called `leave`), then time jumps to the earliest wake-up: a discrete-event clock.
    """

    def __init__(self, participants: int, start: float = 1_800_000_000.0, stall_s: float = 30.0) -> None:
        super().__init__(start)
        self._active = participants
        self._wakes: dict[int, float] = {}
        self._cond = threading.Condition()
        self._stall_s = stall_s  # a participant that never sleeps again must not hang the test

    def _advance_if_all_asleep(self, force: bool = False) -> None:
        if self._wakes and (force or len(self._wakes) >= self._active):
            earliest = min(self._wakes.values())
            with self._lock:
                self.now = max(self.now, earliest)
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:  # type: ignore[override]
        import time as real_time

        me = threading.get_ident()
        with self._cond:
            wake = self() + max(0.0, seconds)
            self._wakes[me] = wake
            self._advance_if_all_asleep()
            started = real_time.monotonic()
            while self() < wake:
                self._cond.wait(timeout=0.5)
                if real_time.monotonic() - started > self._stall_s:
                    self._advance_if_all_asleep(force=True)
            del self._wakes[me]

    def leave(self) -> None:
        """A participant is done: the others no longer wait for it."""
        with self._cond:
            self._active -= 1
            self._advance_if_all_asleep()


def format_duration(seconds: float) -> str:
    """Groq's way: '2m59.56s', '7.66s', '120ms'."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{int(hours)}h{int(minutes)}m{rest:.2f}s"
    if minutes:
        return f"{int(minutes)}m{rest:.2f}s"
    return f"{rest:.2f}s"


class _Bucket:
    def __init__(self, capacity: int, period: float, now: float) -> None:
        self.capacity = float(capacity)
        self.period = period
        self.level = float(capacity)
        self.at = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + max(0.0, now - self.at) * self.capacity / self.period)
        self.at = max(self.at, now)

    def wait_for(self, amount: float) -> float:
        return 0.0 if self.level >= amount else (amount - self.level) * self.period / self.capacity

    def until_full(self) -> float:
        return (self.capacity - self.level) * self.period / self.capacity


def canonical_prompt(body: dict[str, Any]) -> str:
    """The prompt in the order Groq renders it: system, tools, then the conversation."""
    messages = body.get("messages") or []
    parts = [f"system:{m.get('content') or ''}" for m in messages if m.get("role") == "system"]
    if body.get("tools"):
        parts.append("tools:" + json.dumps(body["tools"], ensure_ascii=False, sort_keys=True))
    for message in messages:
        if message.get("role") == "system":
            continue
        calls = json.dumps(message.get("tool_calls") or [], ensure_ascii=False, sort_keys=True)
        parts.append(f"{message.get('role')}:{message.get('content') or ''}:{calls}")
    return "\n".join(parts)


class GroqLimitsStub(GroqStub):
    def __init__(self, *args: Any, clock: Callable[[], float] | None = None, limits: Limits | None = None,
                 limits_for: Callable[[str | None, str | None], Limits] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        import time

        self.clock = clock or time.monotonic
        self.limits_for = limits_for or (lambda _key, _model, value=limits or Limits(): value)
        self._buckets: dict[tuple[str | None, str | None], dict[str, _Bucket]] = {}
        self._cache: dict[str | None, dict[str, float]] = {}  # key -> block hash -> last used
        self._charges: dict[int, tuple[tuple[str | None, str | None], int]] = {}  # id(request) -> charge
        self._local = threading.local()
        self._limits_lock = threading.Lock()
        self.counters = {"requests": 0, "rate_limited": 0, "too_large": 0, "prompt_tokens": 0,
                         "cached_tokens": 0, "completion_tokens": 0}
        self.usage_log: list[dict[str, Any]] = []

    # --- buckets -----------------------------------------------------------------------
    def _get_buckets(self, key: str | None, model: str | None, now: float) -> dict[str, _Bucket]:
        buckets = self._buckets.get((key, model))
        if buckets is None:
            limits = self.limits_for(key, model)
            buckets = self._buckets[(key, model)] = {
                "rpm": _Bucket(limits.rpm, MINUTE_S, now), "rpd": _Bucket(limits.rpd, DAY_S, now),
                "tpm": _Bucket(limits.tpm, MINUTE_S, now), "tpd": _Bucket(limits.tpd, DAY_S, now),
            }
        for bucket in buckets.values():
            bucket.refill(now)
        return buckets

    @staticmethod
    def _headers(buckets: dict[str, _Bucket]) -> dict[str, str]:
        rpd, tpm = buckets["rpd"], buckets["tpm"]
        return {
            "x-ratelimit-limit-requests": str(int(rpd.capacity)),
            "x-ratelimit-limit-tokens": str(int(tpm.capacity)),
            "x-ratelimit-remaining-requests": str(max(0, math.floor(rpd.level))),
            "x-ratelimit-remaining-tokens": str(max(0, math.floor(tpm.level))),
            "x-ratelimit-reset-requests": format_duration(rpd.until_full()),
            "x-ratelimit-reset-tokens": format_duration(tpm.until_full()),
        }

    def ratelimit_headers(self, reply: Reply) -> dict[str, str]:
        return dict(getattr(self._local, "headers", None) or {})

    def admit(self, request: RecordedRequest) -> Reply | None:
        requested = estimate_prompt_tokens(request.body) + int(
            request.body.get("max_completion_tokens") or request.body.get("max_tokens") or 0
        )
        with self._limits_lock:
            now = self.clock()
            key = (request.api_key, request.model)
            buckets = self._get_buckets(*key, now)
            self.counters["requests"] += 1
            if requested > buckets["tpm"].capacity:
                self.counters["too_large"] += 1
                self._local.headers = self._headers(buckets)
                return error(
                    413,
                    f"Request too large for model `{request.model}` in organization `org_stub` service tier "
                    f"`on_demand` on tokens per minute (TPM): Limit {int(buckets['tpm'].capacity)}, "
                    f"Requested {requested}, please reduce your message size and try again.",
                    type="tokens", code="rate_limit_exceeded",
                )
            waits = {"rpm": buckets["rpm"].wait_for(1), "rpd": buckets["rpd"].wait_for(1),
                     "tpm": buckets["tpm"].wait_for(requested), "tpd": buckets["tpd"].wait_for(requested)}
            kind, wait = max(waits.items(), key=lambda item: item[1])
            if wait > 0:
                self.counters["rate_limited"] += 1
                self._local.headers = self._headers(buckets)
                words, unit = _LIMIT_WORDS[kind]
                bucket = buckets[kind]
                used = int(bucket.capacity - bucket.level)
                amount = 1 if unit == "requests" else requested
                return error(
                    429,
                    f"Rate limit reached for model `{request.model}` in organization `org_stub` service tier "
                    f"`on_demand` on {words}: Limit {int(bucket.capacity)}, Used {used}, Requested {amount}. "
                    f"Please try again in {format_duration(wait)}.",
                    type=unit, code="rate_limit_exceeded",
                    headers={"retry-after": str(max(1, math.ceil(wait)))},
                )
            for name, amount in (("rpm", 1), ("rpd", 1), ("tpm", requested), ("tpd", requested)):
                buckets[name].level -= amount
            self._charges[id(request)] = (key, requested)
            self._local.headers = self._headers(buckets)
        return None

    # --- prefix cache ------------------------------------------------------------------
    def _cached_tokens(self, key: str | None, body: dict[str, Any], now: float) -> int:
        text = canonical_prompt(body)
        block_chars = int(CACHE_BLOCK_TOKENS * CHARS_PER_TOKEN)
        cache = self._cache.setdefault(key, {})
        for digest, used in list(cache.items()):
            if now - used > CACHE_TTL_S:
                del cache[digest]
        digest = hashlib.sha256()
        matched = 0
        still_matching = True
        for start in range(0, len(text) - block_chars + 1, block_chars):
            digest.update(text[start:start + block_chars].encode())
            name = digest.hexdigest()
            if still_matching and name in cache:
                matched += 1
            else:
                still_matching = False
            cache[name] = now
        return matched * CACHE_BLOCK_TOKENS

    def _usage(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        usage = super()._usage(request, reply)
        with self._limits_lock:
            now = self.clock()
            cached = min(usage["prompt_tokens"], self._cached_tokens(request.api_key, request.body, now))
            usage["prompt_tokens_details"] = {"cached_tokens": cached}
            charge = self._charges.pop(id(request), None)
            if charge is not None:
                key, requested = charge
                buckets = self._get_buckets(*key, now)
                actual = usage["prompt_tokens"] - cached + usage["completion_tokens"]
                for name in ("tpm", "tpd"):
                    buckets[name].level = min(buckets[name].capacity, buckets[name].level + requested - actual)
            self.counters["prompt_tokens"] += usage["prompt_tokens"]
            self.counters["cached_tokens"] += cached
            self.counters["completion_tokens"] += usage["completion_tokens"]
            self.usage_log.append({"key": request.api_key, "at": now, **usage})
        return usage

    def remaining(self, key: str | None, model: str | None) -> dict[str, float]:
        with self._limits_lock:
            buckets = self._get_buckets(key, model, self.clock())
            return {name: bucket.level for name, bucket in buckets.items()}
