"""Who is asking: an anonymous student id and the open conversation, carried in the URL.

Fairness, quotas, usage and saved conversations are counted by the student id; no
names are needed. Both ids are random and unguessable (`secrets.token_urlsafe`) and
live in the URL query (`?sid=...&cid=...`) so a reload keeps them.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

STUDENT_PARAM = "sid"
CONVERSATION_PARAM = "cid"
_VALID = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")


def new_id() -> str:
    return secrets.token_urlsafe(16)


def _param(name: str) -> str:
    remembered = f"_identity_{name}"
    value = st.query_params.get(name)
    if isinstance(value, str) and _VALID.match(value):
        st.session_state[remembered] = value
        return value
    # Moving between pages drops the query; the session still knows who this is.
    value = st.session_state.get(remembered) or new_id()
    st.session_state[remembered] = value
    st.query_params[name] = value
    return value


def student_id() -> str:
    """This browser's anonymous student id (created on first visit, kept in the URL)."""
    return _param(STUDENT_PARAM)


def conversation_id() -> str:
    """The open conversation's id (created when missing, kept in the URL)."""
    return _param(CONVERSATION_PARAM)


def set_conversation_id(value: str) -> None:
    st.session_state[f"_identity_{CONVERSATION_PARAM}"] = value
    st.query_params[CONVERSATION_PARAM] = value
