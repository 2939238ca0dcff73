"""Instructor page helpers: the password gate and the tables it shows."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from ders_asistani.admin_guard import AdminGuard
from ders_asistani.instructor_records import local_time
from turkish.number_format import tr_number

TOKEN_KEY = "admin_session_token"


@st.cache_resource(show_spinner=False)
def _guard(url: str, session_minutes: float, _engine: Any) -> AdminGuard:
    # The guard shares the app database: its counter holds across sessions and processes.
    return AdminGuard(_engine, session_minutes)


def guard(settings: Any) -> AdminGuard:
    from ders_asistani.ui import resources

    engine = resources.appdb(settings).engine
    return _guard(settings.app_database_url, settings.admin_session_minutes, engine)


def _wait_text(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} saniye"
    return f"{math.ceil(seconds / 60)} dakika"


def require_admin(settings: Any) -> bool:
    """Show the gate; True only while this browser session holds a valid, unexpired login."""
    if settings.admin_password is None:
        st.info(
            "Bu sayfa kapalı. Açmak için `.env` dosyasına `ADMIN_PASSWORD=<parola>` satırını "
            "ekleyin (ya da ortam değişkeni olarak verin) ve uygulamayı yeniden başlatın.",
            icon="🔒",
        )
        return False
    gate = guard(settings)
    token = st.session_state.get(TOKEN_KEY)
    if token and gate.session_valid(token):
        if st.sidebar.button("🚪 Çıkış yap", key="admin-logout"):
            gate.logout(token)
            st.session_state.pop(TOKEN_KEY, None)
            st.session_state["admin_flash"] = "Çıkış yapıldı."
            st.rerun()
        return True
    if token:  # expired or logged out elsewhere: forget it
        st.session_state.pop(TOKEN_KEY, None)
        st.warning("Oturumun süresi doldu. Lütfen yeniden giriş yapın.")
    flash = st.session_state.pop("admin_flash", None)
    if flash:
        st.success(flash)
    with st.form("admin-login"):
        given = st.text_input("Eğitmen parolası", type="password")
        submitted = st.form_submit_button("Giriş")
    if submitted:
        result = gate.attempt(given, settings.admin_password.get_secret_value())
        if result.ok:
            st.session_state[TOKEN_KEY] = result.token
            st.rerun()
        if result.wait_s > 0:
            st.error(
                f"Parola yanlış ya da çok fazla deneme yapıldı. {_wait_text(result.wait_s)} sonra yeniden deneyin. "
                "Sunucuya erişiminiz varsa kilidi hemen açabilirsiniz: `ders-asistani admin-unlock`"
            )
        else:
            st.error("Parola yanlış.")
    return False


def human_size(size: int) -> str:
    """Turkish file size: 532 -> '532 B', 12595 -> '12,3 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} B" if unit == "B" else f"{tr_number(value, 1)} {unit}"
        value /= 1024
    return f"{size} B"


def human_time(iso: str | None, timezone: str = "Europe/Istanbul") -> str:
    return local_time(iso, timezone)


def document_rows(documents: list[Any], files_on_disk: list[Path],
                  timezone: str = "Europe/Istanbul") -> list[dict[str, Any]]:
    """One row per file: indexed ones with their details, new ones marked as not indexed."""
    rows = []
    indexed = {doc.source for doc in documents}
    for doc in sorted(documents, key=lambda d: d.source):
        rows.append(
            {
                "Dosya": doc.source,
                "Boyut": human_size(doc.bytes),
                "Parça": doc.chunks,
                "Son dizinleme": human_time(doc.indexed_at, timezone),
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


def gap_rows(gaps: list[Any], timezone: str = "Europe/Istanbul", marks: dict[str, datetime] | None = None,
             disliked: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """One row per knowledge gap: its solved mark, and the disliked answer beside its comment."""
    from ders_asistani.instructor_records import is_resolved

    marks, disliked = marks or {}, disliked or {}
    rows = []
    for gap in gaps:
        answers = disliked.get(gap.normalized) or []
        rows.append(
            {
                "Çözüldü": is_resolved(gap, marks),
                "Soru": gap.question,
                "Kaç kez": gap.count,
                "Son": local_time(gap.last_at, timezone),
                "Tür": ", ".join(gap.kinds),
                "Yorumlar": " | ".join(gap.comments) or "—",
                "Beğenilmeyen cevap": answers[0].answer if answers else "—",
            }
        )
    return rows


def setup_hint(settings: Any) -> None:
    """The technical reason no language model answers (a missing key, ...), for the instructor only.

    Students read a plain sentence in the chat; what to put in `.env` is said here.
    """
    from chains.providers import resolve_provider

    hint = resolve_provider(settings).setup_hint
    if hint:
        st.warning(f"Dil modeli bağlı değil, sohbet çevrimdışı cevaplıyor. Kurulum: {hint}", icon="🔧")
