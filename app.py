"""Ders Asistanı: the Streamlit entry point (`streamlit run app.py`).

It only sets up the page and the navigation; each page lives in `pages/`.
Nothing heavy is imported here, so the first page is interactive quickly.
Every page also calls `ders_asistani.ui.navigation.leave_legacy_pages_mode()` first, so
opening a page's URL before anyone opened `/` still shows this navigation.
"""

import streamlit as st

from ders_asistani.ui.chrome import apply_app_chrome

CHAT = st.Page("pages/sohbet.py", title="Sohbet", icon="💬", default=True)
CALCULATOR = st.Page("pages/vram_hesaplayici.py", title="VRAM Hesaplayıcı", icon="🧮")
KNOWLEDGE = st.Page("pages/bilgi_tabani.py", title="Bilgi Tabanı", icon="📚")

page = st.navigation([CHAT, CALCULATOR, KNOWLEDGE])
# The browser tab names the page ("VRAM Hesaplayıcı · Ders Asistanı"); layout is chosen per page.
title = getattr(page, "title", None)  # None outside a Streamlit run (bare mode, e.g. a spawned process)
st.set_page_config(page_title=f"{title} · Ders Asistanı" if title else "Ders Asistanı", page_icon="🎓")
apply_app_chrome()  # Turkish for Streamlit's own texts; the sidebar closes after a page is chosen
page.run()
