"""The retriever's derived search data, built by the ingest and loaded by the first search.

Everything a search snapshot derives from the chunk texts (the BM25 index,
the diacritic restorer, the course vocabulary, what each chunk defines) is a
pure function of the chunks and a few retrieval settings. At 10,000 chunks it
takes tens of seconds to build on a busy two-core machine, so the ingest
builds it once and saves it next to the store, tagged with the generation
token it is about to publish, together with the chunks themselves and the
e5 and word vectors in the snapshot's order; a retriever whose store shows
that generation loads it (not even Chroma is read) instead of building.

The file is flat arrays (`vectorstore.flat_file`), not a pickle: loading it
maps the file and creates a few dozen array views, whatever the course size
(a pickle of 10,000 chunk objects and 300,000 terms took 0.3 s on an idle
machine and over 1 s on a busy one). Chunks, terms and words are decoded
only when a search touches them (`vectorstore.string_table`).

A missing, stale, foreign or unreadable file only means "build it", as before.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from vectorstore import flat_file
from vectorstore.chunk_table import ChunkTable, definitions_arrays, definitions_from_arrays
from vectorstore.string_table import StringList, StringMap

if TYPE_CHECKING:
    from turkish.definitions import Terms
    from turkish.diacritics import DiacriticRestorer
    from vectorstore.lexical import LexicalIndex
    from vectorstore.retriever import HybridScorer
    from vectorstore.store import StoredChunk

logger = logging.getLogger(__name__)

# Version of the file's layout and of what it holds; another value means "build".
FORMAT = 2


@dataclass
class SnapshotParts:
    chunks: ChunkTable
    index: "LexicalIndex"
    restorer: "DiacriticRestorer"
    words: Sequence[str]  # course vocabulary (word-neighbour expansion); empty when off
    definitions: Sequence[list["Terms"]]  # a list, or the saved `chunk_table.Definitions`
    second: np.ndarray | None = None  # e5 passage vectors, one row per chunk (the ingest fills it)
    word_matrix: np.ndarray | None = None  # unit word vectors, one row per word (the ingest fills it)


def snapshot_path(storage_dir: Path, collection_name: str) -> Path:
    return storage_dir / f"search-snapshot-{collection_name}.flat"


def fingerprint(scorer: "HybridScorer", with_words: bool, with_second: bool = False) -> str:
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
            "second": config.second_dense_model if with_second else "",
        },
        sort_keys=True,
    )


def derive(scorer: "HybridScorer", chunks: Sequence["StoredChunk"], with_words: bool) -> SnapshotParts:
    """Build the derived data of `chunks` (what `HybridRetriever._build` needs)."""
    from turkish.diacritics import DiacriticRestorer
    from vectorstore.word_neighbors import vocabulary

    texts = [c.text for c in chunks]
    table = ChunkTable.build(chunks)
    return SnapshotParts(
        chunks=table,
        index=scorer.build_index(table.ids, texts),
        restorer=DiacriticRestorer.from_texts(texts) if scorer.config.restore_diacritics else DiacriticRestorer(),
        words=StringList.build(vocabulary(texts) if with_words else []),
        definitions=scorer.definitions(texts),
    )


def save(path: Path, generation: str, tag: str, parts: SnapshotParts) -> None:
    """Write atomically; failures are logged, never raised (the file is only a shortcut)."""
    try:
        lexical_meta, arrays = parts.index.to_arrays("lexical")
        arrays.update(parts.chunks.arrays("chunks"))
        arrays.update(StringMap.build(parts.restorer.spellings).arrays("restorer"))
        words = parts.words if isinstance(parts.words, StringList) else StringList.build(parts.words)
        arrays.update(words.arrays("words"))
        arrays.update(definitions_arrays(parts.definitions, "definitions"))
        if parts.second is not None:
            arrays["second"] = np.asarray(parts.second, dtype=np.float32)
        if parts.word_matrix is not None:
            arrays["word_matrix"] = np.asarray(parts.word_matrix, dtype=np.float32)
        meta = {"format": FORMAT, "generation": generation, "tag": tag, "lexical": lexical_meta}
        flat_file.save(path, meta, arrays)
        path.with_suffix(".pickle").unlink(missing_ok=True)  # format 1's pickle: never read again
    except Exception as exc:  # noqa: BLE001 - e.g. disk full: the first search builds instead
        logger.warning("Arama özeti yazılamadı (%s); ilk arama kendisi kuracak.", exc)


def load(path: Path, generation: str, tag: str) -> SnapshotParts | None:
    """The saved parts if they were made for this generation and these settings, else None."""
    from turkish.diacritics import DiacriticRestorer
    from vectorstore.lexical import LexicalIndex

    try:
        meta, arrays = flat_file.load(path)
        if meta.get("format") != FORMAT or meta.get("generation") != generation or meta.get("tag") != tag:
            return None
        chunks = ChunkTable.from_arrays(arrays, "chunks")
        words = StringList.from_arrays(arrays, "words")
        second, word_matrix = arrays.get("second"), arrays.get("word_matrix")
        if second is not None and (second.ndim != 2 or second.shape[0] != len(chunks)):
            raise ValueError("e5 vectors do not fit the chunks")
        if word_matrix is not None and (word_matrix.ndim != 2 or word_matrix.shape[0] != len(words)):
            raise ValueError("word vectors do not fit the words")
        return SnapshotParts(
            chunks=chunks,
            index=LexicalIndex.from_arrays(meta["lexical"], arrays, "lexical", chunks.ids),
            restorer=DiacriticRestorer(StringMap.from_arrays(arrays, "restorer")),
            words=words,
            definitions=definitions_from_arrays(arrays, "definitions", len(chunks)),
            second=second,
            word_matrix=word_matrix,
        )
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken or foreign file is only slower
        logger.warning("Arama özeti okunamadı (%s); yeniden kurulacak.", exc)
        return None
