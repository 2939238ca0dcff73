"""Turn planning: what a question continues, which tool it needs, what to search for.

Pure decisions on the parsed question and the thread's memory; no model calls.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from chains.agent import COURSE_SEARCH_TOOL
from chains.context import Turn
from hardware.question_parser import HardwareQuery


def continues(parsed: HardwareQuery) -> bool:
    """A follow-up of the previous hardware question ("peki 4-bit olursa?", "RTX 4090 ile?")."""
    if parsed.followup:
        return True
    changes_setting = any(
        value is not None for value in (parsed.bits, parsed.quant, parsed.vram_gb, parsed.gpu, parsed.context_tokens)
    )
    return changes_setting and parsed.model is None and parsed.params_b is None and not parsed.is_hardware


def plan_hardware(parsed: HardwareQuery, previous: HardwareQuery | None) -> HardwareQuery:
    """The hardware question this turn answers: merged with the previous one on a follow-up."""
    if previous is not None and continues(parsed):
        return parsed.merged_with(previous)
    return parsed


def search_query(question: str, parsed: HardwareQuery, turns: Sequence[Turn]) -> str:
    """Hardware follow-ups and aspect-only follow-ups ("peki dezavantajları neler?") search with the
    previous question too; a follow-up naming its own subject ("peki Transformer nedir?") searches alone."""
    from chains.offline_followup import search_query as followup_query

    return followup_query(question, parsed, turns[-1].question if turns else None)


def required_tool(hardware: HardwareQuery, available: set[str]) -> str | None:
    """The hardware tool the first model call must use, if the question needs numbers."""
    if hardware.intent == "recommend" and not hardware.model:
        choice = "model_oner"
    elif hardware.is_hardware and (hardware.model or hardware.params_b):
        choice = "vram_hesapla"
    else:
        return None
    return choice if choice in available else None


def tool_note(tool_calls: Sequence[dict[str, Any]]) -> str:
    """Key numbers of this turn's hardware tool calls, kept in memory for follow-ups."""
    keys = ("model", "quant", "context", "mode", "gpu", "total_gb", "fits", "max_context", "tokens_per_s", "hata")
    notes = []
    for call in tool_calls:
        if call["name"] == COURSE_SEARCH_TOOL:
            continue
        result = call["result"]
        if isinstance(result, dict) and isinstance(result.get("oneriler"), list):
            summary: Any = [
                {k: r.get(k) for k in ("model", "quant", "total_gb")} for r in result["oneriler"][:3] if isinstance(r, dict)
            ]
        elif isinstance(result, dict):
            summary = {k: result[k] for k in keys if result.get(k) is not None}
        else:
            summary = result
        args = json.dumps(call["args"], ensure_ascii=False, default=str)
        notes.append(f"{call['name']}({args}) → {json.dumps(summary, ensure_ascii=False, default=str)[:300]}")
    return "; ".join(notes)
