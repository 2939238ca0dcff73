"""`make test` on a fresh machine: it installs chromium and postgresql as root, else stops at once in Turkish.

The real Makefile target runs with fake `dpkg-query`, `id` and `apt-get` first on
PATH, so the test decides which packages are "installed" and who is root, and
sees exactly what would have been installed, without touching the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make yok")

FAKES = {
    # dpkg-query -W -f='${Status}' PKG: installed only when PKG is in $FAKE_INSTALLED.
    "dpkg-query": 'pkg="$(eval echo \\${$#})"\n'
                  'case " $FAKE_INSTALLED " in *" $pkg "*) printf "install ok installed";; *) exit 1;; esac\n',
    "id": 'if [ "$1" = "-u" ]; then echo "$FAKE_UID"; else exec /usr/bin/id "$@"; fi\n',
    "apt-get": 'echo "$*" >> "$FAKE_APT_LOG"\n',
}


def _make_deps(tmp_path: Path, *, uid: int, installed: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in FAKES.items():
        script = bin_dir / name
        script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
        script.chmod(0o755)
    apt_log = tmp_path / "apt.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_UID": str(uid),
           "FAKE_INSTALLED": installed, "FAKE_APT_LOG": str(apt_log)}
    result = subprocess.run([MAKE, "--no-print-directory", "system-test-deps"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    calls = apt_log.read_text(encoding="utf-8").splitlines() if apt_log.exists() else []
    return result, calls


def test_without_root_it_stops_at_once_naming_the_one_command(tmp_path: Path) -> None:
    result, calls = _make_deps(tmp_path, uid=1000, installed="postgresql")
    assert result.returncode != 0 and calls == []
    assert "Testler için eksik sistem paketleri: chromium." in result.stderr
    assert "sudo apt-get install -y chromium" in result.stderr
    assert "postgresql" not in result.stderr  # only what is missing


def test_as_root_it_installs_only_the_missing_packages(tmp_path: Path) -> None:
    result, calls = _make_deps(tmp_path, uid=0, installed="")
    assert result.returncode == 0, result.stderr
    assert "Eksik sistem paketleri kuruluyor: chromium postgresql" in result.stdout
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install -y") and calls[1].split()[-2:] == ["chromium", "postgresql"]


def test_with_everything_installed_it_does_nothing(tmp_path: Path) -> None:
    for uid in (0, 1000):
        result, calls = _make_deps(tmp_path, uid=uid, installed="chromium postgresql")
        assert result.returncode == 0 and calls == [] and result.stdout == result.stderr == ""


def test_make_test_checks_system_packages_before_installing_or_running_anything() -> None:
    # Make builds prerequisites left to right: the check must come first, so a fresh
    # machine without root fails in seconds, not after the pip install.
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^test:(.*)$", makefile, re.MULTILINE)
    assert rule is not None and rule.group(1).split()[0] == "system-test-deps"
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get" not in ci and "make test" in ci
