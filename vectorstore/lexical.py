"""An in-memory Turkish-aware BM25 index over the stored chunks.

Why hand-written instead of `rank_bm25`: queries carry weighted terms (glossary
expansions and typo corrections count less than what the student typed), and
the off-topic signal needs each term's best possible score. Both are a few
lines over precomputed postings. The ingest builds the index once and saves
it with the retriever's other derived data (`vectorstore.snapshot_cache`);
a retriever builds it from the store only when that file does not fit.

Terms come from `turkish.tokenize.index_terms` (Turkish lowercase, ASCII fold,
5-character prefixes by default: measured best on the course documents).

The index is immutable once built; the retriever swaps a whole new index in
when the store changes, so readers never see a half-built one.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from turkish.tokenize import DEFAULT_PREFIX_LENGTH, STOPWORDS, TermMode, index_terms, term, tokens
from vectorstore.string_table import StringIndex, StringList, ragged

# BM25 constants: the usual values; k1/b barely moved scores on these documents.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75


@dataclass(frozen=True)
class QueryTerm:
    """One weighted index term of a query; `concept` groups its alternatives.

    Terms of the same concept (the typed word, its typo correction, its
    glossary synonyms) are alternatives: for the coverage signal a concept is
    covered when any of them is present.
    """

    term: str
    weight: float
    concept: str


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class LexicalIndex:
    """BM25 over index terms, with weighted queries, typo correction and coverage.

    Everything is kept in flat arrays (`vectorstore.string_table`): the terms
    with their postings (chunk positions and precomputed BM25 contributions,
    one slice per term), the course's words and the typo-correction deletes.
    So a saved index loads by mapping a file (`to_arrays` / `from_arrays`)
    instead of recreating hundreds of thousands of dict entries.
    """

    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        *,
        mode: TermMode = "prefix",
        prefix_length: int = DEFAULT_PREFIX_LENGTH,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        bigrams: bool = True,
    ) -> None:
        self.ids: Sequence[str] = list(ids)
        self.mode: TermMode = mode
        self.prefix_length = prefix_length
        n_docs = len(self.ids)
        self.size = n_docs
        self.bigrams = bigrams
        doc_terms = [self.terms(t) for t in texts]
        lengths = np.array([len(t) for t in doc_terms], dtype=np.float64)
        avg_len = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0

        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        vocabulary: set[str] = set()
        for doc_index, (text, terms) in enumerate(zip(texts, doc_terms)):
            for t, tf in Counter(terms).items():
                postings[t].append((doc_index, tf))
            vocabulary.update(tokens(text))

        # Precomputed BM25 contribution of each (term, doc): a query is a sum of these.
        terms = list(postings)
        self._starts = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(postings[t]) for t in terms], out=self._starts[1:])
        total = int(self._starts[-1])
        self._docs = np.fromiter((d for t in terms for d, _ in postings[t]), dtype=np.int32, count=total)
        tfs = np.fromiter((tf for t in terms for _, tf in postings[t]), dtype=np.float64, count=total)
        idf = np.repeat(np.array([self._idf(len(postings[t])) for t in terms], dtype=np.float64), np.diff(self._starts))
        norm = k1 * (1.0 - b + b * lengths[self._docs] / avg_len)
        self._scores = idf * tfs * (k1 + 1.0) / (tfs + norm)
        self._terms = StringIndex.build(StringList.build(terms))
        # Typo correction: symmetric-delete lookup of whole (folded) words.
        words = sorted(vocabulary)
        self._words = StringIndex.build(StringList.build(words))
        delete_map: dict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(words):
            if len(word) >= 5 and not word.isdigit():
                for key in dict.fromkeys([word, *sorted(_deletes(word))]):
                    delete_map[key].append(position)
        self._delete_words, self._delete_starts = ragged(list(delete_map.values()))
        self._deletes = StringIndex.build(StringList.build(delete_map))

    # --- flat arrays (vectorstore.snapshot_cache) -------------------------------------
    def to_arrays(self, name: str) -> tuple[dict, dict[str, np.ndarray]]:
        """(settings, arrays) that `from_arrays` turns back into this index; ids are not included."""
        meta = {"mode": self.mode, "prefix_length": self.prefix_length, "bigrams": self.bigrams, "size": self.size}
        arrays = {
            **self._terms.arrays(f"{name}.terms"),
            f"{name}.starts": self._starts,
            f"{name}.docs": self._docs,
            f"{name}.scores": self._scores,
            **self._words.arrays(f"{name}.words"),
            **self._deletes.arrays(f"{name}.deletes"),
            f"{name}.delete_words": self._delete_words,
            f"{name}.delete_starts": self._delete_starts,
        }
        return meta, arrays

    @classmethod
    def from_arrays(cls, meta: dict, arrays: dict[str, np.ndarray], name: str, ids: Sequence[str]) -> "LexicalIndex":
        index = cls.__new__(cls)
        index.ids = ids
        index.mode = meta["mode"]
        index.prefix_length = int(meta["prefix_length"])
        index.bigrams = bool(meta["bigrams"])
        index.size = int(meta["size"])
        index._terms = StringIndex.from_arrays(arrays, f"{name}.terms")
        index._starts = arrays[f"{name}.starts"]
        index._docs = arrays[f"{name}.docs"]
        index._scores = arrays[f"{name}.scores"]
        index._words = StringIndex.from_arrays(arrays, f"{name}.words")
        index._deletes = StringIndex.from_arrays(arrays, f"{name}.deletes")
        index._delete_words = arrays[f"{name}.delete_words"]
        index._delete_starts = arrays[f"{name}.delete_starts"]
        terms = len(index._terms)
        if (
            len(ids) != index.size
            or len(index._starts) != terms + 1
            or int(index._starts[-1]) != len(index._docs)
            or len(index._scores) != len(index._docs)
            or (len(index._docs) and int(index._docs.max()) >= index.size)
            or len(index._delete_starts) != len(index._deletes) + 1
            or int(index._delete_starts[-1]) != len(index._delete_words)
        ):
            raise ValueError("lexical index arrays do not fit together")
        return index

    # --- terms ---------------------------------------------------------------
    def _idf(self, df: int) -> float:
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def _posting(self, t: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(chunk positions, BM25 contributions) of a term, None when no chunk has it."""
        position = self._terms.find(t)
        if position < 0:
            return None
        start, end = self._starts[position : position + 2].tolist()
        return self._docs[start:end], self._scores[start:end]

    def has_term(self, t: str) -> bool:
        return self._terms.find(t) >= 0

    def has_word(self, word: str) -> bool:
        """True when the course uses this (folded) word."""
        return self._words.find(word) >= 0

    def term_of(self, token: str) -> str:
        return term(token, self.mode, self.prefix_length)

    def terms(self, text: str) -> list[str]:
        """Index terms of a text, plus adjacent pairs ("ekran karti") when enabled."""
        unigrams = index_terms(text, mode=self.mode, prefix_length=self.prefix_length)
        if not self.bigrams:
            return unigrams
        return unigrams + bigram_terms(unigrams)

    def _words_with_delete(self, key: str) -> set[str]:
        position = self._deletes.find(key)
        if position < 0:
            return set()
        start, end = self._delete_starts[position : position + 2].tolist()
        return {self._words.strings[int(w)] for w in self._delete_words[start:end]}

    def corrections(self, token: str) -> list[str]:
        """Corpus words one edit (insert, delete, substitute, adjacent swap) away."""
        if len(token) < 5 or token.isdigit() or self.has_word(token):
            return []
        candidates: set[str] = self._words_with_delete(token)
        for deleted in _deletes(token):
            candidates |= self._words_with_delete(deleted)
            if self.has_word(deleted):
                candidates.add(deleted)
        return sorted(c for c in candidates if c != token and _within_one_edit(token, c))

    def max_score(self, t: str) -> float:
        """Best score the term reaches in any chunk; unseen terms get a full idf."""
        posting = self._posting(t)
        return float(posting[1].max()) if posting is not None else self._idf(0)

    # --- scoring --------------------------------------------------------------
    def scores(self, query_terms: Iterable[QueryTerm]) -> np.ndarray:
        """BM25 score of every chunk (array aligned with `ids`)."""
        # A term shared by several concepts (e.g. a synonym of two typed words)
        # counts once, at its highest weight.
        weights: dict[str, float] = {}
        for qt in query_terms:
            weights[qt.term] = max(weights.get(qt.term, 0.0), qt.weight)
        total = np.zeros(self.size, dtype=np.float64)
        for t, weight in weights.items():
            posting = self._posting(t)
            if posting is not None:
                docs, scores = posting
                total[docs] += weight * scores
        return total

    def coverage(self, query_terms: Sequence[QueryTerm]) -> np.ndarray:
        """Per chunk, the idf-weighted share of the query's concepts it covers (0..1).

        A concept (one typed word) is covered by the presence of its best
        alternative, counted at that alternative's weight (capped at 1): the
        typed word fully, a glossary synonym or typo correction partly. Presence,
        not BM25: a BM25 share relative to the best chunk penalized long chunks
        and chunks naming a concept once (all three splits: MRR@5 +0.01-0.03).
        Unseen words keep their full weight, so questions about things the
        course never mentions score low.
        """
        concepts: dict[str, list[QueryTerm]] = defaultdict(list)
        for qt in query_terms:
            if qt.concept:  # phrase (bigram) terms are not concepts of their own
                concepts[qt.concept].append(qt)
        if not concepts or self.size == 0:
            return np.zeros(self.size, dtype=np.float64)
        covered = np.zeros(self.size, dtype=np.float64)
        total_weight = 0.0
        for concept, alternatives in concepts.items():
            posting = self._posting(concept)
            weight = self._idf(len(posting[0]) if posting is not None else 0)
            total_weight += weight
            best = np.zeros(self.size, dtype=np.float64)
            for qt in alternatives:
                posting = self._posting(qt.term)
                if posting is None:
                    continue
                docs = posting[0]
                best[docs] = np.maximum(best[docs], min(qt.weight, 1.0))
            covered += weight * best
        return covered / total_weight if total_weight > 0 else covered


def bigram_terms(unigrams: Sequence[str]) -> list[str]:
    """Adjacent term pairs: reward chunks that keep the student's words together."""
    return [f"{a} {b}" for a, b in zip(unigrams, unigrams[1:])]


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (adjacent swap counts as one)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    # b is one longer: deleting one char of b gives a.
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def build_query(
    index: LexicalIndex,
    query: str,
    expansions: Sequence[tuple[Sequence[str], Sequence[str]]] = (),
    *,
    expansion_weight: float = 0.5,
    typo_weight: float = 0.7,
    bigram_weight: float = 0.5,
    neighbors: Sequence[tuple[str, str, float]] = (),
    neighbor_weight: float = 0.5,
) -> list[QueryTerm]:
    """Weighted terms of a student question.

    - every typed word (stopwords dropped) with weight 1;
    - a word the course never uses gets the corpus words one edit away
      ("Falkon" -> "falcon") with `typo_weight`;
    - `expansions`: (matched phrase, added phrases) pairs from the glossary;
      added terms get `expansion_weight` and count as alternatives of the
      matched words for the coverage signal;
    - `neighbors`: (typed word, course word, similarity) from word embeddings
      ("ufak" -> "küçük"); the course word gets `neighbor_weight * similarity`
      as an alternative of the typed word.
    """
    weights: dict[tuple[str, str], float] = {}

    def add(t: str, w: float, concept: str) -> None:
        key = (t, concept)
        weights[key] = max(weights.get(key, 0.0), w)

    typed: list[str] = []
    for token in tokens(query):
        if token in STOPWORDS:
            continue
        concept = index.term_of(token)
        typed.append(concept)
        add(concept, 1.0, concept)
        if not index.has_term(concept):
            for fixed in index.corrections(token):
                add(index.term_of(fixed), typo_weight, concept)
    for matched, added in expansions:
        matched_terms = [t for phrase in matched for t in index.terms(phrase)] or []
        added_terms = [t for phrase in added for t in index.terms(phrase)]
        for concept in dict.fromkeys(matched_terms):
            for t in dict.fromkeys(added_terms):
                add(t, expansion_weight, concept)
    for word, neighbor, similarity in neighbors:
        concept = index.term_of(word)
        t = index.term_of(neighbor)
        if t != concept:
            add(t, neighbor_weight * similarity, concept)
    if index.bigrams and bigram_weight > 0:
        for pair in bigram_terms(typed):
            add(pair, bigram_weight, "")
    return [QueryTerm(term=t, weight=w, concept=c) for (t, c), w in weights.items()]
