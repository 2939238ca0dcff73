"""The class key's governor: Groq's limits shared fairly by every student and process.

Pure logic over a state dict kept by a `StateBackend` (in memory here; the app
database in `ders_asistani.governor_store`, so every app process shares one
budget). The clock is injectable; all times are seconds on that clock.

Model of the key (as Groq does it, see chains/ratelimit.py): four buckets per
model that refill linearly: requests per minute and per day, tokens per minute
and per day. Defaults come from settings (free tier: 30 RPM, 1,000 RPD, 8,000
TPM, 200,000 TPD); every response's x-ratelimit-* headers correct them live
(`observe`), a 429 blocks the model for its retry-after (`observe_rate_limited`).

A turn: `enqueue(student, model, need)` -> ticket; `poll(ticket)` until it says
"admitted" (the first model call is then reserved: one request and `need`
tokens = estimated prompt + completion cap); later calls of the same turn take
`acquire(ticket, model, need)` (they go before waiting turns); every call ends
with `settle(call_id, prompt, cached, completion)` (the reservation is replaced
by the real uncached + completion tokens; cached tokens do not count) or
`release_call` (the call was not processed); `finish(ticket)` ends the turn.

Fairness: at most one turn in flight per student; waiting turns are ordered by
the time their student was last served, then by arrival (round robin across
students); a turn is admitted when the budget covers it and every turn ahead of
it. Each student may spend `student_daily_tokens` uncached tokens a (UTC) day
(not the anonymous caller: the CLI is the instructor's).

Events for the usage ledger: every listener in `Governor.listeners` is called
with a `GovernorEvent` (kinds: "queued", "admitted", "waited", "refused",
"rate_limited", "settled"); listener errors are logged, never raised.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Iterator, Literal, Protocol

from chains.ratelimit import LimitKind, RateLimitInfo

log = logging.getLogger(__name__)

MINUTE_S = 60.0
DAY_S = 86400.0
# A waiting ticket nobody polled for this long belongs to a closed page: dropped.
STALE_TICKET_S = 20.0
IN_FLIGHT_WAIT_S = 1.0  # a turn that waits only for calls in flight to settle polls again this soon
# Share of the daily tokens one student may spend: twice the equal split of a class of 40.
DEFAULT_CLASS_SIZE = 40
STUDENT_SHARE_FACTOR = 2.0

Status = Literal["admitted", "waiting", "refused"]
# Turns without a student id (the CLI, scripts): one queue slot, no daily share.
ANONYMOUS = "anonim"


@dataclass(frozen=True)
class ModelLimits:
    rpm: int = 30
    rpd: int = 1000
    tpm: int = 8000
    tpd: int = 200000


def default_student_share(limits: ModelLimits, class_size: int = DEFAULT_CLASS_SIZE) -> int:
    """Twice a fair share: one student cannot spend more than 1/20 of a 40-student class's day."""
    return int(limits.tpd * STUDENT_SHARE_FACTOR / max(1, class_size))


def key_id(api_key: str) -> str:
    """The governor's name for a key: a salted hash, never the key."""
    return "k_" + hashlib.sha256(f"ders-asistani-governor:{api_key}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Decision:
    status: Status
    position: int = 0  # 1 = next; 0 when admitted
    eta_s: float = 0.0  # honest estimate of the wait from now
    limit: str | None = None  # what holds the turn: "tpm"|"rpm"|"tpd"|"rpd"|"blocked"|"queue"|"student"
    reason: str | None = None  # refused: "student_day" | "too_large"
    call_id: str | None = None  # admitted: the reserved model call
    retry_in_s: float | None = None  # refused: when the LLM is available again

    @property
    def daily(self) -> bool:
        """The wait is for a daily budget (hours, not seconds)."""
        return self.limit in ("tpd", "rpd") or self.reason == "student_day"


@dataclass(frozen=True)
class GovernorEvent:
    kind: str
    key: str
    student: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class StateBackend(Protocol):
    def transaction(self, key: str) -> Any:
        """A context manager yielding the key's state dict; changes are saved on exit."""


class MemoryBackend:
    """State in this process only (tests, the simulation, a student's own key)."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, key: str) -> Iterator[dict[str, Any]]:
        with self._lock:
            yield self._states.setdefault(key, {})


# --- buckets -----------------------------------------------------------------------
def _bucket(capacity: float, period: float, now: float) -> dict[str, float]:
    return {"cap": float(capacity), "level": float(capacity), "period": period, "at": now}


def _refill(bucket: dict[str, float], now: float) -> None:
    elapsed = max(0.0, now - bucket["at"])
    bucket["level"] = min(bucket["cap"], bucket["level"] + elapsed * bucket["cap"] / bucket["period"])
    bucket["at"] = max(bucket["at"], now)


def _held(state: dict[str, Any], model: str) -> float:
    """Tokens reserved by this model's calls in flight."""
    return float(sum(call["reserved"] for call in state["calls"].values() if call["model"] == model))


def _wait_for(bucket: dict[str, float], amount: float, held: float = 0.0) -> float:
    """Seconds until the (refilled) bucket holds `amount` beside what calls in flight hold.

    An estimate. Calls in flight mostly settle for far less than they hold (cached prompt,
    unused completion cap) and within seconds, so a wait caused only by them is one short
    poll, and a longer wait is the refill's alone. `amount` may be a whole queue's and more
    than the bucket holds (a single call larger than the bucket is refused before it queues).
    """
    if bucket["level"] - held >= amount:
        return 0.0
    if bucket["cap"] <= 0:
        return float("inf")
    if bucket["level"] >= amount:
        return IN_FLIGHT_WAIT_S
    return (amount - bucket["level"]) * bucket["period"] / bucket["cap"]


_BUCKETS: tuple[tuple[LimitKind, float], ...] = (("rpm", MINUTE_S), ("rpd", DAY_S), ("tpm", MINUTE_S), ("tpd", DAY_S))

class Governor:
    """One key's governor; many instances (processes) may share one backend state."""

    def __init__(
        self,
        backend: StateBackend,
        key: str,
        limits: ModelLimits | Callable[[str], ModelLimits] = ModelLimits(),
        *,
        clock: Callable[[], float] = time.time,
        student_daily_tokens: int | None = None,
        inflight_ttl_s: float = 120.0,
        stale_ticket_s: float = STALE_TICKET_S,
    ) -> None:
        self.backend = backend
        self.key = key
        self._limits = limits if callable(limits) else (lambda _model, value=limits: value)
        self.clock = clock
        self.student_daily_tokens = student_daily_tokens
        self.inflight_ttl_s = inflight_ttl_s
        self.stale_ticket_s = stale_ticket_s
        self.listeners: list[Callable[[GovernorEvent], None]] = []

    # --- events ------------------------------------------------------------------
    def _emit(self, kind: str, student: str | None = None, **data: Any) -> None:
        for listener in list(self.listeners):
            try:
                listener(GovernorEvent(kind, self.key, student, data))
            except Exception:  # the ledger must never break a turn
                log.exception("governor listener failed")

    # --- state helpers -------------------------------------------------------------
    def _day(self, now: float) -> str:
        return datetime.fromtimestamp(now, UTC).date().isoformat()

    def _seconds_to_midnight(self, now: float) -> float:
        moment = datetime.fromtimestamp(now, UTC)
        midnight = datetime(moment.year, moment.month, moment.day, tzinfo=UTC) + timedelta(days=1)
        return (midnight - moment).total_seconds()

    def _prepare(self, state: dict[str, Any], now: float) -> None:
        state.setdefault("models", {})
        state.setdefault("waiting", {})
        state.setdefault("inflight", {})
        state.setdefault("served", {})
        state.setdefault("calls", {})
        state.setdefault("student_tokens", {})
        day = self._day(now)
        if state.get("day") != day:
            state["day"] = day
            state["student_tokens"] = {}
        for ticket, entry in list(state["waiting"].items()):
            if now - entry["seen"] > self.stale_ticket_s:
                del state["waiting"][ticket]
        for ticket, entry in list(state["inflight"].items()):
            if now - entry["seen"] > self.inflight_ttl_s:
                del state["inflight"][ticket]
        for call, entry in list(state["calls"].items()):
            if now - entry["at"] > self.inflight_ttl_s:
                # Never settled: Groq charged it or not; count it as charged.
                del state["calls"][call]
                model = state["models"].get(entry["model"])
                if model is not None:
                    for name in ("tpm", "tpd"):
                        model[name]["level"] -= entry["reserved"]
        if len(state["served"]) > 5000:  # a long-running server: forget the oldest
            for student, _ in sorted(state["served"].items(), key=lambda item: item[1])[:1000]:
                del state["served"][student]

    def _model(self, state: dict[str, Any], model: str, now: float) -> dict[str, Any]:
        entry = state["models"].get(model)
        if entry is None:
            limits = self._limits(model)
            entry = state["models"][model] = {
                "rpm": _bucket(limits.rpm, MINUTE_S, now),
                "rpd": _bucket(limits.rpd, DAY_S, now),
                "tpm": _bucket(limits.tpm, MINUTE_S, now),
                "tpd": _bucket(limits.tpd, DAY_S, now),
                "blocked_until": 0.0,
            }
        for name, _period in _BUCKETS:
            _refill(entry[name], now)
        return entry

    @staticmethod
    def _wait(entry: dict[str, Any], requests: float, tokens: float, now: float,
              held: float = 0.0) -> tuple[float, str | None]:
        """Longest wait over the buckets for this much (on top of what calls in flight hold)."""
        worst, limit = 0.0, None
        for name, amount in (("rpm", requests), ("rpd", requests), ("tpm", tokens), ("tpd", tokens)):
            wait = _wait_for(entry[name], amount, held if name in ("tpm", "tpd") else 0.0)
            if wait > worst:
                worst, limit = wait, name
        blocked = entry["blocked_until"] - now
        if blocked > worst:
            worst, limit = blocked, entry.get("blocked_kind") or "blocked"
        return worst, limit

    def _reserve(self, state: dict[str, Any], entry: dict[str, Any], ticket: str, model: str, need: int, now: float) -> str:
        # Requests are spent at once. Tokens are only held while the call is in flight and
        # leave the buckets when it settles: a reservation made now may reach Groq seconds
        # later, and a bucket that refilled over that gap would count the same tokens twice.
        for name in ("rpm", "rpd"):
            entry[name]["level"] -= 1
        call_id = uuid.uuid4().hex[:16]
        state["calls"][call_id] = {"ticket": ticket, "model": model, "reserved": need, "at": now}
        return call_id

    def _order(self, state: dict[str, Any]) -> list[str]:
        """Waiting tickets in service order; students with a turn in flight wait behind."""
        busy = {entry["student"] for entry in state["inflight"].values()}
        served = state["served"]
        return sorted(
            state["waiting"],
            key=lambda t: (
                state["waiting"][t]["student"] in busy,
                served.get(state["waiting"][t]["student"], 0.0),
                state["waiting"][t]["enqueued"],
            ),
        )

    # --- a turn ----------------------------------------------------------------------
    def enqueue(self, student: str, model: str, need: int) -> str:
        ticket = uuid.uuid4().hex[:16]
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            state["waiting"][ticket] = {"student": student, "model": model, "need": int(need),
                                        "enqueued": now, "seen": now}
        self._emit("queued", student, ticket=ticket, need=int(need))
        return ticket

    def poll(self, ticket: str, need: int | None = None) -> Decision:
        """Admit the waiting turn now, or say where it stands."""
        now = self.clock()
        admitted: dict[str, Any] | None = None
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            waiting = state["waiting"].get(ticket)
            if waiting is None:
                if ticket in state["inflight"]:
                    return Decision("admitted")
                # Dropped as stale (a very slow poller): queue it again, at the back.
                return Decision("refused", reason="lost")
            waiting["seen"] = now
            if need is not None:
                waiting["need"] = int(need)
            student = waiting["student"]
            share = self.student_daily_tokens
            if share is not None and student != ANONYMOUS and state["student_tokens"].get(student, 0) >= share:
                del state["waiting"][ticket]
                decision = Decision("refused", reason="student_day", limit="student",
                                    retry_in_s=self._seconds_to_midnight(now))
            else:
                entry = self._model(state, waiting["model"], now)
                if waiting["need"] > entry["tpm"]["cap"] or waiting["need"] > entry["tpd"]["cap"]:
                    del state["waiting"][ticket]
                    decision = Decision("refused", reason="too_large")
                else:
                    decision = self._place(state, ticket, now)
                    if decision.status == "admitted":
                        admitted = {"student": student, "waited_s": now - waiting["enqueued"]}
        if admitted:
            self._emit("admitted", admitted["student"], ticket=ticket, waited_s=round(admitted["waited_s"], 3))
        elif decision.status == "refused":
            self._emit("refused", None, ticket=ticket, reason=decision.reason)
        return decision

    def _place(self, state: dict[str, Any], ticket: str, now: float) -> Decision:
        order = self._order(state)
        position = order.index(ticket) + 1
        waiting = state["waiting"][ticket]
        busy = {entry["student"] for entry in state["inflight"].values()}
        # The turns ahead will spend what calls have recently spent of their reservations
        # (a cached prompt, an unused completion cap), not all of it: counting every
        # reservation in full would promise waits long enough to send students offline.
        ratio = float(state.get("charge_ratio", 1.0))
        requests, tokens = 1, float(waiting["need"])
        for other in order[:position - 1]:
            if state["waiting"][other]["model"] == waiting["model"]:
                requests += 1
                tokens += state["waiting"][other]["need"] * ratio
        entry = self._model(state, waiting["model"], now)
        wait, limit = self._wait(entry, requests, tokens, now, _held(state, waiting["model"]))
        if waiting["student"] in busy:
            return Decision("waiting", position, max(wait, 5.0), "queue")
        if wait <= 0:
            del state["waiting"][ticket]
            state["inflight"][ticket] = {"student": waiting["student"], "started": now, "seen": now}
            state["served"][waiting["student"]] = now
            call_id = self._reserve(state, entry, ticket, waiting["model"], waiting["need"], now)
            return Decision("admitted", call_id=call_id)
        return Decision("waiting", position, wait, limit)

    def acquire(self, ticket: str, model: str, need: int) -> Decision:
        """A further model call of an admitted turn: goes before the waiting turns."""
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            inflight = state["inflight"].get(ticket)
            if inflight is None:  # expired (a very long turn): take it back in
                inflight = state["inflight"][ticket] = {"student": "?", "started": now, "seen": now}
            inflight["seen"] = now
            entry = self._model(state, model, now)
            if need > entry["tpm"]["cap"]:
                return Decision("refused", reason="too_large")
            wait, limit = self._wait(entry, 1, need, now, _held(state, model))
            if wait > 0:
                return Decision("waiting", 1, wait, limit)
            return Decision("admitted", call_id=self._reserve(state, entry, ticket, model, int(need), now))

    def settle(self, call_id: str | None, *, prompt_tokens: int, cached_tokens: int = 0,
               completion_tokens: int = 0, student: str | None = None) -> int:
        """Replace a call's reservation by what it really cost; returns the charged tokens."""
        charged = max(0, int(prompt_tokens) - int(cached_tokens)) + max(0, int(completion_tokens))
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            call = state["calls"].pop(call_id, None) if call_id else None
            if call is not None:
                entry = self._model(state, call["model"], now)
                for name in ("tpm", "tpd"):
                    entry[name]["level"] -= charged
                spent = min(1.0, max(0.05, charged / max(1, call["reserved"])))
                state["charge_ratio"] = 0.8 * float(state.get("charge_ratio", 1.0)) + 0.2 * spent
                inflight = state["inflight"].get(call["ticket"])
                if inflight is not None:
                    inflight["seen"] = now
                    student = student or inflight["student"]
            if student:
                state["student_tokens"][student] = state["student_tokens"].get(student, 0) + charged
        self._emit("settled", student, prompt=int(prompt_tokens), cached=int(cached_tokens),
                   completion=int(completion_tokens), charged=charged)
        return charged

    def release_call(self, call_id: str | None, *, processed: bool = False) -> None:
        """A call Groq refused (429, 413, connection): give its tokens back, keep the request."""
        if not call_id:
            return
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            call = state["calls"].pop(call_id, None)
            if call is not None and processed:  # Groq worked on it: it cost what was reserved
                entry = self._model(state, call["model"], now)
                for name in ("tpm", "tpd"):
                    entry[name]["level"] -= call["reserved"]

    def finish(self, ticket: str | None) -> None:
        """The turn is over (answered, offline, abandoned): free the student's slot."""
        if not ticket:
            return
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            state["waiting"].pop(ticket, None)
            state["inflight"].pop(ticket, None)

    # --- what Groq says ------------------------------------------------------------------
    def observe(self, model: str, info: RateLimitInfo, *, admitted: bool = True) -> None:
        """Correct the model's buckets from one response's x-ratelimit-* headers.

        Groq's remaining tokens already count the call that answered (`admitted`: not a
        429/413), while here that call's tokens are still held, not spent: add back the
        smallest reservation in flight, a lower bound for the call that answered, so the
        correction never counts a call twice and never credits one Groq has charged.
        """
        if info.empty:
            return
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            entry = self._model(state, model, now)
            held = [call["reserved"] for call in state["calls"].values() if call["model"] == model]
            answering = float(min(held)) if admitted and held else 0.0
            for name, limit, remaining in (
                ("tpm", info.limit_tokens, info.remaining_tokens),
                ("rpd", info.limit_requests, info.remaining_requests),
            ):
                bucket = entry[name]
                if remaining is not None and name == "tpm":
                    remaining = remaining + answering
                if limit is not None and limit > 0 and limit != bucket["cap"]:
                    # Another tier than the defaults: Groq's numbers win. The headers do not
                    # carry the minute's requests or the day's tokens: they scale alike.
                    partner = entry["rpm" if name == "rpd" else "tpd"]
                    factor = float(limit) / bucket["cap"]
                    partner["cap"] = max(float(self._default_cap(model, partner)), partner["cap"] * factor)
                    partner["level"] = min(partner["cap"], partner["level"] * factor) if factor < 1 else \
                        partner["level"] + partner["cap"] - partner["cap"] / factor
                    bucket["cap"] = float(limit)
                    if remaining is not None:
                        bucket["level"] = min(float(limit), float(remaining))
                    continue
                if remaining is not None:
                    bucket["level"] = min(bucket["level"], float(remaining))

    def _default_cap(self, model: str, bucket: dict[str, float]) -> float:
        limits = self._limits(model)
        return limits.rpm if bucket["period"] == MINUTE_S else limits.tpd

    def observe_rate_limited(self, model: str, retry_after_s: float | None, kind: str | None = None) -> None:
        """A 429 despite the budget (another client on the key, a restart): hold back."""
        wait = retry_after_s if retry_after_s is not None else 2.0
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            entry = self._model(state, model, now)
            if now + wait >= entry["blocked_until"]:
                entry["blocked_until"] = now + wait
                entry["blocked_kind"] = kind
            if kind in ("tpd", "rpd", "tpm", "rpm"):
                entry[kind]["level"] = min(entry[kind]["level"], 0.0)
        self._emit("rate_limited", None, model=model, retry_after_s=wait, limit=kind)

    # --- for the instructor page, the ledger and the simulation ---------------------------------
    def snapshot(self, model: str) -> dict[str, Any]:
        now = self.clock()
        with self.backend.transaction(self.key) as state:
            self._prepare(state, now)
            entry = self._model(state, model, now)
            held = _held(state, model)
            return {
                "model": model,
                "buckets": {name: {"limit": entry[name]["cap"],
                                   "remaining": round(entry[name]["level"] - (held if name in ("tpm", "tpd") else 0), 1)}
                            for name, _ in _BUCKETS},
                "blocked_for_s": max(0.0, entry["blocked_until"] - now),
                "waiting": len(state["waiting"]),
                "in_flight": len(state["inflight"]),
                "students_today": len(state["student_tokens"]),
            }
