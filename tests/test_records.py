"""The index bookkeeping backends (vectorstore/records.py): documents table and ingest lock.

The documents table runs on SQLite (one machine: STORAGE_DIR/records.db) and on
a real Postgres (replicas); the ingest lock is a file lock on one machine and a
Postgres advisory lock across replicas, freed when its holder is killed with -9.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ders_asistani.settings import Settings
from vectorstore.records import DocumentRow, DocumentTable, IngestBusyError, ingest_lock

REPO_ROOT = Path(__file__).resolve().parent.parent


def _row(source: str, file_hash: str, chunks: int, repairs: list[str] | None = None) -> DocumentRow:
    return DocumentRow(source, file_hash, 10 * chunks, chunks, "2026-01-01T00:00:00+00:00", repairs or [], ["uyarı ç"])


def test_documents_table_on_sqlite_and_postgres(app_database_url: str) -> None:
    if app_database_url.startswith("sqlite:///"):
        Path(app_database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    table = DocumentTable(app_database_url, "ders-a")
    other = DocumentTable(app_database_url, "ders-b")  # another embedding model's collection
    table.upsert_many([_row("a.md", "h1", 2, ["onarım ğ"]), _row("b.md", "h2", 3)])
    other.upsert_many([_row("a.md", "x", 9)])
    table.upsert_many([_row("a.md", "h1-yeni", 4)])  # a changed file replaces its row
    rows = table.rows()
    assert list(rows) == ["a.md", "b.md"]
    assert (rows["a.md"].file_hash, rows["a.md"].chunks, rows["a.md"].repairs) == ("h1-yeni", 4, [])
    assert rows["b.md"].warnings == ["uyarı ç"]
    # A second handle (another process, another replica) sees the same rows.
    assert DocumentTable(app_database_url, "ders-a").rows() == rows
    table.delete("a.md")
    assert list(table.rows()) == ["b.md"]
    table.clear()
    assert table.rows() == {}
    assert other.rows()["a.md"].chunks == 9


def test_record_manager_url_is_shared_only_for_a_shared_index(tmp_path: Path) -> None:
    url = "postgresql+psycopg://ders@db/ders"
    local = Settings(storage_dir=tmp_path)
    assert local.record_manager_url == f"sqlite:///{(tmp_path / 'records.db').resolve()}"
    # A database for feedback but an embedded index: the bookkeeping stays with the index.
    assert Settings(storage_dir=tmp_path, database_url=url).record_manager_url == local.record_manager_url
    assert Settings(storage_dir=tmp_path, chroma_host="chroma").record_manager_url == local.record_manager_url
    assert Settings(storage_dir=tmp_path, chroma_host="chroma", database_url=url).record_manager_url == url


_HOLDER = """
import sys, time
from ders_asistani.settings import Settings
from vectorstore.records import ingest_lock
settings = Settings(storage_dir=sys.argv[1], chroma_host="127.0.0.1", database_url=sys.argv[2])
with ingest_lock(settings, timeout=30):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_replica_killed_while_ingesting_frees_the_shared_lock(tmp_path: Path, postgres_url: str) -> None:
    from postgres_support import fresh_database

    database_url = fresh_database(postgres_url)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path / "a"), database_url],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held"
        # Another replica (own STORAGE_DIR: no file lock in common) is refused in Turkish.
        other = Settings(storage_dir=tmp_path / "b", chroma_host="127.0.0.1", database_url=database_url)
        with pytest.raises(IngestBusyError, match="Başka bir indeksleme şu anda sürüyor"):
            with ingest_lock(other, timeout=0.5):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
        # Postgres ends the dead session and its lock with it: the next ingest goes ahead.
        with ingest_lock(other, timeout=60):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_one_machine_keeps_the_file_lock(tmp_path: Path) -> None:
    settings = Settings(storage_dir=tmp_path / "storage")
    with ingest_lock(settings, timeout=1):
        assert settings.ingest_lock_path.exists()
        with pytest.raises(IngestBusyError):
            with ingest_lock(settings, timeout=0.2):
                pass
