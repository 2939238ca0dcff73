"""Saved conversations (ders_asistani.conversations) on SQLite and on a real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from chains.context import Turn
from ders_asistani.conversations import (
    ConversationOwnedByOther,
    ConversationRow,
    ConversationStore,
    title_from,
)

ALICE, BOB = "alice-student-id-0001", "bob-student-id-00002"


def _messages(question: str, answer: str = "Cevap [1].") -> list[dict]:
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "id": "m1", "question": question, "content": answer,
         "sources": [{"n": 1, "source": "a.md", "section": "Giriş", "page": None, "slide": None, "text": "ğüşiöç"}],
         "tools": [{"name": "vram_hesapla", "inputs": {"model": "x"}, "result": {"fits": True, "total_gb": 5.9},
                    "error": False}],
         "notices": ["Yedek model kullanıldı."], "mode": "groq", "model": "openai/gpt-oss-20b", "rated": 1},
    ]


@pytest.fixture
def store(app_database_url):
    value = ConversationStore(app_database_url)
    yield value
    value.dispose()


def test_save_and_restore_messages_and_memory(store) -> None:
    turns = [Turn("LoRA nedir?", "LoRA düşük ranklı [1].", "vram_hesapla(x) -> 5,9 GB")]
    store.save("conv-aaaaaaaaaaaaaaaa", ALICE, _messages("LoRA nedir?"), turns, {"model": "llama-3.1-8b"})
    restored = store.get("conv-aaaaaaaaaaaaaaaa", ALICE)
    assert restored is not None
    assert restored.title == "LoRA nedir?"
    assert restored.messages == _messages("LoRA nedir?")  # Turkish letters, nested tool results, feedback
    assert restored.turns == [{"question": "LoRA nedir?", "answer": "LoRA düşük ranklı [1].",
                               "tool_note": "vram_hesapla(x) -> 5,9 GB"}]
    assert restored.hardware == {"model": "llama-3.1-8b"}
    assert restored.created_at.tzinfo is not None

    # A later save without turns keeps the memory; the title stays the first question.
    store.save("conv-aaaaaaaaaaaaaaaa", ALICE, _messages("LoRA nedir?") + _messages("Peki QLoRA?"))
    again = store.get("conv-aaaaaaaaaaaaaaaa", ALICE)
    assert again.title == "LoRA nedir?" and len(again.messages) == 4 and again.turns == restored.turns


def test_students_never_see_each_others_conversations(store) -> None:
    store.save("conv-alice-000000001", ALICE, _messages("Alice'in sorusu"))
    store.save("conv-bob-00000000001", BOB, _messages("Bob'un sorusu"))
    assert [c.title for c in store.list_for(ALICE)] == ["Alice'in sorusu"]
    assert [c.title for c in store.list_for(BOB)] == ["Bob'un sorusu"]
    assert store.get("conv-alice-000000001", BOB) is None
    with pytest.raises(ConversationOwnedByOther):
        store.save("conv-alice-000000001", BOB, _messages("üzerine yazma"))
    assert not store.rename("conv-alice-000000001", BOB, "ele geçirildi")
    assert not store.delete("conv-alice-000000001", BOB)
    assert store.get("conv-alice-000000001", ALICE).messages[0]["content"] == "Alice'in sorusu"
    assert store.owner("conv-alice-000000001") == ALICE


def test_list_is_newest_first_rename_and_delete(store) -> None:
    for index in range(3):
        store.save(f"conv-order-00000000{index}", ALICE, _messages(f"Soru {index}"))
    store.save("conv-order-000000000", ALICE, _messages("Soru 0") * 2)  # updated last
    assert [c.title for c in store.list_for(ALICE)] == ["Soru 0", "Soru 2", "Soru 1"]
    assert store.rename("conv-order-000000001", ALICE, "  Benim   başlığım ")
    assert store.get("conv-order-000000001", ALICE).title == "Benim başlığım"
    assert not store.rename("conv-order-000000001", ALICE, "   ")  # an empty title is refused
    assert store.delete("conv-order-000000002", ALICE)
    assert store.get("conv-order-000000002", ALICE) is None
    assert store.owner("conv-order-000000002") is None  # really gone from the database
    assert [c.id for c in store.list_for(ALICE)] == ["conv-order-000000000", "conv-order-000000001"]


def test_retention_removes_only_old_conversations(store, app_database_url) -> None:
    store.save("conv-old-00000000001", ALICE, _messages("Eski"))
    store.save("conv-new-00000000001", ALICE, _messages("Yeni"))
    with Session(store.engine) as session:
        session.execute(update(ConversationRow).where(ConversationRow.id == "conv-old-00000000001")
                        .values(updated_at=datetime.now(UTC) - timedelta(days=40)))
        session.commit()
    assert store.purge_older_than(0) == 0  # 0 keeps everything
    # A store created with a retention cleans up on its first use (app start).
    fresh = ConversationStore(app_database_url, retention_days=30)
    try:
        assert [c.title for c in fresh.list_for(ALICE)] == ["Yeni"]
    finally:
        fresh.dispose()


def test_titles_are_one_short_line() -> None:
    assert title_from("  Llama\n3.1  8B nedir? ") == "Llama 3.1 8B nedir?"
    long = title_from("kelime " * 40)
    assert len(long) <= 80 and long.endswith("…")
    assert title_from("   ") == "Yeni sohbet"


def test_setting_is_read_from_the_environment(settings_factory, monkeypatch) -> None:
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    assert settings_factory().conversation_retention_days == 7
