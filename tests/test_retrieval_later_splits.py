"""Regression floors on the splits written after tuning.

- fresh (tests/data/retrieval_eval_fresh.jsonl): 50 questions (42 answerable,
  8 not, 3 obviously off-topic), written after the first retriever was tuned.
  Measured once with that retriever: hit@5 0.93, MRR@5 0.76. It was then used
  as development data for the second round (presence coverage, diacritic
  restoration, word-neighbour expansion): hit@1 0.67, hit@5 0.95, MRR@5 0.78.
- unseen (tests/data/retrieval_eval_unseen.jsonl): 100 questions (85
  answerable, 15 not, 5 obviously off-topic), written from the documents only
  before the second round was measured, and measured once at its end
  (2026-11-22, `ders-asistani eval retrieval --questions ...unseen.jsonl`):

      second round: hit@1 0.72  hit@5 0.89  MRR@5 0.79 (95% CI 0.71-0.86)
      first round:  hit@1 0.71  hit@5 0.91  MRR@5 0.79 (same split, same day)
      baseline:     hit@1 0.13  hit@5 0.31  MRR@5 0.18
      paraphrase (n=25): hit@5 0.72, MRR@5 0.54; ASCII-only (n=12): MRR@5 0.96

  The second round's gains on the seen splits did not carry over: on unseen
  questions both rounds are equal, below the issue's targets (hit@5 0.95,
  MRR@5 0.85). Paraphrases are the gap.

- unseen2 and unseen3 (100 questions each: 85 answerable, 15 not, 5
  obviously off-topic): written by two more helpers from the cleaned course
  documents alone, without seeing the retriever or any earlier question, in
  the third round (2026-11-22). unseen2 was measured once after the fusion
  weights were moved to 0.5/0.5 on the four earlier splits; unseen3 once
  after the definition bonus (`turkish.definitions`) was added on the five
  earlier ones (`ders-asistani eval retrieval --questions ...`):

      unseen2: hit@1 0.69  hit@5 0.88  MRR@5 0.77 (0.69-0.84); 0.40/0.60 weights: 0.77
               (with the later definition bonus: hit@1 0.73, MRR@5 0.79)
      unseen3: hit@1 0.69  hit@5 0.89  MRR@5 0.77 (0.70-0.85); without the bonus 0.77
      baseline: MRR@5 0.21 on both

  Three independent never-seen splits agree: about 0.77-0.79 MRR@5 and 0.88-0.89
  hit@5, whatever the seen splits gained. On unseen2 ASCII-only questions
  score below the rest (MRR@5 0.69 vs 0.79); on the other splits they do not.

The floors are the level reached minus about two questions: they catch
regressions, they are not the targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import COURSE_DIR, TEST_DATA
from vectorstore.evaluation import EvalItem, evidence_key, hit_rank, load_eval_set, quality


@dataclass(frozen=True)
class Split:
    name: str
    size: int
    unanswerable: int
    obvious: int
    floors: dict[str, float]
    paraphrase_hit5: float
    # How far ASCII-only questions (n=12: one question moves MRR@5 ~0.08) may trail the rest.
    ascii_gap: float = 0.1


SPLITS = [
    Split("fresh", 50, 8, 3, {"hit@5": 0.90, "mrr@5": 0.74, "hit@1": 0.60}, paraphrase_hit5=0.86),
    Split("unseen", 100, 15, 5, {"hit@5": 0.85, "mrr@5": 0.75, "hit@1": 0.67}, paraphrase_hit5=0.64),
    Split(
        "unseen2", 100, 15, 5, {"hit@5": 0.85, "mrr@5": 0.76, "hit@1": 0.69}, paraphrase_hit5=0.75, ascii_gap=0.15
    ),
    Split("unseen3", 100, 15, 5, {"hit@5": 0.86, "mrr@5": 0.74, "hit@1": 0.66}, paraphrase_hit5=0.71),
]


def _items(split: Split) -> list[EvalItem]:
    return load_eval_set(TEST_DATA / f"retrieval_eval_{split.name}.jsonl")


@pytest.fixture(scope="module")
def course_documents() -> dict[str, str]:
    """What the index sees: loaded, repaired, cleaned text per file."""
    from vectorstore.cleaning import clean_for_index
    from vectorstore.loaders import load_document

    return {
        path.name: clean_for_index("\n".join(part.text for part in load_document(path, COURSE_DIR, 50).parts))
        for path in sorted(COURSE_DIR.iterdir())
        if path.is_file()
    }


@pytest.fixture(scope="module")
def responses(course_retriever):
    """Search results per split, computed once per module."""
    cache: dict[str, dict] = {}

    def get(split: Split) -> dict:
        if split.name not in cache:
            cache[split.name] = {i.id: course_retriever.search(i.question, k=5) for i in _items(split)}
        return cache[split.name]

    return get


@pytest.mark.parametrize("split", SPLITS, ids=lambda s: s.name)
def test_split_is_well_formed(split):
    items = _items(split)
    assert len(items) == split.size and len({i.id for i in items}) == split.size
    assert all(i.split == split.name for i in items)
    unanswerable = [i for i in items if not i.answerable]
    assert len(unanswerable) == split.unanswerable
    assert sum(i.obviously_off_topic for i in unanswerable) == split.obvious
    assert all(i.evidence and i.source for i in items if i.answerable)


@pytest.mark.parametrize("split", SPLITS, ids=lambda s: s.name)
def test_every_evidence_span_occurs_in_the_repaired_document(split, course_documents):
    keys = {name: evidence_key(text) for name, text in course_documents.items()}
    for item in (i for i in _items(split) if i.answerable):
        # The evidence lives in its source; an alternative may come from another document.
        assert evidence_key(item.evidence) in keys[item.source], item.id
        for alternative in item.alternatives:
            assert any(evidence_key(alternative) in key for key in keys.values()), item.id


@pytest.mark.slow
@pytest.mark.parametrize("split", SPLITS, ids=lambda s: s.name)
def test_quality_floor(split, responses):
    found = responses(split)
    answerable = [i for i in _items(split) if i.answerable]
    ranks = [hit_rank([p.text for p in found[i.id].passages], i) for i in answerable]
    scores = quality(ranks)
    for metric, floor in split.floors.items():
        assert scores[metric] >= floor, (metric, scores)
    paraphrase = [r for r, i in zip(ranks, answerable) if i.kind == "paraphrase"]
    assert quality(paraphrase)["hit@5"] >= split.paraphrase_hit5
    # Students typing without Turkish letters are served as well as the rest.
    ascii_only = [r for r, i in zip(ranks, answerable) if i.kind == "ascii"]
    assert quality(ascii_only)["mrr@5"] >= scores["mrr@5"] - split.ascii_gap, scores


@pytest.mark.slow
@pytest.mark.parametrize("split", SPLITS, ids=lambda s: s.name)
def test_obviously_off_topic_questions_are_flagged(split, responses):
    found = responses(split)
    obvious = [i for i in _items(split) if i.obviously_off_topic]
    assert all(found[i.id].off_topic for i in obvious), [i.id for i in obvious if not found[i.id].off_topic]
