"""Saved chat conversations: what a reload (same `?sid=&cid=` URL) brings back.

One row per conversation in the app database (`Settings.app_database_url`, the
same SQLAlchemy URL and engine helper as `ders_asistani.appdb`, so SQLite and
Postgres both work). A conversation belongs to one anonymous student id; every
read and write names both ids, so a conversation id that belongs to another
student is never opened, renamed, overwritten or deleted.

Stored per conversation: title (the first question, renamable), created and
updated times, the messages as the chat page keeps them (role, text, sources,
tool calls, notices, feedback, who answered) and the tutor's memory of the
thread (`Tutor.export_history`), so the next question is a real follow-up.
Old conversations are removed after `CONVERSATION_RETENTION_DAYS`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import DateTime, String, Text, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ders_asistani.appdb import SchemaOnce, _as_utc, open_engine

log = logging.getLogger(__name__)

TITLE_MAX_CHARS = 80
PURGE_EVERY_S = 3600.0  # retention clean-up at most once an hour per process
UNTITLED = "Yeni sohbet"


class _Base(DeclarativeBase):
    pass


class ConversationRow(_Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    student_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    messages: Mapped[str] = mapped_column(Text)  # JSON list of message dicts
    memory: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON {"turns": [...], "hardware": {...}}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass
class ConversationSummary:
    id: str
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Conversation:
    id: str
    student_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)  # Turn fields: question, answer, tool_note
    hardware: dict[str, Any] | None = None


class ConversationOwnedByOther(PermissionError):
    """The conversation id exists but belongs to another student id."""


def title_from(question: str) -> str:
    """A one-line title from the first question."""
    line = " ".join((question or "").split())
    if not line:
        return UNTITLED
    if len(line) > TITLE_MAX_CHARS:
        line = line[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return line


def _now() -> datetime:
    return datetime.now(UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def turn_dicts(turns: Sequence[Any]) -> list[dict[str, Any]]:
    """`chains.context.Turn` objects (or dicts) as plain dicts for storage."""
    rows = []
    for turn in turns:
        if dataclasses.is_dataclass(turn) and not isinstance(turn, type):
            rows.append(dataclasses.asdict(turn))
        elif isinstance(turn, dict):
            rows.append(dict(turn))
    return rows


class ConversationStore:
    """Conversations behind the app database's SQLAlchemy engine."""

    def __init__(self, engine: Engine | str, retention_days: float = 0.0) -> None:
        self.engine = open_engine(engine) if isinstance(engine, str) else engine
        self.retention_days = retention_days
        self._schema = SchemaOnce(self.engine, _Base.metadata)
        self._last_purge = 0.0

    def _ensure_tables(self) -> None:
        first_use = not self._schema.ready
        self._schema()
        if first_use:
            self.purge_if_due()

    # --- reading -------------------------------------------------------------------
    def owner(self, conversation_id: str) -> str | None:
        self._ensure_tables()
        with Session(self.engine) as session:
            return session.scalar(select(ConversationRow.student_id).where(ConversationRow.id == conversation_id))

    def get(self, conversation_id: str, student_id: str) -> Conversation | None:
        """The conversation if it exists and belongs to `student_id`, else None."""
        self._ensure_tables()
        with Session(self.engine) as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None or row.student_id != student_id:
                return None
            memory = json.loads(row.memory) if row.memory else {}
            return Conversation(
                id=row.id,
                student_id=row.student_id,
                title=row.title,
                created_at=_as_utc(row.created_at),
                updated_at=_as_utc(row.updated_at),
                messages=json.loads(row.messages or "[]"),
                turns=list(memory.get("turns") or []),
                hardware=memory.get("hardware"),
            )

    def list_for(self, student_id: str, limit: int = 50) -> list[ConversationSummary]:
        """This student's conversations, most recently updated first."""
        self._ensure_tables()
        with Session(self.engine) as session:
            rows = session.execute(
                select(ConversationRow.id, ConversationRow.title, ConversationRow.created_at, ConversationRow.updated_at)
                .where(ConversationRow.student_id == student_id)
                .order_by(ConversationRow.updated_at.desc(), ConversationRow.created_at.desc())
                .limit(limit)
            ).all()
        return [ConversationSummary(cid, title, _as_utc(created), _as_utc(updated)) for cid, title, created, updated in rows]

    # --- writing -------------------------------------------------------------------
    def save(
        self,
        conversation_id: str,
        student_id: str,
        messages: Sequence[dict[str, Any]],
        turns: Sequence[Any] | None = None,
        hardware: dict[str, Any] | None = None,
    ) -> None:
        """Create or update a conversation; the title comes from the first question on creation.

        Raises `ConversationOwnedByOther` when the id belongs to another student.
        `turns=None` keeps the stored tutor memory as it is.
        """
        self._ensure_tables()
        first_question = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
        body = _dumps(list(messages))
        memory = None if turns is None else _dumps({"turns": turn_dicts(turns), "hardware": hardware})
        for _attempt in range(2):
            with Session(self.engine) as session:
                row = session.get(ConversationRow, conversation_id)
                now = _now()
                if row is None:
                    row = ConversationRow(
                        id=conversation_id,
                        student_id=student_id,
                        title=title_from(first_question),
                        messages=body,
                        memory=memory,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(row)
                else:
                    if row.student_id != student_id:
                        raise ConversationOwnedByOther(conversation_id)
                    if row.title == UNTITLED and first_question:
                        row.title = title_from(first_question)
                    row.messages = body
                    if memory is not None:
                        row.memory = memory
                    row.updated_at = now
                try:
                    session.commit()
                    break
                except IntegrityError:  # created in parallel: update it on the next pass
                    session.rollback()
        self.purge_if_due()

    def rename(self, conversation_id: str, student_id: str, title: str) -> bool:
        title = " ".join((title or "").split())[:TITLE_MAX_CHARS]
        if not title:
            return False
        self._ensure_tables()
        with Session(self.engine) as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None or row.student_id != student_id:
                return False
            row.title = title
            session.commit()
            return True

    def delete(self, conversation_id: str, student_id: str) -> bool:
        """Really delete it (row and contents); only the owner can."""
        self._ensure_tables()
        with Session(self.engine) as session:
            result = session.execute(
                delete(ConversationRow).where(
                    ConversationRow.id == conversation_id, ConversationRow.student_id == student_id
                )
            )
            session.commit()
            return bool(result.rowcount)

    def purge_older_than(self, days: float, now: datetime | None = None) -> int:
        """Delete conversations not updated for `days` days; returns how many."""
        if days <= 0:
            return 0
        self._ensure_tables()
        cutoff = (now or _now()) - timedelta(days=days)
        with Session(self.engine) as session:
            result = session.execute(delete(ConversationRow).where(ConversationRow.updated_at < cutoff))
            session.commit()
            return int(result.rowcount or 0)

    def purge_if_due(self) -> None:
        """The retention clean-up: on first use and then at most once per `PURGE_EVERY_S`."""
        if self.retention_days <= 0:
            return
        clock = time.monotonic()
        if self._last_purge and clock - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = clock
        try:
            removed = self.purge_older_than(self.retention_days)
            if removed:
                log.info("removed %d conversations older than %s days", removed, self.retention_days)
        except DBAPIError:
            log.exception("conversation retention clean-up failed")

    def dispose(self) -> None:
        self.engine.dispose()
