"""README screenshots of the three pages, taken from the real app in Debian chromium.

    .venv/bin/python bench/app_screenshots.py        # writes docs/screenshots/*.png

The app runs offline on a private, freshly indexed copy of the course; the chat shows a
calculator answer and a course quote with its sources panel open.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from app_support import AppServer, ask_in_browser, launch_chromium, offline_env, prepare_course  # noqa: E402

OUT = REPO / "docs" / "screenshots"
PASSWORD = "ekran-goruntusu"


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        knowledge, storage = prepare_course(Path(tmp))
        with AppServer(offline_env(knowledge, storage, ADMIN_PASSWORD=PASSWORD)) as server, sync_playwright() as pw:
            browser = launch_chromium(pw)
            # Taller for the chat, so both answers fit; the other pages are 1500 px.
            page = browser.new_page(viewport={"width": 1280, "height": 2000}, locale="tr-TR")

            page.goto(server.url)
            ask_in_browser(page, "Llama 3.1 8B modelini 4-bit ile RTX 3060 12 GB'ta çalıştırabilir miyim?", 90_000)
            # A course answer too: the quoted block, its citation and the sources panel it cites.
            ask_in_browser(page, "Küçük dil modellerinin avantajları neler?", 90_000)
            page.get_by_test_id("stChatMessage").last.get_by_test_id("stExpander").filter(
                has_text="Kaynaklar").locator("summary").click()
            page.wait_for_timeout(800)  # ask_in_browser waited for the caption; the panel opens
            page.screenshot(path=str(OUT / "sohbet.png"))
            page.set_viewport_size({"width": 1280, "height": 1500})

            page.get_by_test_id("stSidebarNavLink").filter(has_text="VRAM Hesaplayıcı").click()
            expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1000)  # the chart animates in
            page.screenshot(path=str(OUT / "vram-hesaplayici.png"))

            page.get_by_test_id("stSidebarNavLink").filter(has_text="Bilgi Tabanı").click()
            page.get_by_label("Eğitmen parolası").fill(PASSWORD)
            page.get_by_role("button", name="Giriş").click()
            expect(page.get_by_text("Yeniden dizinle").first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(OUT / "bilgi-tabani.png"))
            browser.close()
    for name in ("sohbet.png", "vram-hesaplayici.png", "bilgi-tabani.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
