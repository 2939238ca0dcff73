"""A class on one course server, in a real browser: two students on the class key, one on their own.

One `streamlit run app.py` on the Groq stub (GROQ_API_KEY = the class key,
GROQ_BASE_URL = the stub), three chromium contexts = three students. A and B
ask on the class key; C pastes their own key in "Kendi Groq anahtarım" and asks.
The stub records the key of every request, so the test sees whose key paid for
which turn. GROQ_LIMIT_RPM=2 makes B's second turn wait in the governor's queue
("Sıranız: ...") until the minute's requests refill, then get answered.

Screenshots go to test-artifacts/browser/ (class-*.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import REPO, AppServer, launch_chromium, offline_env, prepare_course
from groq_stub import GroqStub, RecordedRequest, text

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts" / "browser"

CLASS_KEY = "gsk_class_key_of_the_instructor_0001"
OWN_KEY = "gsk_own_key_of_student_c_7Q9xZt2Lw"
# Each student's question and the marker the stub puts in its answer.
QUESTIONS = {
    "A": ("Küçük dil modellerinin zayıf yönleri nelerdir?", "CEVAP-A-1"),
    "B": ("LoRA ince ayarı nasıl çalışır?", "CEVAP-B-1"),
    "B2": ("Peki QLoRA bundan nasıl farklı?", "CEVAP-B-2"),
    "C": ("Kuantizasyon bellek kullanımını nasıl azaltır?", "CEVAP-C-1"),
}


def _last_user(request: RecordedRequest) -> str:
    users = [str(m.get("content") or "") for m in request.messages if m.get("role") == "user"]
    return users[-1] if users else ""


def _which(request: RecordedRequest) -> str | None:
    last = _last_user(request)
    for name, (question, _marker) in QUESTIONS.items():
        if question in last:
            return name
    return None


def _reply(request: RecordedRequest):
    name = _which(request)
    marker = QUESTIONS[name][1] if name else "CEVAP-?"
    return text(f"Stub cevabı {marker}: ders notlarına göre kısa bir açıklama [1].")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("class-browser")
    knowledge, storage = prepare_course(root)
    return root, knowledge, storage


def _chat_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="tr-TR")
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    return page


def _send(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")


def _wait_answer(page, marker: str, timeout_ms: int = 90_000) -> None:
    page.get_by_test_id("stChatMessage").filter(has_text=marker).first.wait_for(timeout=timeout_ms)


def test_two_students_on_the_class_key_one_on_their_own(course) -> None:
    from playwright.sync_api import expect, sync_playwright

    root, knowledge, storage = course
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with GroqStub(default=_reply) as stub:
        stub.valid_keys = {CLASS_KEY, OWN_KEY}
        env = offline_env(
            knowledge, storage, LLM_PROVIDER="groq", GROQ_API_KEY=CLASS_KEY, GROQ_BASE_URL=stub.base_url,
            GROQ_MAX_RETRIES="0", GROQ_LIMIT_RPM="2",
            # The plain stub's x-ratelimit-* headers say 1,000,000 requests a day and 10,000,000
            # tokens a minute; the same numbers here keep the governor from rescaling RPM by them.
            GROQ_LIMIT_RPD="1000000", GROQ_LIMIT_TPM="10000000",
        )
        server = AppServer(env)
        pages: dict[str, object] = {}
        with server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for name in ("A", "B", "C"):
                    pages[name] = _chat_page(browser, server.url)
                a, b, c = pages["A"], pages["B"], pages["C"]

                _send(a, QUESTIONS["A"][0])
                _wait_answer(a, QUESTIONS["A"][1])
                expect(a.get_by_text("sınıf anahtarı").first).to_be_visible(timeout=30_000)

                _send(b, QUESTIONS["B"][0])
                _wait_answer(b, QUESTIONS["B"][1])
                # Two requests a minute are spent (A, B): B's follow-up waits its turn, visibly.
                _send(b, QUESTIONS["B2"][0])
                expect(b.get_by_text("Sıranız:").first).to_be_visible(timeout=30_000)
                # While the turn waits, the banner still says whose key will answer.
                expect(b.get_by_test_id("stAlert").filter(has_text="Mod: Groq").first).to_contain_text("sınıf anahtarı")
                b.screenshot(path=str(ARTIFACTS / "class-ogrenci-b-sirada.png"), full_page=True)

                # Meanwhile C brings their own key (own keys do not touch the class budget).
                c.get_by_text("Kendi Groq anahtarım").first.click()
                c.get_by_label("Groq API anahtarı").fill(OWN_KEY)
                c.get_by_role("button", name="Anahtarı denetle ve kullan").click()
                expect(c.get_by_text("Kendi anahtarınız kullanılıyor.").first).to_be_visible(timeout=30_000)
                _send(c, QUESTIONS["C"][0])
                _wait_answer(c, QUESTIONS["C"][1])
                expect(c.get_by_text("kendi anahtarınız").first).to_be_visible(timeout=30_000)

                _wait_answer(b, QUESTIONS["B2"][1], timeout_ms=75_000)
                expect(b.get_by_text("sınıf anahtarı").first).to_be_visible(timeout=30_000)

                for name, page in pages.items():
                    page.screenshot(path=str(ARTIFACTS / f"class-ogrenci-{name.lower()}.png"), full_page=True)
                html = {name: page.content() for name, page in pages.items()}
                bodies = {name: page.inner_text("body") for name, page in pages.items()}
            except Exception:
                for name, page in pages.items():
                    page.screenshot(path=str(root / f"fail-{name}.png"), full_page=True)
                    print(name, page.inner_text("body")[-2000:])
                raise
            finally:
                browser.close()
        log = server.process.stdout.read().decode(errors="replace") if server.process.stdout else ""

    # Whose key paid for which turn.
    chats = stub.chat_requests()
    keys_by_student: dict[str, set[str | None]] = {}
    for request in chats:
        keys_by_student.setdefault(_which(request) or "?", set()).add(request.api_key)
    assert keys_by_student.get("A") == {CLASS_KEY}, keys_by_student
    assert keys_by_student.get("B") == {CLASS_KEY}, keys_by_student
    assert keys_by_student.get("B2") == {CLASS_KEY}, keys_by_student
    assert keys_by_student.get("C") == {OWN_KEY}, keys_by_student
    assert {r.api_key for r in chats if r.api_key == OWN_KEY and _which(r) != "C"} == set()
    # The key check (GET /models) is the only other use of C's key.
    assert {r.path for r in stub.requests if r.api_key == OWN_KEY and r not in chats} <= {"/openai/v1/models"}

    # Banners: the answer's key kind; the own key's banner only on C's page.
    assert "sınıf anahtarı" in bodies["A"] and "kendi anahtarınız" not in bodies["A"]
    assert "sınıf anahtarı" in bodies["B"] and "kendi anahtarınız" not in bodies["B"]
    assert "kendi anahtarınız" in bodies["C"]

    # C's key is nowhere: no page, no server log, no file the app wrote (database, WAL, caches).
    for name, page_html in html.items():
        assert OWN_KEY not in page_html, f"own key in {name}'s page"
    assert OWN_KEY not in log
    assert CLASS_KEY not in log
    written = [path for path in root.rglob("*") if path.is_file()]
    assert any(path.suffix in (".db", ".sqlite", ".sqlite3") for path in written), written
    for path in written:
        assert OWN_KEY.encode() not in path.read_bytes(), f"own key in {path}"

    # Each student sees only their own conversation.
    mine = {"A": ["A"], "B": ["B", "B2"], "C": ["C"]}
    for name, body in bodies.items():
        for other, (question, marker) in QUESTIONS.items():
            if other in mine[name]:
                assert question in body and marker in body, (name, other)
            else:
                assert question not in body and marker not in body, (name, other)
