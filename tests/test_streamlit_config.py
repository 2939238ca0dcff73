"""The app's own Streamlit config turns file watching off (no "Inotify queue overflowed")."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_streamlit_reads_file_watching_off_from_the_app_config() -> None:
    # `streamlit config show` resolves options the way `streamlit run` does from this folder.
    shown = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "streamlit"), "config", "show"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    lines = {line.strip() for line in shown.stdout.splitlines()}
    assert 'fileWatcherType = "none"' in lines
    assert "runOnSave = false" in lines


def test_the_menu_is_minimal_and_streamlits_texts_have_turkish_css() -> None:
    # "minimal": no English-only ⋮ items (Print, Record screen) and no "Stop"/"Running" widget.
    config = (REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'toolbarMode = "minimal"' in config
    from ders_asistani.ui.chrome import app_css, uploader_instructions

    css = app_css()
    for text in ('"Durdur"', '"Dosya seç"', "yüklenemez"):
        assert text in css
    assert uploader_instructions(20, (".md", ".markdown", ".pdf")) == (
        "Dosyaları buraya sürükleyin ya da seçin · dosya başına en fazla 20 MB · MD, PDF"
    )
