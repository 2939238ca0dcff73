"""Offline course answers that quote the course as written: whole lists, steps, table rows, or sentences.

A passage is read into blocks (`chains.offline_blocks`): lists (numbered steps
included, also inside a ```markdown fence), tables, and prose sentences, each
under its nearest heading. Every block is scored by the question's index terms
it shares, counting the terms of its heading too, so the list under
"Küçük Dil Modelinin Avantajları" answers "küçük dil modellerinin avantajları
neler" even though the items never say "avantaj".

- The best block wins and is quoted whole: a list stays a list (long lists are
  trimmed to the items that match), a table row comes with its header as a
  small markdown table, prose comes as the best sentence with its matching
  neighbours in document order.
- The blocks around the best one in its passage follow it, as written and in
  document order, while the answer stays under about half a screen: the
  retriever's passage is usually right even when word matching picks the
  wrong block of it (evidence share +0.03 to +0.05 on every evaluation set,
  docs/offline-eval.md).
- A second source is added only when its best block scores close to the best
  and says something the first did not.
- When no block shares enough of the question, the answer is one Turkish
  sentence that the course does not cover it, plus the nearest section as a
  labelled suggestion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from chains.offline_blocks import Block, passage_blocks, quotable
from chains.offline_scope import unknown_names
from chains.prompts import NOT_IN_COURSE
from vectorstore.types import Passage

MAX_PASSAGES = 3
MAX_ANSWER_CHARS = 1100  # about a screen, leaving room for the footer line
PROSE_CHARS = 650
LIST_ITEMS_WHOLE = 8  # longer lists are trimmed to the matching items
TABLE_ROWS = 4
SECOND_SOURCE_RATIO = 0.7
# Per unit of the retriever's fused score below the first passage (scores span about 0.3 over the top
# three); a fixed penalty per rank ignored how sure the retriever was (+0.01 to +0.02 on four of seven sets).
RANK_PENALTY = 2.5
RANK_STEP = 0.2
CONFIDENT_RELEVANCE = 0.5
RARITY_STRENGTH = 1.0
SOFT_PREFIX = 4
WHOLE_PARAGRAPH = True
FIRST_SLACK = 0.6
OTHER_SLACK = 0.25
SOFT_SHARE = 0.5
PARAGRAPH_SHARE = 0.8
CONTEXT_CHARS = 700  # the best block and its passage around it, as written, up to about half a screen
CONTEXT_MIN_WORDS = 6

_ASKS_FIGURE = re.compile(r"\bkaç\b|\bkaçtır|ne zaman|hangi tarih|hangi yıl|fiyat")
_NUMBER_QUESTION = re.compile(r"\bkaç|ne kadar|skor|puan|yüzde|oran|fiyat|maliyet")
NOT_COVERED_SHORT = f"{NOT_IN_COURSE}; bu soruyu karşılayan bir bölüm bulamadım."
SUGGESTION_LABEL = "Öneri — en yakın ders bölümü"
FOOTER = "(Dil modeli kullanılmadan, ders belgelerinden alıntılandı; ayrıntı için kaynağa bakın.)"


_URL_OR_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+|\b\S+\.(com|org|ai|io|gg)\S*")


def _no_urls(text: str) -> str:
    """Addresses are not words of the answer: "github.com/langchain-ai/langchain" says nothing about LangChain."""
    return _URL_OR_TARGET.sub(" ", text)


def _terms(text: str) -> set[str]:
    from turkish.tokenize import index_terms

    return set(index_terms(text))


@dataclass
class Scored:
    score: float
    overlap: float
    rank: int
    number: int
    passage: Passage
    block: Block
    heading_matched: bool = False


def _overlap(
    block_terms: set[str], heading_terms: set[str], query: set[str], extra: set[str], weight: dict[str, float] | None = None
) -> float:
    """Shared question terms (expansion terms count half); a heading counts for the terms the body lacks."""
    w = weight or {}

    def total(terms: set[str], share: float) -> float:
        return sum(share * w.get(term, 1.0) for term in terms)

    body = total(query & block_terms, 1.0) + total(extra & block_terms, 0.5)
    head = total((query & heading_terms) - block_terms, 1.0) + total((extra & heading_terms) - block_terms, 0.5)
    # A short root with another suffix ("adımları"/"adımda", "kuruyorum"/"kurulur") or a slip
    # late in the word ("tranformer"): the same first four letters count a little.
    soft = soft_matches(query - block_terms - heading_terms, block_terms | heading_terms)
    return body + 0.9 * head + total(soft, SOFT_SHARE)


def soft_matches(query: set[str], terms: set[str]) -> set[str]:
    """Question terms without an exact match that share their first four letters with a block term."""
    stems = {term[:SOFT_PREFIX] for term in terms if len(term) >= SOFT_PREFIX}
    return {term for term in query if len(term) >= SOFT_PREFIX and term[:SOFT_PREFIX] in stems}


def _rarity(query: set[str], blocks: list[tuple[set[str], set[str]]]) -> dict[str, float]:
    """Weight of each question term: a term in every block ("model") says less than a rare one ("avantaj")."""
    count = max(1, len(blocks))
    weight = {}
    for term in query:
        df = sum(1 for body, head in blocks if term in body or term in head)
        weight[term] = 1.0 / (1.0 + RARITY_STRENGTH * math.log(1 + df * 10 / count)) if df else 1.0
    return weight


def _synonym_groups(question: str) -> list[tuple[set[str], set[str]]]:
    """(the student's terms, the terms the glossary added for them), one pair per glossary concept."""
    from turkish.glossary import load_glossary

    return [(_terms(" ".join(hits)), _terms(" ".join(added))) for hits, added in load_glossary().expand(question).groups]


def score_blocks(
    question: str, numbered: Sequence[tuple[int, Passage]], expansion: str = ""
) -> list[Scored]:
    query = _terms(question)
    extra = _terms(expansion) - query if expansion else set()
    wants_number = _NUMBER_QUESTION.search(question.lower()) is not None
    candidates = []
    for rank, (number, passage) in enumerate(numbered[:MAX_PASSAGES]):
        section_terms = _terms(passage.section.split(">")[-1]) if passage.section else set()
        for block in passage_blocks(passage.text):
            candidates.append((rank, number, passage, block, _terms(_no_urls(block.search_text)), _terms(block.heading) | section_terms))
    weight = _rarity(query | extra, [(body, head) for *_, body, head in candidates])
    synonyms = _synonym_groups(question)
    top = numbered[0][1].score if numbered else 0.0
    scored: list[Scored] = []
    for rank, number, passage, block, body_terms, heading_terms in candidates:
        # A sentence is read with its paragraph, a little discounted: "2022'de Harrison Chase tarafından
        # oluşturulmuş" answers "LangChain'i kim yaptı" though only the sentence before names LangChain.
        para_terms = _terms(_no_urls(" ".join(block.sentences))) if block.kind == "prose" and len(block.sentences) > 1 else None
        overlap = _overlap(body_terms, heading_terms, query, extra)  # decides whether it answers at all
        if para_terms is not None:
            overlap = max(overlap, PARAGRAPH_SHARE * _overlap(para_terms, heading_terms, query, extra))
        if overlap <= 0:
            continue
        # Structured blocks answer "list/steps" questions whole; prefer them on ties.
        bonus = 0.2 if block.kind in ("list", "table") else 0.0
        if wants_number and block.kind == "table" and any(ch.isdigit() for ch in block.search_text):
            bonus += 0.5  # "kaç", "skoru": a row of figures is the answer
        # For the order, a synonym the glossary added says nothing new where the student's own word is
        # already there ("Recurrent Neural Networks" beside "RNN"): the concept counts once.
        present = body_terms | heading_terms
        said = set().union(*(added for matched, added in synonyms if matched & present)) if synonyms else set()
        weighted = _overlap(body_terms, heading_terms, query, extra - said, weight)
        if para_terms is not None:
            weighted = max(weighted, PARAGRAPH_SHARE * _overlap(para_terms, heading_terms, query, extra - said, weight))
        # A lower-ranked passage pays for how far the retriever put it below the first one.
        below = top - passage.score if top > 0 else RANK_STEP * rank  # passages without scores: by rank
        score = weighted + bonus - RANK_PENALTY * below - 0.002 * block.position
        heading_matched = bool((query & heading_terms) - body_terms)
        scored.append(Scored(score, overlap, rank, number, passage, block, heading_matched))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def required_overlap(question: str) -> float:
    """Question terms the answering block must share: two (or all, for shorter questions)."""
    return float(max(1, min(len(_terms(question)), 2)))


def render(best: Scored, question: str, expansion: str = "", limit: int = PROSE_CHARS) -> str:
    """The block as markdown, trimmed to what answers, with its citation number."""
    query = _terms(question) | (_terms(expansion) if expansion else set())
    block, tag = best.block, f"[{best.number}]"
    if block.kind == "list":
        items = block.items
        if len(items) > LIST_ITEMS_WHOLE:
            matching = [item for item in items if query & _terms(item)]
            items = matching[:LIST_ITEMS_WHOLE] or items[:LIST_ITEMS_WHOLE]
        lines = [f"{block.intro} {tag}"] if block.intro else []
        if not block.intro and best.heading_matched and block.heading:
            lines.append(f"**{block.heading}**")
        for index, item in enumerate(items, start=1):
            lines.append(f"{index}. {item}" if block.ordered else f"- {item}")
        if not block.intro:
            lines[-1] += f" {tag}"
        return "\n".join(lines)
    if block.kind == "table":
        # The best row, then the other rows that share a question term (most shared first), in table order;
        # a term in every row ("GB" in a VRAM column) tells no row apart.
        row_terms = [_terms(" ".join(row)) for row in block.rows]
        everywhere = set.intersection(*row_terms) if row_terms else set()
        shared = {i: len((query & terms) - everywhere) for i, terms in enumerate(row_terms) if i != block.focus}
        others = sorted((i for i, n in shared.items() if n), key=lambda i: (-shared[i], i))
        rows = [block.rows[i] for i in sorted([block.focus, *others[: TABLE_ROWS - 1]])]
        width = len(block.header)
        lines = ["| " + " | ".join(block.header) + " |", "|" + "---|" * width]
        for row in rows:
            cells = (row + [""] * width)[:width]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + f"\n\n{tag}"
    # Prose: the best sentence plus the matching sentences around it, in document order.
    sentences = block.sentences
    whole = [i for i, sentence in enumerate(sentences) if quotable(sentence)]
    if WHOLE_PARAGRAPH and len(" ".join(sentences[i] for i in whole)) <= limit:
        # A short paragraph is one thought: quote all of it rather than pick from it.
        return " ".join(sentences[i] for i in whole) + f" {tag}"
    chosen = {best.block.focus}
    for index, sentence in enumerate(sentences):
        near = abs(index - block.focus)
        # The next sentence usually finishes the thought; further ones must match the question.
        if index != block.focus and quotable(sentence) and (index == block.focus + 1 or (_shares(query, _terms(sentence)) and near <= 2)):
            chosen.add(index)
    text = ""
    for index in sorted(chosen, key=lambda i: (abs(i - block.focus), i)):
        candidate = " ".join(sentences[i] for i in sorted({*_picked(text, sentences), index}))
        if len(candidate) <= limit or not text:
            text = candidate
    return f"{text} {tag}"


def _shares(query: set[str], terms: set[str]) -> bool:
    return bool(query & terms or soft_matches(query, terms))


def _picked(text: str, sentences: list[str]) -> set[int]:
    return {i for i, s in enumerate(sentences) if text and s in text}


def compose(
    question: str,
    numbered: Sequence[tuple[int, Passage]],
    off_topic: bool,
    expansion: str = "",
    relevance: float | None = None,
) -> tuple[str, list[int], bool]:
    """(answer text, cited numbers, answered from the course)."""
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
    parts = [with_context(best, question, expansion)]
    cited = [best.number]
    used = len(parts[0])
    for other in answering[1:]:
        if other.score < SECOND_SOURCE_RATIO * best.score:
            break
        if other.number == best.number or other.block.search_text in best.passage.text:
            continue
        # It must answer a part of the question the first block does not (a term it lacks).
        if not (_covered(other, question) - _covered(best, question)):
            continue
        extra = render(other, question, expansion, limit=300)
        if used + len(extra) + len(FOOTER) + 4 > MAX_ANSWER_CHARS:
            continue
        parts.append(extra)
        cited.append(other.number)
        break
    text = "\n\n".join(parts) + "\n\n" + FOOTER
    return text, cited, True


def _units(blocks: list[Block]) -> list[list[Block]]:
    """Blocks grouped as written: the sentences of one paragraph, the rows of one table, one list."""
    units: list[list[Block]] = []
    keys: list[object] = []
    for block in blocks:
        key = id(block.sentences) if block.kind == "prose" else id(block.rows) if block.kind == "table" else block.position
        if keys and keys[-1] == key:
            units[-1].append(block)
        else:
            units.append([block])
            keys.append(key)
    return units


def _context_text(unit: list[Block], best: Scored, question: str, expansion: str) -> str:
    """A neighbouring paragraph, list or small table quoted whole; "" for lines that teach nothing on their own."""
    first = unit[0]
    if first.kind == "prose":
        sentences = [s for s in first.sentences if quotable(s) and len(s.split()) >= CONTEXT_MIN_WORDS]
        return " ".join(sentences)
    if first.kind == "table" and len(first.rows) > TABLE_ROWS:
        return ""
    if first.kind == "list" and len(first.items) < 2 and len(first.items[0].split()) < CONTEXT_MIN_WORDS:
        return ""  # a lone label ("**Model Sharding (Bölümleme)**", "1. sınıf")
    return _untagged(render(Scored(0, 0, 0, best.number, best.passage, first), question, expansion), best.number)


def _continues(question: set[str], own_heading: set[str], heading: set[str]) -> bool:
    """Does a section under another heading carry on with the question?

    It must name a question term, and every question term the best block's own heading names:
    "RNN (Recurrent Neural Networks)" carries on from an overview titled "RNN, Transformer ve
    Attention" for "RNN'lerin zayıf yanı", while "Zayıflıkları" does not carry on from "Avantajları".
    """
    return bool(question & heading) and (question & own_heading) <= heading


def _same_section(block: Block, best: Block) -> bool:
    # A nested list's groups carry "heading title" as their heading: the same section.
    if block.heading == best.heading:
        return True
    return bool(block.heading and best.heading) and (block.heading.startswith(best.heading) or best.heading.startswith(block.heading))


def _untagged(text: str, number: int) -> str:
    return text.replace(f"\n\n[{number}]", "").replace(f" [{number}]", "").strip()


def with_context(best: Scored, question: str, expansion: str) -> str:
    """The best block, then the blocks around it in its passage (next first) while they fit, in document order."""
    core = render(best, question, expansion)
    if len(core) >= CONTEXT_CHARS:
        return core
    units = _units(passage_blocks(best.passage.text))
    at = next((i for i, unit in enumerate(units) if any(b.position == best.block.position for b in unit)), None)
    if at is None:
        return core
    own_heading = _terms(best.block.heading) | (_terms(best.passage.section.split(">")[-1]) if best.passage.section else set())
    question_terms = _terms(question)
    core_text = _untagged(core, best.number)
    texts: dict[int, tuple[str, str]] = {at: (best.block.heading, core_text)}  # unit index -> (heading, text)
    used = len(core_text)
    for step in range(1, len(units)):
        for index in (at + step, at - step):
            if not 0 <= index < len(units):
                continue
            block = units[index][0]
            if not _same_section(block, best.block) and not _continues(question_terms, own_heading, _terms(block.heading)):
                continue
            text = _context_text(units[index], best, question, expansion)
            if text and text not in core_text and used + len(text) <= CONTEXT_CHARS:
                texts[index] = (block.heading, text)
                used += len(text)
    if len(texts) == 1:
        return core
    parts, shown = [], best.block.heading
    for index in sorted(texts):
        heading, text = texts[index]
        if index != at and heading and heading != shown and not _same_section(units[index][0], best.block):
            text = f"**{heading}**\n{text}"  # another section: its title, once
        shown = heading
        parts.append(text)
    tail = f"\n\n[{best.number}]" if parts[-1].splitlines()[-1].startswith("|") else f" [{best.number}]"
    return "\n\n".join(parts) + tail


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
    """One sentence, and the nearest section as a suggestion when the question touched one."""
    if not scored:
        return NOT_COVERED_SHORT, [], False
    nearest = scored[0]
    return f"{NOT_COVERED_SHORT}\n\n{SUGGESTION_LABEL}: {nearest.passage.location()} [{nearest.number}]", [nearest.number], False
