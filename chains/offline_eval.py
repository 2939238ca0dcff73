"""Measure offline course answers on the labelled question sets (tests/data/*.jsonl).

For every question the retriever runs once; each composer (today's and the
baseline sentence picker) answers from the same passages, so the two are
compared in the same run on the same retrieval.

- evidence share: answerable questions whose answer text contains one of the
  evidence spans (normalized token match, `vectorstore.evaluation.evidence_key`;
  citation markers "[n]" are removed first, they are not course text);
- abstention: unanswerable questions answered with "not in the course";
- length: characters of the answer text (mean, max, answers over a screen);
- by rank: answers with the evidence / questions, by the rank of the first
  retrieved passage that holds the evidence ("0": none of them).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from chains.offline import OfflineAnswer, baseline_course_answer, course_expansion
from vectorstore.evaluation import EvalItem, evidence_key
from vectorstore.types import Passage, SearchResponse

SCREEN_CHARS = 1200
Composer = Callable[..., OfflineAnswer]
_CITATION = re.compile(r"\s?\[\d+\]")


def contains_evidence(answer: str, item: EvalItem) -> bool:
    key = evidence_key(_CITATION.sub(" ", answer))
    return any(evidence_key(span) in key for span in item.spans)


@dataclass
class Outcome:
    id: str
    split: str
    kind: str
    answerable: bool
    answered: bool  # answered from the course (not an abstention)
    evidence: bool
    chars: int
    evidence_rank: int = 0  # 1-based rank of the first passage holding the evidence; 0: none


def evidence_rank(item: EvalItem, response: SearchResponse) -> int:
    for rank, passage in enumerate(response.passages, start=1):
        if contains_evidence(passage.text, item):
            return rank
    return 0


def answer_with(composer: Composer, item: EvalItem, response: SearchResponse) -> OfflineAnswer:
    numbered = list(enumerate(response.passages, start=1))
    if composer is baseline_course_answer:  # the old picker saw neither the relevance nor the word neighbours
        expansion = response.expanded_query if response.expanded_query != response.query else ""
        return composer(item.question, numbered, response.off_topic, expansion=expansion)
    return composer(
        item.question, numbered, response.off_topic, expansion=course_expansion(response), relevance=response.relevance
    )


def run(composer: Composer, items: Sequence[EvalItem], responses: Sequence[SearchResponse]) -> list[Outcome]:
    """`responses[i]` is the retrieval for `items[i]` (ids repeat across the sets: "u001" is in two)."""
    outcomes = []
    for item, response in zip(items, responses, strict=True):
        answer = answer_with(composer, item, response)
        outcomes.append(
            Outcome(
                id=item.id,
                split=item.split,
                kind=item.kind,
                answerable=item.answerable,
                answered=answer.answered_from_course,
                evidence=item.answerable and contains_evidence(answer.text, item),
                chars=len(answer.text),
                evidence_rank=evidence_rank(item, response) if item.answerable else 0,
            )
        )
    return outcomes


def _group(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    lengths = [o.chars for o in outcomes]
    return {
        "answerable": len(answerable),
        "evidence_share": round(sum(o.evidence for o in answerable) / len(answerable), 3) if answerable else None,
        "unanswerable": len(unanswerable),
        "abstained": sum(1 for o in unanswerable if not o.answered),
        "answerable_abstained": sum(1 for o in answerable if not o.answered),
        "mean_chars": round(statistics.fmean(lengths)) if lengths else 0,
        "max_chars": max(lengths, default=0),
        "over_screen": sum(1 for n in lengths if n > SCREEN_CHARS),
        "by_rank": _by_rank(answerable),
    }


def _by_rank(answerable: Sequence[Outcome]) -> dict[str, list[int]]:
    """{rank: [answers with the evidence, questions]}, ranks as strings for JSON."""
    table: dict[str, list[int]] = {}
    for o in sorted(answerable, key=lambda o: o.evidence_rank):
        cell = table.setdefault(str(o.evidence_rank), [0, 0])
        cell[0] += o.evidence
        cell[1] += 1
    return table


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    by_split: dict[str, list[Outcome]] = defaultdict(list)
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    by_split_kind: dict[str, dict[str, list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for o in outcomes:
        by_split[o.split].append(o)
        by_kind[o.kind].append(o)
        by_split_kind[o.split][o.kind].append(o)
    return {
        "overall": _group(outcomes),
        "splits": {name: _group(group) for name, group in sorted(by_split.items())},
        "kinds": {name: _group(group) for name, group in sorted(by_kind.items())},
        "split_kinds": {
            split: {kind: _group(group) for kind, group in sorted(kinds.items())} for split, kinds in sorted(by_split_kind.items())
        },
        "misses": [f"{o.split}:{o.id}" for o in outcomes if o.answerable and not o.evidence],
    }


def evaluate(
    search: Callable[[str], SearchResponse], items: Iterable[EvalItem], composers: dict[str, Composer]
) -> dict[str, Any]:
    """{composer name: summary} over the same retrieval results."""
    items = list(items)
    responses = [search(item.question) for item in items]
    return {name: summarize(run(composer, items, responses)) for name, composer in composers.items()}


def default_composers() -> dict[str, Composer]:
    from chains import offline

    return {"ours": offline.course_answer, "baseline": offline.baseline_course_answer}
