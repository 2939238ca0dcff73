"""Helpers shared by the AppTest files: isolated settings via env vars and a clean cache."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CHAT_PAGE = "pages/sohbet.py"
CALCULATOR_PAGE = "pages/vram_hesaplayici.py"
KNOWLEDGE_PAGE = "pages/bilgi_tabani.py"

def is_setting_env(name: str) -> bool:
    """True for an environment variable the app's Settings would read (every field, any case)."""
    from ders_asistani.settings import Settings

    return name.lower() in Settings.model_fields


def isolate_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, knowledge: Path, **env: str) -> Path:
    """Point the app at private folders and clear process-wide caches."""
    import streamlit as st

    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in list(os.environ):
        if is_setting_env(key):
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
    options: list[dict[str, Any]] = field(default_factory=list)  # student_id, offline per call

    def stream(self, question: str, thread_id: str, **options: Any):
        self.calls.append((question, thread_id))
        self.options.append(options)
        yield from self.events


def texts(at) -> str:
    """All markdown, captions and alerts on the page, for plain assertions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in ("info", "warning", "success", "error"):
        parts += [e.value for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


# --- a real server and a real browser (browser test, screenshots, bench) -----------------
import shutil as _shutil
import socket
import subprocess
import sys
import time
import urllib.request

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_env(knowledge: Path, storage: Path, **extra: str) -> dict[str, str]:
    """Environment for a server process: offline, private folders, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not is_setting_env(k)}
    env.update(
        KNOWLEDGE_DIR=str(knowledge), STORAGE_DIR=str(storage), LLM_PROVIDER="offline",
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    env.update(extra)
    return env


_WARM_UP = """
from ders_asistani.settings import load_settings
from vectorstore.knowledge_base import KnowledgeBase
kb = KnowledgeBase(load_settings())
warm = getattr(kb.retriever(), "warm_up", None)
if warm:
    warm()
kb.close()
"""


def prepare_course(root: Path, warm: bool = True) -> tuple[Path, Path]:
    """A copy of the course, indexed by a separate process that then exits (frees the store).

    `warm` also runs the retriever's warm-up there, so caches it keeps on disk
    (per-passage vectors) exist before the app starts, as after a first run.
    """
    knowledge, storage = root / "knowledge", root / "storage"
    if not knowledge.exists():
        _shutil.copytree(REPO / "knowledge", knowledge)
    env = offline_env(knowledge, storage)
    subprocess.run([sys.executable, "-m", "ders_asistani.cli", "ingest"], cwd=root,
                   env=env, check=True, capture_output=True, timeout=600)
    if warm:
        subprocess.run([sys.executable, "-c", _WARM_UP], cwd=root, env=env, check=True,
                       capture_output=True, timeout=600)
    return knowledge, storage


class AppServer:
    """`streamlit run app.py` on a free port; `url` once healthy; stopped on exit."""

    def __init__(self, env: dict[str, str], script: str = "app.py", cwd: Path = REPO) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.script, self.cwd = env, script, cwd
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.healthy_after = 0.0

    def __enter__(self) -> "AppServer":
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                raise RuntimeError(f"streamlit exited early:\n{output}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.read().strip() == b"ok":
                        self.healthy_after = time.perf_counter() - self.started_at
                        return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("streamlit did not become healthy within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def memory_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the server process, from /proc."""
        values = {}
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} bulunamadı: `apt-get install -y chromium` ile kurun (.ci/run bunu yapar)."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# The caption every finished answer gets (who answered, or offline): an answer that cites
# nothing (a calculator answer, a refusal) has no sources panel to wait for.
ANSWERED_CAPTION = re.compile(r"🤖 Cevaplayan|📴 Çevrimdışı cevap")


def ask_in_browser(page, question: str, timeout_ms: int = 60_000) -> None:
    """Type a question into the chat, send it, and wait until its answer is finished on screen."""
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=timeout_ms)
    captions = page.get_by_text(ANSWERED_CAPTION)
    before = captions.count()
    box.fill(question)
    box.press("Enter")
    expect(captions).to_have_count(before + 1, timeout=timeout_ms)
