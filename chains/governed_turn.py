"""One tutor turn's side of the key governor (chains/governor.py).

`GovernedTurn.admit(need)` queues the turn and yields `TutorEvent("queue",
{"position", "eta_s"})` while it waits; it returns when the first model call is
reserved, or raises `ProviderFailure` (kind "queue" or "too_large") with a
Turkish notice that says why and when the language model is available again.
The middleware then calls `before_call` / `after_call` / `release` around every
model call, and the tutor calls `finish` when the turn ends, whatever happened.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable, Iterator, Sequence

from chains.errors import ProviderFailure
from chains.events import TutorEvent
from chains.governor import ANONYMOUS, Decision, Governor
from chains.ratelimit import limit_kind

log = logging.getLogger(__name__)

POLL_S = 1.0
# A waiting turn whose own estimate already runs past MAX_QUEUE_WAIT_S by more than this
# is answered offline at once: an honest "not in time" beats a wait in vain.
GIVE_UP_SLACK_S = 5.0


def duration_tr(seconds: float) -> str:
    """'40 sn', '25 dakika', '3 saat' (rounded up, never 0)."""
    if not math.isfinite(seconds):
        return "belirsiz bir süre"
    seconds = max(1.0, seconds)
    if seconds < 90:
        return f"{math.ceil(seconds)} sn"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} dakika"
    return f"{math.ceil(seconds / 3600)} saat"


def queue_text(position: int, eta_s: float) -> str:
    """What a waiting student reads: 'Sıranız: 3 — yaklaşık 40 sn'."""
    return f"Sıranız: {position} — yaklaşık {duration_tr(eta_s)}"


OFFLINE_TAIL = "Bu cevap ders belgelerinden derlendi."
OWN_KEY_HINT = ("Hemen dil modeliyle devam etmek isterseniz kenar çubuğundaki \"Kendi Groq anahtarım\" "
                "kutusuna kendi ücretsiz Groq anahtarınızı ekleyebilirsiniz.")
OFFLINE_NOW = "İsteğiniz üzerine sıra beklenmeden, cevap ders belgelerinden derlendi."


def refusal_text(decision: Decision, *, key_kind: str, waited_s: float, share: int | None,
                 own_keys_allowed: bool = True) -> str:
    hint = f" {OWN_KEY_HINT}" if key_kind == "class" and own_keys_allowed else ""
    if decision.reason == "student_day":
        limit = f" (günde {share:,} token)".replace(",", ".") if share else ""
        return (f"Bugün sınıf anahtarından size düşen payı kullandınız{limit}. {OFFLINE_TAIL} "
                f"Payınız yaklaşık {duration_tr(decision.retry_in_s or 0)} sonra yenilenir.{hint}")
    if decision.reason == "too_large":
        return f"Soru ve bağlamı tek istekte gönderilemeyecek kadar uzun. {OFFLINE_TAIL}"
    eta = duration_tr(decision.eta_s)
    if decision.daily:
        whose = "Sınıf anahtarının" if key_kind == "class" else "Groq anahtarınızın"
        return (f"{whose} bugünkü dil modeli kotası doldu (Groq'un günlük sınırı). {OFFLINE_TAIL} "
                f"Dil modeli yaklaşık {eta} sonra yeniden kullanılabilir.{hint}")
    waited = f"{math.ceil(waited_s)} sn beklediniz ve " if waited_s >= 1 else ""
    return (f"Dil modeli şu an çok yoğun: {waited}sıra size zamanında gelmeyecekti. {OFFLINE_TAIL} "
            f"Dil modeli yaklaşık {eta} sonra yeniden kullanılabilir; biraz sonra tekrar sorabilirsiniz.")


def switch_model(decision: Decision, models: Sequence[str], index: int) -> bool:
    """A daily budget of this model is gone and a fallback model (its own budget at Groq) is left."""
    return (decision.status == "waiting" and decision.limit in ("tpd", "rpd")
            and index + 1 < len(models))


def budget_switch_notice(old: str, new: str, key_kind: str) -> str:
    whose = "Sınıf anahtarının" if key_kind == "class" else "Groq anahtarınızın"
    return (f"{whose} '{old}' modeli için bugünkü kotası doldu; bu cevabı aynı anahtarla daha küçük "
            f"'{new}' modeli yazıyor.")


def give_up(decision: Decision, waited_s: float, max_wait_s: float) -> bool:
    """Answer offline now: a daily budget is gone, the wait is over, or it cannot end in time."""
    if decision.status == "refused":
        return True
    if decision.status != "waiting":
        return False
    return (decision.daily or waited_s >= max_wait_s
            or waited_s + decision.eta_s > max_wait_s + GIVE_UP_SLACK_S)


def next_poll_s(decision: Decision, waited_s: float, max_wait_s: float) -> float:
    """When to ask again: at most a second, never past MAX_QUEUE_WAIT_S."""
    return max(0.05, min(POLL_S, decision.eta_s, max(0.0, max_wait_s - waited_s)))


class GovernedTurn:
    def __init__(
        self,
        governor: Governor,
        student: str | None,
        model: str,
        *,
        key_kind: str,
        max_wait_s: float,
        completion_cap: int,
        sleep: Callable[[float], None] = time.sleep,
        own_keys_allowed: bool = True,
    ) -> None:
        self.governor = governor
        self.own_keys_allowed = own_keys_allowed  # GROQ_KEY_POLICY=class hides the own key box
        self.student = student or ANONYMOUS
        # The primary model first, then the fallbacks a gone daily budget may move the turn to.
        self.models = [model] if isinstance(model, str) else list(model)
        self.model = self.models[0]
        self.switched_from: str | None = None
        # Why the governor answered the turn offline: "queue_timeout" | "daily" | "student_day" | "too_large".
        self.refusal: str | None = None
        self.key_kind = key_kind
        self.max_wait_s = max_wait_s
        self.completion_cap = completion_cap
        self.sleep = sleep
        self.ticket: str | None = None
        self.prepaid: str | None = None  # the first call's reservation, made at admission
        self.open_calls: list[str] = []
        self.waited_s = 0.0
        self.positions: list[int] = []
        self.usage = {"requests": 0, "prompt_tokens": 0, "cached_tokens": 0, "completion_tokens": 0}

    # --- admission -------------------------------------------------------------------
    def admit(self, prompt_tokens: int) -> Iterator[TutorEvent]:
        need = int(prompt_tokens) + self.completion_cap
        clock = self.governor.clock
        started = clock()
        self.ticket = self.governor.enqueue(self.student, self.model, need)
        while True:
            decision = self.governor.poll(self.ticket, need)
            self.waited_s = clock() - started
            if decision.status == "admitted":
                self.prepaid = decision.call_id
                if decision.call_id:
                    self.open_calls.append(decision.call_id)
                if self.waited_s > 0:
                    self.governor._emit("waited", self.student, waited_s=round(self.waited_s, 3),
                                        positions=self.positions[:1])
                return
            if decision.status == "refused" and decision.reason == "lost":
                self.ticket = self.governor.enqueue(self.student, self.model, need)
                continue
            index = self.models.index(self.model)
            if switch_model(decision, self.models, index):
                self.governor.finish(self.ticket)
                self.switched_from = self.switched_from or self.model
                self.model = self.models[index + 1]
                self.ticket = self.governor.enqueue(self.student, self.model, need)
                continue
            if give_up(decision, self.waited_s, self.max_wait_s):
                self._give_up(decision, "too_large" if decision.reason == "too_large" else "queue")
            self.positions.append(decision.position)
            yield TutorEvent("queue", {"position": decision.position, "eta_s": round(decision.eta_s, 1)})
            self.sleep(next_poll_s(decision, self.waited_s, self.max_wait_s))

    def _give_up(self, decision: Decision, kind: str) -> None:
        share = self.governor.student_daily_tokens
        text = refusal_text(decision, key_kind=self.key_kind, waited_s=self.waited_s, share=share,
                            own_keys_allowed=self.own_keys_allowed)
        reason = decision.reason or ("daily" if decision.daily else "queue_timeout")
        self.refusal = reason
        self.governor._emit("refused", self.student, reason=reason, waited_s=round(self.waited_s, 3),
                            limit=decision.limit)
        self.finish()
        raise ProviderFailure(kind, f"governor: {reason} ({decision.limit})",  # type: ignore[arg-type]
                              retry_after_s=decision.retry_in_s or decision.eta_s, message=text)

    # --- model calls (from the middleware) ----------------------------------------------
    def before_call(self, model: str, prompt_tokens: int) -> str | None:
        """The reservation for the next model call; waits (bounded) for the budget."""
        if self.prepaid is not None:
            call, self.prepaid = self.prepaid, None
            return call
        if self.ticket is None:
            return None
        need = int(prompt_tokens) + self.completion_cap
        clock = self.governor.clock
        started = clock() - self.waited_s  # MAX_QUEUE_WAIT_S bounds the turn's waits together
        while True:
            decision = self.governor.acquire(self.ticket, model, need)
            if decision.status == "admitted":
                assert decision.call_id is not None
                self.open_calls.append(decision.call_id)
                return decision.call_id
            self.waited_s = clock() - started
            if give_up(decision, self.waited_s, self.max_wait_s):
                self._give_up(decision, "too_large" if decision.reason == "too_large" else "queue")
            self.sleep(next_poll_s(decision, self.waited_s, self.max_wait_s))

    def after_call(self, call_id: str | None, usage: dict[str, Any] | None, estimated_prompt: int) -> None:
        usage = usage or {}
        prompt = int(usage.get("input_tokens") or 0)
        details = usage.get("input_token_details") or {}
        cached = int(details.get("cache_read") or 0)
        completion = int(usage.get("output_tokens") or 0)
        if not prompt:  # no usage reported: charge the estimate and the whole cap
            prompt, completion = estimated_prompt, self.completion_cap
        self.usage["requests"] += 1
        self.usage["prompt_tokens"] += prompt
        self.usage["cached_tokens"] += cached
        self.usage["completion_tokens"] += completion
        if call_id in self.open_calls:
            self.open_calls.remove(call_id)
        self.governor.settle(call_id, prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion,
                             student=self.student)

    def rate_limited(self, model: str, retry_after_s: float | None, detail: str) -> None:
        self.governor.observe_rate_limited(model, retry_after_s, limit_kind(detail))

    def release(self, call_id: str | None) -> None:
        if call_id in self.open_calls:
            self.open_calls.remove(call_id)
            self.governor.release_call(call_id)

    def finish(self) -> None:
        for call in list(self.open_calls):
            self.release(call)
        self.prepaid = None
        if self.ticket is not None:
            try:
                self.governor.finish(self.ticket)
            except Exception:  # a database hiccup must not hide the answer
                log.exception("governor finish failed")
            self.ticket = None


def build_governor(settings: Any, key_kind: str, clock: Callable[[], float] = time.time) -> Governor | None:
    """The governor of the settings' Groq key: class key state in the app database, an own key's in memory."""
    from chains.governor import MemoryBackend, ModelLimits, default_student_share, key_id

    if not getattr(settings, "class_governor", True) or settings.groq_api_key is None:
        return None
    secret = settings.groq_api_key.get_secret_value()
    limits = ModelLimits(rpm=settings.groq_limit_rpm, rpd=settings.groq_limit_rpd,
                         tpm=settings.groq_limit_tpm, tpd=settings.groq_limit_tpd)
    if key_kind == "own":
        # A student's key stays in this process's memory: no trace of it in the database.
        return Governor(MemoryBackend(), key_id(secret), limits, clock=clock,
                        inflight_ttl_s=settings.turn_deadline_s + 60)
    from ders_asistani.governor_store import shared_backend

    share = settings.class_tokens_per_student_per_day
    return Governor(shared_backend(settings.app_database_url), key_id(secret), limits, clock=clock,
                    student_daily_tokens=share if share is not None else default_student_share(limits),
                    inflight_ttl_s=settings.turn_deadline_s + 60)
