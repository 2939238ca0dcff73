"""What the instructor page reads and marks beyond `AppDatabase.knowledge_gaps()`.

- "Çözüldü" marks on knowledge gaps, kept in their own table `resolved_questions`
  (one row per normalized question). A new table is the safe migration: `create_all`
  adds it to an existing SQLite or Postgres database and touches nothing else. A mark
  counts only while no newer report of the same question exists, so a question asked
  again after it was marked comes back as open.
- The disliked answers themselves, next to their comments (feedback rows store them).
- Flat records of feedback and unanswered questions for the CSV export.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, Text, delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ders_asistani.appdb import RATING_DOWN, RATING_UP, AppDatabase, FeedbackRow, UnansweredRow


class _Base(DeclarativeBase):
    pass


class ResolvedQuestionRow(_Base):
    __tablename__ = "resolved_questions"

    normalized: Mapped[str] = mapped_column(String(500), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class DislikedAnswer:
    normalized: str
    question: str
    answer: str
    comment: str | None
    at: datetime


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_ready: set[str] = set()
_ready_lock = threading.Lock()


def _ensure(db: AppDatabase) -> None:
    db._ensure_tables()  # the feedback and unanswered tables
    if db.url in _ready:
        return
    with _ready_lock:
        if db.url in _ready:
            return
        for attempt in range(3):
            try:
                _Base.metadata.create_all(db.engine)
                break
            except DBAPIError:  # another process created it at the same moment
                if attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))
        _ready.add(db.url)


def resolved_marks(db: AppDatabase) -> dict[str, datetime]:
    """normalized question -> when it was marked solved."""
    _ensure(db)
    with Session(db.engine) as session:
        rows = session.execute(select(ResolvedQuestionRow.normalized, ResolvedQuestionRow.resolved_at)).all()
    return {normalized: _utc(at) for normalized, at in rows}


def set_resolved(db: AppDatabase, normalized: str, question: str, resolved: bool, *,
                 now: datetime | None = None) -> None:
    """Mark (or unmark) one knowledge gap as solved."""
    _ensure(db)
    at = now or datetime.now(UTC)
    for _attempt in range(2):
        with Session(db.engine) as session:
            if not resolved:
                session.execute(delete(ResolvedQuestionRow).where(ResolvedQuestionRow.normalized == normalized))
                session.commit()
                return
            row = session.get(ResolvedQuestionRow, normalized)
            if row is None:
                session.add(ResolvedQuestionRow(normalized=normalized, question=question, resolved_at=at))
            else:
                row.question, row.resolved_at = question, at
            try:
                session.commit()
                return
            except IntegrityError:  # marked in parallel: update that row instead
                session.rollback()


def is_resolved(gap: Any, marks: dict[str, datetime]) -> bool:
    """Solved while no report of the question is newer than the mark."""
    at = marks.get(gap.normalized)
    return at is not None and at >= _utc(gap.last_at)


def disliked_answers(db: AppDatabase, limit: int = 2000) -> dict[str, list[DislikedAnswer]]:
    """normalized question -> its thumbs-down answers, newest first."""
    _ensure(db)
    with Session(db.engine) as session:
        rows = session.execute(
            select(FeedbackRow.normalized, FeedbackRow.question, FeedbackRow.answer, FeedbackRow.comment,
                   FeedbackRow.created_at)
            .where(FeedbackRow.rating == RATING_DOWN)
            .order_by(FeedbackRow.created_at.desc())
            .limit(limit)
        ).all()
    grouped: dict[str, list[DislikedAnswer]] = {}
    for normalized, question, answer, comment, at in rows:
        grouped.setdefault(normalized, []).append(DislikedAnswer(normalized, question, answer, comment, _utc(at)))
    return grouped


def feedback_records(db: AppDatabase) -> list[dict[str, Any]]:
    """Every feedback row, newest first, for the export."""
    _ensure(db)
    with Session(db.engine) as session:
        rows = session.scalars(select(FeedbackRow).order_by(FeedbackRow.created_at.desc())).all()
        return [
            {"at": _utc(r.created_at), "rating": "beğenildi" if r.rating == RATING_UP else "beğenilmedi",
             "question": r.question, "answer": r.answer, "comment": r.comment or "", "mode": r.mode or "",
             "thread_id": r.thread_id}
            for r in rows
        ]


def unanswered_records(db: AppDatabase) -> list[dict[str, Any]]:
    """Every unanswered question, newest first, with its solved mark, for the export."""
    _ensure(db)
    marks = resolved_marks(db)
    with Session(db.engine) as session:
        rows = session.scalars(select(UnansweredRow).order_by(UnansweredRow.created_at.desc())).all()
        return [
            {"at": _utc(r.created_at), "question": r.question, "mode": r.mode or "", "reason": r.reason or "",
             "resolved": marks.get(r.normalized) is not None and marks[r.normalized] >= _utc(r.created_at)}
            for r in rows
        ]


def csv_bytes(rows: list[dict[str, Any]], columns: dict[str, str]) -> bytes:
    """CSV with Turkish headers (`columns`: key -> header), UTF-8 with BOM so Excel reads ç, ğ, ı, ş."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")  # ';': Excel's separator in Turkish locale
    writer.writerow(columns.values())
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key in columns])
    return out.getvalue().encode("utf-8-sig")


FEEDBACK_COLUMNS = {"at": "Zaman", "rating": "Değerlendirme", "question": "Soru", "answer": "Cevap",
                    "comment": "Yorum", "mode": "Mod", "thread_id": "Sohbet"}
UNANSWERED_COLUMNS = {"at": "Zaman", "question": "Soru", "mode": "Mod", "reason": "Neden", "resolved": "Çözüldü"}


def local_time(value: datetime | str | None, timezone: str = "Europe/Istanbul") -> str:
    """A stored UTC time as the instructor's clock reads it: '03.12.2026 09:15'."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return _utc(value).astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def export_csv(db: AppDatabase, kind: str, timezone: str) -> bytes:
    """The instructor's download: kind "feedback" or "unanswered", times in `timezone`."""
    rows = feedback_records(db) if kind == "feedback" else unanswered_records(db)
    columns = FEEDBACK_COLUMNS if kind == "feedback" else UNANSWERED_COLUMNS
    shown = []
    for row in rows:
        row = dict(row, at=local_time(row["at"], timezone))
        if isinstance(row.get("resolved"), bool):
            row["resolved"] = "evet" if row["resolved"] else "hayır"
        shown.append(row)
    return csv_bytes(shown, columns)
