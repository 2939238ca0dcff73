"""The model's side of one tutor turn: run the agent, turn its stream into `TutorEvent`s.

`AgentGeneration.run(...)` builds the turn's messages, waits for the key governor's
admission (queue events), streams tokens through the `StreamGuard`, reports tool calls
and the passages `ders_ara` adds, and returns the final answer text. A 413 "Request
too large" gets one retry with a smaller prompt; every other provider problem is
raised as `ProviderFailure` for the turn to answer offline.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterator, Sequence

from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

from chains.agent import COURSE_SEARCH_TOOL, TurnContext, tool_result_value
from chains.context import Turn
from chains.deadline import TurnDeadline
from chains.errors import ProviderFailure
from chains.events import TutorEvent, source_dicts
from chains.governed_turn import budget_switch_notice
from chains.stream_guard import StreamGuard
from chains.turn_messages import build_messages, estimate_prompt_tokens
from ders_asistani.settings import Settings
from hardware.question_parser import HardwareQuery
from vectorstore.types import SearchResponse

log = logging.getLogger(__name__)

RECURSION_LIMIT = 12  # about five model calls per turn
# A 413 retry sends this share of the prompt the refused request had.
SHRINK_FACTOR = 0.6


def stream_cut(message: AIMessage) -> bool:
    """A provider's reply that never said it was finished (no finish_reason / done) was cut off."""
    meta = message.response_metadata or {}
    provider = meta.get("model_provider")
    if provider in ("groq", "openai"):
        return not meta.get("finish_reason")
    if provider == "ollama":
        return not meta.get("done", meta.get("done_reason"))
    return False  # injected test models and unknown providers report nothing


def usage_of(calls: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Provider-reported tokens of a turn's model calls (estimates where none were reported)."""
    return {
        "requests": len(calls),
        "prompt_tokens": sum(c.get("reported_prompt_tokens", c["prompt_tokens"]) for c in calls),
        "cached_tokens": sum(c.get("cached_tokens", 0) for c in calls),
        "completion_tokens": sum(c.get("completion_tokens", 0) for c in calls),
    }


def flush_notices(context: TurnContext, sink: list[str]) -> Iterator[TutorEvent]:
    """Notices raised inside the middleware (fallback model, tool-less retry), moved to the turn's list."""
    while context.notices:
        notice = context.notices.pop(0)
        sink.append(notice)
        yield TutorEvent("notice", notice)


class AgentGeneration:
    """One tutor's agent, run once per turn. `settings` is read at call time (budget)."""

    def __init__(self, agent: Any, settings: Settings, *, tool_tokens: int, key_kind: str,
                 secrets: Callable[[], list[str]]) -> None:
        self.agent = agent
        self.settings = settings
        self.tool_tokens = tool_tokens
        self.key_kind = key_kind
        self.secrets = secrets

    def run(self, question: str, hardware: HardwareQuery, response: SearchResponse, turns: Sequence[Turn],
            context: TurnContext, tool_calls: list[dict[str, Any]], notices: list[str],
            deadline: TurnDeadline | None = None) -> Iterator[TutorEvent]:
        """`generate`; a 413 "Request too large" gets one retry with 60% of the prompt it sent."""
        try:
            return (yield from self.generate(question, hardware, response, turns, context, tool_calls,
                                             notices, deadline=deadline))
        except ProviderFailure as failure:
            if failure.kind != "too_large":
                raise
            log.info("request too large; retrying with a smaller prompt")
            sent = context.model_calls[0]["prompt_tokens"] if context.model_calls else self.settings.prompt_token_budget
            context.model_calls.clear()
            if context.governed is not None:
                context.governed.finish()  # leave the queue; the smaller turn queues again
            return (yield from self.generate(question, hardware, response, turns, context, tool_calls,
                                             notices, deadline=deadline,
                                             budget=max(1, int(sent * SHRINK_FACTOR))))

    def generate(self, question: str, hardware: HardwareQuery, response: SearchResponse, turns: Sequence[Turn],
                 context: TurnContext, tool_calls: list[dict[str, Any]], notices: list[str],
                 deadline: TurnDeadline | None = None, budget: int | None = None) -> Iterator[TutorEvent]:
        """Run the agent; yields events and returns the final answer text.

        Raises `ProviderFailure` when the turn passes its deadline or the model's
        stream ended without saying it was finished (a cut connection).
        """
        retrieved = len(context.sources)
        messages = build_messages(question, hardware, response, turns, context,
                                  budget=budget or self.settings.prompt_token_budget, tool_tokens=self.tool_tokens)
        if len(context.sources) != retrieved:
            # Passages that did not fit the budget are not citable: show only what the model saw.
            yield TutorEvent("sources", source_dicts(context.sources))
        if context.governed is not None:
            yield from self._admit(context, messages, notices, deadline)
        pending: dict[str, dict[str, Any]] = {}
        final: str | None = None
        guard = StreamGuard(self.secrets())
        sources_seen = len(context.sources)
        stream = self.agent.stream(
            {"messages": messages},
            context=context,
            stream_mode=["messages", "updates"],
            config={"recursion_limit": RECURSION_LIMIT, "callbacks": [deadline] if deadline else []},
        )
        for stream_mode, data in stream:
            yield from flush_notices(context, notices)
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
                            if stream_cut(message):
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

    def _admit(self, context: TurnContext, messages: Sequence[Any], notices: list[str],
               deadline: TurnDeadline | None) -> Iterator[TutorEvent]:
        """Wait for the key's budget (queue events); the turn deadline starts once admitted."""
        governed = context.governed
        yield from governed.admit(estimate_prompt_tokens(messages, self.tool_tokens))
        if deadline is not None:
            deadline.at = time.perf_counter() + deadline.seconds
        if governed.switched_from and not any("bugünkü kotası doldu" in n for n in notices):
            notice = budget_switch_notice(governed.switched_from, governed.model, self.key_kind)
            notices.append(notice)
            yield TutorEvent("notice", notice)
