"""The saved search snapshot (flat arrays): exact round trip, and anything doubtful means "build".

No models and no Chroma here; tests/test_search_caches.py checks that a real
ingest writes the file and the first search uses it instead of Chroma.
"""

from __future__ import annotations

import math
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vectorstore import flat_file, snapshot_cache, string_table
from vectorstore.lexical import LexicalIndex
from vectorstore.retriever import HybridScorer, RetrievalConfig
from vectorstore.store import StoredChunk
from vectorstore.string_table import StringIndex, StringList, StringMap

TEXTS = [
    "# Bellek\n\nYedi milyar parametreli bir model 4-bit kuantizasyonla yaklaşık dört gigabayt ekran belleği ister.",
    "Küçük dil modeli, az parametreli ve hızlı çalışan bir dil modelidir. Dizüstü bilgisayarda çalışır.",
    "## QLoRA Nedir?\n\nQLoRA, LoRA ince ayarını 4-bit temel modelle birleştirir; tek ekran kartı yeter.",
    "Groq API ücretsiz katmanda dakikalık istek sınırı koyar; sınır aşılınca 429 yanıtı gelir.",
    "Ekran belleği yetmezse katmanlar ana belleğe taşınır ve üretim hızı düşer. Işık hızında değil.",
]
QUESTIONS = ["ekran bellegi yetmezse ne olur", "Groq sınırı aşılınca", "QLoRA ince ayr", "küçük dil modeli nedir", "Falkon"]


def chunks() -> list[StoredChunk]:
    return [
        StoredChunk(f"c{i}", text, {"source": f"ders/{i}.md", "chunk_index": i, "page": None, "title": "Başlık ğüşiöç"})
        for i, text in enumerate(TEXTS)
    ]


def scorer() -> HybridScorer:
    return HybridScorer(RetrievalConfig())


def saved_parts(tmp_path: Path, generation: str = "g1", tag: str = "t") -> tuple[Path, snapshot_cache.SnapshotParts]:
    parts = snapshot_cache.derive(scorer(), chunks(), with_words=True)
    parts.second = np.random.default_rng(0).standard_normal((len(TEXTS), 8)).astype(np.float32)
    parts.word_matrix = np.random.default_rng(1).standard_normal((len(parts.words), 4)).astype(np.float32)
    path = tmp_path / "search-snapshot-x.flat"
    snapshot_cache.save(path, generation, tag, parts)
    return path, parts


def test_a_string_index_finds_every_string_and_nothing_else() -> None:
    strings = ["", "bellek", "belleği", "ışık", "emoji 🤖", "lone \udcd2 surrogate", "a b"]
    index = StringIndex.build(StringList.build(strings))
    assert list(index.strings) == strings and [index.strings[i] for i in range(len(strings))] == strings
    assert [index.find(s) for s in strings] == list(range(len(strings)))
    assert index.find("bellekler") == -1 and "Bellek" not in index and index.get("yok") is None


def test_a_string_index_survives_hash_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(string_table, "_hash", lambda data: len(data) % 2)  # everything collides
    strings = ["model", "bellek", "kart", "gpu", "ekran"]
    index = StringIndex.build(StringList.build(strings))
    assert [index.find(s) for s in strings] == [0, 1, 2, 3, 4]
    assert index.find("modem") == -1


def test_the_flat_index_is_bm25_exactly() -> None:
    """Against a plain per-term BM25 over the same terms (k1 1.2, b 0.75)."""
    index = scorer().build_index([f"c{i}" for i in range(len(TEXTS))], TEXTS)
    doc_terms = [index.terms(t) for t in TEXTS]
    avg = sum(map(len, doc_terms)) / len(doc_terms)
    for t in ("belle", "ekran belle", "qlora", "groq"):
        tfs = [Counter(terms)[t] for terms in doc_terms]
        df = sum(1 for tf in tfs if tf)
        idf = math.log(1.0 + (len(TEXTS) - df + 0.5) / (df + 0.5))
        expected = [
            idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(terms) / avg)) if tf else 0.0
            for tf, terms in zip(tfs, doc_terms)
        ]
        got = index.scores([type("Q", (), {"term": t, "weight": 1.0})()])  # duck-typed QueryTerm
        assert np.allclose(got, expected, rtol=1e-12, atol=0) and index.max_score(t) == pytest.approx(max(expected))
    assert index.corrections("kuantizasyonlx") == ["kuantizasyonla"] and index.corrections("kuantizasyonla") == []
    assert index.corrections("zzzzzzzz") == [] and not index.has_term("yokyok")


def test_a_saved_lexical_index_scores_exactly_like_the_built_one(tmp_path: Path) -> None:
    s = scorer()
    ids = [f"c{i}" for i in range(len(TEXTS))]
    index = s.build_index(ids, TEXTS)
    meta, arrays = index.to_arrays("lex")
    flat_file.save(tmp_path / "f", {"lex": meta}, arrays)
    loaded_meta, loaded_arrays = flat_file.load(tmp_path / "f")
    copy = LexicalIndex.from_arrays(loaded_meta["lex"], loaded_arrays, "lex", ids)
    assert not loaded_arrays["lex.scores"].flags.writeable  # a view on the mapped file, not a copy
    for question in QUESTIONS:
        terms, _ = s.query_terms(index, question)
        assert terms == s.query_terms(copy, question)[0]
        assert np.array_equal(index.scores(terms), copy.scores(terms))
        assert np.array_equal(index.coverage(terms), copy.coverage(terms))
        assert [index.max_score(t.term) for t in terms] == [copy.max_score(t.term) for t in terms]
    for word in ("ayarr", "kuantizasyonla", "parametreli", "bellegi", "modelidirr"):
        assert copy.corrections(word) == index.corrections(word)
        assert copy.has_word(word) == index.has_word(word)
    assert index.corrections("parametrelii") == ["parametreli"]  # typo correction works at all


def test_a_saved_snapshot_loads_back_exactly(tmp_path: Path) -> None:
    path, parts = saved_parts(tmp_path)
    loaded = snapshot_cache.load(path, "g1", "t")
    assert loaded is not None
    assert list(loaded.chunks) == chunks() and loaded.chunks[2] == chunks()[2]
    assert loaded.chunks.positions.get("c3") == 3 and loaded.chunks.positions.get("c9") is None
    assert list(loaded.words) == list(parts.words) and loaded.definitions == parts.definitions
    assert any(loaded.definitions)  # the course text above defines "küçük dil modeli" and QLoRA
    assert dict(loaded.restorer.spellings) == dict(parts.restorer.spellings)
    assert loaded.restorer.restore("Isik ve ekran bellegi") == parts.restorer.restore("Isik ve ekran bellegi")
    assert np.array_equal(loaded.second, parts.second) and np.array_equal(loaded.word_matrix, parts.word_matrix)
    s = scorer()
    for question in QUESTIONS:
        a = s.rank(parts.index, question, [], 3, parts.second[:, 0], definitions=parts.definitions)
        b = s.rank(loaded.index, question, [], 3, loaded.second[:, 0], definitions=loaded.definitions)
        assert (a.order, a.scores, a.coverage) == (b.order, b.scores, b.coverage)


def test_without_vectors_the_snapshot_has_none(tmp_path: Path) -> None:
    parts = snapshot_cache.derive(scorer(), chunks(), with_words=False)
    snapshot_cache.save(tmp_path / "s.flat", "g", "t", parts)
    loaded = snapshot_cache.load(tmp_path / "s.flat", "g", "t")
    assert loaded is not None and loaded.second is None and loaded.word_matrix is None and len(loaded.words) == 0


def test_another_generation_settings_or_format_means_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = saved_parts(tmp_path, generation="g1", tag="t")
    assert snapshot_cache.load(path, "g2", "t") is None  # an ingest since: stale
    assert snapshot_cache.load(path, "g1", "other settings") is None
    monkeypatch.setattr(snapshot_cache, "FORMAT", snapshot_cache.FORMAT + 1)
    assert snapshot_cache.load(path, "g1", "t") is None
    assert snapshot_cache.load(tmp_path / "missing.flat", "g1", "t") is None
    # The settings fingerprint changes with what the snapshot holds.
    s = HybridScorer(RetrievalConfig(second_dense_model="multilingual-e5-small"))
    tags = {snapshot_cache.fingerprint(s, w, e) for w in (True, False) for e in (True, False)}
    assert len(tags) == 4


@pytest.mark.parametrize("damage", ["truncate", "garbage", "pickle", "empty", "bad offsets"])
def test_a_broken_file_means_build(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    path, parts = saved_parts(tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff" * 1000)
    elif damage == "pickle":  # format 1's content under the new name
        path.write_bytes(pickle.dumps({"generation": "g1", "tag": "t", "parts": parts}))
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a header that is valid JSON but points the texts' offsets elsewhere
        meta, arrays = flat_file.load(path)
        arrays = {name: np.array(a) for name, a in arrays.items()}
        arrays["chunks.texts.offsets"][1] += 10**6
        flat_file.save(path, meta, arrays)
    assert snapshot_cache.load(path, "g1", "t") is None
    assert "Arama özeti okunamadı" in caplog.text


def test_saving_removes_the_old_pickle_and_a_failed_save_is_only_logged(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    old = tmp_path / "search-snapshot-x.pickle"
    old.write_bytes(b"format 1")
    path, _ = saved_parts(tmp_path)
    assert path.exists() and not old.exists()
    parts = snapshot_cache.derive(scorer(), chunks(), with_words=False)
    snapshot_cache.save(tmp_path / "no-such-dir" / "s.flat", "g", "t", parts)  # raises nothing
    assert "Arama özeti yazılamadı" in caplog.text
    assert not list(tmp_path.glob("*.tmp"))


def test_string_map_is_a_read_only_mapping() -> None:
    mapping = StringMap.build({"isik": "ışık", "bellegi": "belleği"})
    assert mapping["isik"] == "ışık" and mapping.get("yok") is None and len(mapping) == 2
    assert dict(mapping) == {"isik": "ışık", "bellegi": "belleği"}
    with pytest.raises(KeyError):
        mapping["yok"]
