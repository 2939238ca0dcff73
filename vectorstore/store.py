"""The Chroma collection that holds the course chunks.

One collection per embedding model (name derived from the model id), cosine
distance, telemetry off. Embedded persistent store under STORAGE_DIR/chroma by
default; a Chroma server when CHROMA_HOST is set, through the same code.

Embedded Chroma is thread-safe but not process-safe: a second process opening
the same directory can hang. So the process that opens the embedded store
holds an exclusive "owner" file lock for as long as it lives; another process
(e.g. the CLI while the app runs) gets `StoreBusyError` with a Turkish message
instead of a hang or a corrupted store.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from filelock import FileLock, Timeout

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ders_asistani.settings import Settings

OWNER_LOCK_NAME = "chroma.owner.lock"
OWNER_LOCK_TIMEOUT_S = 5.0
GENERATION_KEY = "ders_generation"  # collection metadata key of the change token on a Chroma server
_PAGE = 2000
T = TypeVar("T")


class StoreBusyError(RuntimeError):
    """Another process holds the embedded store (message is Turkish)."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server cannot be reached (message is Turkish)."""


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


_METADATA_DEFAULTS: dict[str, Any] = {
    "source": "",
    "title": "",
    "section": "",
    "page": None,
    "slide": None,
    "chunk_index": 0,
    "content_hash": "",
}


def collection_name_for(model_id: str) -> str:
    """A Chroma-legal collection name for an embedding model id.

    Chroma allows 3-512 characters of [A-Za-z0-9._-], starting and ending with
    a letter or digit. Lossy sanitizing gets a short hash so two model ids
    never share a collection.
    """
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("._-")
    readable = re.sub(r"\.{2,}", ".", readable)[:60].strip("._-")
    name = f"ders-{readable}" if readable else "ders"
    if readable != model_id:
        name = f"{name}-{hashlib.sha256(model_id.encode('utf-8')).hexdigest()[:8]}"
    return name


# --- process-wide owner locks for embedded stores --------------------------------
# One file lock per storage folder per process, counted: every ChunkStore that
# opens the embedded store holds one reference and gives it back on close().
_owner_locks: dict[Path, tuple[FileLock, int]] = {}
_owner_guard = threading.Lock()


def _acquire_owner_lock(storage_dir: Path, timeout: float) -> None:
    path = (storage_dir / OWNER_LOCK_NAME).resolve()
    with _owner_guard:
        held = _owner_locks.get(path)
        if held is not None:
            _owner_locks[path] = (held[0], held[1] + 1)
            return
        lock = FileLock(str(path), thread_local=False)
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise StoreBusyError(
                "Bilgi deposu şu anda başka bir süreç tarafından kullanılıyor "
                "(ör. çalışan uygulama ya da süren bir indeksleme). Uygulama açıksa "
                "belgeleri uygulamanın yönetim sayfasından güncelleyin, ya da diğer "
                "süreç bitince tekrar deneyin. Birden çok süreç için CHROMA_HOST ile "
                "bir Chroma sunucusu kullanılabilir."
            ) from exc
        _owner_locks[path] = (lock, 1)


def _release_owner_lock(storage_dir: Path) -> None:
    path = (storage_dir / OWNER_LOCK_NAME).resolve()
    with _owner_guard:
        held = _owner_locks.get(path)
        if held is None:
            return
        lock, count = held
        if count > 1:
            _owner_locks[path] = (lock, count - 1)
            return
        del _owner_locks[path]
        lock.release(force=True)


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChunkStore:
    """The course chunks of one embedding model, in one Chroma collection."""

    def __init__(
        self, client: Any, embeddings: "Embeddings", storage_dir: Path, model_id: str, owns_lock: bool = False,
        shared: bool = False,
    ) -> None:
        self.client = client
        self._owns_lock = owns_lock
        # A Chroma server that other app processes (replicas, with their own STORAGE_DIR) also use.
        self.shared = shared
        self.embeddings = embeddings
        self.storage_dir = storage_dir
        self.model_id = model_id
        self.collection_name = collection_name_for(model_id)
        self._lock = threading.RLock()
        self._vectorstore: Any = None
        self._collection: Any = None

    # --- Chroma objects ------------------------------------------------------------
    @property
    def vectorstore(self) -> Any:
        """The langchain_chroma.Chroma wrapper (what the indexing API writes to)."""
        with self._lock:
            if self._vectorstore is None:
                from langchain_chroma import Chroma

                self._vectorstore = Chroma(
                    client=self.client,
                    collection_name=self.collection_name,
                    embedding_function=self.embeddings,
                    collection_metadata={"embedding_model": self.model_id},
                    collection_configuration={"hnsw": {"space": "cosine"}},
                )
                self._collection = self._vectorstore._collection
            return self._vectorstore

    @property
    def collection(self) -> Any:
        with self._lock:
            if self._collection is None:
                _ = self.vectorstore
            return self._collection

    def close(self) -> None:
        """Give back this store's hold on the embedded folder (idempotent)."""
        with self._lock:
            if self._owns_lock:
                self._owns_lock = False
                _release_owner_lock(self.storage_dir)

    def drop(self) -> None:
        """Delete the collection (for --rebuild); it is recreated on next use."""
        with self._lock:
            try:
                self.client.delete_collection(self.collection_name)
            except Exception:  # noqa: BLE001 - missing collection is fine
                pass
            self._vectorstore = None
            self._collection = None

    # --- reads -------------------------------------------------------------------
    def _read(self, fn: Callable[[Any], T]) -> T:
        """Run a read; if a rebuild dropped the collection meanwhile, reopen once."""
        from chromadb.errors import NotFoundError

        try:
            return fn(self.collection)
        except NotFoundError:
            with self._lock:
                self._vectorstore = None
                self._collection = None
            return fn(self.collection)

    def count(self) -> int:
        return int(self._read(lambda collection: collection.count()))

    def all_chunks(self) -> list[StoredChunk]:
        return self._read(self._all_chunks)

    def _all_chunks(self, collection: Any) -> list[StoredChunk]:
        chunks: list[StoredChunk] = []
        offset = 0
        while True:
            page = collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            ids = page.get("ids") or []
            docs = page.get("documents") or []
            metas = page.get("metadatas") or []
            for chunk_id, text, meta in zip(ids, docs, metas):
                metadata = dict(_METADATA_DEFAULTS)
                metadata.update(meta or {})
                chunks.append(StoredChunk(id=chunk_id, text=text or "", metadata=metadata))
            if len(ids) < _PAGE:
                break
            offset += _PAGE
        chunks.sort(key=lambda c: (str(c.metadata["source"]), int(c.metadata["chunk_index"] or 0)))
        return chunks

    def ids_for_source(self, source: str) -> list[str]:
        return list(self._read(lambda c: c.get(where={"source": source}, include=[])["ids"]))

    def dense_query(self, embedding: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first."""
        total = self.count()
        if total == 0 or k <= 0:
            return []
        result = self._read(
            lambda c: c.query(query_embeddings=[list(embedding)], n_results=min(k, total), include=["distances"])
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(chunk_id, max(-1.0, min(1.0, 1.0 - float(d)))) for chunk_id, d in zip(ids, distances)]

    # --- change token ------------------------------------------------------------------
    def _generation_path(self) -> Path:
        return self.storage_dir / f"generation-{self.collection_name}.txt"

    def generation(self) -> str:
        """Changes after every ingest that modified the collection.

        On a shared Chroma server the token lives in the collection's metadata, so
        a replica sees another replica's re-index (its STORAGE_DIR is its own);
        otherwise in a file under STORAGE_DIR.
        """
        if self.shared:
            return self._server_generation()
        try:
            return self._generation_path().read_text(encoding="utf-8").strip() or "0"
        except FileNotFoundError:
            return "0"

    def _server_generation(self) -> str:
        from chromadb.errors import NotFoundError

        try:
            metadata = self.client.get_collection(self.collection_name).metadata or {}
        except NotFoundError:  # a rebuild dropped it and has not recreated it yet
            return "0"
        return str(metadata.get(GENERATION_KEY) or "0")

    def bump_generation(self, token: str | None = None) -> str:
        token = token or uuid.uuid4().hex
        if self.shared:
            collection = self.collection
            current = self.client.get_collection(self.collection_name).metadata or {}
            # hnsw:* keys may not be passed back to modify(); the distance is fixed at creation.
            kept = {k: v for k, v in current.items() if not k.startswith("hnsw:")}
            collection.modify(metadata={**kept, GENERATION_KEY: token})
            return token
        path = self._generation_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(token, encoding="utf-8")
        os.replace(tmp, path)
        return token


def open_chunk_store(
    settings: "Settings", embeddings: "Embeddings", owner_lock_timeout: float = OWNER_LOCK_TIMEOUT_S
) -> ChunkStore:
    """The store for the configured model: Chroma server if CHROMA_HOST, else embedded."""
    import chromadb

    model_id = getattr(embeddings, "model_id", settings.embedding_model)
    settings.ensure_storage()
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
            )
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - reported in Turkish
            raise StoreUnavailableError(
                f"Chroma sunucusuna bağlanılamadı ({settings.chroma_host}:{settings.chroma_port}): {exc}"
            ) from exc
    else:
        _acquire_owner_lock(settings.storage_dir, owner_lock_timeout)
        try:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=_chroma_settings())
        except BaseException:
            _release_owner_lock(settings.storage_dir)
            raise
    return ChunkStore(client, embeddings, settings.storage_dir, model_id, owns_lock=not settings.chroma_host,
                      shared=bool(settings.chroma_host))
