"""The Turkish BM25 index: inflections, ASCII typing, typos, weights, coverage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vectorstore.lexical import LexicalIndex, QueryTerm, build_query

CHUNKS = {
    "falcon": "Falcon-40B, 40 milyar parametre üzerinde eğitilmiştir ve sohbet uygulamaları için uygundur.",
    "gpu": "GPU ve CPU birbirlerinin alternatifi değil, tamamlayıcısıdır. Ekran kartı paralel işlem yapar.",
    "slm": "Küçük dil modelleri, daha küçük parametreye ve daha az hesaplama gücüne sahip olan dil modelidir.",
    "tibbi": "PubMedBERT-small | 100M | Tıbbi literatür işleme",
    "groq": "Groq paneline giriş yapın ve API anahtarınızı güvenli bir yere kaydedin.",
}


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(list(CHUNKS), list(CHUNKS.values()))


def best(index: LexicalIndex, query: str, **kwargs) -> str:
    scores = index.scores(build_query(index, query, **kwargs))
    assert scores.max() > 0, query
    return index.ids[int(np.argmax(scores))]


def test_inflected_and_ascii_questions_find_the_chunk(index):
    assert best(index, "küçük dil modelinin hesaplama ihtiyacı") == "slm"
    assert best(index, "kucuk dil modelleri nedir") == "slm"
    assert best(index, "GROQ PANELİNE NASIL GİRİLİR") == "groq"


def test_typo_is_corrected_against_the_corpus(index):
    terms = build_query(index, "Falkon kaç parametreli")
    corrected = [t for t in terms if t.term == "falco"]
    assert corrected and corrected[0].weight < 1.0 and corrected[0].concept == "falko"
    assert best(index, "Falkon kaç parametreli") == "falcon"
    assert index.corrections("falkon") == ["falcon"]
    assert index.corrections("falcon") == []  # known words are left alone


def test_expansion_terms_weigh_less_than_typed_words(index):
    terms = build_query(index, "sağlık alanı", [(["sağlık"], ["tıbbi"])], expansion_weight=0.4)
    weights = {t.term: t.weight for t in terms}
    assert weights["tibbi"] == pytest.approx(0.4)
    assert weights["sagli"] == 1.0
    assert best(index, "sağlık alanı", expansions=[(["sağlık"], ["tıbbi"])]) == "tibbi"


def test_bigrams_reward_adjacent_words():
    ids = ["apart", "together"]
    texts = ["ekran büyük, kartı ayrı satılır", "ekran kartı satılır büyük"]
    with_pairs = LexicalIndex(ids, texts, bigrams=True)
    scores = with_pairs.scores(build_query(with_pairs, "ekran kartı"))
    assert scores[1] > scores[0]
    without = LexicalIndex(ids, texts, bigrams=False)
    flat = without.scores(build_query(without, "ekran kartı"))
    assert flat[0] == pytest.approx(flat[1], rel=0.2)


def test_coverage_separates_on_topic_from_off_topic(index):
    on = index.coverage(build_query(index, "Falcon kaç milyar parametre ile eğitildi")).max()
    off = index.coverage(build_query(index, "karnıyarık tarifi ve pilav")).max()
    assert 0.0 <= off < 0.2 < on <= 1.0


def test_shared_term_counts_once_in_scores(index):
    single = index.scores([QueryTerm("groq", 1.0, "groq")])
    doubled = index.scores([QueryTerm("groq", 1.0, "groq"), QueryTerm("groq", 0.5, "other")])
    assert np.allclose(single, doubled)


def test_empty_index_and_empty_query():
    empty = LexicalIndex([], [])
    assert empty.scores(build_query(empty, "herhangi bir soru")).size == 0
    index = LexicalIndex(["a"], ["metin"])
    assert build_query(index, "ve ile de") == []  # only stopwords
    assert index.coverage([]).tolist() == [0.0]


# --- fusion: BM25 picks the passages, coverage orders them ------------------------------
_WORDS = "kuantalama ekran kartı bellek hız model eğitim veri ince ayar parametre".split()


def _rank(signal: str, texts: list[str], query: str, hits: list[tuple[int, float]], k: int = 3):
    from vectorstore.retriever import HybridScorer, RetrievalConfig

    scorer = HybridScorer(RetrievalConfig(lexical_signal=signal, glossary=False))  # type: ignore[arg-type]
    index = scorer.build_index([str(i) for i in range(len(texts))], texts)
    return scorer.rank(index, query, hits, k)


def test_rerank_keeps_bm25_passages_and_orders_them_by_coverage():
    texts = [
        "kartı ince",
        "ayar model bellek kartı kartı kartı",
        "kuantalama bellek parametre hız",
        "eğitim bellek kartı parametre kuantalama kartı ince",
        "ayar bellek bellek model eğitim eğitim",
        "kartı ince hız",
    ]
    hits = [(0, 0.49), (1, 0.21), (2, 0.2), (3, 0.5), (4, 0.34), (5, 0.39)]
    bm25 = _rank("bm25", texts, "hız ince ekran", hits)
    coverage = _rank("coverage", texts, "hız ince ekran", hits)
    rerank = _rank("rerank", texts, "hız ince ekran", hits)
    assert set(rerank.order) == set(bm25.order)  # hit@k cannot change
    assert rerank.order != bm25.order  # the order does
    assert rerank.order == [i for i in coverage.order if i in set(bm25.order)]
    assert rerank.scores == sorted(rerank.scores, reverse=True)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=7).map(" ".join), min_size=2, max_size=8),
    query=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join),
    similarities=st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8),
    k=st.integers(1, 5),
)
def test_rerank_never_changes_which_passages_are_returned(texts, query, similarities, k):
    hits = [(i, similarities[i]) for i in range(len(texts))]
    bm25 = _rank("bm25", texts, query, hits, k)
    rerank = _rank("rerank", texts, query, hits, k)
    assert sorted(rerank.order) == sorted(bm25.order)
    assert rerank.scores == sorted(rerank.scores, reverse=True)
