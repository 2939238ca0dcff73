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
import time
from typing import Any, Callable, Iterator, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool

from chains.answer_cache import AnswerCache
from chains.agent import ModelSelector, TurnContext, build_agent, course_search_tool
from chains.context import Turn, estimate_tool_schema_tokens
from chains.events import EventKind, TutorAnswer, TutorEvent
from chains.generation import AgentGeneration
from chains.governed_turn import GovernedTurn, build_governor
from chains.memory import MAX_THREADS, MAX_TURNS_PER_THREAD, ThreadStore
from chains.providers import ProviderChoice, build_chat_model, resolve_provider
from chains.ratelimit import parse_headers
from chains.safe_retriever import SafeRetriever
from chains.stream_guard import REFUSAL, leaks_prompt, scrub_event
from chains.turn_messages import build_messages, estimate_prompt_tokens
from chains.tutor_turn import TurnRun
from ders_asistani.settings import Settings
from hardware.question_parser import HardwareQuery
from turkish.sanitize import sanitize_text
from vectorstore.types import Retriever, SearchResponse

__all__ = ["EventKind", "MAX_THREADS", "MAX_TURNS_PER_THREAD", "REFUSAL", "Tutor", "TutorAnswer", "TutorEvent", "leaks_prompt"]

log = logging.getLogger(__name__)

THREAD_LOCK_WAIT_S = 60.0
EMPTY_QUESTION = "Lütfen bir soru yazın."


def _default_tools() -> list[BaseTool]:
    try:
        from chains.hardware_tools import hardware_tools
    except ImportError:
        log.warning("chains.hardware_tools is not available; the agent runs without hardware tools")
        return []
    return list(hardware_tools())


class Tutor:
    """Construction, the public API and per-thread memory; one turn's logic is `chains.tutor_turn.TurnRun`."""

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
        # The agent's side of every turn; None when the tutor answers offline only.
        self.generation: AgentGeneration | None = None
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
            agent = build_agent(
                self._selector,
                all_tools,
                max_retries=settings.groq_max_retries,
                secrets=self._secrets,
                sleep=sleep,
                tool_tokens=self._tool_tokens,
            )
            self.generation = AgentGeneration(agent, settings, tool_tokens=self._tool_tokens, key_kind=key_kind,
                                              secrets=self._secrets)
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
            turn = TurnRun(self, question, memory, started, student_id=student_id, offline_now=offline)
            for event in turn.events():
                event = scrub_event(event, self._secrets())
                if event.kind == "done" and self.usage_recorder is not None:
                    self.usage_recorder(event.payload, student_id)  # the usage ledger; never raises
                yield event
        finally:
            if acquired:
                memory.lock.release()

    def build_messages(
        self,
        question: str,
        hardware: HardwareQuery,
        response: SearchResponse,
        turns: Sequence[Turn],
        context: TurnContext,
        budget: int | None = None,
    ) -> list[BaseMessage]:
        """The first model call's messages, as a turn builds them (bench/class_sim.py replays them)."""
        return build_messages(question, hardware, response, turns, context,
                              budget=budget or self.settings.prompt_token_budget, tool_tokens=self._tool_tokens)

    def estimate_prompt_tokens(self, messages: Sequence[BaseMessage]) -> int:
        """The first model call's prompt as the governor counts it: system prompt, tool schemas, messages."""
        return estimate_prompt_tokens(messages, self._tool_tokens)

    # --- helpers used by the turn ---------------------------------------------------
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

    def _validate(self, question: str) -> str | None:
        if not question:
            return EMPTY_QUESTION
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return f"Sorunuz çok uzun ({len(question)} karakter); en fazla {limit} karakterlik bir soru yazın."
        return None

    def _secrets(self) -> list[str]:
        """Configured secret values: never shown, whatever text carries them."""
        values = (self.settings.groq_api_key, self.settings.admin_password)
        return [value.get_secret_value() for value in values if value is not None]
