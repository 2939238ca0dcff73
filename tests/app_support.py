"""Helpers shared by the AppTest files: isolated settings via env vars and a clean cache."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CHAT_PAGE = "pages/sohbet.py"
CALCULATOR_PAGE = "pages/vram_hesaplayici.py"
KNOWLEDGE_PAGE = "pages/bilgi_tabani.py"

_PREFIXES = ("GROQ_", "OLLAMA_", "CHROMA_", "LLM_PROVIDER", "ADMIN_PASSWORD", "DATABASE_URL",
             "KNOWLEDGE_DIR", "STORAGE_DIR", "RETRIEVAL_K")


def isolate_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, knowledge: Path, **env: str) -> Path:
    """Point the app at private folders and clear process-wide caches."""
    import streamlit as st

    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in list(os.environ):
        if key.startswith(_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    storage = tmp_path / "storage"
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("STORAGE_DIR", str(storage))
    monkeypatch.setenv("LLM_PROVIDER", "offline")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    st.cache_resource.clear()
    return storage


@dataclass
class Event:
    kind: str
    payload: Any = None


@dataclass
class FakeTutor:
    """Emits a scripted event sequence, like chains' Tutor.stream, and records calls."""

    events: list[Event]
    calls: list[tuple[str, str]] = field(default_factory=list)

    def stream(self, question: str, thread_id: str):
        self.calls.append((question, thread_id))
        yield from self.events


def texts(at) -> str:
    """All markdown, captions and alerts on the page, for plain assertions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in ("info", "warning", "success", "error"):
        parts += [e.value for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)
