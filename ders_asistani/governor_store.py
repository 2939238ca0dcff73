"""The governor's state in the app database, so every app process shares one budget.

One row per key (`governor_state`: key id = a salted hash, never the key; the
state as JSON). Each governor step is one short transaction that holds the
row's write lock: `BEGIN IMMEDIATE` on SQLite (the whole file; other processes
wait up to the busy timeout), `SELECT ... FOR UPDATE` on Postgres and others.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import Float, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class _Base(DeclarativeBase):
    pass


class GovernorStateRow(_Base):
    __tablename__ = "governor_state"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float)


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        # SQLAlchemy's recipe: let us emit BEGIN ourselves (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # pragma: no cover - trivial
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock before the read

    return engine


class SqlGovernorBackend:
    """`chains.governor.StateBackend` on a SQLAlchemy URL (Settings.app_database_url)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self._sqlite = url.startswith("sqlite")
        self._ready = False
        self._lock = threading.Lock()
        self._known: set[str] = set()

    def _ensure(self, key: str) -> None:
        with self._lock:
            if not self._ready:
                for attempt in range(3):
                    try:
                        _Base.metadata.create_all(self.engine)
                        break
                    except DBAPIError:  # another process created it at the same moment
                        if attempt == 2:
                            raise
                        time.sleep(0.05 * (attempt + 1))
                self._ready = True
            if key in self._known:
                return
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(GovernorStateRow, key) is None:
                    session.add(GovernorStateRow(key_id=key, state="{}", updated_at=time.time()))
        except IntegrityError:
            pass  # another process inserted the row first
        with self._lock:
            self._known.add(key)

    @contextmanager
    def transaction(self, key: str) -> Iterator[dict[str, Any]]:
        self._ensure(key)
        with Session(self.engine) as session, session.begin():
            query = select(GovernorStateRow).where(GovernorStateRow.key_id == key)
            if not self._sqlite:
                query = query.with_for_update()
            row = session.scalars(query).one()
            state = json.loads(row.state or "{}")
            yield state
            row.state = json.dumps(state, separators=(",", ":"))
            row.updated_at = time.time()

    def dispose(self) -> None:
        self.engine.dispose()


_shared: dict[str, SqlGovernorBackend] = {}
_shared_lock = threading.Lock()


def shared_backend(url: str) -> SqlGovernorBackend:
    """One backend (one engine) per database URL and process."""
    with _shared_lock:
        backend = _shared.get(url)
        if backend is None:
            backend = _shared[url] = SqlGovernorBackend(url)
        return backend
