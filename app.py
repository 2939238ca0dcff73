"""Ders Asistanı: the Streamlit entry point (`streamlit run app.py`).

It only sets up the page and the navigation; each page lives in `pages/`.
Nothing heavy is imported here, so the first page is interactive quickly.
"""

import streamlit as st

st.set_page_config(page_title="Ders Asistanı", page_icon="🎓")  # layout is chosen per page

CHAT = st.Page("pages/sohbet.py", title="Sohbet", icon="💬", default=True)
CALCULATOR = st.Page("pages/vram_hesaplayici.py", title="VRAM Hesaplayıcı", icon="🧮")
KNOWLEDGE = st.Page("pages/bilgi_tabani.py", title="Bilgi Tabanı", icon="📚")

st.navigation([CHAT, CALCULATOR, KNOWLEDGE]).run()
