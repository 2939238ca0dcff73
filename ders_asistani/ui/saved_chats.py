"""The chat's saved conversations: restore on reload, save after each change, "Sohbetlerim".

The open conversation is `?cid=` and the student `?sid=` (`ders_asistani.ui.identity`);
the conversation id is also the tutor's thread id. Restoring brings back the messages
on screen and, before the next question, the tutor's memory of the thread.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import streamlit as st

from ders_asistani.ui import identity

log = logging.getLogger(__name__)

LOADED_KEY = "loaded_conversation"
MEMORY_KEY = "saved_memory"  # (turns, hardware) of a restored conversation, for the tutor
SAVED_KEY = "saved_body"  # what was last written, to skip identical saves
NOTICE_KEY = "conversation_notice"
LIST_LIMIT = 30


def _mode_info(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Who answered the last turn of a restored conversation (for the banner)."""
    for message in reversed(messages):
        if message.get("role") == "assistant" and message.get("mode"):
            return {"mode": message["mode"], "model": message.get("model"), "reason": message.get("off_reason")}
    return None


def _reset_session(cid: str) -> None:
    st.session_state.thread_id = cid
    st.session_state.messages = []
    st.session_state.mode_info = None
    st.session_state[MEMORY_KEY] = None
    st.session_state[SAVED_KEY] = None
    st.session_state[LOADED_KEY] = cid


def sync(store: Any, sid: str) -> str:
    """Make the session show the conversation named in the URL; returns its id.

    A conversation id that belongs to another student is never opened: a new,
    empty conversation takes its place.
    """
    cid = identity.conversation_id()
    if st.session_state.get(LOADED_KEY) == cid and st.session_state.get("thread_id") == cid:
        return cid
    _reset_session(cid)
    try:
        saved = store.get(cid, sid)
        owner = None if saved is not None else store.owner(cid)
    except Exception:
        log.exception("could not read the saved conversation")
        st.session_state[NOTICE_KEY] = "Kayıtlı sohbet şu an okunamadı; yeni bir sohbet açıldı."
        return cid
    if saved is None and owner is not None and owner != sid:
        cid = identity.new_id()
        identity.set_conversation_id(cid)
        _reset_session(cid)
        st.session_state[NOTICE_KEY] = "Bu bağlantıdaki sohbet size ait değil; yeni bir sohbet açıldı."
        return cid
    if saved is not None:
        st.session_state.messages = list(saved.messages)
        st.session_state.mode_info = _mode_info(saved.messages)
        st.session_state[MEMORY_KEY] = (saved.turns, saved.hardware) if saved.turns else None
        st.session_state[SAVED_KEY] = json.dumps(saved.messages, ensure_ascii=False, default=str, sort_keys=True)
    return cid


def open_conversation(cid: str) -> None:
    identity.set_conversation_id(cid)
    st.session_state[LOADED_KEY] = None


def start_new() -> str:
    cid = identity.new_id()
    identity.set_conversation_id(cid)
    _reset_session(cid)
    return cid


def restore_memory(tutor: Any, cid: str) -> None:
    """Give the tutor the restored conversation's memory, unless it already has some."""
    pending = st.session_state.get(MEMORY_KEY)
    if not pending or not hasattr(tutor, "load_history"):
        return
    turns, hardware = pending
    try:
        if tutor.history(cid):
            return  # this process still remembers the thread
        from chains.context import Turn

        tutor.load_history(cid, [Turn(**turn) for turn in turns], hardware)
    except Exception:
        log.exception("could not restore the tutor's memory")
    finally:
        st.session_state[MEMORY_KEY] = None


def forget_last_turn(tutor: Any, cid: str, question: str) -> None:
    """Before a regenerated answer: the tutor's memory drops the answer being replaced."""
    if not hasattr(tutor, "export_history"):
        return
    try:
        turns, hardware = tutor.export_history(cid)
        if turns and turns[-1].question == question:
            tutor.load_history(cid, turns[:-1], hardware)
    except Exception:
        log.exception("could not drop the replaced turn")


def persist(store: Any, sid: str, cid: str, tutor: Any = None) -> None:
    """Save the open conversation if it changed (and the tutor's memory of it, when given)."""
    messages = st.session_state.get("messages") or []
    if not messages:
        return
    body = json.dumps(messages, ensure_ascii=False, default=str, sort_keys=True)
    turns = hardware = None
    if tutor is not None and hasattr(tutor, "export_history"):
        try:
            turns, hardware = tutor.export_history(cid)
        except Exception:
            log.exception("could not read the tutor's memory")
    if body == st.session_state.get(SAVED_KEY) and turns is None:
        return
    try:
        store.save(cid, sid, messages, turns, hardware)
        st.session_state[SAVED_KEY] = body
    except Exception:
        log.exception("conversation not saved")
        st.toast("Sohbet kaydedilemedi; yeniden yüklerseniz son mesajlar kaybolabilir.", icon="⚠️")


def _rename(store: Any, sid: str, cid: str) -> None:
    title = st.session_state.get(f"rename-{cid}", "")
    if store.rename(cid, sid, title):
        st.toast("Sohbetin adı değişti.", icon="✏️")


def sidebar(store: Any, sid: str, cid: str) -> bool:
    """"Sohbetlerim": this student's conversations, newest first; open, rename, delete.

    Returns True when the page should rerun (another conversation was opened or deleted).
    """
    st.subheader("Sohbetlerim")
    try:
        saved = store.list_for(sid, limit=LIST_LIMIT)
    except Exception:
        log.exception("could not list conversations")
        st.caption("Kayıtlı sohbetler şu an okunamıyor.")
        return False
    if not saved:
        st.caption("Henüz kayıtlı sohbetiniz yok. İlk sorunuzla birlikte burada görünür.")
    for item in saved:
        current = item.id == cid
        if st.button(item.title, key=f"conv-{item.id}", width="stretch", icon="💬" if current else None,
                     type="secondary" if current else "tertiary", help="Açık sohbet" if current else "Bu sohbeti aç"):
            if not current:
                open_conversation(item.id)
                return True
    if any(item.id == cid for item in saved):
        with st.popover("✏️ Sohbeti yeniden adlandır", width="stretch"):
            st.text_input("Yeni ad", key=f"rename-{cid}", max_chars=80)
            st.button("Kaydet", key=f"rename-save-{cid}", on_click=_rename, args=(store, sid, cid))
        with st.popover("🗑️ Sohbeti sil", width="stretch"):
            st.caption("Bu sohbet ve tüm mesajları kalıcı olarak silinir.")
            if st.button("Evet, sil", key=f"delete-{cid}", type="primary"):
                store.delete(cid, sid)
                start_new()
                st.session_state[NOTICE_KEY] = "Sohbet silindi."
                return True
    return False
