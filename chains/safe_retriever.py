"""The retriever as the tutor sees it: bounded queries in, secret-free passages out.

Every search of a turn (the tutor's own and the agent's `ders_ara` calls) goes
through this wrapper, so a passage holding a key or a password (a `.env` that
slipped into the course folder) never reaches the prompt, the sources panel or
the `ask --json` output, and a 200,000-character tool query cannot make one
search take minutes.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

from vectorstore.secret_filter import redact
from vectorstore.types import Passage, Retriever, SearchResponse


class SafeRetriever:
    def __init__(self, inner: Retriever, secrets: Callable[[], Sequence[str]], max_query_chars: int) -> None:
        self.inner = inner
        self.secrets = secrets
        self.max_query_chars = max_query_chars

    def search(self, query: str, k: int | None = None) -> SearchResponse:
        # Longer queries are cut, not refused: the start of a query carries its subject.
        response = self.inner.search(query[: self.max_query_chars], k=k)
        known = list(self.secrets())
        return dataclasses.replace(response, passages=[scrub_passage(p, known) for p in response.passages])

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def scrub_passage(passage: Passage, known: Sequence[str]) -> Passage:
    return dataclasses.replace(
        passage,
        text=redact(passage.text, known),
        section=redact(passage.section, known),
        title=redact(passage.title, known),
    )
