"""Guards on what the model says: system-prompt leaks and secrets, in the final text."""

from __future__ import annotations

import re
from typing import Sequence

from chains.errors import scrub
from chains.prompts import SYSTEM_PROMPT

REFUSAL = (
    "Bu isteğe yardımcı olamam: sistem talimatlarımı, yapılandırmamı ve gizli anahtarları paylaşmıyorum. "
    "Ders konularıyla (küçük dil modelleri, GPU donanımı, model seçimi) ilgili sorularınızı memnuniyetle cevaplarım."
)


def _prompt_fragments() -> list[str]:
    """Distinctive pieces of the system prompt; seeing one in an answer means a leak."""
    fragments = []
    for line in SYSTEM_PROMPT.splitlines():
        line = re.sub(r"^\d+\.\s*", "", line.strip())
        if len(line) >= 50:
            fragments.append(" ".join(line.split())[:45].lower())
    return fragments


FRAGMENTS = _prompt_fragments()


def leaks_prompt(text: str) -> bool:
    flat = " ".join(text.split()).lower()
    return any(fragment in flat for fragment in FRAGMENTS)


def clean_answer(text: str, source_count: int, secrets: Sequence[str]) -> str:
    """The final answer: secrets masked, a leak refused, citations only to existing passages."""
    text = scrub(text, list(secrets))
    if leaks_prompt(text):
        return REFUSAL
    return re.sub(r"\s?\[(\d+)\]", lambda m: m.group(0) if 1 <= int(m.group(1)) <= source_count else "", text)
