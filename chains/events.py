"""What the tutor yields: `TutorEvent`s during a turn and the final `TutorAnswer`.

The event schema is described in `chains.tutor`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from vectorstore.types import Passage

EventKind = Literal["status", "sources", "queue", "tool_start", "tool_end", "token", "notice", "done"]


@dataclass
class TutorEvent:
    kind: EventKind
    payload: Any = None


@dataclass
class TutorAnswer:
    answer: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "offline"
    model: str | None = None
    notices: list[str] = field(default_factory=list)
    answered_from_course: bool = False
    generation_off_reason: str | None = None
    # Diagnostics, not part of the ask JSON: estimated prompt tokens per model call
    # and timings in milliseconds (retrieval, question-to-first-model-call, total).
    prompt_tokens: list[int] = field(default_factory=list)
    # The provider's own counts when it reports usage (Groq does), same order.
    reported_prompt_tokens: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # Per turn, for the usage ledger: key kind, model requests, prompt/cached/completion
    # tokens as the provider reported them, queue wait (s), why the turn went offline.
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the `ders-asistani ask --json` schema."""
        return {
            "answer": self.answer,
            "sources": [
                {"n": s["n"], "source": s["source"], "section": s["section"], "text": s["text"]} for s in self.sources
            ],
            "tool_calls": [{"name": c["name"], "args": c["args"], "result": c["result"]} for c in self.tool_calls],
            "mode": self.mode,
            "model": self.model,
            "notices": list(self.notices),
        }


def source_dicts(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    return [
        {
            "n": i,
            "source": p.source,
            "section": p.section,
            "text": p.text,
            "title": p.title,
            "page": p.page,
            "slide": p.slide,
        }
        for i, p in enumerate(passages, start=1)
    ]
