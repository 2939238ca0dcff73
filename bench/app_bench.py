"""App performance: start-up, first answer, memory, and students chatting during a re-index.

    .venv/bin/python -m bench.app_bench            # all parts
    .venv/bin/python -m bench.app_bench --skip-browser-load

Measured with the real server (`streamlit run app.py`, offline mode, a freshly
indexed copy of the course) and Debian chromium driven by playwright:

1. start -> first page interactive: from spawning the server to the chat input
   being visible in the browser. Baselines in the same run: an empty Streamlit
   page (the floor), and an "eager" app that builds the knowledge base and the
   tutor at import time (what the lazy design avoids).
2. first offline answer: from pressing Enter to the answer with its sources.
3. resident memory of the server process (VmRSS now, VmHWM peak) from /proc.
4. concurrency, in one process like the server: N student threads ask while
   the instructor re-indexes (a changed and a new document); errors, and
   answers that do not belong to their own question/thread, are counted.
   Baseline: the same questions asked one by one with no ingest.
5. concurrency in the browser: several student tabs ask while another tab
   clicks "Yeniden dizinle"; error boxes and wrong answers are counted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from app_support import (  # noqa: E402
    AppServer,
    ask_in_browser,
    launch_chromium,
    offline_env,
    prepare_course,
)

QUESTIONS = [
    "Küçük dil modellerinin zayıf yönleri nelerdir?",
    "İnce ayar nedir?",
    "Mixtral'ın öne çıkan özellikleri neler?",
    "Llama 3.1 8B modelini 4-bit ile RTX 3060 12 GB'ta çalıştırabilir miyim?",
    "Açık kaynak modeller nelerdir?",
    "Groq nedir ve LangChain ile nasıl kullanılır?",
]

EMPTY_APP = """
import streamlit as st
st.title("Boş sayfa")
st.chat_input("Sorunuzu yazın…")
"""

EAGER_APP = """
import streamlit as st
from ders_asistani.settings import load_settings
from vectorstore.knowledge_base import KnowledgeBase
from chains.tutor import Tutor

settings = load_settings()
kb = KnowledgeBase(settings)
tutor = Tutor(settings, kb.retriever())
kb.retriever().search("ısınma")
st.title("Ders Asistanı (eager)")
st.chat_input("Sorunuzu yazın…")
"""


def time_to_interactive(browser, env: dict[str, str], script: str, cwd: Path) -> tuple[float, float, AppServer]:
    """Seconds from spawning the server to (health ok, chat input visible). Server left running."""
    server = AppServer(env, script=script, cwd=cwd).__enter__()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url, wait_until="commit")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=120_000)
    interactive = time.perf_counter() - server.started_at
    page.close()
    return server.healthy_after, interactive, server


def startup_and_answer(course_root: Path, knowledge: Path, storage: Path, rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    env = offline_env(knowledge, storage)
    empty = course_root / "empty_app.py"
    empty.write_text(EMPTY_APP, encoding="utf-8")
    eager = course_root / "eager_app.py"
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        results: dict[str, list[float]] = {"empty": [], "eager": [], "app": []}
        answers, memory = [], []
        try:
            eager.write_text(EAGER_APP, encoding="utf-8")
            for _ in range(rounds):
                for name, script in (("empty", str(empty)), ("eager", str(eager))):
                    # Same working folder as the app, so the same `.streamlit/config.toml` applies.
                    _health, ready, server = time_to_interactive(browser, env, script, REPO)
                    server.__exit__()
                    results[name].append(ready)
                health, ready, server = time_to_interactive(browser, env, "app.py", REPO)
                results["app"].append(ready)
                try:
                    page, seconds = open_chat_and_time_first_answer(browser, server, timeout_ms=120_000)
                    answers.append(seconds)
                    for question in QUESTIONS[1:4]:
                        ask_in_browser(page, question, timeout_ms=120_000)
                    memory.append(server.memory_kb())
                    page.close()
                finally:
                    server.__exit__()
        finally:
            browser.close()

    med = {name: statistics.median(values) for name, values in results.items()}
    print(f"\n== start -> first page interactive (median of {rounds}) ==")
    print(f"  empty Streamlit page (floor)  {med['empty']:.2f} s")
    print(f"  eager app (heavy at import)   {med['eager']:.2f} s")
    print(f"  Ders Asistanı app.py          {med['app']:.2f} s   (target < 3 s)")
    print(f"  ratio app/empty {med['app'] / med['empty']:.2f}x · app/eager {med['app'] / med['eager']:.2f}x")
    print("== first offline answer after the page is interactive ==")
    print(f"  {statistics.median(answers):.2f} s median, runs {[round(a, 2) for a in answers]}   (target < 5 s)")
    print("== server memory after 4 answers ==")
    for sample in memory:
        print(f"  VmRSS {sample['VmRSS'] / 1024:.0f} MB · VmHWM (peak) {sample['VmHWM'] / 1024:.0f} MB   (target < 1536 MB)")


def concurrency_in_process(knowledge: Path, storage: Path, students: int, per_student: int) -> None:
    from chains.tutor import Tutor
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    settings = Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=storage, llm_provider="offline")
    kb = KnowledgeBase(settings)
    tutor = Tutor(settings, kb.retriever())

    def top_sources(answer) -> tuple[str, ...]:
        return tuple(f"{p['source']}#{p['section']}" if isinstance(p, dict) else f"{p.source}#{p.section}" for p in answer.sources[:3])

    tutor.ask(QUESTIONS[0], thread_id="warm-up")  # load the models before timing anything
    started = time.perf_counter()
    before = {q: top_sources(tutor.ask(q, thread_id=f"seq-{i}")) for i, q in enumerate(QUESTIONS)}
    sequential_s = time.perf_counter() - started
    per_answer_seq = sequential_s / len(QUESTIONS)

    errors: list[str] = []
    mismatched: list[str] = []
    answers: list[tuple[str, str, bool, tuple[str, ...]]] = []
    by_thread_mixups: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    ingest_done = threading.Event()
    ingest_result: dict[str, object] = {}

    def student(n: int) -> None:
        thread_id = f"student-{n}"
        asked: list[str] = []
        i = 0
        # Keep asking until the re-index is over, so the chats overlap all of it.
        while i < per_student or not ingest_done.is_set():
            question = QUESTIONS[(n + i) % len(QUESTIONS)]
            i += 1
            t0 = time.perf_counter()
            try:
                answer = tutor.ask(question, thread_id=thread_id)
            except Exception as exc:  # the tutor promises never to raise
                with lock:
                    errors.append(f"{thread_id}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
                answers.append((thread_id, question, bool(answer.answer), top_sources(answer)))
            asked.append(question)
        history = [turn.question for turn in tutor.history(thread_id)]
        if history[-len(asked):] != asked[-len(history):]:
            with lock:
                by_thread_mixups.append(thread_id)
                mismatched.append(f"{thread_id}: history holds another thread's turns: {history}")

    def instructor() -> None:
        # A changed document and a new one, like an instructor's edit, then re-index.
        changed = knowledge / "llm-nedir-fine-tune.md"
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nEk not: bu bölüm güncellendi.\n",
                           encoding="utf-8")
        (knowledge / "yeni-konu.md").write_text(
            "# Kuantum hesaplama\n\nKübitler süperpozisyon kullanır. Bu belge benchmark için eklendi.\n",
            encoding="utf-8",
        )
        t0 = time.perf_counter()
        try:
            report = kb.ingest()
            ingest_result["report"] = report
        except Exception as exc:
            ingest_result["error"] = f"{type(exc).__name__}: {exc}"
        ingest_result["seconds"] = time.perf_counter() - t0
        ingest_done.set()

    threads = [threading.Thread(target=student, args=(n,)) for n in range(students)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    ingest_thread = threading.Thread(target=instructor)
    ingest_thread.start()
    for thread in [*threads, ingest_thread]:
        thread.join()
    wall = time.perf_counter() - started
    total = len(answers)
    # After the re-index some answers legitimately change (a document was edited and
    # one added). An answer is mixed up if it matches neither the index before nor after.
    after = {q: top_sources(tutor.ask(q, thread_id=f"after-{i}")) for i, q in enumerate(QUESTIONS)}
    changed = sum(before[q] != after[q] for q in QUESTIONS)
    by_question: dict[str, int] = {}
    empty = sum(not has_text for _t, _q, has_text, _s in answers)
    for thread_id, question, has_text, sources in answers:
        if sources not in (before[question], after[question]):
            by_question[question] = by_question.get(question, 0) + 1
            if by_question[question] == 1:
                mismatched.append(f"e.g. {thread_id}: {question!r}\n      before {before[question]}\n      "
                                  f"after  {after[question]}\n      got    {sources}")
    report = ingest_result.get("report")
    print(f"\n== concurrency in one process: {students} student threads ask during a re-index ==")
    print(f"  baseline, one by one, no ingest: {per_answer_seq * 1000:.0f} ms per answer")
    print(f"  concurrent: {total} answers in {wall:.1f} s, median {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms (ratio median/baseline {statistics.median(latencies) / per_answer_seq:.1f}x)")
    print(f"  re-index during the chats: {ingest_result.get('seconds', 0):.1f} s, "
          + (f"added {report.added}, updated {report.updated}, errors {len(report.errors)}" if report
             else f"FAILED {ingest_result.get('error')}"))
    print(f"  questions whose sources changed because of the re-index: {changed} of {len(QUESTIONS)}")
    print(f"  empty answers: {empty}")
    print(f"  errors: {len(errors)} · answers mixed up (sources matching neither the index before nor "
          f"after, or another thread's history): {sum(by_question.values())} {by_question}")
    print(f"  threads whose memory holds another thread's turns: {len(by_thread_mixups)}")
    for line in (errors + mismatched)[:10]:
        print(f"    {line}")
    kb.close()


def concurrency_in_browser(knowledge: Path, storage: Path, students: int) -> None:
    from playwright.sync_api import sync_playwright

    password = "bench"
    with AppServer(offline_env(knowledge, storage, ADMIN_PASSWORD=password)) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            admin = browser.new_page(viewport={"width": 1280, "height": 900})
            admin.goto(f"{server.url}/bilgi_tabani")
            admin.get_by_label("Eğitmen parolası").fill(password)
            admin.get_by_role("button", name="Giriş").click()
            admin.get_by_text("Sıfırdan dizinle").click()
            pages = [browser.new_page(viewport={"width": 1280, "height": 900}) for _ in range(students)]
            for page in pages:
                page.goto(server.url)
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
            t0 = time.perf_counter()
            admin.get_by_role("button", name="Yeniden dizinle").click()  # a full rebuild while students ask
            for n, page in enumerate(pages):
                box = page.get_by_test_id("stChatInputTextArea")
                box.fill(QUESTIONS[n % len(QUESTIONS)])
                box.press("Enter")
            problems = []
            for n, page in enumerate(pages):
                page.get_by_test_id("stExpander").filter(has_text="Kaynaklar").first.wait_for(timeout=180_000)
                user_text = page.get_by_test_id("stChatMessage").first.inner_text()
                if QUESTIONS[n % len(QUESTIONS)] not in user_text:
                    problems.append(f"tab {n} shows another question: {user_text[:80]!r}")
                if page.get_by_test_id("stAlertContentError").count() or page.get_by_test_id("stException").count():
                    problems.append(f"tab {n} shows an error box")
            answered = time.perf_counter() - t0
            admin.get_by_text("Son dizinleme:").wait_for(timeout=300_000)
            reindexed = time.perf_counter() - t0
            admin_errors = admin.get_by_test_id("stException").count()
            summary = admin.get_by_text("Son dizinleme:").inner_text()
        finally:
            browser.close()
        print(f"\n== concurrency in the browser: {students} student tabs ask while the instructor rebuilds ==")
        print(f"  all {students} answers with sources after {answered:.1f} s; rebuild finished after {reindexed:.1f} s")
        print(f"  instructor summary: {summary}")
        print(f"  problems: {len(problems) + admin_errors}")
        for line in problems:
            print(f"    {line}")
        print(f"  server memory: {server.memory_kb()}")


def open_chat_and_time_first_answer(browser, server, timeout_ms: int):
    """Open the chat in a new tab and time the first question until its answer shows."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    started = time.perf_counter()
    ask_in_browser(page, QUESTIONS[0], timeout_ms=timeout_ms)
    return page, time.perf_counter() - started


def cold_first_answer(root: Path) -> None:
    """First answer on a course indexed a moment ago with no caches from a previous run."""
    from playwright.sync_api import sync_playwright

    knowledge, storage = prepare_course(root, warm=False)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            _health, ready, server = time_to_interactive(browser, offline_env(knowledge, storage), "app.py", REPO)
            try:
                _page, answer = open_chat_and_time_first_answer(browser, server, timeout_ms=300_000)
                memory = server.memory_kb()
            finally:
                server.__exit__()
        finally:
            browser.close()
    print("\n== cold start: course just indexed, no retriever caches on disk yet ==")
    print(f"  page interactive {ready:.2f} s · first offline answer {answer:.2f} s · "
          f"VmRSS {memory['VmRSS'] / 1024:.0f} MB, VmHWM {memory['VmHWM'] / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--per-student", type=int, default=6)
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--skip-browser-load", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        knowledge, storage = prepare_course(root)
        if not args.skip_startup:
            startup_and_answer(root, knowledge, storage, args.rounds)
        if not args.skip_cold:
            cold_first_answer(root / "cold")
        if not args.skip_browser_load:
            concurrency_in_browser(knowledge, storage, args.students)
        if not args.skip_in_process:
            concurrency_in_process(knowledge, storage, args.students, args.per_student)


if __name__ == "__main__":
    main()
