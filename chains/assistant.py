"""`build_tutor(settings)`: the wiring the app and the CLI share.

It opens the knowledge base (indexing the course once if the index is empty, so
a fresh checkout answers on its first question), takes its retriever and
builds a `Tutor` on the provider the settings choose.
"""

from __future__ import annotations

import logging
from typing import Any

from chains.answer_cache import AnswerCache, tutor_fingerprint
from chains.tutor import Tutor
from ders_asistani.settings import Settings

log = logging.getLogger(__name__)


def build_tutor(
    settings: Settings,
    knowledge_base: Any | None = None,
    *,
    force_offline: bool = False,
    ingest_if_empty: bool = True,
    key_kind: str = "class",
) -> Tutor:
    if knowledge_base is None:
        from vectorstore.knowledge_base import KnowledgeBase

        settings.ensure_storage()
        knowledge_base = KnowledgeBase(settings)
    if ingest_if_empty:
        try:
            if not knowledge_base.documents() and settings.knowledge_dir.is_dir():
                knowledge_base.ingest()
        except Exception:  # the tutor still answers; retrieval failures become notices
            log.exception("could not index the course on first use")
    tutor = Tutor(settings, knowledge_base.retriever(), force_offline=force_offline, key_kind=key_kind)
    if settings.answer_cache and tutor.mode != "offline":
        tutor.answer_cache = answer_cache_for(settings, tutor, lambda: knowledge_base.store.generation())
    tutor.usage_recorder = usage_recorder_for(settings, key_kind)
    return tutor


def usage_recorder_for(settings: Settings, key_kind: str = "class"):
    """Records every finished turn in the usage ledger of the app database."""
    from ders_asistani.usage_ledger import TurnRecorder, ledger_for

    settings.ensure_storage()
    return TurnRecorder(ledger_for(settings.app_database_url), key_kind)


def answer_cache_for(settings: Settings, tutor: Tutor, generation) -> AnswerCache:
    """The answer cache in the app database, keyed for this tutor's provider, settings, prompt and tools."""
    from ders_asistani.answer_cache_store import store_for

    settings.ensure_storage()
    return AnswerCache(
        store=store_for(settings.app_database_url),
        generation=generation,
        fingerprint=tutor_fingerprint(settings, tutor),
        ttl_hours=settings.answer_cache_ttl_hours,
    )
