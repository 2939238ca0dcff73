"""Answer cache benchmark: model calls, prompt tokens and turn time with and without the cache.

    .venv/bin/python -m bench.answer_cache_bench [--turns 160] [--questions 30] [--seed 7]

Setup: the real knowledge base on a temp copy of knowledge/, the real ChatGroq
client pointed at the Groq stub (tests/groq_stub.py). A class asks first-turn
questions drawn from the retrieval eval set with a popularity skew (Zipf, s=1.1:
a few questions are asked by many students), each typed the way students type:
as is, lower case, upper case, without the question mark, without Turkish
letters ("kucuk dil modeli nedir"), with extra spaces. The same sequence runs
twice in one run: ANSWER_CACHE=false (baseline) and ANSWER_CACHE=true.

Printed: model requests, prompt tokens the stub received, turns answered from the
cache, p50 turn time of misses and hits, and how many hits an exact-string cache
(no normalization) would have had on the same sequence.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ANSWER = ("Küçük dil modelleri daha az parametreyle çalışır ve tek bir tüketici GPU'sunda çalıştırılabilir [1]. "
          "Ders notları düşük maliyeti ve verinin yerelde kalmasını öne çıkarır [2].")


def typed(question: str, rng: random.Random) -> str:
    from turkish.tokenize import fold_ascii

    style = rng.randrange(6)
    if style == 1:
        return question.lower()
    if style == 2:
        return question.upper()
    if style == 3:
        return question.rstrip("?").rstrip()
    if style == 4:
        return fold_ascii(question)
    if style == 5:
        return "  " + question.replace(" ", "  ") + " "
    return question


def sequence(questions: list[str], turns: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(questions))]
    return [typed(rng.choices(questions, weights)[0], rng) for _ in range(turns)]


def run(settings, kb, asked: list[str], cache: bool) -> dict[str, float]:
    from groq_stub import GroqStub, estimate_prompt_tokens, text

    from chains.assistant import build_tutor

    with GroqStub(default=text(ANSWER)) as stub:
        chosen = settings.model_copy(update={"groq_base_url": stub.base_url, "answer_cache": cache})
        tutor = build_tutor(chosen, knowledge_base=kb)
        hit_ms, miss_ms, hits = [], [], 0
        for n, question in enumerate(asked):
            started = time.perf_counter()
            answer = tutor.ask(question, f"student-{cache}-{n}")
            elapsed = (time.perf_counter() - started) * 1000
            (hit_ms if answer.cached else miss_ms).append(elapsed)
            hits += answer.cached
        requests = stub.chat_requests()
        tokens = sum(estimate_prompt_tokens(r.body) for r in requests)
    return {"requests": len(requests), "prompt_tokens": tokens, "hits": hits,
            "miss_p50_ms": statistics.median(miss_ms) if miss_ms else float("nan"),
            "hit_p50_ms": statistics.median(hit_ms) if hit_ms else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=160)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    items = [json.loads(line) for line in (ROOT / "tests" / "data" / "retrieval_eval.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    questions = [item["question"] for item in items][: args.questions]
    asked = sequence(questions, args.turns, args.seed)
    exact_hits = len(asked) - len(set(asked))
    from chains.answer_cache import normalize_question

    possible = len(asked) - len({normalize_question(q) for q in asked})

    root = Path(tempfile.mkdtemp(prefix="cache-bench-"))
    try:
        shutil.copytree(ROOT / "knowledge", root / "knowledge")
        settings = Settings(_env_file=None, knowledge_dir=root / "knowledge", storage_dir=root / "storage",
                            llm_provider="groq", groq_api_key="gsk_BENCH0123456789abcdefgh")
        settings.ensure_storage()
        kb = KnowledgeBase(settings)
        kb.ingest()
        kb.retriever().warm_up()
        results = {"no_cache": run(settings, kb, asked, cache=False), "cache": run(settings, kb, asked, cache=True)}
        kb.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    if args.json:
        print(json.dumps({"turns": len(asked), "exact_string_hits": exact_hits, "normalized_hits_possible": possible,
                          **results}, indent=2))
        return
    base, cached = results["no_cache"], results["cache"]
    print(f"{len(asked)} first-turn questions from {len(questions)} distinct ones (Zipf 1.1, varied typing)")
    print(f"{'':24}{'ANSWER_CACHE=false':>20}{'ANSWER_CACHE=true':>20}")
    print(f"{'model requests':24}{base['requests']:>20}{cached['requests']:>20}")
    print(f"{'prompt tokens (stub)':24}{base['prompt_tokens']:>20}{cached['prompt_tokens']:>20}")
    print(f"{'answered from cache':24}{base['hits']:>20}{cached['hits']:>20}")
    print(f"{'turn p50, model (ms)':24}{base['miss_p50_ms']:>20.1f}{cached['miss_p50_ms']:>20.1f}")
    print(f"{'turn p50, cache (ms)':24}{'-':>20}{cached['hit_p50_ms']:>20.1f}")
    print(f"exact-string cache would hit {exact_hits} of {len(asked)}; normalized keys can hit {possible}")


if __name__ == "__main__":
    main()
