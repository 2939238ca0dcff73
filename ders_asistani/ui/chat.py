"""The chat's state and the streaming of one answer into the page."""

from __future__ import annotations

import logging
import threading
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
REGENERATE_KEY = "regenerate_question"
STREAMING_KEY = "streaming_answer"
STOPPED_NOTE = "⏹ Durduruldu: cevap yarıda kesildi."
COPY_HELP = "Metni seçip kopyalayın ya da kutunun sağ üstündeki kopyala simgesine tıklayın."


def init_state() -> None:
    if "messages" not in st.session_state:
        st.session_state.messages = []


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


def regenerate() -> None:
    """Button callback: drop the last answer and ask its question again on this run."""
    messages = st.session_state.get("messages") or []
    if not messages or messages[-1].get("role") != "assistant":
        return
    last = messages.pop()
    question = last.get("question") or (messages[-1]["content"] if messages and messages[-1]["role"] == "user" else "")
    if question:
        st.session_state[REGENERATE_KEY] = question


def take_regenerate() -> str | None:
    return st.session_state.pop(REGENERATE_KEY, None)


def take_interrupted() -> dict[str, Any] | None:
    """The answer a click interrupted while it streamed ("Durdur"), marked as stopped.

    A click during a run can start the next run before the interrupted one has
    noticed; whichever comes first takes the partial answer, the other does nothing.
    """
    message = st.session_state.pop(STREAMING_KEY, None)
    if message is None:
        return None
    message["stopped"] = True
    return message


def render_message(message: dict[str, Any], thread_id: str, *, last: bool) -> None:
    """One stored message of the history, with who answered and the answer actions."""
    from ders_asistani.ui.feedback import feedback_widget

    if message["role"] == "user":
        st.markdown(message["content"])
        return
    for tool in message.get("tools", []):
        render.render_tool_call(tool)
    content = message.get("content") or ("" if message.get("stopped") else POLITE_ERROR)
    for notice in message.get("notices", []):
        if notice.strip() != content.strip():  # an empty-question notice is the answer itself
            st.info(notice, icon="ℹ️")
    if content:
        st.markdown(content)
    if message.get("stopped"):
        st.caption(STOPPED_NOTE)
    render.cached_caption(message)
    render.render_sources(render.shown_sources(message))
    caption = render.answered_by(message)
    if caption:
        st.caption(caption)
    if not message.get("id"):
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if message.get("error") is None and not message.get("stopped"):
            feedback_widget(message, thread_id)
        if content:
            with st.popover("📋 Kopyala", help="Cevabın metnini kopyalayın"):
                st.caption(COPY_HELP)
                st.code(content, language=None, wrap_lines=True)
        if last:
            st.button("🔄 Yeniden oluştur", key=f"regen-{message['id']}", on_click=regenerate,
                      help="Aynı soruya yeni bir cevap", type="tertiary")


def _close_quietly(close) -> None:
    try:
        close()
    except Exception:
        log.exception("closing the tutor stream failed")


def _mode_info(message: dict[str, Any]) -> dict[str, Any]:
    return {"mode": message["mode"], "model": message["model"], "reason": message.get("off_reason")}


def stream_answer(tutor: Any, question: str, thread_id: str, banner_slot, on_stop=None,
                  student_id: str | None = None, key_kind: str | None = None) -> dict[str, Any]:
    """Run the tutor, showing tokens, tool calls and notices as they arrive.

    `key_kind` ("class" / "own") keeps the banner saying whose key answers.

    A "Durdur" button is on screen while the answer streams: clicking it reruns the
    script, which interrupts this loop; what was streamed so far is kept as a
    stopped message (`on_stop(message)` stores it) before the rerun goes on.
    Returns the assistant message as stored in the session (plain data only).
    """
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

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
        "off_reason": None,
        "error": None,
    }
    stop_slot = st.empty()
    stop_slot.button("⏹ Durdur", key="stop-answer", help="Cevabın yazılmasını durdurur")
    tool_area = st.container()
    text_slot = st.empty()
    open_tools: list[tuple[dict[str, Any], Any]] = []
    answer = None
    with text_slot:
        st.markdown("_Düşünüyorum…_")
    st.session_state[STREAMING_KEY] = message  # live: a run that interrupts this one keeps it
    queue_slots = (st.empty(), st.empty())
    queue_shown: list[bool] = []
    offline_now = bool(st.session_state.pop(OFFLINE_NOW_KEY, False))
    extra = {"student_id": student_id, "offline": True} if offline_now else {"student_id": student_id}
    events = tutor.stream(question, thread_id, **extra)
    try:
        for event in events:
            kind = field(event, "kind") or field(event, "type")
            payload = field(event, "payload", field(event, "data"))
            if kind == "status":
                # Who is configured; the banner changes only when the turn says who answered.
                message["mode"] = field(payload, "mode")
                message["model"] = field(payload, "model")
                message["off_reason"] = field(payload, "reason")
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
                with tool_area:
                    st.info(notice, icon="ℹ️")
            elif kind == "done":
                answer = payload
            if queue_shown:  # the wait is over
                for slot in queue_slots:
                    slot.empty()
                queue_shown.clear()
    except (RerunException, StopException):
        # "Durdur" (or any click) while streaming: keep the preview, marked as stopped,
        # unless the next run already took it over (`take_interrupted`).
        if st.session_state.pop(STREAMING_KEY, None) is message:
            message["stopped"] = True
            if on_stop is not None:
                on_stop(message)
        raise
    except BaseException:
        st.session_state.pop(STREAMING_KEY, None)
        raise
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            # Closing the tutor's stream frees its per-thread lock, but it waits for the model
            # call in flight; the page must not wait for that, so it happens in the background.
            threading.Thread(target=_close_quietly, args=(close,), name="ders-asistani-close", daemon=True).start()
    st.session_state.pop(STREAMING_KEY, None)
    stop_slot.empty()
    if answer is not None:
        final_text = field(answer, "answer")
        if final_text:
            message["content"] = final_text
        sources = field(answer, "sources")
        if sources is not None:  # the done list is authoritative (a refusal keeps none)
            message["sources"] = render.source_rows(sources)
        message["mode"] = field(answer, "mode", message["mode"])
        message["model"] = field(answer, "model", message["model"])
        message["answered_from_course"] = field(answer, "answered_from_course")
        message["off_reason"] = field(answer, "generation_off_reason", message["off_reason"])
        if message["mode"] != "offline":
            message["off_reason"] = None
        message["cached"] = bool(field(answer, "cached", False))
        if not message["tools"]:
            message["tools"] = [render.tool_call_row(call, call) for call in field(answer, "tool_calls") or []]
    if message["mode"]:
        # The banner tells who answered this turn (offline after a 401, the fallback model).
        st.session_state.mode_info = _mode_info(message)
        with banner_slot.container():
            render.mode_banner(**st.session_state.mode_info, key_kind=key_kind)
    text_slot.markdown(message["content"] or POLITE_ERROR)
    render.cached_caption(message)
    render.render_sources(render.shown_sources(message))
    return message


def needs_instructor(message: dict[str, Any]) -> bool:
    """The course did not cover it and no tool answered: worth showing the instructor."""
    return message.get("answered_from_course") is False and not message.get("tools")
