"""Embedding models: the default USE, the sentence-transformers path, one collection per model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ders_asistani.settings import Settings
from vectorstore.embeddings import MINILM_MODEL_ID, USE_MODEL_ID, get_embeddings
from vectorstore.knowledge_base import KnowledgeBase
from vectorstore.store import collection_name_for

REPO_ROOT = Path(__file__).resolve().parent.parent


def cosine(a: list[float], b: list[float]) -> float:
    va, vb = np.asarray(a), np.asarray(b)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_get_embeddings_is_shared_per_model() -> None:
    settings = Settings(_env_file=None)
    assert get_embeddings(settings) is get_embeddings(USE_MODEL_ID)
    assert get_embeddings(USE_MODEL_ID).model_id == USE_MODEL_ID


def test_use_embeds_turkish_meaningfully() -> None:
    emb = get_embeddings(USE_MODEL_ID)
    vectors = emb.embed_documents(["Ekran kartının belleği yetmiyor", "GPU VRAM kapasitesi yetersiz", "Bugün hava çok güzel"])
    assert len(vectors) == 3 and len(vectors[0]) == 512
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    query = emb.embed_query("GPU belleği")
    assert len(query) == 512


def test_collection_names_are_chroma_legal_and_distinct() -> None:
    import re

    names = {
        model: collection_name_for(model)
        for model in [USE_MODEL_ID, MINILM_MODEL_ID, "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", "/opt/models/benim modelim", "x"]
    }
    assert len(set(names.values())) == len(names)
    for name in names.values():
        assert 3 <= len(name) <= 512
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]", name)
        assert ".." not in name


@pytest.mark.slow
def test_sentence_transformers_model_gets_its_own_collection(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(REPO_ROOT / "knowledge" / "llm-nedir-fine-tune.md", knowledge)
    storage = tmp_path / "storage"

    use_kb = KnowledgeBase(Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=storage))
    use_report = use_kb.ingest()

    minilm_kb = KnowledgeBase(
        Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=storage, embedding_model=MINILM_MODEL_ID)
    )
    emb = minilm_kb.embeddings
    assert emb.model_id == MINILM_MODEL_ID
    report = minilm_kb.ingest()
    # A model change never mixes vectors: a separate, fully indexed collection.
    assert report.added == 1 and report.chunks == use_report.chunks
    assert emb.dimension == 384
    assert minilm_kb.store.collection_name != use_kb.store.collection_name
    assert use_kb.store.count() == use_report.chunks
    hits = minilm_kb.store.dense_query(emb.embed_query("fine-tuning a language model"), 2)
    assert len(hits) == 2 and all(-1 <= s <= 1 for _, s in hits)
    # Each model keeps its own document table too.
    assert [d.source for d in minilm_kb.documents()] == ["llm-nedir-fine-tune.md"]
    assert minilm_kb.ingest().skipped == 1
    use_kb.close()
    minilm_kb.close()
