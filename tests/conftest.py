"""Shared fixtures: every test gets its own knowledge and storage folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# No test may reach the internet or a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_DIR = REPO_ROOT / "knowledge"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A private copy of the course folder that a test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(COURSE_DIR, target)
    return target


@pytest.fixture
def settings_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Build Settings isolated from the developer's `.env` and environment."""
    from ders_asistani.settings import Settings

    monkeypatch.chdir(tmp_path)  # a stray .env in the repo must not leak in
    for key in list(os.environ):
        if key.lower() in Settings.model_fields:  # every knob, so a developer's shell never leaks in
            monkeypatch.delenv(key, raising=False)

    def make(**overrides):
        overrides.setdefault("knowledge_dir", tmp_path / "knowledge")
        overrides.setdefault("storage_dir", tmp_path / "storage")
        return Settings(_env_file=None, **overrides)

    return make


@pytest.fixture(scope="session")
def course_retriever(tmp_path_factory: pytest.TempPathFactory):
    """One real, read-only index of the course documents, shared by the retrieval tests."""
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    root = tmp_path_factory.mktemp("course-index")
    knowledge = root / "knowledge"
    shutil.copytree(COURSE_DIR, knowledge)
    settings = Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=root / "storage")
    kb = KnowledgeBase(settings)
    report = kb.ingest()
    assert report.chunks > 0 and not report.errors
    retriever = kb.retriever()
    retriever.warm_up()
    yield retriever
    kb.close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """Base SQLAlchemy URL of one throwaway Postgres cluster for the whole run (skips if none)."""
    from postgres_support import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgres"])
def app_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database: a SQLite file, then a fresh Postgres database.

    Tests of anything stored through `Settings.app_database_url` (feedback,
    conversations, usage ledger) take this fixture to run on both back ends.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'app.db'}"
    from postgres_support import fresh_database

    return fresh_database(request.getfixturevalue("postgres_url"))
