"""Definition questions and the sentences that answer them.

"SLM ne demek", "LLM nedir kısaca", "LangChain tam olarak ne işe yarıyor":
the answer is a definitional sentence, which Turkish writes as "X, ... -dir."
("Küçük dil modelleri, daha küçük parametreye ... sahip olan dil modelidir.",
"LangChain, ... açık kaynak bir framework'tür.") or under a "X Nedir?"
heading. Such a sentence names X once, while other passages name it often,
so BM25 and the dense models ranked it second or third (the dev splits'
definition questions). This module finds both sides, so the retriever can
favour a passage that defines what the question asks about.

Pure functions over text; terms are the lexical index's (Turkish lowercase,
ASCII fold, prefixes), so "LLM'lerin" and "llm" match.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from turkish.tokenize import DEFAULT_PREFIX_LENGTH, index_terms, normalize

Terms = frozenset[str]

# On normalized (lowercase, ASCII-folded) questions.
_DEFINITION_QUESTION_RE = re.compile(
    r"\b(nedir|nelerdir|ne demek|tanim\w*|ne anlama gel\w*|anlami ne\w*|ne ise yar\w*|tam olarak ne\w*)\b"
)
# Words of the definition request itself, not of its subject (normalized).
_REQUEST_WORDS = frozenset(
    """
    nedir nelerdir ne demek demektir tanim tanimi tanimla tanimlar anlama anlami anlamina gelir geliyor
    gelmektedir ise yarar yariyor yaramaktadir tam olarak kisaca acikla aciklar aciklayabilir
    misin musun mi mu basitce
    """.split()
)
# "X, ... modelidir." / "framework'tür." / "değerlerdir.": a copula at the end.
_COPULA_END_RE = re.compile(r"(d|t)[iu]r(lar|ler)?$")
_HEADING_RE = re.compile(r"^#+\s*")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_MAX_SUBJECT_WORDS = 8


def _terms(text: str, prefix_length: int) -> Terms:
    return frozenset(index_terms(text, prefix_length=prefix_length))


@lru_cache(maxsize=4)
def _request_terms(prefix_length: int) -> Terms:
    return frozenset(word[:prefix_length] for word in _REQUEST_WORDS)


def is_definition_question(question: str) -> bool:
    return bool(_DEFINITION_QUESTION_RE.search(normalize(question)))


def question_subject(question: str, prefix_length: int = DEFAULT_PREFIX_LENGTH) -> Terms:
    """The terms of what a definition question asks about ("SLM ne demek" -> {"slm"}); empty otherwise."""
    if not is_definition_question(question):
        return frozenset()
    return _terms(question, prefix_length) - _request_terms(prefix_length)


def defined_subjects(text: str, prefix_length: int = DEFAULT_PREFIX_LENGTH) -> list[Terms]:
    """What a passage defines: the subject terms of its "X, ... -dir." sentences and "X Nedir?" headings."""
    subjects: list[Terms] = []
    for piece in _SENTENCE_SPLIT_RE.split(text):
        line = _HEADING_RE.sub("", piece.strip())
        if not line:
            continue
        plain = normalize(line).strip(" *_`.!?:;")
        heading = re.match(r"^(.+?)\s+nedir$", plain)
        if heading:
            subject = heading.group(1)
        elif "," in line and _COPULA_END_RE.search(plain):
            subject = line.split(",", 1)[0]
        else:
            continue
        if len(subject.split()) > _MAX_SUBJECT_WORDS:
            continue
        terms = _terms(subject, prefix_length)
        if terms:
            subjects.append(terms)
    return subjects


def defines(subjects: Iterable[Terms], wanted: Iterable[Terms]) -> bool:
    """True when one defined subject contains every term of one wanted variant.

    `wanted` holds the question's subject and its glossary variants ("slm" and
    "küçük dil modeli"), so an abbreviation finds the sentence that spells it out.
    """
    variants = [w for w in wanted if w]
    return any(variant <= subject for subject in subjects for variant in variants)
