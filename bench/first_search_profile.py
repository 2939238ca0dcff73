"""Where the first search after an ingest spends its time (issue 14's < 1 s target).

Run on a course `bench.big_course_bench --work DIR` built and kept:
`.venv/bin/python -m bench.first_search_profile DIR [--e5-stand-in] [--cprofile]`.
In a new process: loads the models (outside the timing), then times the
first search of a fresh KnowledgeBase step by step (snapshot load, Chroma
open, query embeddings, Chroma query, scoring) and, with `--cprofile`,
prints the 25 most expensive functions of that search.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.big_course_bench import QUESTIONS, StandInE5  # noqa: E402
from bench.index_bench import line, peak_rss_mb  # noqa: E402
from ders_asistani.settings import Settings  # noqa: E402


class Steps:
    """Wall time of named steps, by wrapping methods (the first call of each counts)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a folder kept by `bench.big_course_bench --work`")
    parser.add_argument("--e5-stand-in", action="store_true")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()

    from vectorstore import snapshot_cache
    from vectorstore.knowledge_base import KnowledgeBase
    from vectorstore.second_dense import SecondDense
    from vectorstore.store import ChunkStore

    work = args.work.resolve()
    settings = Settings(_env_file=None, knowledge_dir=work / "knowledge", storage_dir=work / "storage")
    if args.e5_stand_in:
        SecondDense._model = StandInE5()
    import chromadb  # noqa: F401 - imported in the app / the bench process before its first search
    import langchain_chroma  # noqa: F401

    kb = KnowledgeBase(settings)
    kb.embeddings.load()  # models outside the timing, as in big_course_bench (c)
    SecondDense.model().query("ısınma")
    kb.embeddings.embed_query("ısınma")

    steps = Steps()
    steps.wrap(snapshot_cache, "load", "snapshot file load")
    steps.wrap(ChunkStore, "generation", "store generation (file)")
    steps.wrap(ChunkStore, "dense_query", "Chroma query (opens the store)")
    steps.wrap(type(kb.embeddings), "embed_query", "USE query embedding")
    steps.wrap(SecondDense, "query", "e5 query (worker thread)")

    profiler = cProfile.Profile() if args.cprofile else None
    cpu = time.process_time()
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    response = kb.retriever().search(QUESTIONS[0])
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    retriever = kb.retriever()
    print(f"first search over {len(retriever._snapshot.chunks)} chunks; load average {open('/proc/loadavg').read().strip()}")
    line("first search wall / CPU", f"{wall * 1000:.0f} ms / {cpu * 1000:.0f} ms ({len(response.passages)} passages)")
    line("snapshot build/load in the retriever", f"{retriever.last_rebuild_ms:.0f} ms (from file: {retriever.snapshot_loaded})")
    for label, seconds in steps.seconds.items():
        line(label, f"{seconds * 1000:.0f} ms")
    _, second_s = _timed(lambda: retriever.search(QUESTIONS[1]))
    line("second search", f"{second_s * 1000:.0f} ms")
    line("peak RSS", f"{peak_rss_mb():.0f} MB")
    kb.close()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def _timed(fn):  # noqa: ANN001, ANN202
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


if __name__ == "__main__":
    main()
