"""Answers without a language model: extractive course answers and rule-based hardware answers.

Used when there is no API key, when the provider is unreachable for a turn, or
when the student asks for offline mode. Everything here is deterministic.

- Course questions: the best passages are split into sentences; sentences are
  scored by how many of the question's index terms (Turkish prefix terms from
  `turkish.tokenize`) they contain; the best few are quoted in document order
  with their citation numbers.
- Hardware questions: `hardware.question_parser` reads model, precision, VRAM,
  GPU, context length and workload (merged with the thread's previous hardware
  question for follow-ups) and the hardware functions compute the numbers
  (see `chains.hardware_answers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from chains.prompts import NOT_IN_COURSE
from vectorstore.types import Passage

MAX_SENTENCES = 4
MAX_PASSAGES = 3
SENTENCE_MAX_CHARS = 320

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÇĞİÖŞÜ0-9\"“(])|\n{1,}")
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\{[^}]*\}|^[#>*\-\s|]+|\*\*|__|`")


@dataclass
class OfflineAnswer:
    text: str
    cited: list[int] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    answered_from_course: bool = False


def _terms(text: str) -> set[str]:
    try:
        from turkish.tokenize import index_terms
    except ImportError:  # pragma: no cover - turkish/ is part of the project
        return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2}
    return set(index_terms(text))


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_CODE_LIKE = re.compile(r"(^\$|\w\(|=\s|^\s*(import|from|def|class|print)\b|[{};]\s*$)")


def _clean_sentence(sentence: str) -> str:
    lines = []
    for line in sentence.splitlines():
        line = _LINK.sub(r"\1", line)
        line = _URL.sub("", line)
        line = _MARKUP.sub("", line).strip()
        if line:
            lines.append(line)
    return " ".join(lines).strip()


def _is_prose(sentence: str) -> bool:
    """Headings, table rows, list labels and code carry no answer on their own."""
    if sentence.count("|") >= 2 or sentence.count("\t") >= 2 or _CODE_LIKE.search(sentence):
        return False
    if len(sentence) < 25 or not re.search(r"[a-zçğıöşü]{3}", sentence):
        return False
    words = sentence.split()
    return len(words) >= 5 and (sentence.rstrip()[-1:] in ".!?:…" or len(sentence) >= 70)


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text):
        cleaned = _clean_sentence(piece)
        if _is_prose(cleaned) and cleaned not in sentences:
            sentences.append(cleaned)
    return sentences


def select_sentences(
    question: str, numbered: Sequence[tuple[int, Passage]], limit: int = MAX_SENTENCES, min_overlap: int = 1
) -> list[tuple[int, str]]:
    """(citation number, sentence) pairs that best answer the question."""
    query = _terms(question)
    scored: list[tuple[float, int, int, int, str]] = []
    for rank, (number, passage) in enumerate(numbered[:MAX_PASSAGES]):
        for position, sentence in enumerate(split_sentences(passage.text)):
            overlap = len(query & _terms(sentence))
            if overlap < min_overlap:
                continue
            # Prefer higher-ranked passages and earlier sentences on ties.
            score = overlap - 0.15 * rank - 0.01 * position
            scored.append((score, rank, position, number, sentence))
    if not scored and numbered and min_overlap <= 1:
        # No term in common: quote the start of the best passage rather than nothing.
        number, passage = numbered[0]
        return [(number, s) for s in split_sentences(passage.text)[:2]]
    unique: dict[str, tuple[float, int, int, int, str]] = {}
    for item in sorted(scored, reverse=True):
        unique.setdefault(item[4], item)  # the same sentence in two passages is quoted once
    best = list(unique.values())[:limit]
    best.sort(key=lambda item: (item[1], item[2]))
    picked = []
    for _, _, _, number, sentence in best:
        if len(sentence) > SENTENCE_MAX_CHARS:
            sentence = sentence[:SENTENCE_MAX_CHARS].rsplit(" ", 1)[0] + " …"
        picked.append((number, sentence))
    return picked


def course_answer(
    question: str, numbered: Sequence[tuple[int, Passage]], off_topic: bool, min_overlap: int = 1
) -> OfflineAnswer:
    """Quoted course sentences; with `min_overlap` > 1 an empty answer when nothing is clearly relevant."""
    if min_overlap > 1 and (off_topic or not numbered):
        return OfflineAnswer(text="", answered_from_course=False)
    if off_topic or not numbered:
        text = f"{NOT_IN_COURSE}. Sorunuzla ilgili bir bölüm ders belgelerinde bulunamadı; soruyu farklı kelimelerle sormayı ya da eğitmeninize danışmayı deneyebilirsiniz."
        return OfflineAnswer(text=text, answered_from_course=False)
    picked = select_sentences(question, numbered, min_overlap=min_overlap)
    if not picked:
        return OfflineAnswer(text="", answered_from_course=False)
    lines = ["Ders belgelerinde bu soruyla ilgili şu bilgiler var:"]
    for number, sentence in picked:
        lines.append(f"- {sentence} [{number}]")
    cited = sorted({number for number, _ in picked})
    lines.append("")
    lines.append("(Bu cevap, dil modeli kullanılmadan ders belgelerindeki cümlelerden derlendi; ayrıntı için kaynaklara bakın.)")
    return OfflineAnswer(text="\n".join(lines), cited=cited, answered_from_course=True)
