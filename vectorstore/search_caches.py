"""Search-side vectors the ingest computes, so the first search only loads them.

The retriever needs, besides the USE vectors in Chroma, e5 passage vectors of
every chunk (`vectorstore.second_dense`, ~0.3 s a chunk on one core) and USE
vectors of every course word (`vectorstore.word_neighbors`). Computing them at
the first search made a big course's first search take many minutes; the
ingest now fills both caches, only for texts without a vector, with the
progress bar, saving the e5 file every `E5_SAVE_EVERY` vectors. It also
builds the retriever's derived data (BM25 index etc.) once and saves it for
the generation it publishes (`vectorstore.snapshot_cache`).

Completeness is recorded in a small marker file holding the store generation
the caches were filled for. An ingest killed while filling leaves a stale
marker, so the next ingest, even with no file changed, fills what is missing.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from vectorstore import snapshot_cache

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ders_asistani.settings import Settings
    from vectorstore.store import ChunkStore

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
E5_SAVE_EVERY = 512
E5_LABEL = "Anlam vektörleri (e5) hesaplanıyor"
WORDS_LABEL = "Sözcük vektörleri hesaplanıyor"
INDEX_LABEL = "Arama dizini hazırlanıyor"


@dataclass
class CacheFill:
    """What one fill did (benchmarks, tests, logs)."""

    chunks: int = 0
    e5_embedded: int = 0
    words_embedded: int = 0
    seconds: float = 0.0
    tag: str = ""  # settings fingerprint of `parts`
    parts: "snapshot_cache.SnapshotParts | None" = field(default=None, repr=False)

    def publish(self, settings: "Settings", store: "ChunkStore", generation: str) -> None:
        """Save the derived search data for the generation about to be (or already) current."""
        if self.parts is not None:
            path = snapshot_cache.snapshot_path(settings.storage_dir, store.collection_name)
            snapshot_cache.save(path, generation, self.tag, self.parts)


def marker_path(settings: "Settings", store: "ChunkStore") -> Path:
    return settings.storage_dir / f"search-caches-{store.collection_name}.txt"


def caches_current(settings: "Settings", store: "ChunkStore") -> bool:
    """True when the caches were completed for the store's current generation."""
    try:
        return marker_path(settings, store).read_text(encoding="utf-8").strip() == store.generation()
    except OSError:
        return False


def mark_current(settings: "Settings", store: "ChunkStore") -> None:
    path = marker_path(settings, store)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(store.generation(), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("Arama önbelleği işareti yazılamadı: %s", exc)


def fill_search_caches(
    settings: "Settings", store: "ChunkStore", embeddings: "Embeddings", progress: Progress | None = None
) -> CacheFill:
    """Give every chunk in `store` its e5 vector and every course word its vector.

    Vectors of chunks and words no longer in the index are dropped from the
    files. Raises what the models raise; the caller decides (the ingest logs
    and goes on: the retriever then fills the rest in the background).
    """
    from vectorstore.retriever import HybridScorer, RetrievalConfig
    from vectorstore.second_dense import SecondDense
    from vectorstore.word_neighbors import WordVectors, words_cache_path

    started = time.perf_counter()
    chunks = store.all_chunks()
    texts = [chunk.text for chunk in chunks]
    config = RetrievalConfig.from_settings(settings)
    scorer = HybridScorer(config)
    with_words = config.word_neighbors and hasattr(embeddings, "embed_words")
    if progress is not None:
        progress(0, 1, INDEX_LABEL)
    second = SecondDense.create(config.second_dense_model, settings.storage_dir)
    fill = CacheFill(chunks=len(texts), tag=snapshot_cache.fingerprint(scorer, with_words, second is not None))
    fill.parts = snapshot_cache.derive(scorer, chunks, with_words)
    del chunks  # the parts hold the texts once

    def step(label: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(done, total, label)

    if second is not None:
        pending = second.missing(texts) if progress is not None else 0
        if pending and progress is not None:
            progress(0, pending, E5_LABEL)
        fill.e5_embedded = second.ensure(
            texts, progress=step(E5_LABEL), save_every=E5_SAVE_EVERY, prune=True, batch=SecondDense.ingest_batch
        )
        # In the snapshot's chunk order, so the first search reads one matrix
        # instead of hashing every text and looking it up in the .npz cache.
        fill.parts.second = second.cached(texts)
    if with_words:
        words = WordVectors(embeddings, words_cache_path(settings.storage_dir, embeddings))  # type: ignore[arg-type]
        course_words = list(fill.parts.words)
        fill.words_embedded = words.ensure(course_words, progress=step(WORDS_LABEL), prune=True)
        if course_words:
            neighbors = words.index(course_words, cached_only=True)
            fill.parts.word_matrix = neighbors.matrix if neighbors is not None else None
    fill.seconds = round(time.perf_counter() - started, 3)
    return fill
