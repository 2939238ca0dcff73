"""The messages of a turn's first model call: history, numbered passages, hints, the question.

Everything is fitted into the prompt token budget by `chains.context.plan_prompt`;
passages that do not fit are dropped from the turn's sources, so the model can only
cite what it saw. The system prompt and tool schemas are added by the agent; they
count here only as fixed costs of the budget.
"""

from __future__ import annotations

from typing import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from chains.agent import TurnContext, system_prompt_tokens
from chains.context import TOOL_ROUNDTRIP_RESERVE, Turn, estimate_messages_tokens, format_passages, plan_prompt
from chains.prompts import user_message
from hardware.question_parser import HardwareQuery
from vectorstore.types import SearchResponse

# Tokens kept free for the forced tool's call and result in the second model call
# (measured: a vram_hesapla result is about 700 estimated tokens, model_oner about 400;
# the margin covers tokenizers that split JSON finely, see bench/tutor_bench.py).
TOOL_RESULT_RESERVE = {"vram_hesapla": 1100, "model_oner": 650}
TOOL_CALL_TOKENS = 70  # the assistant's tool call message plus the tool message overhead


def build_messages(
    question: str,
    hardware: HardwareQuery,
    response: SearchResponse,
    turns: Sequence[Turn],
    context: TurnContext,
    *,
    budget: int,
    tool_tokens: int,
) -> list[BaseMessage]:
    """The turn's messages within `budget`; trims `context.sources` to the passages that fit."""
    reserve = TOOL_RESULT_RESERVE.get(context.required_tool or "", TOOL_ROUNDTRIP_RESERVE)
    plan = plan_prompt(
        budget=budget,
        system_tokens=system_prompt_tokens(),
        tool_tokens=tool_tokens,
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


def estimate_prompt_tokens(messages: Sequence[BaseMessage], tool_tokens: int) -> int:
    """The first model call's prompt as the governor counts it: system prompt, tool schemas, messages."""
    return system_prompt_tokens() + tool_tokens + estimate_messages_tokens(messages)
