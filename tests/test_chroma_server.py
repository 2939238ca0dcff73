"""CHROMA_HOST set: the same code indexes and queries through a real `chroma run` server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from ders_asistani.settings import Settings
from vectorstore.knowledge_base import KnowledgeBase
from vectorstore.store import StoreUnavailableError, collection_name_for

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMA = REPO_ROOT / ".venv" / "bin" / "chroma"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("chroma run did not come up")


@pytest.fixture
def chroma_server(tmp_path: Path):
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def test_index_and_query_through_chroma_server(tmp_path: Path, chroma_server: int) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    settings = Settings(
        _env_file=None,
        knowledge_dir=knowledge,
        storage_dir=tmp_path / "storage",
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    kb = KnowledgeBase(settings)
    report = kb.ingest()
    assert report.errors == [] and report.added == 5
    assert not (tmp_path / "storage" / "chroma").exists()  # nothing embedded locally

    # The vectors really live on the server.
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    collection = client.get_collection(collection_name_for(kb.embeddings.model_id))
    assert collection.count() == report.chunks == kb.store.count()

    hits = kb.store.dense_query(kb.embeddings.embed_query("Groq API anahtarı nasıl oluşturulur?"), 3)
    by_id = {c.id: c for c in kb.store.all_chunks()}
    assert "langchain-groq-donanim.md" in [by_id[i].metadata["source"] for i, _ in hits]

    # Incremental through the server too.
    (knowledge / "llm-nedir-fine-tune.md").unlink()
    again = kb.ingest()
    assert again.deleted == 1 and (again.added, again.updated) == (0, 0)
    sources = Counter(c.metadata["source"] for c in kb.store.all_chunks())
    assert "llm-nedir-fine-tune.md" not in sources
    assert sum(sources.values()) == collection.count()
    kb.close()


def test_unreachable_server_gives_turkish_error(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        knowledge_dir=tmp_path,
        storage_dir=tmp_path / "storage",
        chroma_host="127.0.0.1",
        chroma_port=free_port(),
    )
    with pytest.raises(StoreUnavailableError, match="bağlanılamadı"):
        KnowledgeBase(settings).store
