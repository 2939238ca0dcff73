"""Where the index bookkeeping lives: the documents table and the ingest lock.

`Settings.record_manager_url` names one SQLAlchemy database for LangChain's
record manager and the `indexed_documents` table (what `documents --json`
and the Bilgi Tabanı page list). On one machine it is `STORAGE_DIR/records.db`
(SQLite); when the index is shared (CHROMA_HOST and DATABASE_URL set) it is
the shared database, so every replica lists, and skips, what any replica
indexed.

The ingest lock serializes ingests: a thread lock for this process, then a
file lock under STORAGE_DIR (one machine) or, on a shared Postgres, a session
advisory lock (`pg_advisory_lock`) that Postgres releases by itself when the
holder's connection ends, e.g. a replica killed with -9.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from vectorstore.types import DocumentInfo

if TYPE_CHECKING:
    from ders_asistani.settings import Settings

INGEST_LOCK_TIMEOUT_S = 60.0
BUSY_MESSAGE = (
    "Başka bir indeksleme şu anda sürüyor (uygulama ya da başka bir komut). "
    "O bitince tekrar deneyin."
)


class IngestBusyError(RuntimeError):
    """Another ingest holds the lock (message is Turkish)."""


# --- engines ---------------------------------------------------------------------------
_engines: dict[str, Engine] = {}
_engines_guard = threading.Lock()


def records_engine(url: str) -> Engine:
    """The engine for a records URL.

    SQLite: no pool, one connection per operation (as sqlite3.connect was), so
    no file stays open after a test's folder is gone. Server databases: one
    pooled engine per URL for the life of the process.
    """
    if url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    with _engines_guard:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_engine(url, pool_pre_ping=True)
        return engine


def _retry_ddl(engine: Engine, statement: str) -> None:
    """CREATE ... IF NOT EXISTS, tolerating another process creating it at the same moment
    (Postgres then reports a unique violation on pg_type)."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                conn.execute(text(statement))
            return
        except DBAPIError:
            if attempt == 2:
                raise
            time.sleep(0.05 * (attempt + 1))


# --- the documents table (what `documents --json` shows) ------------------------------
_SCHEMA = """
CREATE TABLE IF NOT EXISTS indexed_documents (
    collection TEXT NOT NULL,
    source TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL,
    repairs TEXT NOT NULL,
    warnings TEXT NOT NULL,
    PRIMARY KEY (collection, source)
)
"""
# ON CONFLICT ... DO UPDATE: the same statement on SQLite (>= 3.24) and Postgres.
_UPSERT = text(
    "INSERT INTO indexed_documents "
    "(collection, source, file_hash, bytes, chunks, indexed_at, repairs, warnings) "
    "VALUES (:collection, :source, :file_hash, :bytes, :chunks, :indexed_at, :repairs, :warnings) "
    "ON CONFLICT (collection, source) DO UPDATE SET "
    "file_hash = excluded.file_hash, bytes = excluded.bytes, chunks = excluded.chunks, "
    "indexed_at = excluded.indexed_at, repairs = excluded.repairs, warnings = excluded.warnings"
)


@dataclass
class DocumentRow:
    source: str
    file_hash: str
    bytes: int
    chunks: int
    indexed_at: str
    repairs: list[str]
    warnings: list[str]

    def info(self) -> DocumentInfo:
        return DocumentInfo(
            source=self.source,
            chunks=self.chunks,
            bytes=self.bytes,
            indexed_at=self.indexed_at,
            repairs=list(self.repairs),
            warnings=list(self.warnings),
        )


class DocumentTable:
    """Per-file index state in the records database (one row a file and collection)."""

    def __init__(self, url: str | Path, collection: str) -> None:
        # A path is the one-machine records.db (older callers passed the file).
        self.url = url if isinstance(url, str) else f"sqlite:///{Path(url).resolve()}"
        self.collection = collection
        self.engine = records_engine(self.url)
        _retry_ddl(self.engine, _SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def rows(self) -> dict[str, DocumentRow]:
        with self._connect() as conn:
            result = conn.execute(
                text(
                    "SELECT source, file_hash, bytes, chunks, indexed_at, repairs, warnings "
                    "FROM indexed_documents WHERE collection = :collection ORDER BY source"
                ),
                {"collection": self.collection},
            )
            return {
                row[0]: DocumentRow(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), json.loads(row[6]))
                for row in result.fetchall()
            }

    def upsert_many(self, rows: list[DocumentRow]) -> None:
        if not rows:
            return
        with self._connect() as conn:
            conn.execute(
                _UPSERT,
                [
                    {
                        "collection": self.collection,
                        "source": row.source,
                        "file_hash": row.file_hash,
                        "bytes": row.bytes,
                        "chunks": row.chunks,
                        "indexed_at": row.indexed_at,
                        "repairs": json.dumps(row.repairs, ensure_ascii=False),
                        "warnings": json.dumps(row.warnings, ensure_ascii=False),
                    }
                    for row in rows
                ],
            )

    def delete(self, source: str) -> None:
        with self._connect() as conn:
            conn.execute(
                text("DELETE FROM indexed_documents WHERE collection = :collection AND source = :source"),
                {"collection": self.collection, "source": source},
            )

    def clear(self) -> None:
        with self._connect() as conn:
            conn.execute(
                text("DELETE FROM indexed_documents WHERE collection = :collection"), {"collection": self.collection}
            )


def record_sources(engine: Engine, namespace: str) -> set[str]:
    """Sources the record manager holds chunks of (may include files the table lost)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT DISTINCT group_id FROM upsertion_record WHERE namespace = :namespace"),
            {"namespace": namespace},
        ).fetchall()
    return {row[0] for row in rows if row[0]}


# --- the ingest lock -----------------------------------------------------------------
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(key: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


INGEST_ADVISORY_KEY = advisory_key("ders-asistani/ingest")


def _shared_postgres_url(settings: "Settings") -> str | None:
    url = settings.record_manager_url
    return url if url.startswith("postgresql") else None


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    lock = FileLock(str(path), thread_local=False)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise IngestBusyError(BUSY_MESSAGE) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory_lock(url: str, timeout: float) -> Iterator[None]:
    """Postgres session advisory lock, waited for at most `timeout` seconds.

    Its own connection (not pooled) holds the lock for the whole ingest; if the
    process dies the connection closes and Postgres frees the lock.
    """
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT set_config('lock_timeout', :ms, false)"),
                         {"ms": f"{max(int(timeout * 1000), 1)}ms"})
            conn.commit()
            try:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": INGEST_ADVISORY_KEY})
                conn.commit()
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                    raise IngestBusyError(BUSY_MESSAGE) from exc
                raise
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": INGEST_ADVISORY_KEY})
                    conn.commit()
                except DBAPIError:  # the connection is gone: so is the lock
                    pass
    finally:
        engine.dispose()


@contextmanager
def ingest_lock(settings: "Settings", timeout: float = INGEST_LOCK_TIMEOUT_S) -> Iterator[None]:
    """One ingest at a time: threads in this process, and other processes (on this
    machine through a file lock, across replicas through the shared Postgres)."""
    settings.ensure_storage()
    shared = _shared_postgres_url(settings)
    key = shared or str(settings.ingest_lock_path.resolve())
    local = _thread_lock(key)
    if not local.acquire(timeout=timeout):
        raise IngestBusyError(BUSY_MESSAGE)
    try:
        if shared:
            with _advisory_lock(shared, timeout):
                yield
        else:
            with _file_lock(settings.ingest_lock_path, timeout):
                yield
    finally:
        local.release()
