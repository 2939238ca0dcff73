"""Usage ledger: storage on SQLite and Postgres, several writers, and sums after real turns on the Groq stub."""

from __future__ import annotations

import multiprocessing

import pytest
from groq_stub import CHARS_PER_TOKEN, GroqStub, estimate_prompt_tokens, rate_limited, text
from test_tutor_fakes import FakeRetriever, fake_vram_tool

from chains.answer_cache import AnswerCache, tutor_fingerprint
from chains.tutor import Tutor
from ders_asistani.answer_cache_store import AnswerCacheStore
from ders_asistani.usage_ledger import TurnRecorder, UsageLedger, student_hash, top_reasons

KEY = "gsk_LEDGERSECRET0123456789abcdef"


# `app_database_url` (conftest) runs every storage test on SQLite and on a real Postgres.
def test_turns_calls_reasons_and_students_add_up(app_database_url: str) -> None:
    ledger = UsageLedger(app_database_url)
    day = "2026-12-01"
    ledger.record_turn(day=day, key_kind="class", student_id="s1", answered_by="llm")
    ledger.record_turn(day=day, key_kind="class", student_id="s1", answered_by="cache")
    ledger.record_turn(day=day, key_kind="class", student_id="s2", answered_by="offline", offline_reason="rate_limit",
                       queue_wait_s=4.5)
    ledger.record_turn(day=day, key_kind="class", answered_by="offline", offline_reason="rate_limit", queue_wait_s=1.5)
    ledger.record_turn(day=day, key_kind="own", student_id="s3", answered_by="offline", offline_reason="auth")
    ledger.record_call(day=day, key_kind="class", prompt_tokens=2300, cached_tokens=1400, completion_tokens=300)
    ledger.record_call(day=day, key_kind="class", rate_limited=True)
    ledger.record_call(day=day, key_kind="own", prompt_tokens=1000, completion_tokens=100)
    ledger.record_queue_wait(2.0, day=day)

    klass = ledger.day(day, "class")
    assert (klass.turns, klass.llm_turns, klass.offline_turns, klass.cache_hits) == (4, 2, 2, 1)
    assert (klass.requests, klass.prompt_tokens, klass.cached_tokens, klass.completion_tokens) == (2, 2300, 1400, 300)
    assert klass.rate_limited == 1 and klass.limit_tokens == 900 + 300
    assert klass.queue_waits == 3 and klass.queue_wait_s == pytest.approx(8.0) and klass.queue_wait_max_s == 4.5
    assert klass.offline_reasons == {"rate_limit": 2}
    assert klass.students == 2 and klass.turns_per_student == [2, 1]

    both = ledger.day(day)
    assert both.turns == 5 and both.requests == 3 and both.prompt_tokens == 3300
    assert both.offline_reasons == {"rate_limit": 2, "auth": 1} and both.students == 3
    assert top_reasons([both]) == [("rate_limit", 2), ("auth", 1)]

    days = ledger.last_days(3, today="2026-12-02")
    assert [d.day for d in days] == ["2026-11-30", "2026-12-01", "2026-12-02"]
    assert [d.turns for d in days] == [0, 5, 0]
    assert ledger.day("2026-12-02").to_dict()["turns"] == 0

    # Student ids are stored hashed: nothing in the database opens a student's conversations.
    from sqlalchemy import text as sql

    with ledger.engine.connect() as conn:
        stored = {row[0] for row in conn.execute(sql("SELECT student FROM usage_students"))}
    assert stored == {student_hash("s1"), student_hash("s2"), student_hash("s3")} and "s1" not in stored
    with pytest.raises(ValueError):
        ledger.record_turn(key_kind="teacher")
    ledger.dispose()


def _writer(url: str, worker: int) -> None:
    ledger = UsageLedger(url)
    for i in range(15):
        ledger.record_turn(day="2026-12-01", key_kind="class", student_id=f"s{i % 3}", answered_by="llm")
        ledger.record_call(day="2026-12-01", key_kind="class", prompt_tokens=10, completion_tokens=1)
    ledger.dispose()


def test_two_processes_add_to_one_ledger(app_database_url: str) -> None:
    ledger = UsageLedger(app_database_url)
    ledger.day("2026-12-01")  # tables exist before the writers race
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(app_database_url, n)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    usage = ledger.day("2026-12-01")
    assert usage.turns == 30 and usage.requests == 30 and usage.prompt_tokens == 300 and usage.completion_tokens == 30
    assert usage.turns_per_student == [10, 10, 10]
    ledger.dispose()


def test_ledger_sums_after_turns_against_the_stub(settings_factory, tmp_path) -> None:
    """LLM turns, a cache hit, a 429 turn answered offline and an own-key turn, as the tutor records them."""
    ledger = UsageLedger(f"sqlite:///{tmp_path / 'db' / 'app.db'}")
    store = AnswerCacheStore(ledger.url)
    completions: list[str] = []

    def answer(content: str):
        completions.append(content)
        return text(content)

    with GroqStub() as stub:
        def make(key: str, kind: str) -> Tutor:
            settings = settings_factory(groq_api_key=key, groq_base_url=stub.base_url)
            tutor = Tutor(settings, FakeRetriever(), tools=[fake_vram_tool], sleep=lambda _s: None)
            tutor.answer_cache = AnswerCache(store, lambda: "g1", tutor_fingerprint(settings, tutor))
            tutor.usage_recorder = TurnRecorder(ledger, kind)
            return tutor

        klass, own = make(KEY, "class"), make("gsk_OWNSTUDENTKEY0123456789ab", "own")
        stub.enqueue(answer("LoRA küçük matrisleri eğitir [1]."), answer("QLoRA 4-bit yükler [1]."))
        answers = [klass.ask("LoRA nedir?", "t1", student_id="ali"),
                   klass.ask("Peki QLoRA?", "t1", student_id="ali"),  # a follow-up: never cached
                   klass.ask("lora nedir", "t2", student_id="ayse")]
        assert answers[-1].cached is True
        stub.enqueue(rate_limited(60))
        answers.append(klass.ask("Kuantizasyon nedir?", "t3", student_id="ayse"))
        assert answers[-1].mode == "offline"
        stub.enqueue(answer("Groq anahtarı ortam değişkeninde saklanır [3]."))
        answers.append(own.ask("Groq anahtarı nerede saklanır?", "t4", student_id="can"))
        requests = stub.chat_requests()

    day = ledger.day()
    klass_day, own_day = ledger.day(key_kind="class"), ledger.day(key_kind="own")
    assert (klass_day.turns, klass_day.llm_turns, klass_day.cache_hits, klass_day.offline_turns) == (4, 3, 1, 1)
    assert klass_day.offline_reasons == {"rate_limit": 1} and klass_day.rate_limited == 1
    assert klass_day.requests == 3 and own_day.requests == 1  # two answered calls and the 429 attempt
    assert own_day.turns == own_day.llm_turns == 1 and own_day.students == 1
    assert klass_day.turns_per_student == [2, 2]
    # Answered calls carry the provider's own numbers: the stub's prompt estimate and completion length.
    for answered, request in zip((answers[0], answers[1], answers[4]), (requests[0], requests[1], requests[3])):
        assert answered.usage["prompt_tokens"] == estimate_prompt_tokens(request.body)  # requests[2] was the 429
    assert day.prompt_tokens == sum(a.usage.get("prompt_tokens", 0) for a in answers)
    assert day.completion_tokens == sum(int(len(c) / CHARS_PER_TOKEN) + 1 for c in completions)
    assert day.requests == len(requests) == 4
    ledger.dispose()
    store.dispose()
