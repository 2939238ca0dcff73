"""End to end in a real browser: Debian chromium driven by playwright, the app offline.

Screenshots go to test-artifacts/browser/. If chromium is missing the test fails
(CI installs it in .ci/run), it is not skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import REPO, AppServer, ask_in_browser, launch_chromium, offline_env, prepare_course

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    knowledge, storage = prepare_course(tmp_path_factory.mktemp("browser"))
    with AppServer(offline_env(knowledge, storage)) as app:
        yield app


def test_ask_a_question_then_open_the_calculator(server) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="tr-TR")
            page.goto(server.url, wait_until="domcontentloaded")
            expect(page.get_by_text("Çevrimdışı").first).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "01-sohbet-bos.png"))

            ask_in_browser(page, "Küçük dil modellerinin zayıf yönleri nelerdir?", timeout_ms=90_000)
            answer = page.get_by_test_id("stChatMessage").last
            expect(answer).to_contain_text("[1]")
            expect(answer).not_to_contain_text("ders belgelerinde yok")
            sources = page.get_by_test_id("stExpander").filter(has_text="Kaynaklar").last
            sources.click()
            expect(sources).to_contain_text(".md")
            page.screenshot(path=str(ARTIFACTS / "02-sohbet-cevap.png"), full_page=True)

            page.get_by_test_id("stSidebarNavLink").filter(has_text="VRAM Hesaplayıcı").click()
            chart = page.get_by_test_id("stVegaLiteChart").first
            expect(chart).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stMetric").first).to_contain_text("Toplam VRAM")
            page.screenshot(path=str(ARTIFACTS / "03-vram-hesaplayici.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "03-vram-hesaplayici.png").stat().st_size > 10_000
