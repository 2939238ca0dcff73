"""Offline course answers that quote the course as written, or say in one sentence that it does not cover the question.

The blocks of the first passages are scored (`chains.offline_scoring`) and the
best one is quoted with its passage around it (`chains.offline_render`).

- A second source is added only when its best block scores at least half the
  best and says something the first did not, or when the retriever scored the
  two passages as a tie (then both are shown: word matching cannot tell them
  apart either).
- When no block shares enough of the question, or the question names something
  the passages never mention (`chains.offline_scope`), the answer is one
  Turkish sentence that the course does not cover it, plus the nearest section
  as a labelled suggestion.
"""

from __future__ import annotations

import re
from typing import Sequence

from chains.offline_render import render, with_context
from chains.offline_scope import unknown_names
from chains.offline_scoring import Scored, required_overlap, score_blocks
from chains.offline_scoring import terms as _terms
from chains.prompts import NOT_IN_COURSE
from vectorstore.types import Passage

MAX_ANSWER_CHARS = 1100  # about a screen, leaving room for the footer line
TIED_SCORE_GAP = 0.03  # retriever fused scores this close rank two passages as one
SECOND_SOURCE_RATIO = 0.5  # of the best score; it must also answer a question term the first does not
CONFIDENT_RELEVANCE = 0.5
FIRST_SLACK = 0.6
OTHER_SLACK = 0.25
_ASKS_FIGURE = re.compile(r"\bkaç\b|\bkaçtır|ne zaman|hangi tarih|hangi yıl|fiyat")
NOT_COVERED_SHORT = f"{NOT_IN_COURSE}; bu soruyu karşılayan bir bölüm bulamadım."
SUGGESTION_LABEL = "Öneri — en yakın ders bölümü"
FOOTER = "(Dil modeli kullanılmadan, ders belgelerinden alıntılandı; ayrıntı için kaynağa bakın.)"


def compose(
    question: str,
    numbered: Sequence[tuple[int, Passage]],
    off_topic: bool,
    expansion: str = "",
    relevance: float | None = None,
    around: bool = True,
) -> tuple[str, list[int], bool]:
    """(answer text, cited numbers, answered from the course).

    `around=False` quotes the best block alone, without its passage around it (next to computed
    hardware numbers, which are the answer there).
    """
    if off_topic or not numbered:
        return NOT_COVERED_SHORT, [], False
    scored = score_blocks(question, numbered, expansion)
    if unknown_names(question, [passage.text for _, passage in numbered]):
        # "LoRA", "Phi-3", "claude 3.5": the course never mentions what the question is about.
        return _abstain(scored, numbered)
    needed = required_overlap(question)
    # The retriever's first passage already matched the question as a whole: a near-full
    # match is enough there, and one shared term when the retriever's relevance is high.
    first = needed - FIRST_SLACK if relevance is None or relevance < CONFIDENT_RELEVANCE else min(needed, 1.0)
    answering = [s for s in scored if s.overlap >= (first if s.rank == 0 else needed - OTHER_SLACK)]
    if _ASKS_FIGURE.search(question.lower()):
        # "kaç", "ne zaman": a block without a single figure cannot be the answer.
        answering = [s for s in answering if re.search(r"\d", _rendered_text(s))]
    if not answering:
        return _abstain(scored, numbered)
    best = answering[0]
    parts = [with_context(best, question, expansion) if around else render(best, question, expansion, row_only=True)]
    cited = [best.number]
    used = len(parts[0])
    for other in answering[1:]:
        if other.score < SECOND_SOURCE_RATIO * best.score:
            break
        if other.number == best.number or other.block.search_text in best.passage.text:
            continue
        # It must answer a part of the question the first block does not (a term it lacks), unless the
        # retriever could not tell the two passages apart: then both are shown.
        tied = other.passage.score > 0 and best.passage.score - other.passage.score < TIED_SCORE_GAP
        if not tied and not (_covered(other, question) - _covered(best, question)):
            continue
        extra = render(other, question, expansion, limit=300)
        if used + len(extra) + len(FOOTER) + 4 > MAX_ANSWER_CHARS:
            continue
        parts.append(extra)
        cited.append(other.number)
        break
    text = "\n\n".join(parts) + "\n\n" + FOOTER
    return text, cited, True


def _rendered_text(item: Scored) -> str:
    block = item.block
    if block.kind == "prose":
        return " ".join(block.sentences)
    if block.kind == "table":
        return " ".join(block.rows[block.focus])
    return block.search_text


def _covered(item: Scored, question: str) -> set[str]:
    """The question terms a block answers, in its text or its heading."""
    section = _terms(item.passage.section.split(">")[-1]) if item.passage.section else set()
    return _terms(question) & (_terms(item.block.search_text) | _terms(item.block.heading) | section)


def _abstain(scored: list[Scored], numbered: Sequence[tuple[int, Passage]]) -> tuple[str, list[int], bool]:
    """One sentence, and the nearest section as a suggestion when the question touched one.

    Touching means sharing a whole question word: a half match of a word's first letters
    ("fotosentez" / "fotoğraf") suggests nothing.
    """
    if not scored or scored[0].overlap < 1:
        return NOT_COVERED_SHORT, [], False
    nearest = scored[0]
    return f"{NOT_COVERED_SHORT}\n\n{SUGGESTION_LABEL}: {nearest.passage.location()} [{nearest.number}]", [nearest.number], False
