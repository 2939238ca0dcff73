"""The offline answer of one turn: computed hardware numbers and/or the course's own text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from chains import offline
from hardware.question_parser import HardwareQuery
from vectorstore.types import Passage, SearchResponse


def compose_offline(
    question: str, hardware: HardwareQuery, numbered: list[tuple[int, Passage]], response: SearchResponse
) -> tuple[str, bool, list[dict[str, Any]]]:
    """(answer text, answered from the course, hardware tool calls made)."""
    off_topic = response.off_topic
    expansion = offline.course_expansion(response)
    parts: list[str] = []
    calls: list[dict[str, Any]] = []
    if hardware.is_hardware:
        from chains.hardware_answers import answer_hardware

        hw = answer_hardware(hardware)
        if hw is not None:
            parts.append(hw.text)
            calls = hw.tool_calls
    if parts:
        # Next to computed numbers, quote the course only where it clearly matches.
        course = offline.course_answer(
            question, numbered, off_topic, min_overlap=2, expansion=expansion, relevance=response.relevance
        )
        if course.text:
            parts.append(course.text)
    else:
        course = offline.course_answer(question, numbered, off_topic, expansion=expansion, relevance=response.relevance)
        parts.append(course.text)
    return "\n\n".join(parts), course.answered_from_course, calls


@dataclass
class OfflineTurn:
    text: str
    from_course: bool
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    sources: list[Passage] = field(default_factory=list)  # what the sources panel lists for this answer


def offline_turn(question: str, hardware: HardwareQuery, passages: Sequence[Passage], response: SearchResponse) -> OfflineTurn:
    """The offline answer with the sources it shows: the passages it quotes (a refusal: its suggestion, or none)."""
    text, from_course, calls = compose_offline(question, hardware, list(enumerate(passages, start=1)), response)
    text, sources = offline.cited_sources(text, passages)
    return OfflineTurn(text, from_course, calls, sources)
