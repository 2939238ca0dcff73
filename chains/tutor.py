"""`Tutor`: the one facade the app and the CLI use to ask the course assistant.

    tutor = Tutor(settings, retriever)            # or chains.assistant.build_tutor(settings)
    for event in tutor.stream("LoRA nedir?", thread_id="abc"):
        ...
    answer = tutor.ask("peki QLoRA?", thread_id="abc")   # same turn logic, no events

Event schema (`TutorEvent(kind, payload)`), in the order they can arrive:
- "status":     {"mode": "groq"|"ollama"|"offline", "model": str|None, "reason": str|None}
                first event of every turn; `reason` (Turkish) says why generation is off.
- "queue":      {"position": int, "eta_s": float} while the turn waits for the key's
                budget (the key governor, chains/governor.py); repeated about every
                second, position 1 = next. Render with `chains.governed_turn.queue_text`
                ("Sıranız: 3 — yaklaşık 40 sn"). Past MAX_QUEUE_WAIT_S, or when a daily
                budget is gone, the turn is answered offline with a notice saying why
                and when the LLM is available again.
- "sources":    list of {"n", "source", "section", "text", "title", "page", "slide"};
                the numbered passages the answer may cite ([n] is list position + 1).
                Sent after retrieval, and again (full list) when the agent's own
                `ders_ara` search adds passages.
- "tool_start": {"id", "name", "args"}
- "tool_end":   {"id", "name", "args", "result", "error": bool}
- "token":      str, a piece of the answer as the model streams it. Tokens are a
                preview: the "done" answer is authoritative (it may differ after a
                failure fallback, citation clean-up or the prompt-leak guard).
- "notice":     str, Turkish, for the student (fallback model, rate limit, offline turn, ...).
- "done":       the final `TutorAnswer` (always the last event; never missing).

No exception leaves `stream`/`ask` for provider or retrieval failures: they become
notices and an offline answer. Memory is per `thread_id`, in process, thread-safe.

`stream(question, thread_id, student_id=None, offline=False)`: the anonymous
`student_id` is what the governor's fairness and daily share count (None:
"anonim"); `offline=True` answers from the course documents at once (the
student's "Çevrimdışı cevabı şimdi al" button). `Tutor(..., key_kind="class"|"own")`
says whose Groq key answers; each key has its own governor.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import traceback
from typing import Any, Callable, Iterator, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from chains.answer_cache import AnswerCache, CacheHit, replay
from chains.agent import (
    COURSE_SEARCH_TOOL,
    ModelSelector,
    TurnContext,
    build_agent,
    course_search_tool,
    system_prompt_tokens,
    tool_result_value,
)
from chains.context import (
    TOOL_ROUNDTRIP_RESERVE,
    Turn,
    estimate_messages_tokens,
    estimate_tool_schema_tokens,
    format_passages,
    plan_prompt,
)
from chains.deadline import TurnDeadline
from chains.errors import ProviderFailure, classify, scrub
from chains.events import EventKind, TutorAnswer, TutorEvent, source_dicts
from chains.governed_turn import OFFLINE_NOW, GovernedTurn, budget_switch_notice, build_governor
from chains.ratelimit import parse_headers
from chains.memory import MAX_THREADS, MAX_TURNS_PER_THREAD, ThreadMemory, ThreadStore
from chains.offline_turn import offline_turn
from chains.prompts import GENERAL_KNOWLEDGE_LABEL, NOT_IN_COURSE, user_message
from chains.providers import ProviderChoice, build_chat_model, resolve_provider
from chains.safe_retriever import SafeRetriever
from chains.stream_guard import REFUSAL, StreamGuard, clean_answer, leaks_prompt
from chains.turn_plan import plan_hardware, required_tool, search_query, tool_note
from ders_asistani.settings import Settings
from hardware.question_parser import HardwareQuery, parse_hardware_question
from turkish.sanitize import sanitize_text
from vectorstore.types import SearchResponse

__all__ = ["EventKind", "MAX_THREADS", "MAX_TURNS_PER_THREAD", "REFUSAL", "Tutor", "TutorAnswer", "TutorEvent", "leaks_prompt"]

log = logging.getLogger(__name__)

RECURSION_LIMIT = 12  # about five model calls per turn
THREAD_LOCK_WAIT_S = 60.0
# Tokens kept free for the forced tool's call and result in the second model call
# (measured: a vram_hesapla result is about 700 estimated tokens, model_oner about 400;
# the margin covers tokenizers that split JSON finely, see bench/tutor_bench.py).
TOOL_RESULT_RESERVE = {"vram_hesapla": 1100, "model_oner": 650}
TOOL_CALL_TOKENS = 70  # the assistant's tool call message plus the tool message overhead

EMPTY_QUESTION = "Lütfen bir soru yazın."
def _stream_cut(message: AIMessage) -> bool:
    """A provider's reply that never said it was finished (no finish_reason / done) was cut off."""
    meta = message.response_metadata or {}
    provider = meta.get("model_provider")
    if provider in ("groq", "openai"):
        return not meta.get("finish_reason")
    if provider == "ollama":
        return not meta.get("done", meta.get("done_reason"))
    return False  # injected test models and unknown providers report nothing


def _usage_of(calls: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Provider-reported tokens of a turn's model calls (estimates where none were reported)."""
    return {
        "requests": len(calls),
        "prompt_tokens": sum(c.get("reported_prompt_tokens", c["prompt_tokens"]) for c in calls),
        "cached_tokens": sum(c.get("cached_tokens", 0) for c in calls),
        "completion_tokens": sum(c.get("completion_tokens", 0) for c in calls),
    }


def _default_tools() -> list[BaseTool]:
    try:
        from chains.hardware_tools import hardware_tools
    except ImportError:
        log.warning("chains.hardware_tools is not available; the agent runs without hardware tools")
        return []
    return list(hardware_tools())


class Tutor:
    # Set by `chains.assistant.build_tutor`: first-turn answers (chains/answer_cache.py) and the
    # usage ledger's recorder, called with (TutorAnswer, student_id) at the end of every turn.
    answer_cache: AnswerCache | None = None
    usage_recorder: Callable[[TutorAnswer, str | None], None] | None = None

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        chat_model: BaseChatModel | None = None,
        *,
        tools: Sequence[BaseTool] | None = None,
        force_offline: bool = False,
        sleep=time.sleep,
        key_kind: str = "class",
        governor: Any = None,
    ) -> None:
        self.settings = settings
        self.key_kind = key_kind
        self._sleep = sleep
        self.retriever = retriever
        self._retriever = SafeRetriever(retriever, self._secrets, settings.max_question_chars)
        self.provider: ProviderChoice = resolve_provider(settings, force_offline)
        if chat_model is not None and not force_offline:
            # An injected model (tests, custom setups) always generates.
            name = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None) or "özel-model"
            mode = self.provider.mode if self.provider.mode != "offline" else "groq"
            self.provider = ProviderChoice(mode, (str(name),))
        self.hardware_tools = list(_default_tools() if tools is None else tools)
        self._threads = ThreadStore()
        self._agent = None
        self._selector: ModelSelector | None = None
        self.governor = None
        if self.provider.mode == "groq":
            self.governor = governor if governor is not None else (
                build_governor(settings, key_kind) if chat_model is None else None)
        if self.provider.mode != "offline":
            if chat_model is not None:
                self._selector = ModelSelector(self.provider.models, lambda _name: chat_model)
            else:
                mode = self.provider.mode
                hook = self._on_response if self.governor is not None else None
                self._selector = ModelSelector(
                    self.provider.models, lambda name: build_chat_model(settings, mode, name, on_response=hook))
            all_tools = [course_search_tool(), *self.hardware_tools]
            self._tool_tokens = estimate_tool_schema_tokens(all_tools)
            self._agent = build_agent(
                self._selector,
                all_tools,
                max_retries=settings.groq_max_retries,
                secrets=self._secrets,
                sleep=sleep,
                tool_tokens=self._tool_tokens,
            )
        else:
            self._tool_tokens = 0

    # --- public API ------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.provider.mode

    @property
    def model(self) -> str | None:
        return self._selector.name if self._selector else None

    def status(self) -> dict[str, Any]:
        return {"mode": self.mode, "model": self.model, "reason": self.provider.reason,
                "setup_hint": self.provider.setup_hint}

    def ask(self, question: str, thread_id: str = "default", *, student_id: str | None = None,
            offline: bool = False) -> TutorAnswer:
        answer: TutorAnswer | None = None
        for event in self.stream(question, thread_id, student_id=student_id, offline=offline):
            if event.kind == "done":
                answer = event.payload
        assert answer is not None
        return answer

    def history(self, thread_id: str) -> list[Turn]:
        memory = self._threads.get(thread_id)
        with memory.lock:
            return list(memory.turns)

    def load_history(self, thread_id: str, turns: Sequence[Turn], hardware: dict[str, Any] | None = None) -> None:
        """Restore a saved conversation (the CLI keeps threads in files)."""
        memory = self._threads.get(thread_id)
        with memory.lock:
            memory.turns = list(turns)[-MAX_TURNS_PER_THREAD:]
            memory.hardware = HardwareQuery(**hardware) if hardware else None

    def export_history(self, thread_id: str) -> tuple[list[Turn], dict[str, Any] | None]:
        memory = self._threads.get(thread_id)
        with memory.lock:
            hardware = dataclasses.asdict(memory.hardware) if memory.hardware else None
            return list(memory.turns), hardware

    def reset(self, thread_id: str) -> None:
        self._threads.drop(thread_id)

    def stream(self, question: str, thread_id: str = "default", *, student_id: str | None = None,
               offline: bool = False) -> Iterator[TutorEvent]:
        started = time.perf_counter()
        question = sanitize_text(question if isinstance(question, str) else str(question or "")).strip()
        yield TutorEvent("status", self.status())
        problem = self._validate(question)
        if problem:
            yield TutorEvent("notice", problem)
            yield TutorEvent(
                "done",
                TutorAnswer(
                    answer=problem,
                    mode=self.mode,
                    model=self.model,
                    notices=[problem],
                    generation_off_reason=self.provider.reason,
                ),
            )
            return
        memory = self._threads.get(thread_id)
        # One turn at a time per thread keeps the history ordered. A turn whose
        # consumer walked away still holds the lock until its generator is closed,
        # so wait only a bounded time rather than hang the next question.
        acquired = memory.lock.acquire(timeout=THREAD_LOCK_WAIT_S)
        try:
            for event in self._turn(question, memory, started, student_id=student_id, offline_now=offline):
                event = self._scrubbed(event)
                if event.kind == "done" and self.usage_recorder is not None:
                    self.usage_recorder(event.payload, student_id)  # the usage ledger; never raises
                yield event
        finally:
            if acquired:
                memory.lock.release()

    def _cached_turn(
        self, question: str, parsed: HardwareQuery, memory: ThreadMemory, hit: CacheHit, started: float
    ) -> Iterator[TutorEvent]:
        """A first turn answered from the answer cache: no retrieval, no model call."""
        answer = hit.answer
        answer.answer = clean_answer(answer.answer, len(answer.sources), self._secrets())
        memory.remember(Turn(question=question, answer=answer.answer, tool_note=tool_note(answer.tool_calls)))
        if parsed.is_hardware:
            memory.hardware = parsed  # a follow-up continues this hardware question
        answer.timings = {"total_ms": round((time.perf_counter() - started) * 1000, 2)}
        log.info("turn answered from the answer cache model=%s", answer.model)
        yield from replay(hit)

    # --- one turn ----------------------------------------------------------------
    def _turn(self, question: str, memory: ThreadMemory, started: float, *, student_id: str | None = None,
              offline_now: bool = False) -> Iterator[TutorEvent]:
        notices: list[str] = []
        parsed = parse_hardware_question(question)
        previous = memory.hardware
        first_turn = not memory.turns and previous is None  # only first turns use the answer cache
        if first_turn and self.answer_cache is not None and self._agent is not None:
            hit = self.answer_cache.lookup(question, self.mode, self.model)
            if hit is not None:
                yield from self._cached_turn(question, parsed, memory, hit, started)
                return
        hardware = plan_hardware(parsed, previous)

        # Retrieval first, on every turn; follow-ups search with the previous question too.
        retrieval_started = time.perf_counter()
        response = self._search(search_query(question, parsed, memory.turns), notices)
        retrieval_ms = (time.perf_counter() - retrieval_started) * 1000
        context = TurnContext(retriever=self._retriever, required_tool=required_tool(hardware, {tool.name for tool in self.hardware_tools}))
        context.add_sources(response.passages)
        # Without a model the answer is known now: its sources event is the only one, so a
        # refusal never shows the unrelated passages it was not built from.
        planned = offline_turn(question, hardware, context.sources, response) if self._agent is None else None
        shown = planned.sources if planned is not None else list(context.sources)
        yield TutorEvent("sources", source_dicts(shown))
        for notice in notices:
            yield TutorEvent("notice", notice)

        tool_calls: list[dict[str, Any]] = []
        answer_text: str | None = None
        prompt_tokens: list[int] = []
        reported: list[int] = []
        generation_off = self.provider.reason if self.provider.mode == "offline" else None
        mode = self.provider.mode
        usage: dict[str, Any] = {"key_kind": self.key_kind if self.provider.mode == "groq" else None}
        if offline_now and self._agent is not None:
            mode, generation_off = "offline", OFFLINE_NOW
            notices.append(OFFLINE_NOW)
            usage["offline_reason"] = "student_asked"
            yield TutorEvent("notice", OFFLINE_NOW)

        if self._agent is not None and not offline_now:
            governed = self._governed_turn(student_id)
            context.governed = governed
            try:
                answer_text = yield from self._generate_shrinking(
                    question, hardware, response, memory, context, tool_calls, notices,
                    deadline=TurnDeadline(self.settings.turn_deadline_s, started),
                )
            except ProviderFailure as failure:
                log.info("model call failed: %s", failure)
                usage["offline_reason"] = failure.kind
                mode = "offline"
                generation_off = failure.notice(self.provider.mode, self.model)
                yield from self._flush_notices(context, notices)
                notices.append(generation_off)
                yield TutorEvent("notice", generation_off)
            except Exception as exc:  # anything unexpected still ends in an answer
                failure = classify(exc, self._secrets())
                usage["offline_reason"] = failure.kind
                trace = "".join(traceback.format_exception(exc))
                log.error("tutor turn failed: %s", scrub(trace, self._secrets()))
                mode = "offline"
                generation_off = failure.notice(self.provider.mode, self.model)
                notices.append(generation_off)
                yield TutorEvent("notice", generation_off)
            finally:
                if governed is not None:
                    governed.finish()
                    usage["queue_wait_s"] = round(governed.waited_s, 3)
                    if governed.refusal and usage.get("offline_reason") in ("queue", "too_large"):
                        usage["offline_reason"] = governed.refusal
            usage.update(_usage_of(context.model_calls), rate_limited=context.rate_limited)
            yield from self._flush_notices(context, notices)
            prompt_tokens = [call["prompt_tokens"] for call in context.model_calls]
            reported = [call["reported_prompt_tokens"] for call in context.model_calls if "reported_prompt_tokens" in call]
            if answer_text is not None and context.tools_unsupported and hardware.is_hardware and not tool_calls:
                # The server cannot call tools (llama-server without --jinja, vLLM without a
                # tool parser): a hardware answer's numbers must still come from the calculator.
                answer_text = None
                usage["offline_reason"] = "tools_unsupported"
                mode = "offline"
                generation_off = ("Model sunucusu hesaplama aracını çağıramıyor; sayılar doğrudan "
                                  "VRAM hesaplayıcısından verildi.")
                notices.append(generation_off)
                yield TutorEvent("notice", generation_off)
            if answer_text is not None and not answer_text.strip():
                answer_text = None
                usage["offline_reason"] = "empty_answer"
                mode = "offline"
                generation_off = "Dil modeli boş cevap döndürdü; cevap ders belgelerinden derlendi."
                notices.append(generation_off)
                yield TutorEvent("notice", generation_off)

        answer_sources = list(context.sources)
        if answer_text is None:
            planned = planned or offline_turn(question, hardware, context.sources, response)
            answer_text, from_course, offline_calls = planned.text, planned.from_course, planned.tool_calls
            for call in offline_calls:
                yield TutorEvent("tool_start", {"id": call["id"], "name": call["name"], "args": call["args"]})
                yield TutorEvent("tool_end", {**call, "error": False})
            tool_calls.extend(offline_calls)
            answer_sources = planned.sources
            if answer_sources != shown:
                # A refusal after a failed model call shows only its suggested section, if any.
                yield TutorEvent("sources", source_dicts(answer_sources))
        else:
            answer_text = self._mark_general_knowledge(answer_text, response, tool_calls)
            from_course = bool(context.sources) and not response.off_topic and NOT_IN_COURSE.lower() not in answer_text.lower()

        answer_text = clean_answer(answer_text, len(answer_sources), self._secrets())
        memory.remember(Turn(question=question, answer=answer_text, tool_note=tool_note(tool_calls)))
        if hardware.is_hardware or previous is not None and hardware is not parsed:
            memory.hardware = hardware
        to_llm = (context.first_model_call_at - started) * 1000 if context.first_model_call_at else None
        timings = {"retrieval_ms": round(retrieval_ms, 2), "total_ms": round((time.perf_counter() - started) * 1000, 2)}
        if to_llm is not None:
            timings["to_first_model_call_ms"] = round(to_llm, 2)
        if mode == "offline":
            usage.setdefault("offline_reason", "provider_off")
        answer = TutorAnswer(
            answer=answer_text,
            sources=source_dicts(answer_sources),
            tool_calls=[{"name": c["name"], "args": c["args"], "result": c["result"]} for c in tool_calls],
            mode=mode,
            model=(context.model_calls[-1]["model"] if context.model_calls else self.model) if mode != "offline" else None,
            notices=notices,
            answered_from_course=from_course,
            generation_off_reason=generation_off,
            prompt_tokens=prompt_tokens,
            reported_prompt_tokens=reported,
            timings=timings,
            usage=usage,
        )
        log.info(
            "turn mode=%s model=%s prompt_tokens=%s reported=%s timings=%s notices=%d",
            mode, answer.model, prompt_tokens, reported, timings, len(notices),
        )
        if first_turn and self.answer_cache is not None:
            self.answer_cache.remember(question, answer)
        yield TutorEvent("done", answer)

    def _governed_turn(self, student_id: str | None) -> GovernedTurn | None:
        if self.governor is None or self._selector is None:
            return None
        models = self._selector.remaining() if self.settings.budget_fallback_models else [self._selector.name]
        return GovernedTurn(self.governor, student_id, models, key_kind=self.key_kind,
                            max_wait_s=self.settings.max_queue_wait_s,
                            completion_cap=self.settings.max_completion_tokens, sleep=self._sleep,
                            own_keys_allowed=self.settings.groq_key_policy != "class")

    def _on_response(self, model: str, status: int, headers: Any) -> None:
        """Every Groq response's x-ratelimit-* headers correct the key governor's budget."""
        if self.governor is not None and model:
            self.governor.observe(model, parse_headers(headers), admitted=status < 400)

    def _generate_shrinking(self, question, hardware, response, memory, context, tool_calls, notices,
                            deadline=None) -> Iterator[TutorEvent]:
        """`_generate`; a 413 "Request too large" gets one retry with 60% of the prompt it sent."""
        try:
            return (yield from self._generate(question, hardware, response, memory, context, tool_calls,
                                              notices, deadline=deadline))
        except ProviderFailure as failure:
            if failure.kind != "too_large":
                raise
            log.info("request too large; retrying with a smaller prompt")
            sent = context.model_calls[0]["prompt_tokens"] if context.model_calls else self.settings.prompt_token_budget
            context.model_calls.clear()
            if context.governed is not None:
                context.governed.finish()  # leave the queue; the smaller turn queues again
            return (yield from self._generate(question, hardware, response, memory, context, tool_calls,
                                              notices, deadline=deadline, budget=max(1, int(sent * 0.6))))

    def _generate(
        self,
        question: str,
        hardware: HardwareQuery,
        response: SearchResponse,
        memory: ThreadMemory,
        context: TurnContext,
        tool_calls: list[dict[str, Any]],
        notices: list[str],
        deadline: TurnDeadline | None = None,
        budget: int | None = None,
    ) -> Iterator[TutorEvent]:
        """Run the agent; yields events and returns the final answer text.

        Raises `ProviderFailure` when the turn passes its deadline or the model's
        stream ended without saying it was finished (a cut connection).
        """
        retrieved = len(context.sources)
        messages = self.build_messages(question, hardware, response, memory.turns, context, budget=budget)
        if len(context.sources) != retrieved:
            # Passages that did not fit the budget are not citable: show only what the model saw.
            yield TutorEvent("sources", source_dicts(context.sources))
        if context.governed is not None:
            # Wait for the key's budget (queue events); the turn deadline starts once admitted.
            yield from context.governed.admit(self.estimate_prompt_tokens(messages))
            if deadline is not None:
                deadline.at = time.perf_counter() + deadline.seconds
            if context.governed.switched_from and not any("bugünkü kotası doldu" in n for n in notices):
                notice = budget_switch_notice(context.governed.switched_from, context.governed.model, self.key_kind)
                notices.append(notice)
                yield TutorEvent("notice", notice)
        pending: dict[str, dict[str, Any]] = {}
        final: str | None = None
        guard = StreamGuard(self._secrets())
        sources_seen = len(context.sources)
        stream = self._agent.stream(
            {"messages": messages},
            context=context,
            stream_mode=["messages", "updates"],
            config={"recursion_limit": RECURSION_LIMIT, "callbacks": [deadline] if deadline else []},
        )
        for stream_mode, data in stream:
            yield from self._flush_notices(context, notices)
            if deadline is not None:
                deadline.check()
            if stream_mode == "messages":
                chunk, metadata = data
                if (
                    isinstance(chunk, AIMessageChunk)
                    and metadata.get("langgraph_node") == "model"
                    and isinstance(chunk.content, str)
                    and chunk.content
                ):
                    shown = guard.feed(chunk.content)
                    if shown:
                        yield TutorEvent("token", shown)
                continue
            for node, update in (data or {}).items():
                for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                    if isinstance(message, AIMessage) and node == "model":
                        if message.tool_calls:
                            for call in message.tool_calls:
                                entry = {"id": call.get("id") or "", "name": call["name"], "args": call.get("args") or {}}
                                pending[entry["id"]] = entry
                                yield TutorEvent("tool_start", dict(entry))
                        else:
                            if _stream_cut(message):
                                stream.close()
                                raise ProviderFailure("truncated", "model stream ended without finish_reason")
                            final = message.content if isinstance(message.content, str) else str(message.content)
                    elif isinstance(message, ToolMessage):
                        entry = pending.pop(message.tool_call_id, {"id": message.tool_call_id, "name": message.name or "", "args": {}})
                        result = tool_result_value(message.content, getattr(message, "artifact", None))
                        # Hardware tools report bad input as {"hata": ...} instead of raising.
                        failed = message.status == "error" or (isinstance(result, dict) and "hata" in result)
                        done = {**entry, "result": result, "error": failed}
                        tool_calls.append(done)
                        yield TutorEvent("tool_end", done)
                        if entry["name"] == COURSE_SEARCH_TOOL and len(context.sources) != sources_seen:
                            sources_seen = len(context.sources)
                            yield TutorEvent("sources", source_dicts(context.sources))
        rest = guard.finish()
        if rest:
            yield TutorEvent("token", rest)
        return final

    def build_messages(
        self,
        question: str,
        hardware: HardwareQuery,
        response: SearchResponse,
        turns: Sequence[Turn],
        context: TurnContext,
        budget: int | None = None,
    ) -> list[BaseMessage]:
        reserve = TOOL_RESULT_RESERVE.get(context.required_tool or "", TOOL_ROUNDTRIP_RESERVE)
        plan = plan_prompt(
            budget=budget or self.settings.prompt_token_budget,
            system_tokens=system_prompt_tokens(),
            tool_tokens=self._tool_tokens,
            question=question,
            passages=[p for p in context.sources],
            turns=turns,
            # The calculator's result (with its explanations) is larger than a course search.
            reserve=reserve,
        )
        # Room for a ders_ara result: the reserve less the tool call and message overhead.
        context.tool_result_tokens = max(120, reserve - TOOL_CALL_TOKENS)
        # The plan keeps passages in rank order, so the ones that fit are a prefix.
        context.keep_sources(len(plan.passages))
        numbered = list(enumerate(context.sources, start=1))
        hints = []
        if hardware.is_hardware or hardware.followup:
            described = hardware.describe()
            if described:
                hints.append(described)
            if hardware.intent == "recommend" and not (hardware.vram_gb or hardware.gpu):
                hints.append("öğrenci donanımını belirtmedi: varsayımını (ör. 8 GB VRAM) açıkça söyle ya da tek kısa bir soru sor")
        if plan.summary:
            hints.append(plan.summary)
        if response.off_topic:
            hints.append("arama bu soru için ders belgelerinde güçlü bir eşleşme bulamadı")
        messages: list[BaseMessage] = []
        for role, text in plan.history:
            messages.append(HumanMessage(text) if role == "human" else AIMessage(text))
        body = user_message(format_passages(numbered, plan.passage_max_chars), question, "; ".join(hints))
        messages.append(HumanMessage(body))
        return messages

    def estimate_prompt_tokens(self, messages: Sequence[BaseMessage]) -> int:
        """The first model call's prompt as the governor counts it: system prompt, tool schemas, messages."""
        return system_prompt_tokens() + self._tool_tokens + estimate_messages_tokens(messages)

    # --- helpers -----------------------------------------------------------------
    def _validate(self, question: str) -> str | None:
        if not question:
            return EMPTY_QUESTION
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return f"Sorunuz çok uzun ({len(question)} karakter); en fazla {limit} karakterlik bir soru yazın."
        return None

    def _search(self, query: str, notices: list[str]) -> SearchResponse:
        try:
            return self._retriever.search(query, k=self.settings.retrieval_k)
        except Exception:
            log.exception("retrieval failed")
            notices.append("Ders belgelerinde arama şu an yapılamadı; cevap kaynaksız olabilir.")
            return SearchResponse(query=query, passages=[], coverage=0.0, off_topic=True)

    @staticmethod
    def _mark_general_knowledge(text: str, response: SearchResponse, tool_calls: Sequence[dict[str, Any]]) -> str:
        """An uncited answer to a question the course does not cover must say so."""
        used_hardware = any(call["name"] != COURSE_SEARCH_TOOL for call in tool_calls)
        if not response.off_topic or used_hardware or re.search(r"\[\d+\]", text):
            return text
        if NOT_IN_COURSE.lower() in text.lower() or leaks_prompt(text):
            return text
        return f"{NOT_IN_COURSE}. {GENERAL_KNOWLEDGE_LABEL}:\n\n{text}"

    @staticmethod
    def _flush_notices(context: TurnContext, sink: list[str]) -> Iterator[TutorEvent]:
        # Notices raised inside the middleware (fallback model, tool-less retry).
        while context.notices:
            notice = context.notices.pop(0)
            sink.append(notice)
            yield TutorEvent("notice", notice)

    def _scrubbed(self, event: TutorEvent) -> TutorEvent:
        """Last line of defence: no notice or answer leaves with a secret in it."""
        secrets = self._secrets()
        if event.kind == "notice":
            return TutorEvent("notice", scrub(str(event.payload), secrets))
        if event.kind == "done":
            answer: TutorAnswer = event.payload
            answer.answer = scrub(answer.answer, secrets)
            answer.notices = [scrub(n, secrets) for n in answer.notices]
            if answer.generation_off_reason:
                answer.generation_off_reason = scrub(answer.generation_off_reason, secrets)
        return event

    def _secrets(self) -> list[str]:
        """Configured secret values: never shown, whatever text carries them."""
        values = (self.settings.groq_api_key, self.settings.admin_password)
        return [value.get_secret_value() for value in values if value is not None]
