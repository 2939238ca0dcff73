"""Course-word neighbours: tokenizing, nearest-word search and the word-vector cache."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from vectorstore import word_neighbors
from vectorstore.word_neighbors import NeighborIndex, WordVectors, vocabulary, words_of

VECTORS = {
    "küçük": [1.0, 0.0, 0.0],
    "model": [0.0, 1.0, 0.0],
    "bellek": [0.0, 0.0, 1.0],
    "minik": [0.9, 0.1, 0.0],
    "ufak": [0.8, 0.0, 0.2],
    "hafıza": [0.0, 0.2, 0.9],
    "laptop": [0.5, 0.5, 0.5],
}


class FakeEmbedder:
    model_id = "fake"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_words(self, words: list[str]) -> list[list[float]]:
        self.calls.append(list(words))
        return [VECTORS[w] for w in words]


def test_words_of_drops_stopwords_short_words_digits_and_suffixes() -> None:
    assert words_of("SLM'lerin 24 GB bellek için ve bir AI modeli 3b") == ["slm", "bellek", "modeli"]
    assert words_of("IŞIK İşlemci") == ["ışık", "işlemci"]
    assert words_of("Nasıl nedir? Örneğin") == []  # stopwords are matched after folding


def test_vocabulary_is_distinct_in_first_seen_order() -> None:
    assert vocabulary(["Bellek model", "model küçük Bellek", "küçük"]) == ["bellek", "model", "küçük"]


def _index(words: list[str]) -> NeighborIndex:
    return WordVectors(FakeEmbedder(), None).index(words)  # type: ignore[return-value]


def test_neighbors_nearest_above_threshold_sorted_and_capped() -> None:
    index = _index(["model", "küçük", "bellek"])
    found = index.neighbors(["minik"], np.array([VECTORS["minik"]]), count=2, threshold=0.0)
    assert [course for _, course, _ in found] == ["küçük", "model"]
    assert all(word == "minik" for word, _, _ in found)
    sims = [s for _, _, s in found]
    assert sims == sorted(sims, reverse=True) and sims[0] == pytest.approx(0.9 / np.hypot(0.9, 0.1))
    # A high threshold keeps only the close one; count caps the result.
    high = index.neighbors(["minik"], np.array([VECTORS["minik"]]), count=3, threshold=0.5)
    assert [(w, c) for w, c, _ in high] == [("minik", "küçük")]
    assert all(s >= 0.5 for _, _, s in high)
    several = index.neighbors(["ufak", "hafıza"], np.array([VECTORS["ufak"], VECTORS["hafıza"]]), 1, 0.6)
    assert [(w, c) for w, c, _ in several] == [("ufak", "küçük"), ("hafıza", "bellek")]


def test_neighbors_empty_inputs() -> None:
    index = _index(["model", "küçük"])
    assert index.neighbors([], np.zeros((0, 3)), count=4, threshold=0.6) == []
    assert _index([]).neighbors(["ufak"], np.array([VECTORS["ufak"]]), 4, 0.6) == []


def test_index_embeds_only_missing_words_and_caches_on_disk(tmp_path: Path) -> None:
    cache = tmp_path / "sub" / "words-fake.npz"
    embedder = FakeEmbedder()
    vectors = WordVectors(embedder, cache)
    vectors.index(["model", "küçük"])
    vectors.index(["küçük", "bellek", "model", "bellek"])
    assert embedder.calls == [["model", "küçük"], ["bellek"]]
    assert cache.exists() and not list(cache.parent.glob("*.tmp.npz"))

    fresh_embedder = FakeEmbedder()
    index = WordVectors(fresh_embedder, cache).index(["bellek", "model", "küçük"])
    assert fresh_embedder.calls == []
    assert index is not None and index.words == ["bellek", "model", "küçük"]
    np.testing.assert_allclose(index.matrix, np.eye(3)[[2, 1, 0]])


def test_index_cached_only_returns_none_without_embedding(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    vectors = WordVectors(embedder, tmp_path / "words.npz")
    assert vectors.index(["model", "bellek"], cached_only=True) is None
    assert embedder.calls == []
    vectors.index(["model"])
    assert vectors.index(["model", "bellek"], cached_only=True) is None
    assert vectors.index(["model"], cached_only=True) is not None
    assert embedder.calls == [["model"]]


def test_corrupt_cache_is_recomputed_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "words.npz"
    cache.write_bytes(b"not a numpy archive")
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING, logger="vectorstore.word_neighbors"):
        index = WordVectors(embedder, cache).index(["model"])
    assert index is not None and index.words == ["model"]
    assert embedder.calls == [["model"]]
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    reread = FakeEmbedder()
    assert WordVectors(reread, cache).index(["model"], cached_only=True) is not None  # rewritten
    assert reread.calls == []


def test_embed_reuses_course_vectors_and_keeps_question_words_off_disk(tmp_path: Path) -> None:
    cache = tmp_path / "words.npz"
    embedder = FakeEmbedder()
    vectors = WordVectors(embedder, cache)
    vectors.index(["model", "küçük"])
    embedder.calls.clear()

    out = vectors.embed(["ufak", "model", "hafıza", "ufak"])
    assert embedder.calls == [["ufak", "hafıza"]]  # one call, course word and duplicate not sent
    np.testing.assert_allclose(out, [VECTORS[w] for w in ["ufak", "model", "hafıza", "ufak"]])
    vectors.embed(["hafıza", "küçük"])
    assert embedder.calls == [["ufak", "hafıza"]]  # asked words are remembered in memory

    with np.load(cache) as data:
        assert sorted(data["words"].tolist()) == ["küçük", "model"]
    # A later index still only embeds (and saves) what it was asked to index.
    vectors.index(["bellek"])
    with np.load(cache) as data:
        assert sorted(data["words"].tolist()) == ["bellek", "küçük", "model"]


def test_asked_word_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_neighbors, "ASKED_CACHE_SIZE", 2)
    embedder = FakeEmbedder()
    vectors = WordVectors(embedder, None)
    vectors.embed(["ufak"])
    vectors.embed(["hafıza"])
    vectors.embed(["laptop"])  # evicts the oldest, "ufak"
    vectors.embed(["hafıza", "laptop"])
    assert embedder.calls == [["ufak"], ["hafıza"], ["laptop"]]
    vectors.embed(["ufak"])
    assert embedder.calls[-1] == ["ufak"]
