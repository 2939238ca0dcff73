"""The index follows the folder, and searching is safe while it re-indexes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NEW_FILE = "ek-ders-notu.md"
NEW_TEXT = (
    "# Zümrüt Hızlandırıcı\n\n"
    "Zümrüt hızlandırıcı kartı, kuvars soğutmalı bir deneme donanımıdır ve "
    "yirmi yedi dakikada bir model derler. Laboratuvardaki adı Zümrüt-27'dir.\n"
)
QUESTION = "Zümrüt hızlandırıcı kaç dakikada model derler?"


def _has_new_content(response) -> bool:
    return any(p.source == NEW_FILE and "yirmi yedi dakikada" in p.text for p in response.passages)


def test_added_file_is_found_and_deleted_file_is_gone(course_copy: Path, settings_factory):
    from vectorstore.knowledge_base import KnowledgeBase

    kb = KnowledgeBase(settings_factory(knowledge_dir=course_copy))
    try:
        kb.ingest()
        retriever = kb.retriever()
        before = retriever.search(QUESTION)
        assert not _has_new_content(before)

        (course_copy / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
        kb.ingest()
        added = retriever.search(QUESTION)
        assert _has_new_content(added)
        assert added.passages[0].source == NEW_FILE
        assert added.coverage > before.coverage
        # ASCII typing finds it too.
        assert retriever.search("zumrut hizlandirici kac dakikada derler").passages[0].source == NEW_FILE

        (course_copy / NEW_FILE).unlink()
        kb.ingest()
        after = retriever.search(QUESTION)
        assert not _has_new_content(after)
        assert all(p.source != NEW_FILE for p in after.passages)
    finally:
        kb.close()


def test_searching_while_reindexing_never_fails(course_copy: Path, settings_factory):
    from vectorstore.knowledge_base import KnowledgeBase

    kb = KnowledgeBase(settings_factory(knowledge_dir=course_copy))
    try:
        kb.ingest()
        retriever = kb.retriever()
        retriever.warm_up()
        errors: list[BaseException] = []
        results: list[int] = []
        stop = threading.Event()

        def student() -> None:
            while not stop.is_set():
                try:
                    results.append(len(retriever.search("Groq API anahtarı nasıl alınır?", k=3).passages))
                except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=student) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            for round_no in range(3):
                (course_copy / f"ek-{round_no}.md").write_text(
                    f"# Ek {round_no}\n\nGroq API anahtarı için ek not {round_no}: panelden alınır.\n", encoding="utf-8"
                )
                kb.ingest()
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert not errors, errors
        assert results and all(n == 3 for n in results)
        # After the last ingest the lexical index reflects all new files.
        sources = {p.source for p in retriever.search("Groq API anahtarı için ek not 2", k=5).passages}
        assert "ek-2.md" in sources
    finally:
        kb.close()


def test_new_chunks_are_searchable_before_e5_vectors_exist(course_copy: Path, settings_factory):
    """Embedding new chunks with e5 runs in the background; BM25 + USE answer meanwhile."""
    from vectorstore.knowledge_base import KnowledgeBase

    kb = KnowledgeBase(settings_factory(knowledge_dir=course_copy))
    try:
        kb.ingest()
        retriever = kb.retriever()
        retriever.warm_up()
        assert retriever.second is not None
        assert retriever._current().second is not None  # complete after warm-up

        (course_copy / NEW_FILE).write_text(NEW_TEXT + "\nBenzersiz not: mavi safir.\n", encoding="utf-8")
        kb.ingest()
        response = retriever.search(QUESTION)  # may run before the e5 vectors exist
        assert _has_new_content(response)
        retriever.wait_until_complete(timeout=300)
        snapshot = retriever._current()
        assert snapshot.second is not None and snapshot.second.shape[0] == len(snapshot.chunks)
        assert _has_new_content(retriever.search(QUESTION))
    finally:
        kb.close()
