"""Heavy objects (knowledge base, tutor, app database), created once per process and lazily.

Every factory is keyed by a fingerprint of the settings, so a changed
configuration (tests, `.env` edits) gets fresh objects instead of stale ones.
Imports of torch, Chroma and LangChain happen inside the factories only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

import streamlit as st
from pydantic import SecretStr

from ders_asistani.settings import Settings, load_settings

log = logging.getLogger(__name__)

WARMUP_DELAY_S = 0.5
_built_tutors: dict[str, Any] = {}  # fingerprint -> tutor, to reach it without building one
_warmup_started: set[str] = set()
_warmup_lock = threading.Lock()


def settings() -> Settings:
    """Settings for this run (cheap: environment and `.env`)."""
    return load_settings()


def fingerprint(value: Settings) -> str:
    def reveal(item: object) -> object:
        return item.get_secret_value() if isinstance(item, SecretStr) else str(item)

    payload = json.dumps(value.model_dump(mode="python"), default=reveal, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False)
def _knowledge_base(key: str, _settings: Settings) -> Any:
    from vectorstore.knowledge_base import KnowledgeBase

    _settings.ensure_storage()
    return KnowledgeBase(_settings)


@st.cache_resource(show_spinner=False)
def _tutor(key: str, _settings: Settings) -> Any:
    # One knowledge base per process, shared by the chat and the instructor page:
    # a re-index is seen by the chat at once and the embedding model loads once.
    from chains.assistant import build_tutor

    built = build_tutor(_settings, knowledge_base=_knowledge_base(key, _settings))
    _built_tutors[key] = built
    return built


@st.cache_resource(show_spinner=False)
def _appdb(url: str) -> Any:
    from ders_asistani.appdb import AppDatabase

    return AppDatabase(url)


@st.cache_resource(show_spinner=False)
def _conversations(url: str, retention_days: float) -> Any:
    from ders_asistani.conversations import ConversationStore

    # Same engine as feedback and unanswered questions; the retention clean-up runs on first use.
    return ConversationStore(_appdb(url).engine, retention_days)


def conversations(value: Settings | None = None) -> Any:
    """The saved conversations (same database as `appdb`)."""
    value = value or settings()
    value.ensure_storage()
    return _conversations(value.app_database_url, value.conversation_retention_days)


def knowledge_base(value: Settings | None = None) -> Any:
    value = value or settings()
    return _knowledge_base(fingerprint(value), value)


def tutor(value: Settings | None = None) -> Any:
    value = value or settings()
    return _tutor(fingerprint(value), value)


@st.cache_resource(show_spinner=False, max_entries=200)
def _key_tutor(key: str, _settings: Settings, base_key: str, _base: Settings, offline_reason: str | None) -> Any:
    # `key` is a hash of the settings including the student's key, never the key itself;
    # the knowledge base is the class one, so the embedding model and index load once.
    from chains.assistant import build_tutor

    # A student's own key gets its own governor, in memory (chains/governed_turn.py).
    own = _settings.groq_api_key is not None and _settings.groq_api_key != _base.groq_api_key
    built = build_tutor(_settings, knowledge_base=_knowledge_base(base_key, _base),
                        force_offline=offline_reason is not None, key_kind="own" if own else "class")
    if offline_reason is not None:
        from chains.providers import ProviderChoice

        built.provider = ProviderChoice("offline", reason=offline_reason)
    _built_tutors[key] = built
    return built


def session_settings(value: Settings, own_key: str | None) -> Settings:
    """The settings this session's turns use: the class key, or the student's own one."""
    if own_key:
        provider = "groq" if value.llm_provider in ("auto", "groq") else value.llm_provider
        return value.model_copy(update={"groq_api_key": SecretStr(own_key), "llm_provider": provider})
    if value.groq_key_policy == "own":
        return value.model_copy(update={"groq_api_key": None})
    return value


def session_tutor(value: Settings, own_key: str | None) -> Any:
    """The tutor for this session: own key, class key, or offline when an own key is required."""
    chosen = session_settings(value, own_key)
    if chosen is value:
        return tutor(value)
    from ders_asistani.ui.own_key import OWN_KEY_REQUIRED

    reason = None if own_key or value.llm_provider in ("offline", "ollama") else OWN_KEY_REQUIRED
    return _key_tutor(fingerprint(chosen), chosen, fingerprint(value), value, reason)


def tutor_if_ready(value: Settings) -> Any | None:
    """The tutor if this process already built it (never builds one)."""
    return _built_tutors.get(fingerprint(value))


def appdb(value: Settings | None = None) -> Any:
    value = value or settings()
    value.ensure_storage()
    return _appdb(value.app_database_url)


def start_warmup(value: Settings) -> None:
    """Build the tutor in the background once per process, after the first page is out.

    The first student question then does not pay for loading the embedding
    model and the index. Skipped under AppTest, where tests control the order.
    """
    if st.get_option("global.appTest"):
        return
    key = fingerprint(value)
    with _warmup_lock:
        if key in _warmup_started:
            return
        _warmup_started.add(key)

    def run() -> None:
        # Let the server flush the first page to the browser before the heavy
        # imports start competing for the interpreter lock.
        time.sleep(WARMUP_DELAY_S)
        try:
            tutor(value)
            # Embedding models, the lexical index and any per-passage vectors are
            # built on the first search; do it now rather than in a student's turn.
            knowledge_base(value).retriever().warm_up()
        except Exception:  # the chat shows the real error when it asks
            log.exception("warm-up failed")

    threading.Thread(target=run, name="ders-asistani-warmup", daemon=True).start()


def refresh_search_in_background(value: Settings) -> None:
    """After a re-index, rebuild the search caches now, not in the next student's turn."""
    if st.get_option("global.appTest"):
        return

    def run() -> None:
        try:
            knowledge_base(value).retriever().refresh()
        except Exception:
            log.exception("search refresh after ingest failed")

    threading.Thread(target=run, name="ders-asistani-refresh", daemon=True).start()
