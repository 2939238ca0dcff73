"""The class key's governor with a fake clock: limits, header corrections, fairness, shares."""

from __future__ import annotations

import pytest

from chains.governor import Governor, MemoryBackend, ModelLimits, default_student_share, key_id
from chains.ratelimit import parse_headers
from groq_limits_stub import FakeClock

MODEL = "openai/gpt-oss-120b"
FREE = ModelLimits(rpm=30, rpd=1000, tpm=8000, tpd=200000)


def make(clock: FakeClock, limits: ModelLimits = FREE, **kwargs) -> Governor:
    return Governor(MemoryBackend(), "k_test", limits, clock=clock, **kwargs)


def run_turn(governor: Governor, student: str, need: int, cost: int | None = None) -> str:
    ticket = governor.enqueue(student, MODEL, need)
    decision = governor.poll(ticket)
    assert decision.status == "admitted", decision
    governor.settle(decision.call_id, prompt_tokens=cost if cost is not None else need, completion_tokens=0)
    governor.finish(ticket)
    return ticket


def test_key_id_is_a_hash() -> None:
    assert key_id("gsk_secret") == key_id("gsk_secret") != key_id("gsk_other")
    assert "secret" not in key_id("gsk_secret")


def test_token_minute_budget_and_eta() -> None:
    clock = FakeClock()
    governor = make(clock)
    run_turn(governor, "a", 3400)
    run_turn(governor, "b", 3400)
    ticket = governor.enqueue("c", MODEL, 3400)
    decision = governor.poll(ticket)
    # 1,200 tokens left; 2,200 more come back at 8,000 a minute: 16.5 s.
    assert decision.status == "waiting" and decision.limit == "tpm"
    assert decision.position == 1 and decision.eta_s == pytest.approx(16.5)
    clock.advance(16.4)
    assert governor.poll(ticket).status == "waiting"
    clock.advance(0.2)
    assert governor.poll(ticket).status == "admitted"


def test_settle_refunds_cached_and_unused_tokens() -> None:
    clock = FakeClock()
    governor = make(clock)
    ticket = governor.enqueue("a", MODEL, 3400)
    decision = governor.poll(ticket)
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == 4600
    charged = governor.settle(decision.call_id, prompt_tokens=2400, cached_tokens=1408, completion_tokens=300)
    assert charged == 1292
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == pytest.approx(8000 - 1292)


def test_tokens_held_by_calls_in_flight_do_not_refill_before_they_settle() -> None:
    # Four calls admitted at once reach Groq 30 s later (a slow network, a busy server):
    # Groq charges them then, from a full minute. Had the reservations left the bucket at
    # admission, its 30 s of refill would admit a fifth call Groq then refuses.
    clock = FakeClock()
    governor = make(clock)
    for student in "abcd":
        assert governor.poll(governor.enqueue(student, MODEL, 1824)).status == "admitted"
    clock.advance(30)
    decision = governor.poll(governor.enqueue("e", MODEL, 1824))
    assert decision.status == "waiting" and decision.limit == "tpm"
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == pytest.approx(8000 - 4 * 1824)


def test_headers_do_not_count_the_answering_call_twice() -> None:
    # Groq's remaining tokens already count the call that answered; the governor still holds
    # its reservation until it settles. One call in flight: exactly Groq's number after settle.
    clock = FakeClock()
    governor = make(clock)
    decision = governor.poll(governor.enqueue("a", MODEL, 2000))
    governor.observe(MODEL, parse_headers({"x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "5000"}))
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == pytest.approx(5000)
    governor.settle(decision.call_id, prompt_tokens=500, completion_tokens=100)
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == pytest.approx(6400)
    # A refused call (429) was not charged by Groq: nothing is added back for it.
    decision = governor.poll(governor.enqueue("b", MODEL, 2000))
    governor.observe(MODEL, parse_headers({"x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "3000"}),
                     admitted=False)
    governor.release_call(decision.call_id)
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == pytest.approx(3000)


def test_queue_eta_counts_what_calls_really_spend() -> None:
    # Calls have been settling at a quarter of their reservations (cached prompts, short
    # answers): the turns ahead in the queue are expected to spend alike, not in full.
    clock = FakeClock()
    governor = make(clock)
    for _ in range(12):
        run_turn(governor, "warm", 2000, cost=500)  # 2,000 of the minute's tokens left
    tickets = [governor.enqueue(s, MODEL, 2000) for s in "efg"]
    last = governor.poll(tickets[-1])
    assert last.status == "waiting" and last.position == 3
    # In full the queue needs 6,000 (30 s of refill); at the recent rate about 3,200 (9 s).
    assert 5 < last.eta_s < 12


def test_requests_per_minute() -> None:
    clock = FakeClock()
    governor = make(clock, ModelLimits(rpm=3, rpd=1000, tpm=100000, tpd=10**7))
    for student in "abc":
        run_turn(governor, student, 10)
    decision = governor.poll(governor.enqueue("d", MODEL, 10))
    assert decision.status == "waiting" and decision.limit == "rpm" and decision.eta_s == pytest.approx(20.0)


def test_daily_budget_gone_is_a_daily_wait() -> None:
    clock = FakeClock()
    governor = make(clock, ModelLimits(rpm=30, rpd=1000, tpm=8000, tpd=10000))
    run_turn(governor, "a", 5000)
    clock.advance(60)
    run_turn(governor, "b", 4000)
    clock.advance(60)
    decision = governor.poll(governor.enqueue("c", MODEL, 3000))
    assert decision.status == "waiting" and decision.limit == "tpd" and decision.daily
    assert decision.eta_s > 3600  # hours: the tutor answers offline and suggests an own key


def test_headers_correct_the_budget() -> None:
    clock = FakeClock()
    governor = make(clock)
    # Someone else spent the key: Groq says only 500 tokens are left this minute.
    governor.observe(MODEL, parse_headers({"x-ratelimit-limit-tokens": "8000", "x-ratelimit-remaining-tokens": "500",
                                           "x-ratelimit-limit-requests": "1000", "x-ratelimit-remaining-requests": "3"}))
    snapshot = governor.snapshot(MODEL)["buckets"]
    assert snapshot["tpm"]["remaining"] == 500 and snapshot["rpd"]["remaining"] == 3
    assert governor.poll(governor.enqueue("a", MODEL, 3000)).status == "waiting"
    # A paid tier: larger limits than the defaults are adopted.
    governor.observe(MODEL, parse_headers({"x-ratelimit-limit-tokens": "250000", "x-ratelimit-remaining-tokens": "249000"}))
    assert governor.snapshot(MODEL)["buckets"]["tpm"] == {"limit": 250000, "remaining": 249000}


def test_429_blocks_for_retry_after() -> None:
    clock = FakeClock()
    governor = make(clock)
    governor.observe_rate_limited(MODEL, 7.0, "tpm")
    decision = governor.poll(governor.enqueue("a", MODEL, 100))
    assert decision.status == "waiting" and decision.eta_s >= 7.0


def test_one_turn_in_flight_per_student() -> None:
    clock = FakeClock()
    governor = make(clock)
    first = governor.enqueue("a", MODEL, 100)
    assert governor.poll(first).status == "admitted"
    second = governor.enqueue("a", MODEL, 100)
    other = governor.enqueue("b", MODEL, 100)
    assert governor.poll(second).status == "waiting"  # plenty of budget, but a's turn is running
    assert governor.poll(other).status == "admitted"
    governor.finish(first)
    assert governor.poll(second).status == "admitted"


def test_round_robin_across_students() -> None:
    """A student who keeps asking does not get ahead of the others."""
    clock = FakeClock()
    governor = make(clock, ModelLimits(rpm=1000, rpd=10**6, tpm=6000, tpd=10**8))
    served: list[str] = []
    pending: dict[str, str] = {}

    def ask(student: str) -> None:
        pending[student] = governor.enqueue(student, MODEL, 3000)

    # "greedy" asks again the moment an answer arrives; five others wait their turn.
    for student in ["greedy", "s1", "s2", "s3", "s4", "s5"]:
        ask(student)
        clock.advance(0.01)
    for _ in range(400):
        for student, ticket in list(pending.items()):
            decision = governor.poll(ticket)
            if decision.status == "admitted":
                served.append(student)
                governor.settle(decision.call_id, prompt_tokens=3000)
                governor.finish(ticket)
                del pending[student]
                if student == "greedy" or len(served) < 12:
                    ask(student)
        clock.advance(1.0)
        if len(served) >= 12:
            break
    first_round = served[:6]
    assert sorted(first_round) == sorted(["greedy", "s1", "s2", "s3", "s4", "s5"])
    assert served[:12].count("greedy") == 2  # once per round, not every time budget frees up


def test_position_and_eta_grow_along_the_queue() -> None:
    clock = FakeClock()
    governor = make(clock)
    run_turn(governor, "x", 7000)
    tickets = [governor.enqueue(s, MODEL, 3000) for s in ("a", "b", "c")]
    decisions = [governor.poll(t) for t in tickets]
    assert [d.position for d in decisions] == [1, 2, 3]
    assert decisions[0].eta_s < decisions[1].eta_s < decisions[2].eta_s


def test_student_daily_share() -> None:
    clock = FakeClock()
    governor = make(clock, student_daily_tokens=5000)
    run_turn(governor, "a", 3000)
    run_turn(governor, "a", 3000)
    decision = governor.poll(governor.enqueue("a", MODEL, 3000))
    assert decision.status == "refused" and decision.reason == "student_day" and decision.daily
    assert 0 < decision.retry_in_s <= 86400
    clock.advance(60)
    assert governor.poll(governor.enqueue("b", MODEL, 3000)).status == "admitted"
    clock.advance(86400)  # a new day
    assert governor.poll(governor.enqueue("a", MODEL, 3000)).status == "admitted"


def test_default_share_is_twice_an_equal_split_of_40() -> None:
    assert default_student_share(FREE) == 10000


def test_too_large_and_stale_tickets() -> None:
    clock = FakeClock()
    governor = make(clock, stale_ticket_s=5)
    assert governor.poll(governor.enqueue("a", MODEL, 9000)).reason == "too_large"
    run_turn(governor, "x", 7000)
    abandoned = governor.enqueue("gone", MODEL, 3000)
    assert governor.poll(abandoned).status == "waiting"
    clock.advance(6)  # the page was closed: nobody polls
    waiting = governor.enqueue("b", MODEL, 3000)
    assert governor.poll(waiting).position == 1


def test_acquire_for_a_second_call_goes_first() -> None:
    clock = FakeClock()
    governor = make(clock)
    ticket = governor.enqueue("a", MODEL, 3000)
    first = governor.poll(ticket)
    queued = governor.enqueue("b", MODEL, 4000)
    assert governor.poll(queued).status == "admitted"
    governor.settle(first.call_id, prompt_tokens=1000)
    # 1,000 + 4,000 charged: 3,000 left, enough for a's second call though b's neighbours wait.
    waiting = governor.enqueue("c", MODEL, 3000)
    second = governor.acquire(ticket, MODEL, 3000)
    assert second.status == "admitted"
    assert governor.poll(waiting).status == "waiting"


def test_release_call_gives_tokens_back() -> None:
    clock = FakeClock()
    governor = make(clock)
    decision = governor.poll(governor.enqueue("a", MODEL, 3000))
    governor.release_call(decision.call_id)
    assert governor.snapshot(MODEL)["buckets"]["tpm"]["remaining"] == 8000
    assert governor.snapshot(MODEL)["buckets"]["rpm"]["remaining"] == 29


def test_listeners_get_events_and_cannot_break_it() -> None:
    clock = FakeClock()
    governor = make(clock)
    seen = []
    governor.listeners.append(lambda event: seen.append(event.kind))
    governor.listeners.append(lambda event: 1 / 0)
    run_turn(governor, "a", 100)
    governor.observe_rate_limited(MODEL, 2.0)
    assert seen == ["queued", "admitted", "settled", "rate_limited"]


def test_larger_tier_scales_the_limits_headers_do_not_carry() -> None:
    clock = FakeClock()
    governor = make(clock)
    governor.observe(MODEL, parse_headers({"x-ratelimit-limit-requests": "100000", "x-ratelimit-remaining-requests": "99999",
                                           "x-ratelimit-limit-tokens": "800000", "x-ratelimit-remaining-tokens": "799000"}))
    buckets = governor.snapshot(MODEL)["buckets"]
    assert buckets["rpm"]["limit"] == 3000 and buckets["tpd"]["limit"] == 20_000_000
    assert buckets["rpm"]["remaining"] == 3000


def test_anonymous_caller_has_no_daily_share() -> None:
    clock = FakeClock()
    governor = make(clock, student_daily_tokens=1000)
    for _ in range(3):
        run_turn(governor, "anonim", 2000)
    assert governor.poll(governor.enqueue("s1", MODEL, 100)).status == "admitted"
