"""A hostile course folder: symlinks out, `.env` files, odd names, unreadable folders.

Nothing secret may reach the index, and nothing may be left out without a note.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ders_asistani.settings import Settings
from vectorstore.knowledge_base import KnowledgeBase
from vectorstore.scanning import (
    DANGLING_NOTE,
    ENV_NOTE,
    HIDDEN_NOTE,
    SYMLINK_OUTSIDE_NOTE,
    UNREADABLE_DIR_NOTE,
    safe_name,
    scan_folder,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = str(REPO_ROOT / ".venv" / "bin" / "ders-asistani")
GROQ_KEY = "gsk_TESTkey1234567890abcdefABCDEF"
ADMIN_PASSWORD = "Parola-Cok-Gizli-42"
COURSE_FILE = REPO_ROOT / "knowledge" / "slm-sunumu.txt"


def settings_for(knowledge: Path, storage: Path, **extra) -> Settings:
    return Settings(_env_file=None, knowledge_dir=knowledge, storage_dir=storage, chroma_host=None, **extra)


def hostile_project(root: Path) -> Path:
    """A project folder whose `.env` is reachable from knowledge/ by a symlink."""
    (root / ".env").write_text(f"GROQ_API_KEY={GROQ_KEY}\nADMIN_PASSWORD={ADMIN_PASSWORD}\nLLM_PROVIDER=offline\n")
    outside = root / "baska-yer"
    outside.mkdir()
    (outside / "disaridaki-not.md").write_text("# Dışarıdaki not\n\nBu metin bilgi klasörünün dışında duruyor.\n")
    knowledge = root / "knowledge"
    knowledge.mkdir()
    shutil.copy(COURSE_FILE, knowledge / "slm-sunumu.txt")
    os.symlink("../.env", knowledge / "ders-ayarlari.txt")
    os.symlink("../baska-yer/disaridaki-not.md", knowledge / "dis-baglanti.md")
    os.symlink("../baska-yer", knowledge / "dis-klasor")
    os.symlink("yok-boyle-bir-dosya.md", knowledge / "kirik-baglanti.md")
    (knowledge / ".gizli-not.md").write_text("# Gizli\n\ngizli not metni\n")
    (knowledge / "prod.env").write_text(f"GROQ_API_KEY={GROQ_KEY}\n")
    (knowledge / "ayarlar.txt").write_text(f"GROQ_API_KEY={GROQ_KEY}\nADMIN_PASSWORD={ADMIN_PASSWORD}\nDEBUG=1\n")
    (knowledge / "anahtarli-not.md").write_text(
        "# Groq kurulumu\n\nAnahtarı ortam değişkenine koyun, örnek: "
        f"{GROQ_KEY} gibi bir değer asla paylaşılmaz. Parola {ADMIN_PASSWORD} da öyle.\n"
    )
    with open(os.fsencode(knowledge) + b"/Ders_Notlar\xfd.md", "wb") as handle:
        handle.write("# Ders notları\n\nKüçük dil modelleri dizüstü bilgisayarda çalışır.\n".encode())
    return knowledge


def run_cli(args: list[str], project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "KNOWLEDGE_", "STORAGE_", "GROQ_", "ADMIN_"))}
    env.update(KNOWLEDGE_DIR="knowledge", STORAGE_DIR="storage", HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return subprocess.run([CLI, *args], env=env, cwd=project, capture_output=True, text=True, timeout=300)


def notes_by_file(errors: list[dict]) -> dict[str, str]:
    return {error["file"]: error["error"] for error in errors}


def test_hostile_folder_end_to_end_leaks_nothing(tmp_path: Path) -> None:
    knowledge = hostile_project(tmp_path)
    ingest = run_cli(["ingest", "--json"], tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    notes = notes_by_file(report["errors"])
    assert notes["ders-ayarlari.txt"] == SYMLINK_OUTSIDE_NOTE
    assert notes["dis-baglanti.md"] == SYMLINK_OUTSIDE_NOTE
    assert notes["dis-klasor"] == SYMLINK_OUTSIDE_NOTE
    assert notes["kirik-baglanti.md"] == DANGLING_NOTE
    assert notes[".gizli-not.md"] == HIDDEN_NOTE
    assert notes["prod.env"] == ENV_NOTE
    assert ".env" in notes["ayarlar.txt"] and "dizinlenmedi" in notes["ayarlar.txt"]
    # The odd name is decoded (cp1254: 0xFD is "ı"), reported and indexed.
    assert "UTF-8" in notes["Ders_Notları.md"]
    assert report["added"] == 3  # slm-sunumu.txt, anahtarli-not.md, Ders_Notları.md

    documents = run_cli(["documents", "--json"], tmp_path)
    assert documents.returncode == 0, documents.stderr
    by_source = {doc["source"]: doc for doc in json.loads(documents.stdout)}
    assert set(by_source) == {"slm-sunumu.txt", "anahtarli-not.md", "Ders_Notları.md"}
    assert any("gizlendi" in w for w in by_source["anahtarli-not.md"]["warnings"])

    outputs = [ingest.stdout, documents.stdout]
    for query in ["GROQ_API_KEY", "ADMIN_PASSWORD parola", "Groq kurulumu anahtar", "dışarıdaki not"]:
        search = run_cli(["search", query, "--json"], tmp_path)
        assert search.returncode == 0, search.stderr
        outputs.append(search.stdout)
    combined = "\n".join(outputs)
    assert GROQ_KEY not in combined and ADMIN_PASSWORD not in combined
    assert "Dışarıdaki not" not in combined and "bilgi klasörünün dışında duruyor" not in combined
    assert "Groq kurulumu" in combined  # the redacted note itself is still searchable
    assert knowledge.joinpath("ders-ayarlari.txt").is_symlink()  # nothing on disk was touched


def test_follow_symlinks_setting_allows_outside_files_but_never_env(tmp_path: Path) -> None:
    knowledge = hostile_project(tmp_path)
    scan = scan_folder(knowledge, follow_symlinks=True)
    sources = {f.source for f in scan.supported}
    assert {"dis-baglanti.md", "dis-klasor/disaridaki-not.md"} <= sources
    assert "ders-ayarlari.txt" not in sources  # its target is `.env`
    assert dict((n.file, n.error) for n in scan.notes)["ders-ayarlari.txt"] == ENV_NOTE
    default = scan_folder(knowledge)
    assert not {"dis-baglanti.md", "dis-klasor/disaridaki-not.md"} & {f.source for f in default.supported}


def test_symlink_loop_inside_the_folder_is_reported_not_followed(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    (knowledge / "alt").mkdir(parents=True)
    (knowledge / "alt" / "a.md").write_text("# A\n\nmetin\n")
    os.symlink("..", knowledge / "alt" / "dongu")
    scan = scan_folder(knowledge)
    assert [f.source for f in scan.supported] == ["alt/a.md"]
    assert [n.file for n in scan.notes] == ["alt/dongu"]


def test_unreadable_subfolder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, for whom chmod 000 does not bite: make scandir fail instead.
    knowledge = tmp_path / "knowledge"
    (knowledge / "kilitli").mkdir(parents=True)
    (knowledge / "kilitli" / "x.md").write_text("# X\n\nmetin\n")
    (knowledge / "acik.md").write_text("# Açık\n\nmetin\n")
    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202
        if str(path).endswith("kilitli"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    scan = scan_folder(knowledge)
    assert [f.source for f in scan.supported] == ["acik.md"]
    assert [(n.file, n.error) for n in scan.notes] == [("kilitli", UNREADABLE_DIR_NOTE)]


def test_non_utf8_name_ingests_and_keeps_going(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(COURSE_FILE, knowledge / "slm-sunumu.txt")
    with open(os.fsencode(knowledge) + b"/Ders_Notlar\xfd.md", "wb") as handle:
        handle.write(b"# Notlar\n\nGPU bellegi hesaplama.\n")
    with open(os.fsencode(knowledge) + b"/bozuk-\x81\x8d.md", "wb") as handle:  # not cp1254 either
        handle.write(b"# Bozuk\n\nmetin burada.\n")
    kb = KnowledgeBase(settings_for(knowledge, tmp_path / "storage"))
    try:
        report = kb.ingest()
        sources = {doc.source for doc in kb.documents()}
        assert sources == {"slm-sunumu.txt", "Ders_Notları.md", "bozuk-\\x81\\x8d.md"}
        assert report.added == 3
        for source in sources:
            source.encode("utf-8")  # every stored name is valid UTF-8
        second = kb.ingest()
        assert second.skipped == 3 and second.added == second.updated == 0
    finally:
        kb.close()


def test_safe_name() -> None:
    assert safe_name("düz.md") == "düz.md"
    assert safe_name(os.fsdecode(b"Ders_Notlar\xfd.md")) == "Ders_Notları.md"
    assert safe_name(os.fsdecode(b"x\x81.md")) == "x\\x81.md"


def test_instructor_listing_and_delete_of_non_utf8_name(tmp_path: Path) -> None:
    from ders_asistani.uploads import delete_document, list_course_files

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    raw = os.fsencode(knowledge) + b"/Ders_Notlar\xfd.md"
    with open(raw, "wb") as handle:
        handle.write(b"# x\n")
    listed = [path.as_posix() for path in list_course_files(knowledge)]
    assert listed == ["Ders_Notları.md"]
    listed[0].encode("utf-8")
    delete_document(knowledge, listed[0])
    assert not os.path.exists(raw)
