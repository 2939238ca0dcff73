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
