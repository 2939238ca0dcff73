"""Knowledge-index benchmark: prints numbers, each with a baseline from the same run.

Run: `.venv/bin/python -m bench.index_bench` (add `--docs 200` for a quicker
synthetic corpus). Everything happens in temporary folders.

Phases
1. model load (reported apart from indexing)
2. cold full index of knowledge/
3. no-change re-index (target < 1 s, zero embeddings); baseline: the same
   re-index without the per-file hash check (every file loaded, chunked and
   checked against the record manager)
4. one-file change; baseline: --rebuild of the whole folder
5. synthetic corpus of N Turkish documents built from the course text: wall
   time, chunks per second, peak RSS, size on disk; baseline: the model alone
   embedding the same chunk texts
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from ders_asistani.settings import Settings  # noqa: E402
from vectorstore.embeddings import get_embeddings  # noqa: E402
from vectorstore.indexer import document_chunks  # noqa: E402
from vectorstore.knowledge_base import KnowledgeBase  # noqa: E402
from vectorstore.loaders import load_document  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1_048_576


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def cpu_timed(fn):
    """(result, wall seconds, CPU seconds): CPU time is fairer on a shared machine."""
    cpu = time.process_time()
    result, wall = timed(fn)
    return result, wall, time.process_time() - cpu


def course_paragraphs() -> list[str]:
    """Repaired, cleaned paragraphs of the real course (no headings)."""
    paragraphs: list[str] = []
    root = REPO_ROOT / "knowledge"
    for path in sorted(root.iterdir()):
        loaded = load_document(path, root, 20)
        for part in loaded.parts:
            for block in part.text.split("\n\n"):
                block = block.strip()
                if len(block) > 80 and not block.startswith(("#", "```", "![", "<!--")):
                    paragraphs.append(block)
    return paragraphs


def build_synthetic(folder: Path, count: int, seed: int = 42) -> int:
    """`count` markdown documents mixing course paragraphs under headings."""
    rng = random.Random(seed)
    paragraphs = course_paragraphs()
    topics = ["Bellek", "Kuantizasyon", "GPU Seçimi", "İnce Ayar", "Groq API", "Açık Modeller", "Değerlendirme"]
    total = 0
    for number in range(count):
        lines = [f"# Ders Notu {number}: {rng.choice(topics)}", ""]
        for section in range(rng.randint(2, 4)):
            lines += [f"## {rng.choice(topics)} {section + 1}", ""]
            for _ in range(rng.randint(1, 4)):
                lines += [rng.choice(paragraphs), ""]
        text = "\n".join(lines)
        path = folder / f"bolum-{number // 100:02d}" / f"not-{number:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="synthetic corpus size")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="index-bench-"))
    try:
        settings = Settings(_env_file=None)
        print(f"Index benchmark (model {settings.embedding_model}, chunk_size {settings.chunk_size}, cpus {os.cpu_count()})")

        # 1. model load
        emb = get_embeddings(settings)
        _, load_s = timed(emb.load)
        print("1. model load")
        line("load time", f"{load_s:.2f} s")

        # 2. cold full index of the course
        knowledge = work / "knowledge"
        shutil.copytree(REPO_ROOT / "knowledge", knowledge)
        for path in knowledge.iterdir():
            path.chmod(0o644)
        kb = KnowledgeBase(Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=work / "storage"))
        _ = kb.store.count()  # open Chroma outside the timing
        emb.reset_counters()
        report, cold_s = timed(kb.ingest)
        print("2. cold full index of knowledge/")
        line("files / chunks", f"{report.files} / {report.chunks}")
        line("wall time", f"{cold_s:.2f} s  ({report.chunks / cold_s:.0f} chunks/s)")
        line("embedding calls / texts", f"{emb.document_calls} / {emb.documents_embedded}")

        # 3. no-change re-index
        emb.reset_counters()
        noop, noop_s = timed(kb.ingest)
        noop_calls = emb.document_calls
        indexer = kb._get_indexer()
        indexer.documents.clear()  # baseline: forget file hashes, rely on the record manager
        emb.reset_counters()
        _, base_s = timed(kb.ingest)
        base_calls = emb.document_calls
        print("3. no-change re-index (target < 1 s, 0 embeddings)")
        line("with file-hash skip", f"{noop_s * 1000:.1f} ms, {noop_calls} embedding calls, added/updated/deleted {noop.added}/{noop.updated}/{noop.deleted}")
        line("baseline: load+chunk+record-manager check", f"{base_s * 1000:.1f} ms, {base_calls} embedding calls")
        line("speed-up", f"{base_s / max(noop_s, 1e-9):.1f}x")

        # 4. one-file change
        target = knowledge / "kucuk-dil-modelleri-1-6gb.md"
        target.write_text(
            target.read_text(encoding="utf-8") + "\n\n## Ek\n\nTinyLlama 1.1B dizüstünde rahat çalışır.\n",
            encoding="utf-8",
        )
        emb.reset_counters()
        change, change_s = timed(kb.ingest)
        change_texts = emb.documents_embedded
        emb.reset_counters()
        _, rebuild_s = timed(lambda: kb.ingest(rebuild=True))
        rebuild_texts = emb.documents_embedded
        print("4. one-file change")
        line("incremental", f"{change_s:.2f} s, {change_texts} texts embedded (updated={change.updated})")
        line("baseline: --rebuild", f"{rebuild_s:.2f} s, {rebuild_texts} texts embedded")
        line("speed-up", f"{rebuild_s / max(change_s, 1e-9):.1f}x")
        kb.close()

        # 5. synthetic corpus
        synthetic = work / "synthetic"
        corpus_bytes = build_synthetic(synthetic, args.docs)
        storage = work / "synthetic-storage"
        kb = KnowledgeBase(Settings(_env_file=None, knowledge_dir=synthetic, storage_dir=storage))
        _ = kb.store.count()
        emb.reset_counters()
        rss_before = peak_rss_mb()
        big, big_s, big_cpu = cpu_timed(kb.ingest)
        texts = [
            doc.page_content
            for path in sorted(synthetic.rglob("*.md"))
            for doc in document_chunks(load_document(path, synthetic, 20), settings.chunk_size, settings.chunk_overlap)
        ]
        _, embed_only_s, embed_only_cpu = cpu_timed(lambda: emb.embed_documents(texts))
        emb.reset_counters()
        again, again_s = timed(kb.ingest)
        print(f"5. synthetic corpus: {args.docs} Turkish documents, {corpus_bytes / 1_048_576:.1f} MB of text")
        line("files / chunks / errors", f"{big.files} / {big.chunks} / {len(big.errors)}")
        line("cold index", f"{big_s:.1f} s wall, {big_cpu:.1f} s CPU  ({big.chunks / big_s:.0f} chunks/s)")
        line(
            "baseline: model alone on the same chunks",
            f"{embed_only_s:.1f} s wall, {embed_only_cpu:.1f} s CPU  ({len(texts) / embed_only_s:.0f} chunks/s)",
        )
        line("indexing cost over the model (wall / CPU)", f"{big_s / embed_only_s:.2f}x / {big_cpu / embed_only_cpu:.2f}x")
        line("no-change re-index", f"{again_s * 1000:.0f} ms, {emb.document_calls} embedding calls")
        line("peak RSS (process)", f"{peak_rss_mb():.0f} MB (before the corpus: {rss_before:.0f} MB)")
        line("size on disk (storage dir)", f"{dir_size_mb(storage):.1f} MB")
        kb.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
