""""Kendi Groq anahtarım": a student's own Groq key, for this browser session only.

The key lives in `st.session_state` and nowhere else: not on disk, not in the
app database, logs, URLs or messages. GROQ_KEY_POLICY decides whether the box
is shown (both, own) and whether the class key may answer (class, both).
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from ders_asistani.settings import Settings

SESSION_KEY = "own_groq_key"
KeyKind = Literal["class", "own"]
OWN_KEY_REQUIRED = ("Bu derste her öğrenci kendi Groq anahtarını kullanır (GROQ_KEY_POLICY=own). Kenar "
                    "çubuğundaki \"Kendi Groq anahtarım\" kutusuna anahtarınızı yapıştırın; o zamana kadar "
                    "cevaplar ders belgelerinden derlenir.")
HOW_TO = ("Groq'ta ücretsiz bir hesap açıp bir anahtar oluşturabilirsiniz: ders notlarında "
          "**langchain-groq-donanim.md → \"API Anahtarı Oluşturma\"** bölümü adım adım anlatır. "
          "Anahtar yalnız bu tarayıcı oturumunun belleğinde tutulur; hiçbir yere kaydedilmez ve "
          "sekmeyi kapatınca silinir. Sorularınız sınıfın ortak kotasını harcamaz.")


def own_key(settings: Settings) -> str | None:
    """This session's own key, when the policy allows own keys."""
    if settings.groq_key_policy == "class":
        return None
    return st.session_state.get(SESSION_KEY)


def key_kind(settings: Settings) -> KeyKind | None:
    """Which key answers this session's turns; None when no Groq key may answer."""
    if own_key(settings):
        return "own"
    if settings.groq_key_policy == "own" or settings.groq_api_key is None:
        return None
    return "class"


def sidebar_box(settings: Settings) -> None:
    """The paste box (hidden under GROQ_KEY_POLICY=class)."""
    if settings.groq_key_policy == "class":
        return
    from chains.groq_keys import check_groq_key

    with st.expander("🔑 Kendi Groq anahtarım", expanded=settings.groq_key_policy == "own"):
        st.caption(HOW_TO)
        st.page_link("pages/bilgi_tabani.py", label="Ders belgeleri", icon="📚")
        if st.session_state.get(SESSION_KEY):
            st.success("Kendi anahtarınız kullanılıyor.", icon="🔑")
            if st.button("Anahtarımı unut", key="own-key-forget"):
                st.session_state.pop(SESSION_KEY, None)
                st.session_state.pop("mode_info", None)  # the banner must not keep the old key kind
                st.rerun()
            return
        # clear_on_submit: the widget keeps no copy of the key after the check.
        with st.form("own-key", clear_on_submit=True):
            pasted = st.text_input("Groq API anahtarı", type="password", placeholder="gsk_…")
            sent = st.form_submit_button("Anahtarı denetle ve kullan")
        if sent:
            with st.spinner("Anahtar denetleniyor…"):
                check = check_groq_key(settings, pasted)
            if check.valid:
                st.session_state[SESSION_KEY] = pasted.strip()
                st.session_state.pop("mode_info", None)
                st.rerun()
            st.error(check.message, icon="🔑")
