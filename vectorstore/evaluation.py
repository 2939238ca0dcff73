"""Measure retrieval on a labelled question set, against a naive baseline.

A question is a hit at rank r when the r-th passage contains one of its
evidence spans. Spans are compared as normalized token sequences
(`turkish.tokenize.tokens`), so whitespace, markdown marks and table pipes do
not matter, but the words and numbers must all be there in order.

The naive baseline is what the LangChain quickstart builds: raw file text
(so the mojibake file stays broken), `RecursiveCharacterTextSplitter(1000,
200)`, dense-only all-MiniLM-L6-v2 in a throwaway Chroma collection.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from turkish.tokenize import tokens

BOOTSTRAP_SAMPLES = 2000
EVAL_K = 5


# --- the question set ------------------------------------------------------------
@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    kind: str
    evidence: str
    alternatives: tuple[str, ...] = ()
    source: str = ""
    answerable: bool = True
    split: str = "tune"
    obviously_off_topic: bool = False

    @property
    def spans(self) -> list[str]:
        return [s for s in (self.evidence, *self.alternatives) if s]


def load_eval_set(path: Path) -> list[EvalItem]:
    items: list[EvalItem] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                EvalItem(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    kind=str(row.get("kind", "")),
                    evidence=str(row.get("evidence", "")),
                    alternatives=tuple(row.get("alternatives", ())),
                    source=str(row.get("source", "")),
                    answerable=bool(row.get("answerable", True)),
                    split=str(row.get("split", "tune")),
                    obviously_off_topic=bool(row.get("obviously_off_topic", False)),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}: satır {line_no} okunamadı ({exc})") from exc
    return items


def evidence_key(text: str) -> str:
    """Canonical form for containment checks (padded so matches are whole words)."""
    return " " + " ".join(tokens(text)) + " "


def hit_rank(passages: Sequence[str], item: EvalItem) -> int | None:
    """1-based rank of the first passage holding an evidence span, or None."""
    spans = [evidence_key(s) for s in item.spans]
    for rank, text in enumerate(passages, start=1):
        key = evidence_key(text)
        if any(span in key for span in spans):
            return rank
    return None


# --- running a system ------------------------------------------------------------
@dataclass
class SearchOutcome:
    texts: list[str]
    coverage: float | None = None
    off_topic: bool | None = None


SearchFn = Callable[[str, int], SearchOutcome]


@dataclass
class QueryResult:
    id: str
    kind: str
    split: str
    answerable: bool
    obviously_off_topic: bool
    rank: int | None
    coverage: float | None
    off_topic: bool | None
    latency_ms: float


def run_questions(search: SearchFn, items: Iterable[EvalItem], k: int = EVAL_K) -> list[QueryResult]:
    results: list[QueryResult] = []
    for item in items:
        started = time.perf_counter()
        outcome = search(item.question, k)
        latency = (time.perf_counter() - started) * 1000
        results.append(
            QueryResult(
                id=item.id,
                kind=item.kind,
                split=item.split,
                answerable=item.answerable,
                obviously_off_topic=item.obviously_off_topic,
                rank=hit_rank(outcome.texts[:k], item) if item.answerable else None,
                coverage=outcome.coverage,
                off_topic=outcome.off_topic,
                latency_ms=latency,
            )
        )
    return results


# --- metrics -------------------------------------------------------------------------
def _per_question(ranks: Sequence[int | None]) -> dict[str, np.ndarray]:
    r = np.array([x if x is not None else 10**6 for x in ranks], dtype=np.float64)
    return {
        "hit@1": (r <= 1).astype(float),
        "hit@3": (r <= 3).astype(float),
        "hit@5": (r <= 5).astype(float),
        "mrr@5": np.where(r <= 5, 1.0 / r, 0.0),
    }


def quality(ranks: Sequence[int | None], seed: int = 0) -> dict[str, Any]:
    """hit@1/3/5 and MRR@5 with bootstrap 95% intervals."""
    n = len(ranks)
    if n == 0:
        return {"n": 0}
    values = _per_question(ranks)
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, n, size=(BOOTSTRAP_SAMPLES, n))
    out: dict[str, Any] = {"n": n}
    for name, v in values.items():
        boot = v[samples].mean(axis=1)
        out[name] = round(float(v.mean()), 3)
        out[f"{name}_ci95"] = [round(float(np.percentile(boot, 2.5)), 3), round(float(np.percentile(boot, 97.5)), 3)]
    return out


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Probability that a random positive scores above a random negative."""
    if not positives or not negatives:
        return None
    pos = np.asarray(positives)[:, None]
    neg = np.asarray(negatives)[None, :]
    return round(float((pos > neg).mean() + 0.5 * (pos == neg).mean()), 3)


def latency(results: Sequence[QueryResult]) -> dict[str, float]:
    values = sorted(r.latency_ms for r in results)
    if not values:
        return {}
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "mean_ms": round(statistics.fmean(values), 2),
    }


def summarize(results: Sequence[QueryResult]) -> dict[str, Any]:
    """All numbers of one system: overall, per split, per kind, abstention, latency."""
    answerable = [r for r in results if r.answerable]
    summary: dict[str, Any] = {"overall": quality([r.rank for r in answerable])}
    by_split: dict[str, list[int | None]] = defaultdict(list)
    by_kind: dict[str, list[int | None]] = defaultdict(list)
    for r in answerable:
        by_split[r.split].append(r.rank)
        by_kind[r.kind].append(r.rank)
    ascii_kinds = [r.rank for r in answerable if r.kind == "ascii"]
    summary["splits"] = {name: quality(ranks) for name, ranks in sorted(by_split.items())}
    summary["kinds"] = {name: quality(ranks) for name, ranks in sorted(by_kind.items())}
    summary["ascii_vs_rest"] = {
        "ascii": quality(ascii_kinds),
        "rest": quality([r.rank for r in answerable if r.kind != "ascii"]),
    }
    unanswerable = [r for r in results if not r.answerable]
    if any(r.coverage is not None for r in results):
        summary["abstention"] = {
            "signal_auc": auc(
                [r.coverage for r in answerable if r.coverage is not None],
                [r.coverage for r in unanswerable if r.coverage is not None],
            ),
            "unanswerable_flagged": sum(1 for r in unanswerable if r.off_topic),
            "unanswerable": len(unanswerable),
            "obvious_flagged": sum(1 for r in unanswerable if r.obviously_off_topic and r.off_topic),
            "obvious": sum(1 for r in unanswerable if r.obviously_off_topic),
            "answerable_flagged": sum(1 for r in answerable if r.off_topic),
            "answerable": len(answerable),
        }
    summary["latency"] = latency(results)
    summary["misses"] = [r.id for r in answerable if r.rank is None]
    return summary


# --- the naive baseline --------------------------------------------------------------
class NaiveBaseline:
    """Dense-only MiniLM over a plain 1000/200 split of the raw files (LangChain quickstart)."""

    def __init__(self, knowledge_dir: Path, chunk_size: int = 1000, chunk_overlap: int = 200) -> None:
        import chromadb
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from vectorstore.embeddings import MINILM_MODEL_ID, get_embeddings

        self.embeddings = get_embeddings(MINILM_MODEL_ID)
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        texts: list[str] = []
        metadatas: list[dict[str, str]] = []
        for path in sorted(p for p in knowledge_dir.rglob("*") if p.is_file()):
            if path.suffix.lower() not in {".md", ".txt", ".markdown"}:
                continue
            # TextLoader(path, encoding="utf-8"): what the file says, broken or not.
            raw = path.read_text(encoding="utf-8", errors="replace")
            for piece in splitter.split_text(raw):
                texts.append(piece)
                metadatas.append({"source": path.relative_to(knowledge_dir).as_posix()})
        client = chromadb.EphemeralClient(settings=chromadb.config.Settings(anonymized_telemetry=False))
        self.store = Chroma(
            client=client,
            collection_name=f"baseline-{uuid.uuid4().hex[:12]}",
            embedding_function=self.embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self.store.add_texts(texts, metadatas=metadatas)
        self.chunks = len(texts)

    def search(self, query: str, k: int) -> SearchOutcome:
        docs = self.store.similarity_search(query, k=k)
        return SearchOutcome(texts=[d.page_content for d in docs])


def hybrid_search_fn(retriever: Any) -> SearchFn:
    """Adapt a `Retriever` to the evaluation's search signature."""

    def search(query: str, k: int) -> SearchOutcome:
        response = retriever.search(query, k=k)
        # The signal off_topic is decided on (coverage when there is no other).
        signal = getattr(response, "relevance", response.coverage)
        return SearchOutcome(texts=[p.text for p in response.passages], coverage=signal, off_topic=response.off_topic)

    return search


def warm(search: SearchFn, queries: Sequence[str], k: int = EVAL_K) -> None:
    """Run a few queries untimed (model loads, caches) before measuring latency."""
    for query in queries:
        search(query, k)


@dataclass
class EvalReport:
    questions: int
    ours: dict[str, Any]
    baseline: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
