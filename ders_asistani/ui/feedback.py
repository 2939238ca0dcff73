"""Thumbs up/down and an optional comment under each answer, stored in the app database."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from ders_asistani.ui import resources

log = logging.getLogger(__name__)


def _store(message: dict[str, Any], thread_id: str, comment: str | None = None) -> None:
    rating = st.session_state.get(f"fb-{message['id']}")
    if rating is None:
        return
    try:
        resources.appdb().record_feedback(
            message_id=message["id"],
            thread_id=thread_id,
            question=message.get("question", ""),
            answer=message.get("content", ""),
            rating=int(rating),
            comment=comment,
            mode=message.get("mode"),
        )
        message["rated"] = int(rating)
        if comment:
            message["commented"] = True
    except Exception:
        log.exception("feedback not stored")
        st.toast("Geri bildirim kaydedilemedi; lütfen yeniden deneyin.", icon="⚠️")


def feedback_widget(message: dict[str, Any], thread_id: str) -> None:
    if not message.get("id"):
        return
    # `default`: a restored conversation shows the thumb the student gave before the reload.
    st.feedback("thumbs", key=f"fb-{message['id']}", default=message.get("rated"), on_change=_store,
                args=(message, thread_id))
    if message.get("rated") is None:
        return
    if message.get("commented"):
        st.caption("Teşekkürler, yorumunuz kaydedildi.")
        return
    with st.form(key=f"fbc-form-{message['id']}", border=False):
        comment = st.text_input(
            "Yorum (isteğe bağlı)",
            key=f"fbc-{message['id']}",
            placeholder="Cevapta eksik ya da yanlış olan neydi?",
        )
        if st.form_submit_button("Yorumu gönder") and comment.strip():
            _store(message, thread_id, comment.strip())
            st.rerun()
    st.caption("Teşekkürler, geri bildiriminiz kaydedildi.")
