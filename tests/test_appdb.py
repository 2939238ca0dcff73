"""Feedback and unanswered questions: storage, grouping, several writers."""

from __future__ import annotations

import multiprocessing
import time

from ders_asistani.appdb import (
    KIND_DISLIKED,
    KIND_UNANSWERED,
    RATING_DOWN,
    RATING_UP,
    AppDatabase,
    normalize_question,
)


# `app_database_url` (conftest) runs every storage test on SQLite and on a real Postgres.


def test_normalize_question_uses_turkish_case_rules() -> None:
    assert normalize_question("  IŞIK nedir?? ") == normalize_question("ışık NEDİR")
    assert normalize_question("İstanbul") == "istanbul"


def test_feedback_is_one_row_per_answer_and_updates(app_database_url: str) -> None:
    db = AppDatabase(app_database_url)
    kwargs = dict(message_id="m1", thread_id="t1", question="LoRA nedir?", answer="...")
    db.record_feedback(**kwargs, rating=RATING_UP)
    db.record_feedback(**kwargs, rating=RATING_DOWN, comment="Eksik anlatılmış")
    assert db.feedback_counts() == {"up": 0, "down": 1}
    gaps = db.knowledge_gaps()
    assert [g.question for g in gaps] == ["LoRA nedir?"]
    assert gaps[0].kinds == [KIND_DISLIKED] and gaps[0].comments == ["Eksik anlatılmış"]


def test_knowledge_gaps_group_and_sort_newest_first(app_database_url: str) -> None:
    db = AppDatabase(app_database_url)
    db.record_unanswered("Kuantum bilgisayar nedir?", mode="offline")
    time.sleep(0.01)
    db.record_unanswered("Futbol maçı kaç kaç bitti?", mode="groq")
    time.sleep(0.01)
    db.record_unanswered("kuantum BİLGİSAYAR nedir", mode="offline")
    time.sleep(0.01)
    db.record_feedback(message_id="m9", thread_id="t", question="Futbol maçı kaç kaç bitti",
                       answer="?", rating=RATING_DOWN)
    db.record_feedback(message_id="m10", thread_id="t", question="İyi soru", answer="!", rating=RATING_UP)
    gaps = db.knowledge_gaps()
    assert [g.count for g in gaps] == [2, 2]
    assert gaps[0].question == "Futbol maçı kaç kaç bitti"
    assert set(gaps[0].kinds) == {KIND_UNANSWERED, KIND_DISLIKED}
    assert gaps[1].question == "kuantum BİLGİSAYAR nedir"  # newest wording wins
    assert gaps[0].last_at > gaps[1].last_at
    assert all(g.normalized != normalize_question("İyi soru") for g in gaps)


def _writer(url: str, worker: int) -> None:
    db = AppDatabase(url)
    for i in range(20):
        db.record_unanswered(f"soru {worker}-{i}", mode="offline")
        db.record_feedback(message_id=f"{worker}-{i}", thread_id=str(worker), question="q",
                           answer="a", rating=RATING_DOWN)


def test_several_processes_write_the_same_database(app_database_url: str) -> None:
    url = app_database_url
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, n)) for n in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    db = AppDatabase(url)
    gaps = {g.normalized: g for g in db.knowledge_gaps(limit=1000)}
    assert len(gaps) == 61  # 60 distinct unanswered + "q"
    assert gaps["q"].count == 60


def _first_use(url: str, barrier) -> None:
    db = AppDatabase(url)
    db.engine.connect().close()  # connect first so the barrier lines up the CREATE TABLEs
    barrier.wait(30)
    db.record_unanswered("aynı anda ilk kullanım", mode="offline")


def test_first_use_from_several_processes_creates_tables_once(app_database_url: str) -> None:
    # Several replicas start together against an empty database: all create tables at once.
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_first_use, args=(app_database_url, barrier)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    gaps = AppDatabase(app_database_url).knowledge_gaps()
    assert [g.count for g in gaps] == [4]
