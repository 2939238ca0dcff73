"""Resident memory of the tutor over many questions and threads.

    .venv/bin/python -m bench.memory_bench [--questions 1000] [--threads 200] [--groq]

Setup: the real knowledge base on a temp copy of knowledge/, the offline tutor
(no LLM); with `--groq` also the real ChatGroq client through the agent against
the Groq stub server (tests/groq_stub.py). Questions are the eval questions
(tests/data/retrieval_eval.jsonl) spread round-robin over the threads, so every
thread gets several turns.

Printed: RSS (from /proc/self/statm) at start (index loaded, tutor built: the
baseline of this run), after 200 and after all questions, the number of threads
and turns held in memory (bounded by chains.memory: MAX_TURNS_PER_THREAD per
thread, MAX_THREADS threads), and the time per question.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        resident_pages = int(handle.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "retrieval_eval.jsonl"
    items = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items or ["Küçük dil modeli nedir?", "LoRA nedir?", "peki QLoRA?"]


def held(tutor) -> tuple[int, int]:
    threads = tutor._threads._threads  # the store's own dict: what is really kept
    return len(threads), sum(len(memory.turns) for memory in threads.values())


def run(label: str, tutor, total: int, threads: int) -> None:
    pool = questions()
    gc.collect()
    start = rss_mb()
    marks = {0: start}
    started = time.perf_counter()
    modes: dict[str, int] = {}
    for i in range(total):
        mode = tutor.ask(pool[i % len(pool)], f"ogrenci-{i % threads}").mode
        modes[mode] = modes.get(mode, 0) + 1
        if i + 1 in (200, total):
            gc.collect()
            marks[i + 1] = rss_mb()
    per_q = (time.perf_counter() - started) / total * 1000
    kept_threads, kept_turns = held(tutor)
    print(f"\n{label}: {total} questions across {threads} threads, {per_q:.1f} ms per question")
    for count, value in marks.items():
        delta = value - start
        print(f"  RSS after {count:>5} questions: {value:8.1f} MB  ({delta:+.1f} MB vs start)")
    print(f"  held in memory: {kept_threads} threads, {kept_turns} turns; answered by: {modes}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--groq", action="store_true", help="also the stub-backed ChatGroq tutor")
    args = parser.parse_args()

    from chains.tutor import Tutor
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    print(f"RSS at interpreter start: {rss_mb():.1f} MB")
    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    try:
        shutil.copytree(ROOT / "knowledge", work / "knowledge")
        settings = Settings(_env_file=None, knowledge_dir=work / "knowledge", storage_dir=work / "storage",
                            chroma_host="")
        kb = KnowledgeBase(settings)
        kb.ingest()
        retriever = kb.retriever()
        tutor = Tutor(settings, retriever, force_offline=True)
        tutor.ask("Küçük dil modeli nedir?", "warmup")  # models and caches loaded before the baseline
        tutor.reset("warmup")
        run("offline tutor", tutor, args.questions, args.threads)
        if args.groq:
            from groq_stub import GroqStub, text

            with GroqStub(default=text("Küçük dil modelleri daha az hesaplama gücü ister [1]. " * 8)) as stub:
                from pydantic import SecretStr

                groq_settings = settings.model_copy(update={"groq_api_key": SecretStr("gsk_bench0123456789"),
                                                            "groq_base_url": stub.base_url})
                groq = Tutor(groq_settings, retriever)
                groq.ask("Küçük dil modeli nedir?", "warmup")
                groq.reset("warmup")
                run("Groq tutor (stub)", groq, args.questions, args.threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
