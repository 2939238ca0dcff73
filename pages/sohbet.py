"""Sohbet: the students' chat with the course assistant."""

import logging

import streamlit as st

from ders_asistani.ui import chat, identity, render, resources
from ders_asistani.ui.access import require_access
from ders_asistani.ui.own_key import key_kind, own_key, sidebar_box
from ders_asistani.ui.feedback import feedback_widget
from ders_asistani.ui.navigation import leave_legacy_pages_mode

leave_legacy_pages_mode()  # a first visit to this URL gets the real navigation

log = logging.getLogger("ders_asistani.app")
settings = resources.settings()
require_access(settings)  # the class code, when set, comes before anything else
session_settings = resources.session_settings(settings, own_key(settings))  # class or own Groq key
chat.init_state()

# The input first: it is what makes the page usable, before anything slower.
typed = st.chat_input("Sorunuzu yazın…", max_chars=settings.max_question_chars)

with st.sidebar:
    st.subheader("Ayarlar")
    if st.button("🆕 Yeni sohbet", width="stretch"):
        finished = st.session_state.thread_id
        chat.new_chat()
        built = resources.tutor_if_ready(session_settings)
        if built is not None:
            built.reset(finished)  # the old conversation's memory is not needed any more
        st.rerun()
    info = st.session_state.get("mode_info") or render.preview_mode(session_settings)
    st.markdown(f"**Sağlayıcı:** {render.MODE_NAMES.get(info['mode'], info['mode'])}")
    st.markdown(f"**Model:** `{info['model'] or '—'}`")
    st.markdown(f"**Arama derinliği:** {settings.retrieval_k} parça")
    st.page_link("pages/vram_hesaplayici.py", label="VRAM Hesaplayıcı", icon="🧮")
    sidebar_box(settings)

st.title("🎓 Ders Asistanı")
banner = st.empty()
with banner.container():
    render.mode_banner(**(st.session_state.get("mode_info") or render.preview_mode(session_settings)),
                       key_kind=key_kind(settings))

messages = st.session_state.messages
for message in messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["content"])
            continue
        for tool in message.get("tools", []):
            render.render_tool_call(tool)
        for notice in message.get("notices", []):
            st.info(notice, icon="ℹ️")
        st.markdown(message["content"] or chat.POLITE_ERROR)
        render.cached_caption(message)
        render.render_sources(message.get("sources", []))
        if message.get("error") is None:
            feedback_widget(message, st.session_state.thread_id)

question = typed or chat.take_pending()
if not messages and not question:
    st.markdown("Küçük dil modelleri, GPU donanımı ve model seçimi hakkında sorun. Örnekler:")
    columns = st.columns(2)
    for index, example in enumerate(chat.EXAMPLE_QUESTIONS):
        if columns[index % 2].button(example, key=f"example-{index}", width="stretch"):
            chat.ask_later(example)
            st.rerun()

if question:
    question = question.strip()[: settings.max_question_chars]
    messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        try:
            with st.spinner("Asistan hazırlanıyor…"):
                tutor = resources.session_tutor(settings, own_key(settings))
            reply = chat.stream_answer(tutor, question, st.session_state.thread_id, banner,
                                       student_id=identity.student_id(), key_kind=key_kind(settings))
        except Exception as exc:  # the tutor should not raise; if it does, stay polite
            log.exception("answer failed")
            reply = {"role": "assistant", "id": "", "question": question, "content": chat.POLITE_ERROR,
                     "sources": [], "tools": [], "notices": [], "error": type(exc).__name__}
            st.error(chat.POLITE_ERROR, icon="⚠️")
    messages.append(reply)
    if chat.needs_instructor(reply):
        try:
            resources.appdb(settings).record_unanswered(
                question, mode=reply.get("mode"), reason=reply.get("off_reason"),
                thread_id=st.session_state.thread_id,
            )
        except Exception:
            log.exception("could not record the unanswered question")
    st.rerun()  # redraw the history with feedback buttons under the new answer

resources.start_warmup(settings)
