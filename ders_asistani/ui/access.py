"""Optional class access code: asked once per browser session before the chat.

Only the class should spend the instructor's Groq key. The pure helpers
(`code_matches`, `wrong_code_delay`) hold the logic; `require_access` is the
Streamlit gate. The code is compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import time

import streamlit as st

from ders_asistani.settings import Settings

GRANTED_KEY = "access_granted"
FAILURES_KEY = "access_failures"
MAX_DELAY_S = 30.0
sleep = time.sleep  # module-level so tests can record the delay without waiting
WRONG_CODE = "Sınıf kodu yanlış. Lütfen dersin yöneticisinden aldığınız kodu tekrar girin."


def code_matches(expected: str, given: str) -> bool:
    """Constant-time comparison, so response time says nothing about the code."""
    return hmac.compare_digest(expected.strip().encode(), (given or "").strip().encode())


def wrong_code_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th wrong code: 1, 2, 4, ... capped at 30."""
    if failures <= 0:
        return 0.0
    return min(MAX_DELAY_S, 2.0 ** (failures - 1))


def require_access(settings: Settings) -> None:
    """Stop the page with a code form until this session entered the class code."""
    if settings.course_access_code is None or st.session_state.get(GRANTED_KEY):
        return
    st.title("🎓 Ders Asistanı")
    st.markdown("Bu sohbet yalnız sınıf içindir. Devam etmek için dersin **sınıf kodunu** girin.")
    with st.form("access-code"):
        given = st.text_input("Sınıf kodu", type="password")
        sent = st.form_submit_button("Giriş")
    if sent:
        if code_matches(settings.course_access_code.get_secret_value(), given):
            st.session_state[GRANTED_KEY] = True
            st.session_state.pop(FAILURES_KEY, None)
            st.rerun()
        failures = st.session_state.get(FAILURES_KEY, 0) + 1
        st.session_state[FAILURES_KEY] = failures
        sleep(wrong_code_delay(failures))  # a growing delay makes guessing slow
        st.error(WRONG_CODE, icon="🔒")
    st.stop()
