"""Two app replicas over one `chroma run` server and one Postgres, as a class behind a load balancer.

Each replica is its own process (tests/replica_driver.py: what one Streamlit
server holds, one knowledge base and one app database for its whole life) with
its own STORAGE_DIR, as on two machines; they share only CHROMA_HOST/CHROMA_PORT
and DATABASE_URL, which is all the README's "Birden çok sunucu" section asks for.
The index bookkeeping (record manager, documents table, ingest lock) is in the
shared Postgres too: one replica lists and skips what another indexed, and two
replicas' ingests wait for each other. A third process is the real
`ders-asistani` CLI. The second test makes replica A a
real `streamlit run app.py` used in chromium (like tests/test_browser.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_chroma_server import CHROMA, free_port, wait_until_up

REPO_ROOT = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "replica_driver.py"
CLI = REPO_ROOT / ".venv" / "bin" / "ders-asistani"

pytestmark = pytest.mark.slow

NEW_FILE = "zeytin-hasadi-modeli.md"
NEW_TEXT = """# Zeytin Hasadı Tahmin Modeli

Bu ek derste, zeytin hasadı tahmini için küçük bir dil modelinin nasıl ince ayar yapıldığı anlatılır.
Zeytinlik kayıtlarından oluşan veri kümesi Ayvalık ve Edremit bahçelerinden toplanmıştır.
Zeytin hasadı tahmin modeli, 1 milyar parametreli bir modelin LoRA ile uyarlanmasıdır.
"""
QUESTION = "Zeytin hasadı tahmin modeli hangi bahçelerin verisiyle eğitildi?"


@pytest.fixture
def chroma_port(tmp_path: Path):
    if not CHROMA.exists():
        pytest.skip(f"chroma komutu yok: {CHROMA}")
    port = free_port()
    log_path = tmp_path / "chroma.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            try:
                wait_until_up(port, proc)
            except RuntimeError as exc:
                pytest.skip(f"chroma run başlatılamadı: {exc}: {log_path.read_text(errors='replace')[-300:]}")
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


class Replica:
    """One app process, driven over stdin/stdout JSON lines."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.stderr = (cwd / "stderr.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=cwd, env=env, text=True, encoding="utf-8")
        hello = self._read()
        assert hello.get("ready"), hello

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.flush()
            log = Path(self.stderr.name).read_text(errors="replace")[-2000:]
            raise AssertionError(f"replica {self.name} exited ({self.proc.poll()}): {log}")
        return json.loads(line)

    def send(self, op: str, **args) -> None:
        self.proc.stdin.write(json.dumps({"op": op, **args}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()

    def receive(self) -> dict:
        answer = self._read()
        assert "error" not in answer, f"{self.name}: {answer}"
        return answer

    def __call__(self, op: str, **args) -> dict:
        self.send(op, **args)
        return self.receive()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.close()
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        self.stderr.close()


def _replica_env(base: Path, chroma_port: int, database_url: str, knowledge: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GROQ_", "OLLAMA_", "CHROMA_", "LLM_PROVIDER", "DATABASE_URL", "STORAGE_DIR"))}
    env.update({
        "PYTHONPATH": str(REPO_ROOT),
        "KNOWLEDGE_DIR": str(knowledge),
        "STORAGE_DIR": str(base / "storage"),  # private: replicas share nothing on disk
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_port),
        "DATABASE_URL": database_url,
        "LLM_PROVIDER": "offline",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    })
    return env


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(CLI), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _wait_for_lock_waiter(database_url: str, deadline_s: float = 120.0) -> None:
    """Until some session waits for an advisory lock in this database (the ingest lock)."""
    import psycopg

    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + deadline_s
    with psycopg.connect(plain, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
            ).fetchone()
            if row[0]:
                return
            time.sleep(0.1)
    raise AssertionError("no ingest waited for the shared ingest lock")


def test_two_replicas_share_the_index_and_the_app_database(tmp_path: Path, chroma_port: int, postgres_url: str):
    from postgres_support import fresh_database

    database_url = fresh_database(postgres_url)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    replicas: list[Replica] = []
    try:
        envs = {}
        for name in ("a", "b"):
            home = tmp_path / f"replica-{name}"
            home.mkdir()
            envs[name] = _replica_env(home, chroma_port, database_url, knowledge)
            replicas.append(Replica(name, envs[name], home))
        a, b = replicas

        # Replica A's instructor builds the index; replica B lists it and searches it, its retriever now warm.
        first = a("ingest")
        assert first["errors"] == [] and first["added"] == 5 and first["embedded"] > 0
        listed = json.loads(_cli(["documents", "--json"], envs["b"], tmp_path / "replica-b").stdout)
        assert len(listed) == 5 and sum(doc["chunks"] for doc in listed) == first["chunks"]
        for replica in (a, b):
            assert NEW_FILE not in replica("search", q=QUESTION)["sources"]

        # B's first ingest after A's re-embeds nothing: the record manager and file hashes are shared.
        second = b("ingest")
        assert (second["added"], second["updated"], second["deleted"], second["skipped"]) == (0, 0, 0, 5)
        assert second["embedded"] == 0 and second["chunks"] == first["chunks"]

        # Ingests are serialized across replicas: while A's (held) ingest runs, B's is refused
        # with the Turkish busy message, or waits for it ...
        a("hold_lock")
        busy = b("ingest", lock_timeout=0.5)
        assert "Başka bir indeksleme şu anda sürüyor" in busy["busy"]
        (knowledge / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
        b.send("ingest", lock_timeout=300)
        _wait_for_lock_waiter(database_url)
        a("release_lock")
        again = b.receive()
        assert (again["added"], again["updated"], again["deleted"], again["errors"]) == (1, 0, 0, [])
        # ... and replica A's long-lived search sees B's re-index, without a restart.
        after_a = a("search", q=QUESTION)
        assert after_a["sources"][0] == NEW_FILE and "Ayvalık" in after_a["texts"][0]
        # A's next ingest finds it all done; the chunk count is the old one plus the new file's.
        third = a("ingest")
        assert (third["added"], third["updated"], third["skipped"], third["embedded"]) == (0, 0, 6, 0)
        listed = {doc["source"]: doc for doc in
                  json.loads(_cli(["documents", "--json"], envs["a"], tmp_path / "replica-a").stdout)}
        assert len(listed) == 6
        assert third["chunks"] == again["chunks"] == first["chunks"] + listed[NEW_FILE]["chunks"]
        after = b("search", q=QUESTION)
        assert after["sources"][0] == NEW_FILE and "Ayvalık" in after["texts"][0]

        # The real CLI, a third process with its own storage, sees it too.
        cli_home = tmp_path / "cli"
        cli_home.mkdir()
        env = _replica_env(cli_home, chroma_port, database_url, knowledge)
        result = _cli(["search", QUESTION, "--k", "3", "--json"], env, cli_home)
        assert json.loads(result.stdout)["results"][0]["source"] == NEW_FILE

        # Feedback given on replica A is in replica B's instructor view, and the other way round.
        a("feedback", message_id="m-1", question="Zeytin modeli kaç parametreli?", answer="Bilmiyorum.",
          rating=0, comment="Cevap eksik")
        b("unanswered", question="Futbol maçı kaç kaç bitti?")
        for replica in (a, b):
            gaps = {gap["question"]: gap for gap in replica("gaps")["gaps"]}
            assert gaps["Zeytin modeli kaç parametreli?"]["comments"] == ["Cevap eksik"]
            assert gaps["Futbol maçı kaç kaç bitti?"]["kinds"] == ["cevapsız"]
            assert replica("counts") == {"up": 0, "down": 1}

        # The class Groq key's budget is shared by the replicas (governor, class-serving issue):
        # with 2 requests a minute, two students' turns on A use the minute up; B's governor, built
        # from its own process over the same Postgres, sees the spent budget and queues a third student.
        class_key = "gsk_class_key_shared_by_replicas"
        fresh = b("governor_snapshot", key=class_key, rpm=2)
        assert fresh["buckets"]["rpm"] == {"limit": 2.0, "remaining": 2.0}
        spent = [a("governor_turn", key=class_key, student=f"ogrenci-{n}", prompt_tokens=1000, rpm=2)
                 for n in (1, 2)]
        assert [turn["status"] for turn in spent] == ["admitted", "admitted"]
        assert all(turn["charged"] == 1100 for turn in spent)
        seen = b("governor_snapshot", key=class_key, rpm=2)
        assert seen["key_id"] == spent[0]["key_id"] == fresh["key_id"] and class_key not in seen["key_id"]
        assert seen["buckets"]["rpm"]["remaining"] < 1  # refills 2/60 per second: still under one request
        assert seen["buckets"]["tpm"]["remaining"] <= 8000 - 2 * 1100 + 200  # A's 2,200 tokens, minus a little refill
        queued = b("governor_turn", key=class_key, student="ogrenci-3", prompt_tokens=1000, rpm=2)
        assert (queued["status"], queued["limit"], queued["charged"]) == ("waiting", "rpm", 0)
        assert 0 < queued["eta_s"] <= 30
        # Another key is another budget: B admits its turn at once.
        other = b("governor_turn", key="gsk_another_key", student="ogrenci-3", prompt_tokens=1000, rpm=2)
        assert other["status"] == "admitted" and other["key_id"] != seen["key_id"]
    finally:
        for replica in replicas:
            replica.close()


@pytest.mark.browser
def test_a_streamlit_replica_sees_the_other_replicas_reindex_and_shares_feedback(
    tmp_path: Path, chroma_port: int, postgres_url: str
):
    """Replica A is a real `streamlit run app.py` used in chromium; replica B is the instructor's process."""
    from app_support import AppServer, ask_in_browser, launch_chromium, offline_env
    from playwright.sync_api import expect, sync_playwright
    from postgres_support import fresh_database

    database_url = fresh_database(postgres_url)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    shared = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_port), "DATABASE_URL": database_url}
    home_b = tmp_path / "replica-b"
    home_b.mkdir()
    b = Replica("b", _replica_env(home_b, chroma_port, database_url, knowledge), home_b)
    try:
        assert b("ingest")["added"] == 5
        with AppServer(offline_env(knowledge, tmp_path / "replica-a" / "storage", **shared)) as app, \
                sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="tr-TR")
                page.goto(app.url, wait_until="domcontentloaded")
                # A first question: replica A's search is now built over the old index.
                ask_in_browser(page, "Küçük dil modellerinin zayıf yönleri nelerdir?", timeout_ms=180_000)

                (knowledge / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
                assert b("ingest")["added"] == 1  # the instructor re-indexes on replica B

                ask_in_browser(page, QUESTION, timeout_ms=180_000)
                answer = page.get_by_test_id("stChatMessage").last
                expect(answer).to_contain_text("Ayvalık", timeout=30_000)
                sources = page.get_by_test_id("stExpander").filter(has_text="Kaynaklar").last
                sources.click()
                expect(sources).to_contain_text(NEW_FILE)

                # A thumbs-down on replica A reaches replica B's instructor view.
                page.get_by_test_id("stFeedbackButton").and_(page.get_by_label("Thumbs down")).last.click()
                expect(page.get_by_text("geri bildiriminiz kaydedildi").last).to_be_visible(timeout=30_000)
            except Exception:
                page.screenshot(path=str(tmp_path / "replica-a.png"), full_page=True)
                print(page.inner_text("body")[-3000:])
                raise
            finally:
                browser.close()
        gaps = {gap["question"]: gap for gap in b("gaps")["gaps"]}
        assert gaps[QUESTION]["kinds"] == ["beğenilmedi"]
        assert b("counts") == {"up": 0, "down": 1}
    finally:
        b.close()
