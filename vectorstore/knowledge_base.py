"""The public facade of the knowledge index: ingest, list documents, search.

The CLI and the app both use `KnowledgeBase(settings)`. Heavy objects (the
embedding model, the Chroma client, the retriever) are created once, lazily.
`ingest()` may run in one thread while other threads search: Chroma is
thread-safe, ingests are serialized by a thread lock plus a file lock (an
advisory lock in the shared Postgres for replicas, `vectorstore.records`), and the
retriever resyncs its lexical index when `store.generation()` changes.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from vectorstore.types import DocumentInfo, IngestReport, Retriever

if TYPE_CHECKING:
    from ders_asistani.settings import Settings
    from vectorstore.embeddings import CountingEmbeddings
    from vectorstore.indexer import Indexer, Progress
    from vectorstore.store import ChunkStore


class KnowledgeBase:
    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._embeddings: CountingEmbeddings | None = None
        self._store: ChunkStore | None = None
        self._indexer: Indexer | None = None
        self._retriever: Retriever | None = None

    @property
    def embeddings(self) -> "CountingEmbeddings":
        with self._lock:
            if self._embeddings is None:
                from vectorstore.embeddings import get_embeddings

                self._embeddings = get_embeddings(self.settings)
            return self._embeddings

    @property
    def store(self) -> "ChunkStore":
        return self.open_store()

    def open_store(self, owner_lock_timeout: float | None = None) -> "ChunkStore":
        """The store, opened on first use; a busy embedded store raises StoreBusyError
        after `owner_lock_timeout` seconds (the store's default when None)."""
        with self._lock:
            if self._store is None:
                from vectorstore.store import OWNER_LOCK_TIMEOUT_S, open_chunk_store

                timeout = OWNER_LOCK_TIMEOUT_S if owner_lock_timeout is None else owner_lock_timeout
                self._store = open_chunk_store(self.settings, self.embeddings, timeout)
            return self._store

    def _get_indexer(self) -> "Indexer":
        with self._lock:
            if self._indexer is None:
                from vectorstore.indexer import Indexer

                self._indexer = Indexer(self.settings, self.store, self.embeddings)
            return self._indexer

    def ingest(self, rebuild: bool = False, progress: "Progress | None" = None, lock_timeout: float | None = None) -> IngestReport:
        """Bring the index in line with KNOWLEDGE_DIR (incremental unless rebuild)."""
        from vectorstore.indexer import INGEST_LOCK_TIMEOUT_S, ingest_lock

        timeout = INGEST_LOCK_TIMEOUT_S if lock_timeout is None else lock_timeout
        with ingest_lock(self.settings, timeout=timeout):
            return self._get_indexer().run(rebuild=rebuild, progress=progress)

    def documents(self) -> list[DocumentInfo]:
        from vectorstore.indexer import DocumentTable
        from vectorstore.store import collection_name_for

        # Reads only the records database: listing documents never needs the Chroma store.
        self.settings.ensure_storage()
        table = DocumentTable(self.settings.record_manager_url, collection_name_for(self.embeddings.model_id))
        return [row.info() for row in table.rows().values()]

    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                from vectorstore.retriever import HybridRetriever  # type: ignore[import-not-found]

                self._retriever = HybridRetriever(store=self.store, embeddings=self.embeddings, settings=self.settings)
            return self._retriever

    def close(self) -> None:
        """Release the embedded store so another process may open it."""
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store = None
            self._indexer = None
            self._retriever = None
