"""Storage of the answer cache in the app database (same SQLAlchemy URL as `appdb`).

One row per cache key (a hash of the normalized question, the course index
generation, provider, model and answer-affecting settings; see
`chains.answer_cache`). Rows of an older index generation are never matched
(the generation is part of the key) and are deleted by `prune`. Works on SQLite
and Postgres; several app processes share the rows.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ders_asistani.appdb import SchemaOnce, _as_utc, open_engine


class _Base(DeclarativeBase):
    pass


class CachedAnswerRow(_Base):
    __tablename__ = "answer_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[str] = mapped_column(String(64), index=True)
    normalized: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_hit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def _now() -> datetime:
    return datetime.now(UTC)


class AnswerCacheStore:
    """Key -> JSON payload, with the generation kept for pruning."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        self._ensure_tables = SchemaOnce(self.engine, _Base.metadata)

    def get(self, key: str, *, not_before: datetime | None = None) -> dict[str, Any] | None:
        """The payload stored under `key` (counting the hit), or None (missing or older than `not_before`)."""
        self._ensure_tables()
        with Session(self.engine) as session:
            row = session.get(CachedAnswerRow, key)
            if row is None:
                return None
            if not_before is not None and _as_utc(row.created_at) < not_before:
                return None
            try:
                payload = json.loads(row.payload)
            except ValueError:
                return None
            session.execute(
                update(CachedAnswerRow)
                .where(CachedAnswerRow.key == key)
                .values(hits=CachedAnswerRow.hits + 1, last_hit_at=_now())
            )
            session.commit()
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, *, generation: str, normalized: str, payload: dict[str, Any]) -> None:
        """Store or replace the payload under `key`."""
        self._ensure_tables()
        text = json.dumps(payload, ensure_ascii=False)
        for _attempt in range(2):
            with Session(self.engine) as session:
                row = session.get(CachedAnswerRow, key)
                if row is None:
                    session.add(CachedAnswerRow(key=key, generation=generation, normalized=normalized[:500],
                                                payload=text, hits=0, created_at=_now()))
                else:
                    row.payload, row.generation, row.created_at = text, generation, _now()
                try:
                    session.commit()
                    return
                except IntegrityError:  # a parallel turn stored the same key first
                    session.rollback()

    def prune(self, current_generation: str, *, older_than: datetime | None = None) -> int:
        """Delete rows of other index generations (and, given `older_than`, expired ones)."""
        self._ensure_tables()
        condition = CachedAnswerRow.generation != current_generation
        if older_than is not None:
            condition = or_(condition, CachedAnswerRow.created_at < older_than)
        with Session(self.engine) as session:
            result = session.execute(delete(CachedAnswerRow).where(condition))
            session.commit()
            return int(result.rowcount or 0)

    def stats(self) -> dict[str, int]:
        """Rows and total hits (for the instructor's usage view)."""
        self._ensure_tables()
        with Session(self.engine) as session:
            rows, hits = session.execute(
                select(func.count(), func.coalesce(func.sum(CachedAnswerRow.hits), 0))
            ).one()
        return {"entries": int(rows), "hits": int(hits)}

    def dispose(self) -> None:
        self.engine.dispose()


_stores: dict[str, AnswerCacheStore] = {}
_stores_lock = threading.Lock()


def store_for(url: str) -> AnswerCacheStore:
    """One store (one connection pool) per database URL and process."""
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = AnswerCacheStore(url)
        return store
