"""Sohbet: the students' chat with the course assistant."""

import logging

import streamlit as st

from ders_asistani.ui import chat, identity, render, resources, saved_chats
from ders_asistani.ui.access import require_access
from ders_asistani.ui.navigation import leave_legacy_pages_mode
from ders_asistani.ui.own_key import key_kind, own_key, sidebar_box
from hardware.explain import tr_number

leave_legacy_pages_mode()  # a first visit to this URL gets the real navigation

log = logging.getLogger("ders_asistani.app")
settings = resources.settings()
require_access(settings)  # the class code, when set, comes before anything else
session_settings = resources.session_settings(settings, own_key(settings))  # class or own Groq key
chat.init_state()
# Streamlit's own "Running… Stop" is English; the chat has its Turkish "Durdur" button.
st.html("<style>[data-testid='stStatusWidget']{visibility:hidden}</style>")

# The input first: it is what makes the page usable, before anything slower.
# No max_chars: the browser would silently cut a long paste; the limit is said below instead.
typed = st.chat_input("Sorunuzu yazın…")

store = resources.conversations(settings)
student = identity.student_id()
cid = saved_chats.sync(store, student)
interrupted = chat.take_interrupted()  # an answer "Durdur" cut short, kept as it was
if interrupted is not None:
    st.session_state.messages.append(interrupted)
    saved_chats.persist(store, student, cid)

with st.sidebar:
    if st.button("🆕 Yeni sohbet", width="stretch"):
        finished = st.session_state.thread_id
        saved_chats.start_new()
        built = resources.tutor_if_ready(session_settings)
        if built is not None:
            built.reset(finished)  # saved conversations get their memory back when reopened
        st.rerun()
    if saved_chats.sidebar(store, student, cid):
        st.rerun()
    st.divider()
    st.subheader("Ayarlar")
    info = st.session_state.get("mode_info") or render.preview_mode(session_settings)
    st.markdown(f"**Sağlayıcı:** {render.MODE_NAMES.get(info['mode'], info['mode'])}")
    st.markdown(f"**Model:** `{info['model'] or '—'}`")
    st.markdown(f"**Arama derinliği:** {settings.retrieval_k} parça")
    st.page_link("pages/vram_hesaplayici.py", label="VRAM Hesaplayıcı", icon="🧮")
    sidebar_box(settings)

st.title("🎓 Ders Asistanı")
notice = st.session_state.pop(saved_chats.NOTICE_KEY, None)
if notice:
    st.toast(notice, icon="ℹ️")
banner = st.empty()
with banner.container():
    render.mode_banner(**(st.session_state.get("mode_info") or render.preview_mode(session_settings)),
                       key_kind=key_kind(settings))

messages = st.session_state.messages
for index, message in enumerate(messages):
    with st.chat_message(message["role"]):
        chat.render_message(message, cid, last=index == len(messages) - 1)

regenerating = chat.take_regenerate()
question = regenerating or typed or chat.take_pending()
question = question.strip() if isinstance(question, str) else None  # whitespace only: as if nothing was sent
limit = settings.max_question_chars
if question and len(question) > limit:
    st.warning(
        f"Sorunuz çok uzun: {tr_number(len(question))} karakter. En fazla {tr_number(limit)} karakterlik "
        "bir soru yazabilirsiniz; lütfen kısaltıp yeniden gönderin.",
        icon="✂️",
    )
    with st.expander("Gönderdiğiniz metin (kopyalayıp kısaltabilirsiniz)"):
        st.code(question, language=None, wrap_lines=True)
    question = None

if not messages and not question:
    st.markdown("Küçük dil modelleri, GPU donanımı ve model seçimi hakkında sorun. Örnekler:")
    columns = st.columns(2)
    for index, example in enumerate(chat.EXAMPLE_QUESTIONS):
        if columns[index % 2].button(example, key=f"example-{index}", width="stretch"):
            chat.ask_later(example)
            st.rerun()


def _keep_stopped(reply: dict) -> None:
    messages.append(reply)
    saved_chats.persist(store, student, cid)


if question:
    if not regenerating:
        messages.append({"role": "user", "content": question})
        saved_chats.persist(store, student, cid)  # the question is kept even if the answer never comes
        with st.chat_message("user"):
            st.markdown(question)
    tutor = None
    with st.chat_message("assistant"):
        try:
            with st.spinner("Asistan hazırlanıyor…"):
                tutor = resources.session_tutor(settings, own_key(settings))
            saved_chats.restore_memory(tutor, cid)
            if regenerating:
                saved_chats.forget_last_turn(tutor, cid, question)
            reply = chat.stream_answer(tutor, question, cid, banner, on_stop=_keep_stopped,
                                       student_id=student, key_kind=key_kind(settings))
        except Exception as exc:  # the tutor should not raise; if it does, stay polite
            log.exception("answer failed")
            reply = {"role": "assistant", "id": "", "question": question, "content": chat.POLITE_ERROR,
                     "sources": [], "tools": [], "notices": [], "error": type(exc).__name__}
            st.error(chat.POLITE_ERROR, icon="⚠️")
    messages.append(reply)
    saved_chats.persist(store, student, cid, tutor)
    if chat.needs_instructor(reply) and not regenerating:
        try:
            resources.appdb(settings).record_unanswered(
                question, mode=reply.get("mode"), reason=reply.get("off_reason"), thread_id=cid,
            )
        except Exception:
            log.exception("could not record the unanswered question")
    st.rerun()  # redraw the history with feedback buttons under the new answer

saved_chats.persist(store, student, cid)  # feedback and comments change stored messages too
resources.start_warmup(settings)
