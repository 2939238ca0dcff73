"""Solved marks, disliked answers and CSV exports (ders_asistani.instructor_records), SQLite and Postgres."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text

from ders_asistani import instructor_records as records
from ders_asistani.appdb import RATING_DOWN, RATING_UP, AppDatabase, normalize_question


def _db(url: str) -> AppDatabase:
    db = AppDatabase(url)
    db.record_unanswered("Kuantum bilgisayar nedir?", mode="offline", reason="kapsam dışı")
    db.record_feedback(message_id="m1", thread_id="t1", question="LoRA rank nasıl seçilir?",
                       answer="Rank her zaman 64 olmalıdır.", rating=RATING_DOWN, comment="Yanlış, örnek yok")
    db.record_feedback(message_id="m2", thread_id="t1", question="SLM nedir?", answer="Küçük dil modeli.",
                       rating=RATING_UP)
    return db


def test_marks_persist_and_a_newer_report_reopens_the_question(app_database_url: str) -> None:
    db = _db(app_database_url)
    gaps = {g.question: g for g in db.knowledge_gaps()}
    quantum = gaps["Kuantum bilgisayar nedir?"]
    assert not records.is_resolved(quantum, records.resolved_marks(db))

    records.set_resolved(db, quantum.normalized, quantum.question, True)
    records.set_resolved(db, quantum.normalized, quantum.question, True)  # twice: still one row
    fresh = AppDatabase(app_database_url)  # another process / app instance sees the mark
    marks = records.resolved_marks(fresh)
    assert list(marks) == [normalize_question("Kuantum bilgisayar nedir?")]
    assert records.is_resolved(quantum, marks)
    assert [r["resolved"] for r in records.unanswered_records(fresh)] == [True]

    # Asked again after the mark: open again.
    later = datetime.now(UTC) + timedelta(seconds=5)
    records.set_resolved(db, quantum.normalized, quantum.question, True, now=later - timedelta(seconds=10))
    db.record_unanswered("kuantum bilgisayar NEDİR", mode="offline")
    regap = next(g for g in db.knowledge_gaps() if g.normalized == quantum.normalized)
    assert not records.is_resolved(regap, records.resolved_marks(db))

    records.set_resolved(db, quantum.normalized, quantum.question, False)
    assert records.resolved_marks(db) == {}


def test_the_new_table_is_added_to_an_existing_database(app_database_url: str) -> None:
    db = _db(app_database_url)  # the old tables, with rows, as an existing deployment has them
    assert "resolved_questions" not in inspect(db.engine).get_table_names()
    records._ready.discard(db.url)
    assert records.resolved_marks(db) == {}
    names = inspect(db.engine).get_table_names()
    assert {"feedback", "unanswered", "resolved_questions"} <= set(names)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 2  # untouched


def test_disliked_answers_are_kept_with_their_comment(app_database_url: str) -> None:
    db = _db(app_database_url)
    disliked = records.disliked_answers(db)
    assert list(disliked) == [normalize_question("LoRA rank nasıl seçilir?")]
    entry = disliked[normalize_question("LoRA rank nasıl seçilir?")][0]
    assert entry.answer == "Rank her zaman 64 olmalıdır." and entry.comment == "Yanlış, örnek yok"


def test_csv_has_a_bom_turkish_headers_and_letters(app_database_url: str) -> None:
    db = _db(app_database_url)
    data = records.csv_bytes(records.feedback_records(db), {"rating": "Değerlendirme", "question": "Soru",
                                                             "answer": "Cevap", "comment": "Yorum"})
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Değerlendirme", "Soru", "Cevap", "Yorum"]
    assert sorted(r[1] for r in rows[1:]) == ["LoRA rank nasıl seçilir?", "SLM nedir?"]
    assert ["beğenilmedi", "LoRA rank nasıl seçilir?", "Rank her zaman 64 olmalıdır.", "Yanlış, örnek yok"] in rows


def test_cli_export_gives_the_same_csv_as_the_page(app_database_url: str, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from ders_asistani.cli import app

    db = _db(app_database_url)
    monkeypatch.setenv("DATABASE_URL", app_database_url)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "geri.csv"
    result = CliRunner().invoke(app, ["export", "geri-bildirim", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == records.export_csv(db, "feedback", "Europe/Istanbul")
    text_out = out.read_bytes().decode("utf-8-sig")
    assert text_out.splitlines()[0] == "Zaman;Değerlendirme;Soru;Cevap;Yorum;Mod;Sohbet"
    unanswered = CliRunner().invoke(app, ["export", "cevapsiz"])
    assert unanswered.exit_code == 0 and "Kuantum bilgisayar nedir?;offline;kapsam dışı;hayır" in unanswered.stdout
    bad = CliRunner().invoke(app, ["export", "hepsi"])
    assert bad.exit_code == 2 and "Bilinmeyen liste" in bad.output
