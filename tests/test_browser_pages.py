"""Real chromium: a first visit to each page URL, the calculator's Turkish numbers, Turkish
texts in Streamlit's own widgets, and the sidebar on a 390 px screen.

Each first-visit case starts a fresh server: the bug it guards against (Streamlit's legacy
`pages/` mode showing the raw file list) only shows before any session has opened `/`.
Screenshots (1366 px and 390 px wide) go to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from app_support import REPO, AppServer, launch_chromium, offline_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts" / "browser"
NAV = ["Sohbet", "VRAM Hesaplayıcı", "Bilgi Tabanı"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    # No index needed for these pages; the course folder is only listed.
    return offline_env(REPO / "knowledge", tmp / "storage", **extra)


def _nav_labels(page) -> list[str]:
    links = page.get_by_test_id("stSidebarNavLink")
    links.first.wait_for(state="attached", timeout=30_000)
    return [re.sub(r"^\W+", "", text.strip()).strip() for text in links.all_inner_texts()]


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize(
    ("path", "title", "ready_text"),
    [("/vram_hesaplayici", "VRAM Hesaplayıcı", "Toplam VRAM"),
     ("/bilgi_tabani", "Bilgi Tabanı", "Eğitmen parolası")],
)
def test_first_visit_to_a_page_url_shows_the_real_navigation(tmp_path, path, title, ready_text) -> None:
    from playwright.sync_api import expect, sync_playwright

    with AppServer(_env(tmp_path, ADMIN_PASSWORD="p")) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport=DESKTOP, locale="tr-TR")
            page.goto(server.url + path, wait_until="domcontentloaded")  # the very first session
            expect(page.get_by_text(ready_text).first).to_be_visible(timeout=60_000)
            assert _nav_labels(page) == NAV
            expect(page).to_have_title(f"{title} · Ders Asistanı")
            assert "bilgi tabani" not in page.get_by_test_id("stSidebarNav").inner_text()
            slug = path.strip("/")
            _shot(page, f"ilk-ziyaret-{slug}-1366.png")

            phone = browser.new_page(viewport=PHONE, locale="tr-TR")
            phone.goto(server.url + path, wait_until="domcontentloaded")
            expect(phone.get_by_text(ready_text).first).to_be_visible(timeout=60_000)
            expect(phone).to_have_title(f"{title} · Ders Asistanı")
            _shot(phone, f"ilk-ziyaret-{slug}-390.png")
        finally:
            browser.close()


def test_calculator_numbers_are_turkish_and_the_gpu_line_is_drawn(tmp_path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with AppServer(_env(tmp_path)) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 1900}, locale="tr-TR")
            page.goto(server.url + "/vram_hesaplayici", wait_until="domcontentloaded")
            metrics = page.get_by_test_id("stMetric")
            expect(metrics.first).to_contain_text("5,9 GB", timeout=60_000)  # Llama 3.1 8B, Q4_K_M, 4.096
            expect(metrics.nth(2)).to_contain_text("54.267 token")
            chart = page.get_by_test_id("stVegaLiteChart").first
            expect(chart).to_contain_text("GPU belleği 12 GB · sığıyor")
            for label in ("Model ağırlıkları", "KV önbelleği", "Çalışma zamanı ek yükü (CUDA bağlamı)"):
                expect(chart).to_contain_text(label)  # the whole legend label, not cut
            body = page.get_by_test_id("stMain").inner_text()
            assert "GiB" not in body and "5.9 GB" not in body
            assert "Dersteki kural" in body and "≈ 4,5 GB." in body and "4,5 GB" in body
            _shot(page, "vram-hesaplayici-1366.png")

            # A small model: the axis has fractional ticks, written with a comma.
            page.get_by_text("Özel boyut").click()
            box = page.get_by_label("Parametre sayısı (milyar)")
            box.fill("0.5")
            box.press("Enter")
            page.get_by_text("VRAM gir").click()
            vram = page.get_by_label("GPU belleği (GB)")
            vram.fill("2")
            vram.press("Enter")
            expect(chart).to_contain_text("GPU belleği 2 GB", timeout=30_000)
            time.sleep(1)
            ticks = [t.strip() for t in chart.locator("svg .role-axis-label text").all_text_contents()]
            assert any(re.fullmatch(r"\d+,\d+", t) for t in ticks), ticks
            assert not any("." in t for t in ticks), ticks

            # Too big for the GPU: the line says so.
            page.get_by_text("VRAM gir").click()
            vram.fill("1")
            vram.press("Enter")
            expect(chart).to_contain_text("sığmıyor", timeout=30_000)
            expect(metrics.nth(1)).to_contain_text("Hayır")
            _shot(page, "vram-hesaplayici-sigmiyor-1366.png")

            phone = browser.new_page(viewport={"width": 390, "height": 1900}, locale="tr-TR")
            phone.goto(server.url + "/vram_hesaplayici", wait_until="domcontentloaded")
            expect(phone.get_by_test_id("stVegaLiteChart").first).to_contain_text("sığıyor", timeout=60_000)
            _shot(phone, "vram-hesaplayici-390.png")
        finally:
            browser.close()


def _after_content(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e, '::after').content")


def test_uploader_texts_are_turkish_and_the_phone_sidebar_closes(tmp_path) -> None:
    from playwright.sync_api import expect, sync_playwright

    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ")
    with AppServer(_env(tmp_path, ADMIN_PASSWORD="p")) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 1400}, locale="tr-TR")
            page.goto(server.url + "/bilgi_tabani", wait_until="domcontentloaded")
            page.get_by_label("Eğitmen parolası").fill("p")
            page.get_by_role("button", name="Giriş").click()
            zone = page.get_by_test_id("stFileUploaderDropzone")
            expect(zone).to_be_visible(timeout=60_000)
            button_text = zone.locator('button [data-testid="stMarkdownContainer"] p')
            assert _after_content(button_text) == '"Dosya seç"'
            assert button_text.evaluate("e => getComputedStyle(e).fontSize") == "0px"  # "Upload" is not shown
            hint = page.get_by_test_id("stFileUploaderDropzoneInstructions").locator("span").first
            assert "dosya başına en fazla 20 MB" in _after_content(hint)
            assert "MD, TXT, PDF, DOCX, PPTX, HTML" in _after_content(hint)
            assert hint.evaluate("e => getComputedStyle(e).fontSize") == "0px"
            assert page.get_by_test_id("stMainMenu").count() == 0  # the English-only ⋮ menu is gone
            _shot(page, "bilgi-tabani-yukleme-1366.png")
            page.get_by_test_id("stDataFrame").first.hover()
            page.get_by_label("CSV olarak indir").hover()  # the table toolbar's names are Turkish
            expect(page.get_by_role("tooltip")).to_contain_text("CSV olarak indir")

            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
            chip = page.get_by_test_id("stFileChip")
            chip.hover()
            tip = page.get_by_test_id("stTooltipErrorContent")
            expect(tip).to_be_attached(timeout=10_000)
            assert "yüklenemez" in _after_content(tip)
            expect(chip).to_contain_text("2,0 B")  # the size under the file, Turkish too
            assert page.get_by_label("Dosya ekle").count() == 1
            assert tip.evaluate("e => getComputedStyle(e).fontSize") == "0px"

            # While the page works (re-indexing) no English "Stop"/"Running" shows: the minimal
            # toolbar has no status widget (and chrome.py's CSS would say "Durdur" if it had one).
            page.get_by_role("button", name="Yeniden dizinle").click()
            done = page.get_by_text("Son dizinleme:")
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not done.count():
                assert not page.get_by_test_id("stStatusWidget").filter(has_text="Stop").count()
                time.sleep(0.25)
            expect(page.get_by_text("Son dizinleme:")).to_be_visible(timeout=300_000)

            phone = browser.new_page(viewport=PHONE, locale="tr-TR")
            phone.goto(server.url + "/vram_hesaplayici", wait_until="domcontentloaded")
            expect(phone.get_by_test_id("stMetric").first).to_be_visible(timeout=60_000)
            phone.get_by_test_id("stExpandSidebarButton").click()
            sidebar = phone.get_by_test_id("stSidebar")
            expect(phone.get_by_test_id("stSidebarNavLink").first).to_be_in_viewport()
            phone.get_by_test_id("stSidebarNavLink").filter(has_text="Bilgi Tabanı").click()
            expect(phone.get_by_label("Eğitmen parolası")).to_be_visible(timeout=30_000)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and (sidebar.bounding_box() or {}).get("width", 0) > 0:
                time.sleep(0.1)
            assert (sidebar.bounding_box() or {}).get("width", 0) == 0, "the sidebar still covers the page"
            _shot(phone, "bilgi-tabani-390.png")
        finally:
            browser.close()
