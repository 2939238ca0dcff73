"""One turn's side of the governor: waits, give-up rules, notices (fake clock, no HTTP)."""

from __future__ import annotations

import pytest
from groq_limits_stub import FakeClock

from chains.errors import ProviderFailure
from chains.governed_turn import GovernedTurn, duration_tr, give_up, next_poll_s, refusal_text
from chains.governor import Decision, Governor, MemoryBackend, ModelLimits

MODEL = "openai/gpt-oss-120b"


def turn(governor, clock, student="s", **kwargs) -> GovernedTurn:
    return GovernedTurn(governor, student, MODEL, key_kind=kwargs.pop("key_kind", "class"), max_wait_s=60,
                        completion_cap=1000, sleep=clock.sleep, **kwargs)


def test_durations_in_turkish() -> None:
    assert duration_tr(0.2) == "1 sn" and duration_tr(40) == "40 sn"
    assert duration_tr(25 * 60) == "25 dakika" and duration_tr(3 * 3600) == "3 saat"


def test_give_up_rules() -> None:
    waiting = Decision("waiting", 2, 30.0, "tpm")
    assert not give_up(waiting, 10, 60)
    assert give_up(waiting, 36, 60)  # 36 + 30 > 60 + 5: it cannot end in time
    assert give_up(Decision("waiting", 1, 4000.0, "tpd"), 0, 60)  # a daily budget: hours
    assert give_up(Decision("waiting", 1, 1.0, "tpm"), 60, 60)
    assert next_poll_s(Decision("waiting", 1, 9.0, "tpm"), 59.5, 60) == 0.5  # the last poll at exactly 60 s


def test_the_whole_turn_shares_one_max_wait() -> None:
    clock = FakeClock()
    governor = Governor(MemoryBackend(), "k", ModelLimits(tpm=8000), clock=clock)
    governed = turn(governor, clock)
    events = list(governed.admit(2000))
    assert events == [] and governed.before_call(MODEL, 2000)  # the prepaid first call
    governor.observe_rate_limited(MODEL, 50.0)  # someone else's burst: 50 s blocked
    governed.waited_s = 30.0  # the turn already queued for 30 s
    with pytest.raises(ProviderFailure) as failure:
        governed.before_call(MODEL, 2000)
    assert failure.value.kind == "queue" and "yoğun" in failure.value.message
    assert governor.snapshot(MODEL)["in_flight"] == 0  # the turn left the governor


def test_own_key_hint_only_when_own_keys_are_allowed() -> None:
    daily = Decision("waiting", 1, 7200.0, "tpd")
    assert "Kendi Groq anahtarım" in refusal_text(daily, key_kind="class", waited_s=0, share=None)
    assert "Kendi Groq anahtarım" not in refusal_text(daily, key_kind="class", waited_s=0, share=None,
                                                      own_keys_allowed=False)
    own = refusal_text(daily, key_kind="own", waited_s=0, share=None)
    assert own.startswith("Groq anahtarınızın bugünkü") and "Kendi Groq anahtarım" not in own
