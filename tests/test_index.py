"""Incremental indexing of the real course into embedded Chroma (USE model)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from ders_asistani.settings import Settings
from vectorstore.indexer import document_chunks
from vectorstore.knowledge_base import KnowledgeBase
from vectorstore.loaders import load_document

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_DIR = REPO_ROOT / "knowledge"
CLI = str(REPO_ROOT / ".venv" / "bin" / "ders-asistani")
PYTHON = sys.executable
REPORT_KEYS = {"files", "chunks", "added", "updated", "skipped", "deleted", "errors", "seconds"}
DOCUMENT_KEYS = {"source", "chunks", "bytes", "indexed_at", "repairs", "warnings"}


def make_settings(knowledge: Path, storage: Path) -> Settings:
    return Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=storage, chroma_host=None)


def copy_course(target: Path) -> Path:
    shutil.copytree(COURSE_DIR, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def expected_chunks(folder: Path) -> dict[str, int]:
    """What a clean index of `folder` must hold, computed from the loader."""
    counts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            loaded = load_document(path, folder, 20)
            counts[loaded.source] = len(document_chunks(loaded, 800, 120))
    return counts


def assert_consistent(kb: KnowledgeBase, folder: Path) -> None:
    """Exactly the chunks a clean ingest gives: no duplicates, no leftovers."""
    chunks = kb.store.all_chunks()
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids))
    positions = Counter((c.metadata["source"], c.metadata["chunk_index"]) for c in chunks)
    assert max(positions.values()) == 1, "duplicate chunk positions"
    per_source = Counter(c.metadata["source"] for c in chunks)
    assert dict(per_source) == expected_chunks(folder)
    indexer = kb._get_indexer()
    assert sorted(indexer.record_manager.list_keys()) == sorted(ids)
    assert {d.source: d.chunks for d in kb.documents()} == dict(per_source)


def cli_env(knowledge: Path, storage: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "KNOWLEDGE_", "STORAGE_", "EMBEDDING_"))}
    env.update(
        KNOWLEDGE_DIR=str(knowledge),
        STORAGE_DIR=str(storage),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


def run_cli(args: list[str], knowledge: Path, storage: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args],
        env=cli_env(knowledge, storage),
        cwd=storage.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("indexed")
    knowledge = copy_course(root / "knowledge")
    kb = KnowledgeBase(make_settings(knowledge, root / "storage"))
    first = kb.ingest()
    yield kb, first, knowledge
    kb.close()


# --- the shared, read-only index -----------------------------------------------------------
def test_first_ingest_indexes_the_course(indexed) -> None:
    kb, report, knowledge = indexed
    assert report.errors == []
    assert report.files == 5 and report.added == 5
    assert report.updated == report.deleted == report.skipped == 0
    assert report.chunks == kb.store.count() == sum(expected_chunks(knowledge).values())
    assert_consistent(kb, knowledge)


def test_unchanged_folder_costs_zero_embeddings(indexed) -> None:
    kb, _, _ = indexed
    before_generation = kb.store.generation()
    before_calls = kb.embeddings.document_calls
    started = time.perf_counter()
    report = kb.ingest()
    elapsed = time.perf_counter() - started
    assert (report.added, report.updated, report.deleted) == (0, 0, 0)
    assert report.skipped == 5 and report.files == 5
    assert kb.embeddings.document_calls == before_calls
    assert kb.store.generation() == before_generation
    assert elapsed < 5  # generous: the benchmark tracks the real target (< 1 s)


def test_chunk_metadata(indexed) -> None:
    kb, _, _ = indexed
    chunks = kb.store.all_chunks()
    for chunk in chunks:
        assert {"source", "title", "section", "page", "slide", "chunk_index", "content_hash"} <= set(chunk.metadata)
        assert chunk.text
    mojibake = re.compile(r"Ã|Å|Ä[A-Za-zÀ-ɏ]|â€|ğŸ|ř|đ|\ufffd")
    assert not [c.id for c in chunks if mojibake.search(c.text) or mojibake.search(c.metadata["section"])]
    stored = "\n".join(c.text for c in chunks)
    assert "Diğer şirketler" in stored and "Başlangıç" in stored
    titles = {c.metadata["source"]: c.metadata["title"] for c in chunks}
    assert titles["langchain-groq-donanim.md"] == "LangChain + LLM Entegrasyonu"
    assert any(
        c.metadata["section"].endswith("Bellek Hesaplama Formülü") and c.metadata["section"].startswith("Yapay Zeka Modelleri")
        for c in chunks
    )


def test_dense_query_finds_the_right_document(indexed) -> None:
    kb, _, _ = indexed
    vector = kb.embeddings.embed_query("Groq API anahtarı nasıl oluşturulur?")
    hits = kb.store.dense_query(vector, 5)
    assert len(hits) == 5
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    by_id = {c.id: c for c in kb.store.all_chunks()}
    top_sources = [by_id[chunk_id].metadata["source"] for chunk_id, _ in hits[:3]]
    assert "langchain-groq-donanim.md" in top_sources
    assert kb.store.dense_query(vector, 0) == []
    assert kb.store.collection.configuration_json["hnsw"]["space"] == "cosine"
    assert kb.store.collection.metadata["embedding_model"] == kb.embeddings.model_id


def test_query_embeddings_are_cached(indexed) -> None:
    kb, _, _ = indexed
    emb = kb.embeddings
    first = emb.embed_query("Küçük dil modeli nedir? (önbellek testi)")
    calls = emb.query_calls
    second = emb.embed_query("Küçük dil modeli nedir? (önbellek testi)")
    assert emb.query_calls == calls and first == second


def test_documents_report_repairs(indexed) -> None:
    kb, _, knowledge = indexed
    infos = {d.source: d for d in kb.documents()}
    assert set(infos) == {p.name for p in knowledge.iterdir()}
    assert infos["langchain-groq-donanim.md"].repairs
    assert any("glif" in r for r in infos["slm-sunumu.txt"].repairs)
    assert infos["acik-kaynak-modeller.md"].repairs == []
    assert infos["acik-kaynak-modeller.md"].bytes == (knowledge / "acik-kaynak-modeller.md").stat().st_size
    assert set(infos["slm-sunumu.txt"].to_dict()) == DOCUMENT_KEYS


def test_retriever_hook(indexed) -> None:
    if not (REPO_ROOT / "vectorstore" / "retriever.py").exists():
        pytest.skip("vectorstore/retriever.py (retrieval helper) not there yet")
    kb, _, _ = indexed
    response = kb.retriever().search("Groq API anahtarı nasıl alınır?")
    assert response.passages


# --- changes on a private copy ------------------------------------------------------------
def test_change_delete_rename_and_rebuild(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    kb = KnowledgeBase(make_settings(knowledge, tmp_path / "storage"))
    kb.ingest()
    emb = kb.embeddings
    before = {c.id: c for c in kb.store.all_chunks()}
    generation = kb.store.generation()

    # A changed file replaces exactly its chunks.
    changed = knowledge / "kucuk-dil-modelleri-1-6gb.md"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n## Yeni Bölüm\n\nTinyLlama 1.1B, 637 MB ile dizüstünde çalışır. " * 3,
        encoding="utf-8",
    )
    embedded = emb.documents_embedded
    report = kb.ingest()
    assert (report.added, report.updated, report.deleted, report.skipped) == (0, 1, 0, 4)
    after = {c.id: c for c in kb.store.all_chunks()}
    untouched_before = {i for i, c in before.items() if c.metadata["source"] != changed.name}
    untouched_after = {i for i, c in after.items() if c.metadata["source"] != changed.name}
    assert untouched_before == untouched_after
    assert emb.documents_embedded - embedded <= expected_chunks(knowledge)[changed.name]
    assert kb.store.generation() != generation
    assert_consistent(kb, knowledge)

    # A deleted file's chunks disappear.
    (knowledge / "llm-nedir-fine-tune.md").unlink()
    report = kb.ingest()
    assert report.deleted == 1 and report.files == 4
    assert not [c for c in kb.store.all_chunks() if c.metadata["source"] == "llm-nedir-fine-tune.md"]
    assert_consistent(kb, knowledge)

    # A renamed file moves, and its vectors are reused (no model calls).
    (knowledge / "sunumlar").mkdir()
    (knowledge / "slm-sunumu.txt").rename(knowledge / "sunumlar" / "slm.txt")
    embedded = emb.documents_embedded
    report = kb.ingest()
    assert (report.added, report.deleted) == (1, 1)
    sources = {c.metadata["source"] for c in kb.store.all_chunks()}
    assert "sunumlar/slm.txt" in sources and "slm-sunumu.txt" not in sources
    assert emb.documents_embedded == embedded
    assert_consistent(kb, knowledge)

    # --rebuild drops the collection and indexes everything again.
    count = kb.store.count()
    report = kb.ingest(rebuild=True)
    assert report.added == 4 and report.chunks == count
    assert_consistent(kb, knowledge)
    kb.close()


def test_bad_files_are_reported_and_do_not_stop_others(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    (knowledge / "bos.md").write_bytes(b"")
    (knowledge / "resim.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    (knowledge / "bozuk.pdf").write_bytes(b"%PDF-1.4\ngarbage garbage")
    (knowledge / "tablo.xlsx").write_bytes(b"PK\x03\x04")
    with (knowledge / "dev.md").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    kb = KnowledgeBase(make_settings(knowledge, tmp_path / "storage"))
    report = kb.ingest()
    errors = {e.file: e.error for e in report.errors}
    assert set(errors) == {"bos.md", "resim.md", "bozuk.pdf", "tablo.xlsx", "dev.md"}
    assert "boş" in errors["bos.md"] and "ikili" in errors["resim.md"]
    assert "PDF" in errors["bozuk.pdf"] and "Desteklenmeyen" in errors["tablo.xlsx"]
    assert "büyük" in errors["dev.md"]
    assert report.files == 5 and report.added == 5
    assert {d.source for d in kb.documents()} == {p.name for p in COURSE_DIR.iterdir()}
    kb.close()


def test_ingest_while_other_threads_search(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    kb = KnowledgeBase(make_settings(knowledge, tmp_path / "storage"))
    kb.ingest()
    vector = kb.embeddings.embed_query("GPU belleği")
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                # Empty while a rebuild runs is fine; an exception is not.
                hits = kb.store.dense_query(vector, 3)
                assert all(-1.0 <= score <= 1.0 for _, score in hits)
                kb.store.all_chunks()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for path in knowledge.iterdir():
            path.write_text(path.read_text(encoding="utf-8") + "\n\nEk paragraf: güncelleme.\n", encoding="utf-8")
        report = kb.ingest()
        # A second ingest from another thread waits for the first; a rebuild
        # under running searches does not break them either.
        worker = threading.Thread(target=kb.ingest)
        worker.start()
        kb.ingest(rebuild=True)
        worker.join(60)
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)
    assert errors == []
    assert report.updated == 5
    assert_consistent(kb, knowledge)
    kb.close()


# --- processes ----------------------------------------------------------------------------
KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    knowledge, storage, where, after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    settings = Settings(_env_file=None, knowledge_dir=Path(knowledge), storage_dir=Path(storage))
    kb = KnowledgeBase(settings)
    import vectorstore.indexer
    vectorstore.indexer.GROUP_FILES = 2  # several indexing groups, so the kill lands mid-run
    calls = {"n": 0}

    def bomb(original):
        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            calls["n"] += 1
            if calls["n"] >= after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return wrapped

    if where == "embed":
        type(kb.embeddings).embed_documents = bomb(type(kb.embeddings).embed_documents)
    else:  # after Chroma has the vectors, before the record manager knows
        from langchain_classic.indexes import SQLRecordManager
        SQLRecordManager.update = bomb(SQLRecordManager.update)
    kb.ingest()
    print("finished without being killed")
    """
)


@pytest.mark.parametrize("where,after", [("embed", 2), ("record", 2)])
def test_killed_ingest_is_repaired_by_the_next(tmp_path: Path, where: str, after: int) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    storage = tmp_path / "storage"
    # Give the killed run old chunks to replace: index older versions first,
    # plus a file that the killed run should delete.
    originals = {path: path.read_bytes() for path in knowledge.iterdir()}
    for number, path in enumerate(originals):
        path.write_text(f"# Eski {number}\n\nEski sürüm metni {number}, sonradan değişecek. " * 30, encoding="utf-8")
    (knowledge / "silinecek.md").write_text("# Silinecek\n\nBu dosya kaldırılacak. " * 20, encoding="utf-8")
    kb = KnowledgeBase(make_settings(knowledge, storage))
    kb.ingest()
    kb.close()
    for path, data in originals.items():
        path.write_bytes(data)
    (knowledge / "silinecek.md").unlink()

    result = subprocess.run(
        [PYTHON, "-c", KILL_SCRIPT, str(knowledge), str(storage), where, str(after)],
        env=cli_env(knowledge, storage),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stdout + result.stderr

    kb = KnowledgeBase(make_settings(knowledge, storage))
    report = kb.ingest()
    assert report.errors == []
    assert_consistent(kb, knowledge)
    again = kb.ingest()
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    kb.close()


def test_cli_ingest_json_twice_and_documents(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    storage = tmp_path / "storage"
    first = run_cli(["ingest", "--json"], knowledge, storage)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) == REPORT_KEYS
    assert report["added"] == 5 and report["files"] == 5
    second = json.loads(run_cli(["ingest", "--json"], knowledge, storage).stdout)
    assert (second["added"], second["updated"], second["deleted"]) == (0, 0, 0)
    assert second["chunks"] == report["chunks"]
    docs = run_cli(["documents", "--json"], knowledge, storage)
    listed = json.loads(docs.stdout)
    assert {d["source"] for d in listed} == {p.name for p in knowledge.iterdir()}
    assert all(set(d) == DOCUMENT_KEYS for d in listed)
    assert sum(d["chunks"] for d in listed) == report["chunks"]
    human = run_cli(["ingest"], knowledge, storage)
    assert "Değişiklik yok" in human.stdout


def test_two_cli_ingests_at_once(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    storage = tmp_path / "storage"
    env = cli_env(knowledge, storage)
    procs = [
        subprocess.Popen([CLI, "ingest", "--json"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=180) for proc in procs]
    codes = [proc.returncode for proc in procs]
    for code, (out, err) in zip(codes, outputs):
        # Either it waited and ran, or it stopped with a Turkish message.
        assert code == 0 or ("Hata:" in err and "Traceback" not in err), (code, out, err)
    assert 0 in codes
    reports = [json.loads(out) for code, (out, _) in zip(codes, outputs) if code == 0]
    assert sum(r["added"] for r in reports) == 5
    kb = KnowledgeBase(make_settings(knowledge, storage))
    assert_consistent(kb, knowledge)
    kb.close()


def test_cli_ingest_while_app_holds_the_store(tmp_path: Path) -> None:
    knowledge = copy_course(tmp_path / "knowledge")
    storage = tmp_path / "storage"
    app_kb = KnowledgeBase(make_settings(knowledge, storage))  # the running app
    app_kb.ingest()
    count = app_kb.store.count()
    (knowledge / "slm-sunumu.txt").write_text("# Yeni\n\nDeğişti. " * 20, encoding="utf-8")

    started = time.perf_counter()
    blocked = run_cli(["ingest", "--json"], knowledge, storage, timeout=60)
    assert blocked.returncode != 0
    assert "başka bir süreç" in blocked.stderr and "Traceback" not in blocked.stderr
    assert time.perf_counter() - started < 45
    assert app_kb.store.count() == count  # untouched

    # The app re-indexes itself; after it lets go, the CLI works again.
    assert app_kb.ingest().updated == 1
    app_kb.close()
    done = run_cli(["ingest", "--json"], knowledge, storage)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["updated"] == 0


def test_owner_lock_is_counted_per_store(tmp_path: Path) -> None:
    from filelock import FileLock, Timeout

    from vectorstore.store import OWNER_LOCK_NAME

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    storage = tmp_path / "storage"
    first = KnowledgeBase(make_settings(knowledge, storage))
    second = KnowledgeBase(make_settings(knowledge, storage))
    first.store.count()
    second.store.count()

    def held_elsewhere() -> bool:
        # flock locks are per open file: a fresh handle stands in for another process.
        probe = FileLock(str(storage / OWNER_LOCK_NAME), thread_local=False)
        try:
            probe.acquire(timeout=0.1)
        except Timeout:
            return True
        probe.release()
        return False

    first.close()
    first.close()  # idempotent
    assert held_elsewhere()  # the second store still holds the folder
    second.close()
    assert not held_elsewhere()


def test_unexpected_loader_crash_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vectorstore.indexer as indexer_module

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "iyi.md").write_text("# İyi\n\nBu dosya sorunsuz indekslenir. " * 10, encoding="utf-8")
    (knowledge / "tuhaf.md").write_text("# Tuhaf\n\nBu dosya yükleyiciyi çökertir. " * 10, encoding="utf-8")
    real = indexer_module.load_document

    def flaky(path, root, max_file_mb, **options):
        if path.name == "tuhaf.md":
            raise RuntimeError("beklenmeyen durum")
        return real(path, root, max_file_mb, **options)

    monkeypatch.setattr(indexer_module, "load_document", flaky)
    kb = KnowledgeBase(make_settings(knowledge, tmp_path / "storage"))
    report = kb.ingest()
    assert [e.file for e in report.errors] == ["tuhaf.md"]
    assert "işlenemedi" in report.errors[0].error
    assert report.added == 1 and {d.source for d in kb.documents()} == {"iyi.md"}
    kb.close()


def test_missing_knowledge_folder_changes_nothing(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "ders.md").write_text("# Ders\n\nKüçük dil modelleri yerelde çalışır. " * 10, encoding="utf-8")
    storage = tmp_path / "storage"
    kb = KnowledgeBase(make_settings(knowledge, storage))
    count = kb.ingest().chunks
    moved = tmp_path / "baska-yer"
    knowledge.rename(moved)
    report = kb.ingest()
    assert report.deleted == 0 and report.chunks == count == kb.store.count()
    assert "bulunamadı" in report.errors[0].error
    kb.close()
