"""Incremental indexing of the course folder into the chunk store.

Per file: unchanged bytes (same SHA-256 as last time) cost nothing; a changed
file goes through LangChain's indexing API with `cleanup="scoped_full"`, so
exactly its old chunks are replaced; a deleted file's chunks are removed; a
renamed file is a delete plus an add whose vectors are reused by content.

Crash safety: a file's row in the documents table is written only after its
chunks are fully indexed, and Chroma writes are upserts with content-derived
ids. An ingest killed half way therefore leaves, at worst, a file whose row is
stale; the next ingest re-indexes it and the record manager removes leftovers.

After the chunks, the ingest fills the retriever's other vectors (e5 passages,
course words; `vectorstore.search_caches`) for new texts only, so the first
search after an ingest loads them instead of computing them.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from vectorstore.chunking import chunk_document
from vectorstore.cleaning import clean_for_index
from vectorstore.loaders import LoadError, LoadedDocument, load_document
from vectorstore.records import (  # noqa: F401 - re-exported: callers import them from here
    INGEST_LOCK_TIMEOUT_S,
    DocumentRow,
    DocumentTable,
    IngestBusyError,
    ingest_lock,
    record_sources,
)
from vectorstore.scanning import scan_folder
from vectorstore.search_caches import CacheFill, caches_current, fill_search_caches, mark_current
from vectorstore.secret_filter import redact
from vectorstore.types import DocumentInfo, FileError, IngestReport

if TYPE_CHECKING:
    from ders_asistani.settings import Settings
    from vectorstore.store import ChunkStore

logger = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
INDEX_BATCH_SIZE = 256
GROUP_CHUNKS = 512
GROUP_FILES = 100


# --- embeddings that reuse stored vectors --------------------------------------------
class ReusingEmbeddings(Embeddings):
    """Reuse vectors already in the collection for identical chunk texts.

    A renamed file, or a file whose edit shifted chunk numbers, has chunks
    whose text is already embedded; looking them up by content hash costs a
    query instead of a model call.
    """

    def __init__(self, base: Embeddings, store: "ChunkStore") -> None:
        self.base = base
        self.store = store
        self.reused = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from vectorstore.chunking import content_hash

        hashes = [content_hash(text) for text in texts]
        found: dict[str, list[float]] = {}
        try:
            result = self.store.collection.get(
                where={"content_hash": {"$in": sorted(set(hashes))}},
                include=["embeddings", "documents"],
            )
            for text, vector in zip(result["documents"] or [], result["embeddings"] if result["embeddings"] is not None else []):
                found.setdefault(content_hash(text or ""), [float(x) for x in vector])
        except Exception:  # noqa: BLE001 - reuse is an optimisation only
            found = {}
        missing = [text for text, h in zip(texts, hashes) if h not in found]
        fresh = iter(self.base.embed_documents(missing)) if missing else iter(())
        vectors = []
        for text, h in zip(texts, hashes):
            if h in found:
                self.reused += 1
                vectors.append(found[h])
            else:
                vectors.append(next(fresh))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.base.embed_query(text)


# --- scanning: see vectorstore/scanning.py -------------------------------------------
def file_sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


REDACTED_NOTE = "Anahtar/parola benzeri metin gizlendi (***)"


def document_chunks(
    doc: LoadedDocument, chunk_size: int, overlap: int, known_secrets: tuple[str, ...] = ()
) -> list[Document]:
    """LangChain documents for one loaded file (cleaned, redacted, chunked, numbered)."""
    documents: list[Document] = []
    for part in doc.parts:
        text = clean_for_index(part.text)
        # Key-shaped strings never enter the index, so no later layer can leak them.
        scrubbed = redact(text, known_secrets)
        if scrubbed != text:
            text = scrubbed
            if REDACTED_NOTE not in doc.warnings:
                doc.warnings.append(REDACTED_NOTE)
        if not text:
            continue
        base_path = [part.heading] if part.heading and part.slide is not None else None
        body = text
        if base_path and body.startswith(part.heading):
            body = body[len(part.heading) :].lstrip() or body
        for chunk in chunk_document(
            body,
            doc.source,
            doc.title,
            page=part.page,
            slide=part.slide,
            chunk_size=chunk_size,
            overlap=overlap,
            start_index=len(documents),
            base_path=base_path,
        ):
            documents.append(Document(page_content=chunk.text, metadata=chunk.metadata))
    return documents


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# --- the ingest ----------------------------------------------------------------------
class Indexer:
    """Brings one chunk store in line with the knowledge folder."""

    def __init__(self, settings: "Settings", store: "ChunkStore", embeddings: Embeddings) -> None:
        from langchain_classic.indexes import SQLRecordManager

        self.settings = settings
        self.store = store
        self.embeddings = embeddings
        settings.ensure_storage()
        self.namespace = f"chroma/{store.collection_name}"
        self.record_manager = SQLRecordManager(self.namespace, db_url=settings.record_manager_url)
        self.record_manager.create_schema()
        self.documents = DocumentTable(settings.record_manager_url, store.collection_name)
        self.last_fill: CacheFill | None = None  # what the last ingest computed for search

    # --- helpers ---------------------------------------------------------------------
    def _known_secrets(self) -> tuple[str, ...]:
        """The configured secret values: course text quoting them is redacted too."""
        values = (self.settings.groq_api_key, self.settings.admin_password)
        return tuple(v.get_secret_value() for v in values if v is not None and v.get_secret_value())

    def _record_sources(self) -> set[str]:
        return record_sources(self.record_manager.engine, self.namespace)

    def _remove_source(self, source: str) -> int:
        keys = self.record_manager.list_keys(group_ids=[source])
        ids = sorted(set(keys) | set(self.store.ids_for_source(source)))
        if ids:
            self.store.collection.delete(ids=ids)
        if keys:
            self.record_manager.delete_keys(keys)
        self.documents.delete(source)
        return len(ids)

    def _index_documents(self, docs: list[Document], vectorstore: Any) -> dict[str, int]:
        from langchain_core.indexing import index

        return index(
            docs,
            self.record_manager,
            vectorstore,
            cleanup="scoped_full",
            source_id_key="source",
            key_encoder="sha256",
            batch_size=INDEX_BATCH_SIZE,
        )

    def _rebuild(self) -> None:
        self.store.drop()
        keys = self.record_manager.list_keys()
        if keys:
            self.record_manager.delete_keys(keys)
        self.documents.clear()

    # --- the run ---------------------------------------------------------------------
    def run(self, rebuild: bool = False, progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        root = self.settings.knowledge_dir
        if rebuild:
            self._rebuild()
        if not root.is_dir():
            # A mistyped KNOWLEDGE_DIR must not empty the index: change nothing.
            report.errors.append(FileError(str(root), "Bilgi klasörü bulunamadı (KNOWLEDGE_DIR); dizin değiştirilmedi."))
            report.files = len(self.documents.rows())
            report.chunks = self.store.count()
            report.seconds = round(time.perf_counter() - started, 3)
            return report
        scan = scan_folder(root, self.settings.follow_symlinks)
        report.errors.extend(scan.notes)
        for other in scan.others:
            report.errors.append(
                FileError(other.source, f"Desteklenmeyen dosya türü ({other.path.suffix or 'uzantısız'}); atlandı.")
            )
        files = scan.supported

        known = self.documents.rows()
        present: set[str] = set()
        changed = False
        vectorstore = self._ingest_vectorstore()
        total = len(files)
        # Changed files are indexed in groups: one indexing call (one Chroma
        # upsert, one record-manager commit) per group instead of per file.
        # A file's row is written only after its group is fully indexed.
        pending: list[tuple[list[Document], DocumentRow, bool]] = []
        pending_chunks = 0

        def flush() -> None:
            nonlocal pending_chunks, changed
            if not pending:
                return
            if progress is not None:
                progress(seen, total, f"{len(pending)} dosyanın parçaları gömülüyor")
            self._index_documents([doc for docs, _, _ in pending for doc in docs], vectorstore)
            self.documents.upsert_many([row for _, row, _ in pending])
            for _, _, is_new in pending:
                report.files += 1
                if is_new:
                    report.added += 1
                else:
                    report.updated += 1
            changed = True
            pending.clear()
            pending_chunks = 0

        seen = 0
        known_secrets = self._known_secrets()
        for number, scanned in enumerate(files, start=1):
            seen = number - 1
            path, source = scanned.path, scanned.source
            present.add(source)
            if progress is not None:
                progress(number - 1, total, source)
            file_hash = file_sha256(path)
            previous = known.get(source)
            if previous is not None and file_hash is not None and previous.file_hash == file_hash:
                report.skipped += 1
                report.files += 1
                continue
            try:
                loaded = load_document(path, root, self.settings.max_file_mb, source=source)
                docs = document_chunks(
                    loaded, self.settings.chunk_size, self.settings.chunk_overlap, known_secrets
                )
                if not docs:
                    raise LoadError("Dosyada indekslenecek metin bulunamadı.")
            except Exception as exc:  # noqa: BLE001 - one odd file must never stop the others
                reason = str(exc) if isinstance(exc, LoadError) else f"Dosya işlenemedi: {type(exc).__name__}: {exc}"
                report.errors.append(FileError(source, reason))
                if previous is not None or source in self._record_sources():
                    self._remove_source(source)
                    changed = True
                continue
            pending.append((docs, DocumentRow(
                source=source,
                file_hash=file_hash or "",
                bytes=loaded.size,
                chunks=len(docs),
                indexed_at=_now(),
                repairs=loaded.repairs,
                warnings=loaded.warnings,
            ), previous is None))
            pending_chunks += len(docs)
            if pending_chunks >= GROUP_CHUNKS or len(pending) >= GROUP_FILES:
                flush()
        seen = total
        flush()

        # Files gone from the folder: also sources only the record manager knows
        # (an ingest killed between indexing a file and recording it).
        for source in sorted((set(known) | self._record_sources()) - present):
            self._remove_source(source)
            report.deleted += 1
            changed = True
        if progress is not None:
            progress(total, total, "")
        # e5 and word vectors before the new generation is announced: the
        # retrievers (this process or the app) then find them all cached.
        if changed or rebuild or not caches_current(self.settings, self.store):
            filled = self._fill_search_caches(progress)
            publish = changed or rebuild
            generation = uuid.uuid4().hex if publish else self.store.generation()
            if filled and self.last_fill is not None:
                self.last_fill.publish(self.settings, self.store, generation)
                self.last_fill.parts = None  # the retriever loads its own copy
            if publish:
                self.store.bump_generation(generation)
            if filled:
                mark_current(self.settings, self.store)
        report.chunks = self.store.count()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _fill_search_caches(self, progress: Progress | None) -> bool:
        """Fill the search-side vector caches; False (logged) if that failed."""
        try:
            self.last_fill = fill_search_caches(self.settings, self.store, self.embeddings, progress)
        except Exception as exc:  # noqa: BLE001 - the index itself is complete; searches fill the rest
            logger.warning("Arama vektörleri hesaplanamadı (%s: %s); ilk arama tamamlayacak.", type(exc).__name__, exc)
            return False
        return True

    def _ingest_vectorstore(self) -> Any:
        from langchain_chroma import Chroma

        base = self.store.vectorstore  # creates the collection with cosine space
        return Chroma(
            client=self.store.client,
            collection_name=self.store.collection_name,
            embedding_function=ReusingEmbeddings(self.embeddings, self.store),
            collection_metadata=base._collection.metadata,
        )

    def document_infos(self) -> list[DocumentInfo]:
        return [row.info() for row in self.documents.rows().values()]
