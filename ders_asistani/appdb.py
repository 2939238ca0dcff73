"""The app's own records: student feedback and the questions the tutor could not answer.

One SQLAlchemy URL (`Settings.app_database_url`) decides where they live: a
SQLite file under STORAGE_DIR by default, or a shared server database so that
several app instances feed the same instructor view. Tables are created on
first use.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.schema import MetaData
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

RATING_UP = 1
RATING_DOWN = 0

KIND_UNANSWERED = "cevapsız"
KIND_DISLIKED = "beğenilmedi"


class _Base(DeclarativeBase):
    pass


class FeedbackRow(_Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One row per answer: changing the thumb or adding a comment updates it.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    thread_id: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500), index=True)
    answer: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class UnansweredRow(_Base):
    __tablename__ = "unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500), index=True)
    mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass
class KnowledgeGap:
    """Questions that are the same once normalized, merged for the instructor."""

    question: str  # the newest wording
    normalized: str
    count: int
    last_at: datetime
    kinds: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "count": self.count,
            "last_at": self.last_at.isoformat(),
            "kinds": list(self.kinds),
            "comments": list(self.comments),
        }


_TURKISH_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_question(text: str) -> str:
    """Key that groups the same question typed with different case or punctuation."""
    text = unicodedata.normalize("NFC", text).translate(_TURKISH_LOWER).lower()
    return _NON_WORD.sub(" ", text).strip()[:500]


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back as naive datetimes.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            # WAL lets several app processes read while one writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)



def open_engine(url: str) -> Engine:
    """The engine for an app database URL; a SQLite file's folder is created first."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return _make_engine(url)


class SchemaOnce:
    """Creates one module's tables on first use, once per process (call it before every query)."""

    def __init__(self, engine: Engine, metadata: MetaData) -> None:
        self.engine = engine
        self.metadata = metadata
        self._ready = False
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._ready

    def __call__(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            for attempt in range(3):
                try:
                    self.metadata.create_all(self.engine)
                    break
                except DBAPIError:
                    # Another process created the tables between our check and create:
                    # SQLite says "already exists", Postgres a unique violation on
                    # pg_type. The next create_all sees the tables and does nothing.
                    if attempt == 2:
                        raise
                    time.sleep(0.05 * (attempt + 1))
            self._ready = True

class AppDatabase:
    """Feedback and unanswered questions behind one SQLAlchemy URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        self._ensure_tables = SchemaOnce(self.engine, _Base.metadata)

    # --- writing -------------------------------------------------------------------
    def record_feedback(
        self,
        *,
        message_id: str,
        thread_id: str,
        question: str,
        answer: str,
        rating: int,
        comment: str | None = None,
        mode: str | None = None,
    ) -> None:
        """Store or update the thumb (1 up, 0 down) and optional comment of one answer."""
        if rating not in (RATING_UP, RATING_DOWN):
            raise ValueError("rating must be 0 or 1")
        self._ensure_tables()
        comment = (comment or "").strip() or None
        for _attempt in range(2):
            with Session(self.engine) as session:
                row = session.scalar(select(FeedbackRow).where(FeedbackRow.message_id == message_id))
                if row is None:
                    row = FeedbackRow(
                        message_id=message_id,
                        thread_id=thread_id,
                        question=question,
                        normalized=normalize_question(question),
                        answer=answer,
                        created_at=_now(),
                        rating=rating,
                    )
                    session.add(row)
                row.rating = rating
                if comment is not None:
                    row.comment = comment
                if mode:
                    row.mode = mode
                try:
                    session.commit()
                    return
                except IntegrityError:
                    # A parallel request inserted the same message first: update it instead.
                    session.rollback()
        raise RuntimeError("feedback could not be stored")

    def record_unanswered(
        self,
        question: str,
        *,
        mode: str | None = None,
        reason: str | None = None,
        thread_id: str | None = None,
    ) -> None:
        self._ensure_tables()
        with Session(self.engine) as session:
            session.add(
                UnansweredRow(
                    thread_id=thread_id,
                    question=question,
                    normalized=normalize_question(question),
                    mode=mode,
                    reason=reason,
                    created_at=_now(),
                )
            )
            session.commit()

    # --- reading -------------------------------------------------------------------
    def feedback_counts(self) -> dict[str, int]:
        self._ensure_tables()
        with Session(self.engine) as session:
            rows = session.execute(
                select(FeedbackRow.rating, func.count()).group_by(FeedbackRow.rating)
            ).all()
        counts = {"up": 0, "down": 0}
        for rating, count in rows:
            counts["up" if rating == RATING_UP else "down"] = count
        return counts

    def knowledge_gaps(self, limit: int = 200) -> list[KnowledgeGap]:
        """Unanswered and thumbs-down questions, grouped by normalized text, newest first."""
        self._ensure_tables()
        groups: dict[str, KnowledgeGap] = {}

        def merge(normalized: str, question: str, at: datetime, kind: str, comment: str | None) -> None:
            at = _as_utc(at)
            gap = groups.get(normalized)
            if gap is None:
                gap = groups[normalized] = KnowledgeGap(question, normalized, 0, at)
            gap.count += 1
            if at >= gap.last_at:
                gap.last_at, gap.question = at, question
            if kind not in gap.kinds:
                gap.kinds.append(kind)
            if comment:
                gap.comments.append(comment)

        with Session(self.engine) as session:
            unanswered = session.execute(
                select(UnansweredRow.normalized, UnansweredRow.question, UnansweredRow.created_at)
                .order_by(UnansweredRow.created_at.desc())
                .limit(limit * 20)
            ).all()
            disliked = session.execute(
                select(FeedbackRow.normalized, FeedbackRow.question, FeedbackRow.created_at, FeedbackRow.comment)
                .where(FeedbackRow.rating == RATING_DOWN)
                .order_by(FeedbackRow.created_at.desc())
                .limit(limit * 20)
            ).all()
        for normalized, question, at in unanswered:
            merge(normalized, question, at, KIND_UNANSWERED, None)
        for normalized, question, at, comment in disliked:
            merge(normalized, question, at, KIND_DISLIKED, comment)
        ordered = sorted(groups.values(), key=lambda gap: gap.last_at, reverse=True)
        return ordered[:limit]

    def dispose(self) -> None:
        self.engine.dispose()
