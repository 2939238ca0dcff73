"""One turn of a `Tutor` (chains/tutor.py): from the question to the "done" event.

    retrieve -> model answer (chains/generation.py) or offline answer (chains/offline_turn.py)
             -> clean the text (chains/stream_guard.py) -> remember (chains/memory.py) -> done

A first turn may instead be replayed from the answer cache. Whatever fails on the
model's side, the turn still ends in an answer: the failure becomes a notice, the
turn's `mode` becomes "offline" and `usage["offline_reason"]` says why.

`TurnRun` is the tutor's own turn logic, split out of the facade: it reads the
tutor's settings, provider, agent and guards directly rather than copying them.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from chains.agent import COURSE_SEARCH_TOOL, TurnContext
from chains.answer_cache import CacheHit, replay
from chains.context import Turn
from chains.deadline import TurnDeadline
from chains.errors import ProviderFailure, classify, scrub
from chains.events import TutorAnswer, TutorEvent, source_dicts
from chains.generation import flush_notices, usage_of
from chains.governed_turn import OFFLINE_NOW
from chains.memory import ThreadMemory
from chains.offline_turn import OfflineTurn, offline_turn
from chains.prompts import GENERAL_KNOWLEDGE_LABEL, NOT_IN_COURSE
from chains.stream_guard import clean_answer, leaks_prompt
from chains.turn_plan import plan_hardware, required_tool, search_query, tool_note
from hardware.question_parser import HardwareQuery, parse_hardware_question
from vectorstore.types import SearchResponse

if TYPE_CHECKING:
    from chains.tutor import Tutor

log = logging.getLogger(__name__)

SEARCH_FAILED = "Ders belgelerinde arama şu an yapılamadı; cevap kaynaksız olabilir."
TOOLS_UNSUPPORTED = ("Model sunucusu hesaplama aracını çağıramıyor; sayılar doğrudan "
                     "VRAM hesaplayıcısından verildi.")
EMPTY_ANSWER = "Dil modeli boş cevap döndürdü; cevap ders belgelerinden derlendi."


def mark_general_knowledge(text: str, response: SearchResponse, tool_calls: Sequence[dict[str, Any]]) -> str:
    """An uncited answer to a question the course does not cover must say so."""
    used_hardware = any(call["name"] != COURSE_SEARCH_TOOL for call in tool_calls)
    if not response.off_topic or used_hardware or re.search(r"\[\d+\]", text):
        return text
    if NOT_IN_COURSE.lower() in text.lower() or leaks_prompt(text):
        return text
    return f"{NOT_IN_COURSE}. {GENERAL_KNOWLEDGE_LABEL}:\n\n{text}"


class TurnRun:
    """The events of one turn; `events()` is run once, with the thread's lock held."""

    def __init__(self, tutor: Tutor, question: str, memory: ThreadMemory, started: float, *,
                 student_id: str | None = None, offline_now: bool = False) -> None:
        self.tutor = tutor
        self.question = question
        self.memory = memory
        self.started = started
        self.student_id = student_id
        self.offline_now = offline_now
        provider = tutor.provider
        self.notices: list[str] = []
        self.tool_calls: list[dict[str, Any]] = []
        self.mode = provider.mode
        self.generation_off = provider.reason if provider.mode == "offline" else None
        self.usage: dict[str, Any] = {"key_kind": tutor.key_kind if provider.mode == "groq" else None}

    def events(self) -> Iterator[TutorEvent]:
        tutor, question, memory = self.tutor, self.question, self.memory
        parsed = parse_hardware_question(question)
        previous = memory.hardware
        first_turn = not memory.turns and previous is None  # only first turns use the answer cache
        if first_turn and tutor.answer_cache is not None and tutor.generation is not None:
            hit = tutor.answer_cache.lookup(question, tutor.mode, tutor.model)
            if hit is not None:
                yield from self._cached(parsed, hit)
                return
        hardware = plan_hardware(parsed, previous)

        # Retrieval first, on every turn; follow-ups search with the previous question too.
        retrieval_started = time.perf_counter()
        response = self._search(search_query(question, parsed, memory.turns))
        retrieval_ms = (time.perf_counter() - retrieval_started) * 1000
        tool_names = {tool.name for tool in tutor.hardware_tools}
        context = TurnContext(retriever=tutor._retriever, required_tool=required_tool(hardware, tool_names))
        context.add_sources(response.passages)
        # Without a model the answer is known now: its sources event is the only one, so a
        # refusal never shows the unrelated passages it was not built from.
        planned = offline_turn(question, hardware, context.sources, response) if tutor.generation is None else None
        shown = planned.sources if planned is not None else list(context.sources)
        yield TutorEvent("sources", source_dicts(shown))
        for notice in self.notices:
            yield TutorEvent("notice", notice)

        answer_text: str | None = None
        if self.offline_now and tutor.generation is not None:
            yield self._fall_back("student_asked", OFFLINE_NOW)
        if tutor.generation is not None and not self.offline_now:
            answer_text = yield from self._model_answer(hardware, response, context)

        answer_sources = list(context.sources)
        if answer_text is None:
            planned = planned or offline_turn(question, hardware, context.sources, response)
            yield from self._offline_events(planned, shown)
            answer_text, from_course, answer_sources = planned.text, planned.from_course, planned.sources
        else:
            answer_text = mark_general_knowledge(answer_text, response, self.tool_calls)
            from_course = bool(context.sources) and not response.off_topic and NOT_IN_COURSE.lower() not in answer_text.lower()

        answer_text = clean_answer(answer_text, len(answer_sources), tutor._secrets())
        memory.remember(Turn(question=question, answer=answer_text, tool_note=tool_note(self.tool_calls)))
        if hardware.is_hardware or previous is not None and hardware is not parsed:
            memory.hardware = hardware
        answer = self._answer(answer_text, answer_sources, from_course, context, retrieval_ms)
        if first_turn and tutor.answer_cache is not None:
            tutor.answer_cache.remember(question, answer)
        yield TutorEvent("done", answer)

    def _fall_back(self, offline_reason: str, notice: str) -> TutorEvent:
        """The turn is answered offline from here on; the notice says why."""
        self.usage["offline_reason"] = offline_reason
        self.mode = "offline"
        self.generation_off = notice
        self.notices.append(notice)
        return TutorEvent("notice", notice)

    def _model_answer(self, hardware: HardwareQuery, response: SearchResponse,
                      context: TurnContext) -> Iterator[TutorEvent]:
        """The model's answer text, or None when the turn must be answered offline."""
        tutor = self.tutor
        answer_text: str | None = None
        governed = tutor._governed_turn(self.student_id)
        context.governed = governed
        try:
            answer_text = yield from tutor.generation.run(
                self.question, hardware, response, self.memory.turns, context, self.tool_calls, self.notices,
                deadline=TurnDeadline(tutor.settings.turn_deadline_s, self.started),
            )
        except ProviderFailure as failure:
            log.info("model call failed: %s", failure)
            notice = failure.notice(tutor.provider.mode, tutor.model)
            yield from flush_notices(context, self.notices)
            yield self._fall_back(failure.kind, notice)
        except Exception as exc:  # anything unexpected still ends in an answer
            failure = classify(exc, tutor._secrets())
            trace = "".join(traceback.format_exception(exc))
            log.error("tutor turn failed: %s", scrub(trace, tutor._secrets()))
            yield self._fall_back(failure.kind, failure.notice(tutor.provider.mode, tutor.model))
        finally:
            if governed is not None:
                governed.finish()
                self.usage["queue_wait_s"] = round(governed.waited_s, 3)
                if governed.refusal and self.usage.get("offline_reason") in ("queue", "too_large"):
                    self.usage["offline_reason"] = governed.refusal
        self.usage.update(usage_of(context.model_calls), rate_limited=context.rate_limited)
        yield from flush_notices(context, self.notices)
        if answer_text is not None and context.tools_unsupported and hardware.is_hardware and not self.tool_calls:
            # The server cannot call tools (llama-server without --jinja, vLLM without a
            # tool parser): a hardware answer's numbers must still come from the calculator.
            answer_text = None
            yield self._fall_back("tools_unsupported", TOOLS_UNSUPPORTED)
        if answer_text is not None and not answer_text.strip():
            answer_text = None
            yield self._fall_back("empty_answer", EMPTY_ANSWER)
        return answer_text

    def _offline_events(self, planned: OfflineTurn, shown: list[Any]) -> Iterator[TutorEvent]:
        """The offline answer's computed tool calls, and its own sources if they differ from those shown."""
        for call in planned.tool_calls:
            yield TutorEvent("tool_start", {"id": call["id"], "name": call["name"], "args": call["args"]})
            yield TutorEvent("tool_end", {**call, "error": False})
        self.tool_calls.extend(planned.tool_calls)
        if planned.sources != shown:
            # A refusal after a failed model call shows only its suggested section, if any.
            yield TutorEvent("sources", source_dicts(planned.sources))

    def _answer(self, text: str, sources: list[Any], from_course: bool, context: TurnContext,
                retrieval_ms: float) -> TutorAnswer:
        tutor, started = self.tutor, self.started
        prompt_tokens = [call["prompt_tokens"] for call in context.model_calls]
        reported = [call["reported_prompt_tokens"] for call in context.model_calls if "reported_prompt_tokens" in call]
        to_llm = (context.first_model_call_at - started) * 1000 if context.first_model_call_at else None
        timings = {"retrieval_ms": round(retrieval_ms, 2), "total_ms": round((time.perf_counter() - started) * 1000, 2)}
        if to_llm is not None:
            timings["to_first_model_call_ms"] = round(to_llm, 2)
        if self.mode == "offline":
            self.usage.setdefault("offline_reason", "provider_off")
        answer = TutorAnswer(
            answer=text,
            sources=source_dicts(sources),
            tool_calls=[{"name": c["name"], "args": c["args"], "result": c["result"]} for c in self.tool_calls],
            mode=self.mode,
            # The model that answered last (a fallback, if one took over); none offline.
            model=(context.model_calls[-1]["model"] if context.model_calls else tutor.model)
            if self.mode != "offline" else None,
            notices=self.notices,
            answered_from_course=from_course,
            generation_off_reason=self.generation_off,
            prompt_tokens=prompt_tokens,
            reported_prompt_tokens=reported,
            timings=timings,
            usage=self.usage,
        )
        log.info(
            "turn mode=%s model=%s prompt_tokens=%s reported=%s timings=%s notices=%d",
            self.mode, answer.model, prompt_tokens, reported, timings, len(self.notices),
        )
        return answer

    def _cached(self, parsed: HardwareQuery, hit: CacheHit) -> Iterator[TutorEvent]:
        """A first turn answered from the answer cache: no retrieval, no model call."""
        answer = hit.answer
        answer.answer = clean_answer(answer.answer, len(answer.sources), self.tutor._secrets())
        self.memory.remember(Turn(question=self.question, answer=answer.answer, tool_note=tool_note(answer.tool_calls)))
        if parsed.is_hardware:
            self.memory.hardware = parsed  # a follow-up continues this hardware question
        answer.timings = {"total_ms": round((time.perf_counter() - self.started) * 1000, 2)}
        log.info("turn answered from the answer cache model=%s", answer.model)
        yield from replay(hit)

    def _search(self, query: str) -> SearchResponse:
        tutor = self.tutor
        try:
            return tutor._retriever.search(query, k=tutor.settings.retrieval_k)
        except Exception:
            log.exception("retrieval failed")
            self.notices.append(SEARCH_FAILED)
            return SearchResponse(query=query, passages=[], coverage=0.0, off_topic=True)
