"""`ders-asistani search` JSON schemas and Turkish errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ders_asistani.cli import app

pytestmark = pytest.mark.slow

RESULT_KEYS = {"rank", "text", "source", "section", "score"}


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory):
    import shutil

    from conftest import COURSE_DIR

    root = tmp_path_factory.mktemp("search-cli")
    shutil.copytree(COURSE_DIR, root / "knowledge")
    env = {
        "KNOWLEDGE_DIR": str(root / "knowledge"),
        "STORAGE_DIR": str(root / "storage"),
        "CHROMA_HOST": "",
    }
    return root, env


def run(cli_env, *args: str):
    root, env = cli_env
    import os

    old = os.getcwd()
    os.chdir(root)  # no stray .env
    try:
        return CliRunner().invoke(app, list(args), env=env)
    finally:
        os.chdir(old)


def check_response(payload: dict, query: str, k: int) -> None:
    assert set(payload) == {"query", "results"}
    assert payload["query"] == query
    assert len(payload["results"]) == k
    for rank, row in enumerate(payload["results"], start=1):
        assert set(row) == RESULT_KEYS
        assert row["rank"] == rank
        assert isinstance(row["text"], str) and row["text"]
        assert isinstance(row["score"], float)
        assert not Path(row["source"]).is_absolute()


def test_search_json_schema_builds_index_when_empty(cli_env):
    result = run(cli_env, "search", "Türkçe içerik üretimi için hangi model?", "--k", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    check_response(payload, "Türkçe içerik üretimi için hangi model?", 3)
    assert payload["results"][0]["source"] == "kucuk-dil-modelleri-1-6gb.md"
    assert "ğ" in result.stdout  # UTF-8, not \\u escapes


def test_queries_file_returns_a_list_in_order(cli_env, tmp_path: Path):
    questions = ["SLM nedir?", "falcon modelini hangi kurum gelistirdi", "GPU ile CPU farkı"]
    path = tmp_path / "sorular.txt"
    path.write_text("\n".join(questions) + "\n\n", encoding="utf-8")
    result = run(cli_env, "search", "--queries-file", str(path), "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload, list) and [p["query"] for p in payload] == questions
    for item, question in zip(payload, questions):
        check_response(item, question, 2)


def test_human_output_is_turkish(cli_env):
    result = run(cli_env, "search", "Groq API anahtarı nasıl alınır?", "--k", "1")
    assert result.exit_code == 0, result.output
    assert "Soru:" in result.stdout and "langchain-groq-donanim.md" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["search"], "Bir soru yazın"),
        (["search", "   "], "boş olamaz"),
        (["search", "soru", "--queries-file", "x.txt"], "ikisi birden değil"),
        (["search", "--queries-file", "yok.txt"], "bulunamadı"),
    ],
)
def test_bad_input_gets_a_turkish_message(cli_env, args, message):
    result = run(cli_env, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_non_utf8_queries_file(cli_env, tmp_path: Path):
    path = tmp_path / "bozuk.txt"
    path.write_bytes("soru ğ".encode("utf-16"))
    result = run(cli_env, "search", "--queries-file", str(path))
    assert result.exit_code == 2 and "UTF-8" in result.stderr


@pytest.mark.parametrize("error_name", ["IngestBusyError", "StoreBusyError"])
def test_busy_index_gets_a_turkish_message(tmp_path: Path, monkeypatch, error_name):
    """An empty index that another process is building (or holds) is a message, not a traceback."""
    import os
    import shutil

    from conftest import COURSE_DIR
    from vectorstore import indexer, store
    from vectorstore.knowledge_base import KnowledgeBase

    error_type = getattr(indexer, error_name, None) or getattr(store, error_name)
    turkish = "Başka bir işlem dizini kullanıyor; bitince tekrar deneyin."

    def busy_ingest(self, *args, **kwargs):
        raise error_type(turkish)

    monkeypatch.setattr(KnowledgeBase, "ingest", busy_ingest)
    shutil.copytree(COURSE_DIR, tmp_path / "knowledge")
    env = {"KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "STORAGE_DIR": str(tmp_path / "storage"), "CHROMA_HOST": ""}
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(app, ["search", "SLM nedir?"], env=env)
    finally:
        os.chdir(old)
    assert result.exit_code == 2, result.output
    assert f"{turkish}\n" in result.stderr and "Hata: " in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
