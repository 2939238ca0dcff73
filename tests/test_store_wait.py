"""CLI commands next to a busy store, a full disk and an unwritable STORAGE_DIR.

Read-only commands wait (bounded by STORE_WAIT_S) for a store another process
holds; every failure is a Turkish message, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from vectorstore.store import OWNER_LOCK_NAME

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = str(REPO_ROOT / ".venv" / "bin" / "ders-asistani")


def cli(args: list[str], knowledge: Path, storage: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "KNOWLEDGE_", "STORAGE_", "GROQ_"))}
    env.update(KNOWLEDGE_DIR=str(knowledge), STORAGE_DIR=str(storage), HF_HUB_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", LLM_PROVIDER="offline", **extra)
    return subprocess.run([CLI, *args], env=env, cwd=knowledge.parent, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("busy")
    knowledge = root / "knowledge"
    knowledge.mkdir()
    shutil.copy(REPO_ROOT / "knowledge" / "slm-sunumu.txt", knowledge)
    storage = root / "storage"
    result = cli(["ingest", "--json"], knowledge, storage)
    assert result.returncode == 0, result.stderr
    return knowledge, storage


def test_search_waits_for_a_busy_store_then_succeeds(built) -> None:
    knowledge, storage = built
    lock = FileLock(str(storage / OWNER_LOCK_NAME), thread_local=False)
    lock.acquire()
    releaser = threading.Timer(4.0, lock.release)  # the "app" lets go after a while
    releaser.start()
    try:
        result = cli(["search", "küçük dil modeli", "--json"], knowledge, storage, STORE_WAIT_S="40")
    finally:
        releaser.join()
    assert result.returncode == 0, result.stderr
    assert "bekleniyor" in result.stderr
    assert '"results"' in result.stdout


@pytest.mark.parametrize("command", [["search", "GPU", "--json"], ["ask", "GPU nedir?", "--offline", "--json"]])
def test_busy_store_gives_up_after_store_wait_s_with_turkish_message(built, command: list[str]) -> None:
    knowledge, storage = built
    lock = FileLock(str(storage / OWNER_LOCK_NAME), thread_local=False)
    with lock:
        started = time.monotonic()
        result = cli(command, knowledge, storage, STORE_WAIT_S="1")
        elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "StoreBusyError" not in result.stderr
    assert "bekleniyor" in result.stderr and "başka bir süreç tarafından kullanılıyor" in result.stderr
    assert "STORE_WAIT_S" in result.stderr
    assert elapsed < 60


@pytest.mark.parametrize("command", [["ingest", "--json"], ["search", "GPU", "--json"], ["documents", "--json"]])
def test_unwritable_storage_dir_is_a_turkish_message(tmp_path: Path, command: list[str]) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(REPO_ROOT / "knowledge" / "slm-sunumu.txt", knowledge)
    blocker = tmp_path / "bir-dosya"
    blocker.write_text("klasör değil")
    result = cli(command, knowledge, blocker / "storage")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Depolama klasörüne yazılamıyor" in result.stderr


def _disk_full(*_args, **_kwargs):
    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.parametrize(
    ("command", "target"),
    [
        (["ingest", "--json"], "vectorstore.indexer.Indexer.run"),
        (["search", "GPU", "--json"], "vectorstore.knowledge_base.KnowledgeBase.retriever"),
        (["documents", "--json"], "vectorstore.indexer.DocumentTable.rows"),
    ],
)
def test_disk_full_is_a_turkish_message(settings_factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        command: list[str], target: str) -> None:
    from ders_asistani.cli import app

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(REPO_ROOT / "knowledge" / "slm-sunumu.txt", knowledge)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setattr(target, _disk_full)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Disk dolu" in result.output
    assert not isinstance(result.exception, sqlite3.OperationalError)
