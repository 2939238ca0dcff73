"""The retriever's derived search data, built by the ingest and loaded by the first search.

Everything a search snapshot derives from the chunk texts (the BM25 index,
the diacritic restorer, the course vocabulary, what each chunk defines) is a
pure function of the chunks and a few retrieval settings. At 10,000 chunks it
takes tens of seconds to build on a busy two-core machine, so the ingest
builds it once and pickles it next to the store, tagged with the generation
token it is about to publish; a retriever whose store shows that generation
loads it (the chunks included, so not even Chroma is read) instead of building.

A missing, stale, foreign or unreadable file only means "build it", as before.
The file lives in STORAGE_DIR, which the application alone writes (it also
holds the Chroma database), so unpickling it is as trusted as the store.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from turkish.definitions import Terms
    from turkish.diacritics import DiacriticRestorer
    from vectorstore.lexical import LexicalIndex
    from vectorstore.retriever import HybridScorer
    from vectorstore.store import StoredChunk

logger = logging.getLogger(__name__)

FORMAT = 1


@dataclass
class SnapshotParts:
    chunks: list["StoredChunk"]
    index: "LexicalIndex"
    restorer: "DiacriticRestorer"
    words: list[str]  # course vocabulary (word-neighbour expansion); [] when off
    definitions: list[list["Terms"]]


def snapshot_path(storage_dir: Path, collection_name: str) -> Path:
    return storage_dir / f"search-snapshot-{collection_name}.pickle"


def fingerprint(scorer: "HybridScorer", with_words: bool) -> str:
    """The settings the derived data depends on; another value means "build"."""
    config = scorer.config
    return json.dumps(
        {
            "format": FORMAT,
            "term_mode": config.term_mode,
            "prefix_length": config.prefix_length,
            "bigrams": config.bigrams,
            "restore_diacritics": config.restore_diacritics,
            "words": with_words,
        },
        sort_keys=True,
    )


def derive(scorer: "HybridScorer", chunks: list["StoredChunk"], with_words: bool) -> SnapshotParts:
    """Build the derived data of `chunks` (what `HybridRetriever._build` needs)."""
    from turkish.diacritics import DiacriticRestorer
    from vectorstore.word_neighbors import vocabulary

    ids = [c.id for c in chunks]
    texts = [c.text for c in chunks]
    return SnapshotParts(
        chunks=chunks,
        index=scorer.build_index(ids, texts),
        restorer=DiacriticRestorer.from_texts(texts) if scorer.config.restore_diacritics else DiacriticRestorer(),
        words=vocabulary(texts) if with_words else [],
        definitions=scorer.definitions(texts),
    )


def save(path: Path, generation: str, tag: str, parts: SnapshotParts) -> None:
    """Write atomically; failures are logged, never raised (the file is only a shortcut)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as handle:
            pickle.dump({"generation": generation, "tag": tag, "parts": parts}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception as exc:  # noqa: BLE001 - e.g. disk full: the first search builds instead
        tmp.unlink(missing_ok=True)
        logger.warning("Arama özeti yazılamadı (%s); ilk arama kendisi kuracak.", exc)


def load(path: Path, generation: str, tag: str) -> SnapshotParts | None:
    """The saved parts if they were made for this generation and these settings, else None."""
    try:
        with path.open("rb") as handle:
            saved: Any = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken or old file is only slower
        logger.warning("Arama özeti okunamadı (%s); yeniden kurulacak.", exc)
        return None
    if not isinstance(saved, dict) or saved.get("generation") != generation or saved.get("tag") != tag:
        return None
    parts = saved.get("parts")
    return parts if isinstance(parts, SnapshotParts) else None
