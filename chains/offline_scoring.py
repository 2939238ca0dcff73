"""Score a passage's blocks against a question, by the question's index terms each block shares.

A passage is read into blocks (`chains.offline_blocks`): lists, tables and
prose sentences, each under its nearest heading. A block scores the question's
Turkish index terms it shares, counting its heading too (the list under
"Küçük Dil Modelinin Avantajları" answers "küçük dil modellerinin avantajları
neler" though its items never say "avantaj"), weighted by rarity among the
candidate blocks; glossary and word-neighbour terms count half. A lower-ranked
passage pays for how far the retriever put it below the first one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

from chains.offline_blocks import Block, passage_blocks
from vectorstore.types import Passage

MAX_PASSAGES = 3
# Per unit of the retriever's fused score below the first passage (scores span about 0.3 over the top
# three); a fixed penalty per rank ignored how sure the retriever was (+0.01 to +0.02 on four of seven sets).
RANK_PENALTY = 2.5
RANK_STEP = 0.2
RARITY_STRENGTH = 1.0
SOFT_PREFIX = 4
SOFT_SHARE = 0.5
PARAGRAPH_SHARE = 0.8
_NUMBER_QUESTION = re.compile(r"\bkaç|ne kadar|skor|puan|yüzde|oran|fiyat|maliyet")


_URL_OR_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+|\b\S+\.(com|org|ai|io|gg)\S*")


def _no_urls(text: str) -> str:
    """Addresses are not words of the answer: "github.com/langchain-ai/langchain" says nothing about LangChain."""
    return _URL_OR_TARGET.sub(" ", text)


def terms(text: str) -> set[str]:
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
    siblings: list[Block] = field(default_factory=list)  # all blocks of its passage, as read for scoring


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


_CODE_QUESTION = re.compile(r"\bkod|\bkomut|python|\bpip\b|\bcurl\b|terminal|script|import\b", re.IGNORECASE)


def asks_for_code(question: str) -> bool:
    """"kodda ne yazıyoruz", "pip ile hangi paket": the question is about a code example or a command."""
    return _CODE_QUESTION.search(question) is not None


def _synonym_groups(question: str) -> list[tuple[set[str], set[str]]]:
    """(the student's terms, the terms the glossary added for them), one pair per glossary concept."""
    from turkish.glossary import load_glossary

    return [(terms(" ".join(hits)), terms(" ".join(added))) for hits, added in load_glossary().expand(question).groups]


def score_blocks(
    question: str, numbered: Sequence[tuple[int, Passage]], expansion: str = ""
) -> list[Scored]:
    query = terms(question)
    extra = terms(expansion) - query if expansion else set()
    wants_number = _NUMBER_QUESTION.search(question.lower()) is not None
    candidates = []
    wants_code = asks_for_code(question)
    for rank, (number, passage) in enumerate(numbered[:MAX_PASSAGES]):
        section_terms = terms(passage.section.split(">")[-1]) if passage.section else set()
        blocks = passage_blocks(passage.text)
        for block in blocks:
            if block.kind == "code" and not wants_code:
                continue  # code answers only a question about code
            candidates.append((rank, number, passage, block, blocks, terms(_no_urls(block.search_text)), terms(block.heading) | section_terms))
    weight = _rarity(query | extra, [(body, head) for *_, body, head in candidates])
    paragraph_terms: dict[int, set[str]] = {}  # the sentences of one paragraph share one list
    synonyms = _synonym_groups(question)
    top = numbered[0][1].score if numbered else 0.0
    scored: list[Scored] = []
    for rank, number, passage, block, blocks, body_terms, heading_terms in candidates:
        # A sentence is read with its paragraph, a little discounted: "2022'de Harrison Chase tarafından
        # oluşturulmuş" answers "LangChain'i kim yaptı" though only the sentence before names LangChain.
        para_terms = None
        if block.kind == "prose" and len(block.sentences) > 1:
            key = id(block.sentences)
            if key not in paragraph_terms:
                paragraph_terms[key] = terms(_no_urls(" ".join(block.sentences)))
            para_terms = paragraph_terms[key]
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
        scored.append(Scored(score, overlap, rank, number, passage, block, heading_matched, blocks))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def required_overlap(question: str) -> float:
    """Question terms the answering block must share: two (or all, for shorter questions)."""
    return float(max(1, min(len(terms(question)), 2)))
