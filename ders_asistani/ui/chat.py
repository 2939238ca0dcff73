"""The chat's state and the streaming of one answer into the page."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import streamlit as st

from ders_asistani.ui import render
from ders_asistani.ui.render import field

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "Küçük dil modellerinin güçlü ve zayıf yönleri neler?",
    "Llama 3.1 8B modelini 4-bit ile 12 GB'lık RTX 3060'ta çalıştırabilir miyim?",
    "İnce ayar (fine-tuning) nedir?",
    "8 GB VRAM'li bir dizüstü için hangi modeli önerirsin?",
]

POLITE_ERROR = (
    "Üzgünüm, bu soruyu şu an cevaplayamadım. Lütfen biraz sonra yeniden deneyin; "
    "sorun sürerse eğitmeninize haber verin."
)

PENDING_KEY = "pending_question"
OFFLINE_NOW_KEY = "offline_now"


def init_state() -> None:
    if "thread_id" not in st.session_state:
        new_chat()


def new_chat() -> None:
    st.session_state.thread_id = uuid.uuid4().hex
    st.session_state.messages = []


def ask_later(question: str) -> None:
    """Queue a question (example button, calculator) for the chat's next run."""
    st.session_state[PENDING_KEY] = question


def take_pending() -> str | None:
    return st.session_state.pop(PENDING_KEY, None)


def _answer_offline_now(question: str) -> None:
    """The waiting student's "Çevrimdışı cevabı şimdi al": ask again, offline, on the next run."""
    messages = st.session_state.get("messages") or []
    if messages and messages[-1].get("role") == "user" and messages[-1].get("content") == question:
        messages.pop()  # the rerun shows the question again with its offline answer
    st.session_state[PENDING_KEY] = question
    st.session_state[OFFLINE_NOW_KEY] = True


def _show_queue(slots: tuple[Any, Any], payload: Any, question: str, shown: list[bool]) -> None:
    """'Sıranız: 3 — yaklaşık 40 sn', updated in place, and the offline button once."""
    from chains.governed_turn import queue_text

    text_slot, button_slot = slots
    text_slot.info(queue_text(int(field(payload, "position", 1)), float(field(payload, "eta_s", 0.0))), icon="⏳")
    if not shown:
        button_slot.button("Çevrimdışı cevabı şimdi al", key=f"offline-now-{uuid.uuid4().hex[:8]}",
                           on_click=_answer_offline_now, args=(question,))
        shown.append(True)


def stream_answer(tutor: Any, question: str, thread_id: str, banner_slot, student_id: str | None = None,
                  key_kind: str | None = None) -> dict[str, Any]:
    """Run the tutor, showing tokens, tool calls and notices as they arrive.

    `key_kind` ("class" / "own") keeps the banner saying whose key answers while the turn runs.

    Returns the assistant message as stored in the session (plain data only).
    """
    message: dict[str, Any] = {
        "role": "assistant",
        "id": uuid.uuid4().hex,
        "question": question,
        "content": "",
        "sources": [],
        "tools": [],
        "notices": [],
        "mode": None,
        "model": None,
        "answered_from_course": None,
        "error": None,
    }
    tool_area = st.container()
    text_slot = st.empty()
    open_tools: list[tuple[dict[str, Any], Any]] = []
    answer = None
    with text_slot:
        st.markdown("_Düşünüyorum…_")
    queue_slots = (st.empty(), st.empty())
    queue_shown: list[bool] = []
    offline_now = bool(st.session_state.pop(OFFLINE_NOW_KEY, False))
    extra = {"student_id": student_id, "offline": True} if offline_now else {"student_id": student_id}
    for event in tutor.stream(question, thread_id, **extra):
        kind = field(event, "kind") or field(event, "type")
        payload = field(event, "payload", field(event, "data"))
        if kind == "status":
            message["mode"] = field(payload, "mode")
            message["model"] = field(payload, "model")
            st.session_state.mode_info = {
                "mode": message["mode"],
                "model": message["model"],
                "reason": field(payload, "reason"),
            }
            with banner_slot.container():
                render.mode_banner(**st.session_state.mode_info, key_kind=key_kind)
        elif kind == "queue":
            _show_queue(queue_slots, payload, question, queue_shown)
            continue
        elif kind == "tool_start":
            row = render.tool_call_row(payload)
            with tool_area:
                box, done_label = render.render_tool_call(row, running=True)
            open_tools.append((row, (box, done_label)))
        elif kind == "tool_end":
            finished = render.tool_call_row(payload, payload)  # the end event repeats name and args
            if open_tools:
                _row, (box, done_label) = open_tools.pop()
                with box:
                    render.tool_result(finished["result"])
                box.update(label=done_label, state="error" if finished["error"] else "complete")
            message["tools"].append(finished)
        elif kind == "token":
            message["content"] += payload if isinstance(payload, str) else str(field(payload, "text", ""))
            text_slot.markdown(message["content"] + "▌")
        elif kind == "sources":
            message["sources"] = render.source_rows(payload)
        elif kind == "notice":
            notice = payload if isinstance(payload, str) else str(field(payload, "text", payload))
            message["notices"].append(notice)
            st.info(notice, icon="ℹ️")
        elif kind == "done":
            answer = payload
        if queue_shown:  # the wait is over
            for slot in queue_slots:
                slot.empty()
            queue_shown.clear()
    if answer is not None:
        final_text = field(answer, "answer")
        if final_text:
            message["content"] = final_text
        sources = field(answer, "sources")
        if sources:
            message["sources"] = render.source_rows(sources)
        message["mode"] = field(answer, "mode", message["mode"])
        message["model"] = field(answer, "model", message["model"])
        message["answered_from_course"] = field(answer, "answered_from_course")
        message["off_reason"] = field(answer, "generation_off_reason")
        message["cached"] = bool(field(answer, "cached", False))
        if not message["tools"]:
            message["tools"] = [render.tool_call_row(call, call) for call in field(answer, "tool_calls") or []]
    text_slot.markdown(message["content"] or POLITE_ERROR)
    render.cached_caption(message)
    render.render_sources(message["sources"])
    return message


def needs_instructor(message: dict[str, Any]) -> bool:
    """The course did not cover it and no tool answered: worth showing the instructor."""
    return message.get("answered_from_course") is False and not message.get("tools")
