"""Instructor page helpers: the password gate and the tables it shows."""

from __future__ import annotations

import hmac
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

AUTH_KEY = "admin_authenticated"


def password_matches(given: str, expected: str) -> bool:
    # Constant-time compare: the time taken does not leak how much matched.
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_admin(settings: Any) -> bool:
    """Show the gate; True only for a correct ADMIN_PASSWORD in this browser session."""
    if settings.admin_password is None:
        st.info(
            "Bu sayfa kapalı. Açmak için `.env` dosyasına `ADMIN_PASSWORD=<parola>` satırını "
            "ekleyin (ya da ortam değişkeni olarak verin) ve uygulamayı yeniden başlatın.",
            icon="🔒",
        )
        return False
    if st.session_state.get(AUTH_KEY):
        return True
    with st.form("admin-login"):
        given = st.text_input("Eğitmen parolası", type="password")
        submitted = st.form_submit_button("Giriş")
    if submitted:
        if password_matches(given, settings.admin_password.get_secret_value()):
            st.session_state[AUTH_KEY] = True
            st.rerun()
        st.error("Parola yanlış.")
    return False


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def human_time(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def document_rows(documents: list[Any], files_on_disk: list[Path]) -> list[dict[str, Any]]:
    """One row per file: indexed ones with their details, new ones marked as not indexed."""
    rows = []
    indexed = {doc.source for doc in documents}
    for doc in sorted(documents, key=lambda d: d.source):
        rows.append(
            {
                "Dosya": doc.source,
                "Boyut": human_size(doc.bytes),
                "Parça": doc.chunks,
                "Son dizinleme": human_time(doc.indexed_at),
                "Onarımlar": ", ".join(doc.repairs) or "—",
                "Uyarılar": ", ".join(doc.warnings) or "—",
            }
        )
    for path in files_on_disk:
        if path.as_posix() not in indexed:
            rows.append(
                {"Dosya": path.as_posix(), "Boyut": "—", "Parça": 0, "Son dizinleme": "dizinlenmedi",
                 "Onarımlar": "—", "Uyarılar": "Yeniden dizinleyin"}
            )
    return rows


def gap_rows(gaps: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "Soru": gap.question,
            "Kaç kez": gap.count,
            "Son": gap.last_at.strftime("%Y-%m-%d %H:%M"),
            "Tür": ", ".join(gap.kinds),
            "Yorumlar": " | ".join(gap.comments) or "—",
        }
        for gap in gaps
    ]
