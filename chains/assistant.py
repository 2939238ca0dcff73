"""`build_tutor(settings)`: the wiring the app and the CLI share.

It opens the knowledge base (indexing the course once if the index is empty, so
a fresh checkout answers on its first question), takes its retriever and
builds a `Tutor` on the provider the settings choose.
"""

from __future__ import annotations

import logging
from typing import Any

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
    return Tutor(settings, knowledge_base.retriever(), force_offline=force_offline, key_kind=key_kind)
