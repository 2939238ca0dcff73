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
MIN_SHARED_TERMS = 2

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÇĞİÖŞÜ0-9\"“(])|\n{1,}")
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\{[^}]*\}|^[#>*\-\s|]+|\*+|__|`")


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


def _table_row(line: str) -> str | None:
    """A markdown or tab table row as readable text ("PubMedBERT-small — 100M — Tıbbi literatür işleme")."""
    separator = "|" if line.count("|") >= 2 else "\t" if line.count("\t") >= 2 else None
    if separator is None:
        return None
    cells = [cell.strip() for cell in line.strip().strip("|").split(separator)]
    cells = [cell for cell in cells if cell and not set(cell) <= set("-: ")]
    return " — ".join(cells) if len(cells) >= 2 else ""


def _is_prose(sentence: str) -> bool:
    """Headings, list labels and code carry no answer on their own."""
    if _CODE_LIKE.search(sentence):
        return False
    if len(sentence) < 25 or not re.search(r"[a-zçğıöşü]{3}", sentence):
        return False
    words = sentence.split()
    return len(words) >= 5 and (sentence.rstrip()[-1:] in ".!?:…" or len(sentence) >= 70)


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text):
        row = _table_row(piece)
        if row is not None:
            cleaned = _clean_sentence(row) if row else ""
            keep = len(cleaned.split()) >= 3 and re.search(r"[a-zçğıöşü]{3}", cleaned) is not None
        else:
            cleaned = _clean_sentence(piece)
            keep = _is_prose(cleaned)
        if keep and cleaned not in sentences:
            sentences.append(cleaned)
    return sentences


def select_sentences(
    question: str,
    numbered: Sequence[tuple[int, Passage]],
    limit: int = MAX_SENTENCES,
    min_overlap: float = 1,
    expansion: str = "",
) -> list[tuple[int, str]]:
    """(citation number, sentence) pairs that best answer the question.

    A sentence scores one point per question term it contains and half a point
    per term the retriever's glossary expansion added (synonyms, English terms).
    """
    query = _terms(question)
    extra = _terms(expansion) - query if expansion else set()
    scored: list[tuple[float, int, int, int, str]] = []
    for rank, (number, passage) in enumerate(numbered[:MAX_PASSAGES]):
        for position, sentence in enumerate(split_sentences(passage.text)):
            terms = _terms(sentence)
            overlap = len(query & terms) + 0.5 * len(extra & terms)
            if overlap < min_overlap:
                continue
            # Prefer higher-ranked passages and earlier sentences on ties.
            score = overlap - 0.15 * rank - 0.01 * position
            scored.append((score, rank, position, number, sentence))
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


NOT_COVERED = (
    f"{NOT_IN_COURSE}. Sorunuzla ilgili bir bölüm ders belgelerinde bulunamadı; soruyu farklı kelimelerle "
    "sormayı ya da eğitmeninize danışmayı deneyebilirsiniz."
)


def required_overlap(question: str) -> int:
    """Question terms a quoted sentence must share: two (or all, for shorter questions).

    A two-term question ("Fotosentez nasıl gerçekleşir?") needs both terms, so a
    sentence that only shares a common verb is not taken as an answer.
    """
    count = len(_terms(question))
    return max(1, min(count, MIN_SHARED_TERMS))


def baseline_course_answer(
    question: str,
    numbered: Sequence[tuple[int, Passage]],
    off_topic: bool,
    min_overlap: int | None = None,
    expansion: str = "",
) -> OfflineAnswer:
    """The sentence picker used until the block composer (kept as the evaluation baseline).

    Quoted course sentences, or "not in the course".

    With an explicit `min_overlap` (quotes next to a hardware answer) the
    answer is empty instead when nothing is clearly relevant.
    """
    quiet = min_overlap is not None
    if off_topic or not numbered:
        return OfflineAnswer(text="" if quiet else NOT_COVERED, answered_from_course=False)
    needed = max(min_overlap or 1, required_overlap(question))
    picked = select_sentences(question, numbered, min_overlap=needed, expansion=expansion)
    if not picked:
        if quiet:
            return OfflineAnswer(text="", answered_from_course=False)
        number, passage = numbered[0]
        text = f"{NOT_COVERED}\nEn yakın ders bölümü: {passage.location()} [{number}]"
        return OfflineAnswer(text=text, cited=[number], answered_from_course=False)
    lines = ["Ders belgelerinde bu soruyla ilgili şu bilgiler var:"]
    for number, sentence in picked:
        lines.append(f"- {sentence} [{number}]")
    cited = sorted({number for number, _ in picked})
    lines.append("")
    lines.append("(Bu cevap, dil modeli kullanılmadan ders belgelerindeki cümlelerden derlendi; ayrıntı için kaynaklara bakın.)")
    return OfflineAnswer(text="\n".join(lines), cited=cited, answered_from_course=True)


def course_answer(
    question: str,
    numbered: Sequence[tuple[int, Passage]],
    off_topic: bool,
    min_overlap: int | None = None,
    expansion: str = "",
    relevance: float | None = None,
) -> OfflineAnswer:
    """The course quoted as written (`chains.offline_quote`), or "not in the course".

    With an explicit `min_overlap` (quotes next to a hardware answer) the
    answer is the best block alone, without its passage around it, and empty
    instead of a refusal when nothing clearly matches.
    """
    from chains.offline_quote import compose

    text, cited, answered = compose(
        question, numbered, off_topic, expansion=expansion, relevance=relevance, around=min_overlap is None
    )
    if min_overlap is not None and not answered:
        return OfflineAnswer(text="", answered_from_course=False)
    return OfflineAnswer(text=text, cited=cited, answered_from_course=answered)


def course_expansion(response: Any) -> str:
    """What the composer matches besides the question: the glossary's added terms and the course words
    the retriever searched for question words the course never uses ("ufak" -> "küçük")."""
    glossary = response.expanded_query if response.expanded_query != response.query else ""
    neighbors = " ".join(getattr(response, "neighbor_words", ()) or ())
    return " ".join(part for part in (glossary, neighbors) if part)


def cited_sources(text: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
    """An offline answer lists the passages it quotes, renumbered [1], [2], … in the order it cites them.

    The sources panel shows what the answer was built from, not every retrieved
    passage: a refusal shows only its suggested section (or nothing), a quote
    from one passage shows that passage.
    """
    order: list[int] = []
    for match in re.finditer(r"\[(\d+)\]", text):
        number = int(match.group(1))
        if 1 <= number <= len(passages) and number not in order:
            order.append(number)
    renumber = {old: new for new, old in enumerate(order, start=1)}

    def replace(match: re.Match[str]) -> str:
        number = int(match.group(2))
        return f"{match.group(1)}[{renumber[number]}]" if number in renumber else ""

    text = re.sub(r"(\s?)\[(\d+)\]", replace, text)
    return text, [passages[n - 1] for n in order]
