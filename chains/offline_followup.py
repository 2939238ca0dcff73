"""Which earlier question a follow-up leans on: the search query of a turn.

"peki dezavantajları neler?" after "küçük dil modellerinin avantajları neler" names
no subject of its own, only an aspect (disadvantages) of the previous one, so it is
searched together with the previous question. "peki Transformer nedir?" names its
own subject and is searched alone: a new topic. Hardware follow-ups ("peki 16K
bağlamda?") are searched with the previous question too, as before.

Pure: no retrieval, no I/O.
"""

from __future__ import annotations

import re

from hardware.question_parser import HardwareQuery

_STARTS = re.compile(r"^\s*(peki|ya|o zaman|bir de|ayrıca|şimdi|onun|bunun|bunların|onların)\b[\s,]*", re.IGNORECASE)
# Aspects of a subject, and question words: a follow-up made only of these has no subject of its own.
_ASPECT_WORDS = re.compile(
    r"^(avantaj\w*|dezavantaj\w*|artı\w*|eksi\w*|zayıf\w*|güçlü|yön\w*|sınırlama\w*|kullanım\w*|alan\w*|"
    r"fark\w*|örne\w*|neden\w*|niçin|nasıl|ne|neler\w*|nedir|hangi\w*|kim\w*|mi|mı|mu|mü|var|yok|"
    r"özellik\w*|amaç\w*|fayda\w*|zarar\w*|risk\w*|maliyet\w*|peki|ya|için|ile|da|de|o|bu|şu|"
    r"onlar\w*|bunlar\w*|tane|kaç|çalışır|çalışıyor|işe|yarar|gelecek\w*|geleceği)$",
    re.IGNORECASE,
)


def _lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def leans_on_previous(question: str) -> bool:
    """A follow-up that names only an aspect of the previous question's subject."""
    lowered = _lower(question).strip()
    if not _STARTS.match(lowered):
        return False
    words = re.findall(r"[\wçğıöşü]+", _STARTS.sub("", lowered))
    return bool(words) and all(_ASPECT_WORDS.match(word) for word in words)


def search_query(question: str, parsed: HardwareQuery, previous_question: str | None) -> str:
    """The text to search the course with for this turn."""
    if previous_question and (parsed.followup or leans_on_previous(question)):
        return f"{previous_question} {question}"
    return question
