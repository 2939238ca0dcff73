"""The LangChain 1.x agent: course search tool, hardware tools, resilient model calls.

The agent itself has no memory: the tutor builds each turn's messages in
chains/turn_messages.py (trimmed history + the question with its retrieved passages) so the prompt stays
inside the token budget, and passes a `TurnContext` as the run context. The
`ders_ara` tool and the middleware reach per-turn state through it, so one
compiled agent serves every thread of the process.

`ResilientModelMiddleware` wraps every model call:
- model gone (404 / 400 model_not_found, model_decommissioned): switch to the
  next fallback model (once per Tutor, the switch is remembered and announced once);
- 429: wait `retry-after` when it is at most `MAX_RATE_LIMIT_WAIT_S`, up to
  `groq_max_retries` times, else give up with the wait in the notice;
- 5xx: short exponential backoff, up to `groq_max_retries` times;
- 400 tool_use_failed: retry once, then call the model without tools;
- everything else (401, timeout, connection refused): raise `ProviderFailure`
  at once; the tutor answers that turn offline.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.tools import ToolRuntime, tool
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import SystemMessage
from langchain_core.tools import BaseTool

from chains.context import estimate_messages_tokens, estimate_tokens, format_passages
from chains.errors import classify
from chains.prompts import SYSTEM_PROMPT, TOOLLESS_NOTE
from vectorstore.types import Passage

MAX_RATE_LIMIT_WAIT_S = 10.0
SERVER_BACKOFF_S = 0.5
TOOL_SEARCH_K = 3
TOOL_PASSAGE_MAX_CHARS = 450
COURSE_SEARCH_TOOL = "ders_ara"


@dataclass
class TurnContext:
    """Per-turn state shared by the tool, the middleware and the tutor."""

    retriever: Any  # a vectorstore.types.Retriever
    sources: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    model_calls: list[dict[str, Any]] = field(default_factory=list)  # per call: tokens, model, tools
    first_model_call_at: float | None = None
    tools_disabled: bool = False
    # The server itself cannot call tools (not a one-off bad tool call by the model).
    tools_unsupported: bool = False
    # A hardware tool the first model call must use (numbers come from tools, not memory).
    required_tool: str | None = None
    # Token room the tutor kept for a tool round-trip; `ders_ara` fits its result into it.
    tool_result_tokens: int = 400
    # The key governor's side of this turn (chains.governed_turn.GovernedTurn), or None.
    governed: Any = None
    rate_limited: int = 0  # 429s this turn received
    # Typed Any: pydantic inspects this dataclass through the tool's runtime argument.
    _lock: Any = field(default_factory=threading.Lock)

    def keep_sources(self, count: int) -> None:
        with self._lock:
            del self.sources[count:]

    def add_sources(self, passages: Sequence[Passage]) -> list[tuple[int, Passage]]:
        """Number new passages after the existing ones; known passages keep their number."""
        return [(n, p) for n, p, _ in self.add_sources_marked(passages)]

    def add_sources_marked(self, passages: Sequence[Passage]) -> list[tuple[int, Passage, bool]]:
        """Like `add_sources`, with a flag telling which passages are new to this turn."""
        numbered: list[tuple[int, Passage, bool]] = []
        with self._lock:
            for passage in passages:
                key = passage.chunk_id or (passage.source, passage.section, passage.text[:80])
                existing = next(
                    (i for i, p in enumerate(self.sources) if (p.chunk_id or (p.source, p.section, p.text[:80])) == key),
                    None,
                )
                is_new = existing is None
                if is_new:
                    self.sources.append(passage)
                    existing = len(self.sources) - 1
                numbered.append((existing + 1, self.sources[existing], is_new))
        return numbered


def course_search_tool(retriever_k: int = TOOL_SEARCH_K) -> BaseTool:
    @tool(COURSE_SEARCH_TOOL, response_format="content_and_artifact")
    def ders_ara(sorgu: str, runtime: ToolRuntime[TurnContext]) -> tuple[str, list[dict[str, Any]]]:
        """Ders belgelerinde arama yapar; numaralı parçalar döndürür. Verilen parçalar yetmediğinde kısa bir Türkçe sorgu ile kullan."""
        context: TurnContext = runtime.context
        response = context.retriever.search(sorgu, k=retriever_k)
        marked = context.add_sources_marked(response.passages)
        if not marked:
            return "Ders belgelerinde bu sorguyla ilgili parça bulunamadı.", []
        new = [(n, p) for n, p, is_new in marked if is_new]
        known = [n for n, _, is_new in marked if not is_new]
        # Passages already in the prompt are only referred to; new ones are shortened
        # until the result fits the room the tutor kept for this round-trip.
        max_chars = TOOL_PASSAGE_MAX_CHARS
        while True:
            parts = [format_passages(new, max_chars=max_chars)] if new else []
            if known:
                parts.append("Yukarıdaki kaynaklarda zaten var: " + ", ".join(f"[{n}]" for n in known))
            text = "\n\n".join(parts)
            if estimate_tokens(text) <= context.tool_result_tokens or max_chars <= 120:
                break
            max_chars -= 60
        artifact = [{"n": n, "source": p.source, "section": p.section} for n, p, _ in marked]
        return text, artifact

    return ders_ara


class ModelSelector:
    """The active model of one Tutor; moves to a fallback when a model is gone."""

    def __init__(self, models: Sequence[str], build: Callable[[str], BaseChatModel]) -> None:
        self._models = list(models)
        self._build = build
        self._index = 0
        self._cache: dict[str, BaseChatModel] = {}
        self._lock = threading.Lock()
        self.switch_notice_shown = False

    @property
    def name(self) -> str:
        with self._lock:
            return self._models[self._index]

    def current(self) -> BaseChatModel:
        return self.active()[0]

    def active(self) -> tuple[BaseChatModel, str]:
        """The active chat model and its id, read together."""
        with self._lock:
            name = self._models[self._index]
            if name not in self._cache:
                self._cache[name] = self._build(name)
            return self._cache[name], name

    def remaining(self) -> list[str]:
        """The active model and the fallbacks after it."""
        with self._lock:
            return self._models[self._index:]

    def model(self, name: str) -> BaseChatModel:
        """The chat model for `name` (the key governor may pick a fallback with budget left)."""
        with self._lock:
            if name not in self._cache:
                self._cache[name] = self._build(name)
            return self._cache[name]

    def switch_from(self, failed: str) -> tuple[BaseChatModel, str] | None:
        """Move past `failed` (if still active); None when no fallback is left."""
        with self._lock:
            if self._models[self._index] == failed:
                if self._index + 1 >= len(self._models):
                    return None
                self._index += 1
        return self.active()

    def take_switch_notice(self, failed: str, new: str) -> str | None:
        with self._lock:
            if self.switch_notice_shown:
                return None
            self.switch_notice_shown = True
        return f"'{failed}' modeli artık kullanılamıyor; yedek model '{new}' ile devam ediliyor."


class ResilientModelMiddleware(AgentMiddleware):
    """Retries, fallback models and tool-less retry; see the module docstring."""

    def __init__(
        self,
        selector: ModelSelector,
        *,
        max_retries: int,
        secrets: Callable[[], list[str]],
        sleep: Callable[[float], None] = time.sleep,
        tool_tokens: int = 0,
    ) -> None:
        super().__init__()
        self.selector = selector
        self.max_retries = max_retries
        self.secrets = secrets
        self.sleep = sleep
        self.tool_tokens = tool_tokens

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        context: TurnContext = request.runtime.context
        if context.first_model_call_at is None:
            context.first_model_call_at = time.perf_counter()
        model, model_name = self.selector.active()
        tools_allowed = not context.tools_disabled
        tool_names = {getattr(t, "name", None) for t in request.tools}
        forced = (
            context.required_tool
            if not context.model_calls and context.required_tool in tool_names
            else None
        )
        governed = context.governed
        call_id = None
        if governed is not None and governed.model != model_name and governed.model in self.selector.remaining():
            model, model_name = self.selector.model(governed.model), governed.model  # budget fallback
        if governed is not None:
            # Waits (bounded) for the key's budget; raises ProviderFailure("queue") when none comes in time.
            call_id = governed.before_call(model_name, self._estimate(request, tools_allowed))
        try:
            return self._call(request, handler, context, model, model_name, tools_allowed, forced, governed, call_id)
        finally:
            if governed is not None and call_id is not None:
                governed.release(call_id)  # not settled: the call failed before Groq processed it

    def _call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse], context: TurnContext,
              model: BaseChatModel, model_name: str, tools_allowed: bool, forced: str | None,
              governed: Any, call_id: str | None) -> Any:
        rate_retries = server_retries = tool_failures = 0
        while True:
            overrides: dict[str, Any] = {"model": model}
            if forced and tools_allowed:
                overrides["tool_choice"] = forced
            if not tools_allowed:
                system_text = f"{SYSTEM_PROMPT}\n\n{TOOLLESS_NOTE}"
                overrides.update(tools=[], system_message=SystemMessage(content=system_text))
            attempt = request.override(**overrides)
            self._record(context, attempt, model_name, tools_allowed)
            try:
                response = handler(attempt)
            except Exception as exc:  # every provider error is classified below
                failure = classify(exc, self.secrets())
            else:
                usage = self._record_usage(context, response)
                if governed is not None:
                    governed.after_call(call_id, usage, context.model_calls[-1]["prompt_tokens"])
                return response
            if failure.kind == "rate_limit":
                context.rate_limited += 1
                if governed is not None:
                    governed.rate_limited(model_name, failure.retry_after_s, failure.detail)
            if failure.kind == "model_unavailable":
                switched = self.selector.switch_from(model_name)
                if switched is None:
                    raise failure
                failed_name = model_name
                model, model_name = switched
                notice = self.selector.take_switch_notice(failed_name, model_name)
                if notice:
                    context.notices.append(notice)
                continue
            if failure.kind == "rate_limit":
                wait = failure.retry_after_s if failure.retry_after_s is not None else 2.0 ** rate_retries
                if rate_retries < self.max_retries and wait <= MAX_RATE_LIMIT_WAIT_S:
                    rate_retries += 1
                    self.sleep(wait)
                    continue
                raise failure
            if failure.kind == "server" and server_retries < self.max_retries:
                self.sleep(SERVER_BACKOFF_S * 2**server_retries)
                server_retries += 1
                continue
            if failure.kind == "tool_use_failed":
                tool_failures += 1
                if tool_failures == 1 and not failure.tools_unsupported:
                    continue  # a model's malformed tool call often succeeds on a retry
                if tools_allowed:
                    tools_allowed = False
                    context.tools_disabled = True
                    context.tools_unsupported = failure.tools_unsupported
                    context.notices.append(failure.notice())
                    continue
            raise failure

    @staticmethod
    def _record_usage(context: TurnContext, response: Any) -> dict[str, Any]:
        """Keep the provider's own token counts next to our estimate (calibration, usage)."""
        messages = getattr(response, "result", None) or [response]
        usage = getattr(messages[-1], "usage_metadata", None) or {}
        if usage.get("input_tokens") and context.model_calls:
            call = context.model_calls[-1]
            call["reported_prompt_tokens"] = int(usage["input_tokens"])
            call["cached_tokens"] = int((usage.get("input_token_details") or {}).get("cache_read") or 0)
            call["completion_tokens"] = int(usage.get("output_tokens") or 0)
        return dict(usage)

    def _estimate(self, request: ModelRequest, tools_allowed: bool) -> int:
        system = [request.system_message] if request.system_message is not None else []
        tokens = estimate_messages_tokens(system + list(request.messages))
        return tokens + (self.tool_tokens if tools_allowed else 0)

    def _record(self, context: TurnContext, request: ModelRequest, model_name: str, tools_allowed: bool) -> None:
        tokens = self._estimate(request, tools_allowed)
        context.model_calls.append({"model": model_name, "prompt_tokens": tokens, "tools": tools_allowed})


def build_agent(
    selector: ModelSelector,
    tools: Sequence[BaseTool],
    *,
    max_retries: int,
    secrets: Callable[[], list[str]],
    sleep: Callable[[float], None] = time.sleep,
    tool_tokens: int = 0,
):
    middleware = ResilientModelMiddleware(
        selector, max_retries=max_retries, secrets=secrets, sleep=sleep, tool_tokens=tool_tokens
    )
    return create_agent(
        selector.current(),
        list(tools),
        system_prompt=SYSTEM_PROMPT,
        middleware=[middleware],
        name="ders_asistani",
    )


def tool_result_value(content: Any, artifact: Any = None) -> Any:
    """A tool result as JSON-friendly data for events and the ask JSON."""
    if artifact not in (None, [], {}):
        return artifact
    if isinstance(content, str):
        try:
            return json.loads(content)
        except (json.JSONDecodeError, ValueError):
            return content
    return content


def system_prompt_tokens() -> int:
    return estimate_tokens(SYSTEM_PROMPT) + 4
