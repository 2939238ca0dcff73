"""Course words that mean what a student's unknown word means.

Students paraphrase: "ufak modellerin artıları" for "küçük dil modelinin
avantajları". The glossary covers the course's key terms; this covers the long
tail. Every word of the course gets a vector from the store's embedding model
(multilingual USE: "ufak" -> "küçük", "small"; "laptop" -> "bilgisayar";
"hafıza" -> "bellek", "memory"; "koşturmak" -> "çalıştırmak"). A question word
the course never uses is then searched, with a lower weight, as its nearest
course words (`lexical.build_query(neighbors=...)`).

Measured with `WORD_NEIGHBORS=false ders-asistani eval retrieval [--questions
tests/data/retrieval_eval_fresh.jsonl]` (off -> on): holdout MRR@5
0.85 -> 0.86, fresh 0.76 -> 0.78 (paraphrase 0.69 -> 0.73), tune unchanged
(0.93); it costs about 10 ms of p50 latency (one USE call for the unknown
words). Only words the course does not use are expanded: expanding every word
added noise in development. On the unseen split the whole second round
(this included) scored the same as the first (MRR@5 0.79).

Word vectors are cached by word in memory and under STORAGE_DIR, so a restart
or an ingest embeds only new words (1,500 course words take ~2 s once).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

import numpy as np

from turkish.tokenize import STOPWORDS, fold_ascii, turkish_lower
from vectorstore.vector_cache import load_vectors, save_vectors

ASKED_CACHE_SIZE = 4096
ENSURE_BATCH = 1024  # words per progress step at ingest
_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_APOSTROPHE_SUFFIX_RE = re.compile(r"(\w)['’`´]\w+")


class WordEmbedder(Protocol):
    model_id: str

    def embed_words(self, words: list[str]) -> list[list[float]]: ...


def words_of(text: str) -> list[str]:
    """Turkish-lowercased words of 3+ letters, without stopwords or apostrophe suffixes."""
    text = _APOSTROPHE_SUFFIX_RE.sub(r"\1", turkish_lower(text))
    return [w for w in _WORD_RE.findall(text) if fold_ascii(w) not in STOPWORDS]


def vocabulary(texts: Iterable[str]) -> list[str]:
    """Distinct course words, in first-seen order."""
    return list(dict.fromkeys(w for text in texts for w in words_of(text)))


def _normalized(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class NeighborIndex:
    """Unit vectors of the course vocabulary; immutable (part of a retriever snapshot)."""

    words: Sequence[str]  # a list, or the saved snapshot's StringList
    matrix: np.ndarray

    def neighbors(
        self, words: Sequence[str], vectors: np.ndarray, count: int, threshold: float
    ) -> list[tuple[str, str, float]]:
        """(word, course word, cosine) for the `count` nearest course words at or above `threshold`."""
        if not len(words) or not self.words:
            return []
        sims = _normalized(np.asarray(vectors, dtype=np.float32)) @ self.matrix.T
        found: list[tuple[str, str, float]] = []
        for word, row in zip(words, sims):
            for j in np.argsort(-row)[:count]:
                if row[j] < threshold:
                    break
                found.append((word, self.words[int(j)], float(row[j])))
        return found


def words_cache_path(storage_dir: Path | None, embedder: object) -> Path | None:
    """Where the course word vectors of this embedding model are saved."""
    model = getattr(embedder, "model_id", "model")
    return storage_dir / f"words-{model}.npz" if storage_dir is not None else None


class WordVectors:
    """Word -> vector cache (memory + one .npz file), filled through the embedding model."""

    def __init__(self, embedder: WordEmbedder, cache_path: Path | None) -> None:
        self.embedder = embedder
        self.cache_path = cache_path
        self._vectors: dict[str, np.ndarray] = {}
        # Question words are kept apart from the saved course vocabulary, bounded.
        self._asked: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._disk_stamp: tuple[int, int] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.cache_path.stat()  # type: ignore[union-attr]
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _load_disk(self) -> None:
        """Read the file when it changed since this instance last read or wrote it
        (the ingest, maybe in another process, writes it)."""
        if self.cache_path is None:
            return
        stamp = self._stamp()
        if stamp is None or stamp == self._disk_stamp:
            return
        self._disk_stamp = stamp
        saved = load_vectors(self.cache_path, "words", "Sözcük vektörü")
        with self._lock:
            for word, vector in saved.items():
                self._vectors.setdefault(word, vector)

    def _save_disk(self) -> None:
        if self.cache_path is None:
            return
        with self._lock:
            vectors = dict(self._vectors)
        save_vectors(self.cache_path, "words", vectors, "Sözcük vektörü")
        self._disk_stamp = self._stamp()

    def _embed(self, words: list[str]) -> list[np.ndarray]:
        vectors = self.embedder.embed_words(words)
        if len(vectors) != len(words):
            raise ValueError(f"embed_words returned {len(vectors)} vectors for {len(words)} words")
        return [np.asarray(vector, dtype=np.float32) for vector in vectors]

    def index(self, words: Sequence[str], cached_only: bool = False) -> NeighborIndex | None:
        """A NeighborIndex over `words`; None if `cached_only` and some are not cached yet."""
        self._load_disk()
        with self._lock:
            missing = [w for w in dict.fromkeys(words) if w not in self._vectors]
        if missing:
            if cached_only:
                return None
            vectors = self._embed(missing)
            with self._lock:
                self._vectors.update(zip(missing, vectors))
            self._save_disk()
        with self._lock:
            matrix = np.stack([self._vectors[w] for w in words]) if words else np.zeros((0, 1), np.float32)
        return NeighborIndex(list(words), _normalized(matrix))

    def ensure(
        self, words: Sequence[str], progress: Callable[[int, int], None] | None = None, prune: bool = False
    ) -> int:
        """Embed the course words that have no vector yet (the ingest); returns how many.

        `prune`: memory and file then hold exactly `words` (words of deleted
        chunks go)."""
        self._load_disk()
        wanted = list(dict.fromkeys(words))
        with self._lock:
            missing = [w for w in wanted if w not in self._vectors]
        for start in range(0, len(missing), ENSURE_BATCH):
            part = missing[start : start + ENSURE_BATCH]
            vectors = self._embed(part)
            with self._lock:
                self._vectors.update(zip(part, vectors))
            if progress is not None:
                progress(start + len(part), len(missing))
        stale = False
        if prune:
            keep = set(wanted)
            with self._lock:
                gone = [w for w in self._vectors if w not in keep]
                for word in gone:
                    del self._vectors[word]
            stale = bool(gone)
        if missing or stale:
            self._save_disk()
        return len(missing)

    def embed(self, words: Sequence[str]) -> np.ndarray:
        """Vectors of a question's words: course words from the cache, the rest in one call."""
        if not len(words):
            return np.zeros((0, 1), dtype=np.float32)
        with self._lock:
            known = {w: self._vectors.get(w, self._asked.get(w)) for w in words}
            for w in known:
                if w in self._asked:
                    self._asked.move_to_end(w)  # least recently asked goes first
        missing = [w for w, v in known.items() if v is None]
        if missing:
            known.update(zip(missing, self._embed(missing)))
            with self._lock:
                for word in missing:
                    self._asked[word] = known[word]  # type: ignore[assignment]
                while len(self._asked) > ASKED_CACHE_SIZE:
                    self._asked.popitem(last=False)
        return np.stack([known[w] for w in words])  # type: ignore[misc]
