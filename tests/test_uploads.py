"""Upload rules for the instructor page: types, size, names, traversal, overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from ders_asistani.uploads import (
    UploadError,
    UploadExistsError,
    check_upload,
    delete_document,
    list_course_files,
    sanitize_filename,
    save_upload,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("notlar.md", "notlar.md"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\hoca\\Ders Notu.pdf", "Ders Notu.pdf"),
        ("Küçük Dil Modelleri — Ğ.md", "Küçük Dil Modelleri - Ğ.md"),
        (".gizli.md", "gizli.md"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("con.txt", "_con.txt"),
        ("rm -rf $(x);.md", "rm -rf -(x)-.md"),
    ],
)
def test_sanitize_filename_keeps_a_plain_safe_name(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


@pytest.mark.parametrize("raw", ["", "..", "/", "...", "\x00"])
def test_sanitize_filename_refuses_empty_names(raw: str) -> None:
    with pytest.raises(UploadError):
        sanitize_filename(raw)


def test_long_names_are_shortened_but_keep_the_extension() -> None:
    name = sanitize_filename("ç" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 120


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ", "desteklenmiyor"),
        ("bos.md", b"", "boş"),
        ("sahte.pdf", b"hello", "PDF"),
        ("sahte.docx", b"hello", "DOCX"),
        ("ikili.txt", b"ab\x00cd", "metin"),
        ("buyuk.md", b"x" * (1024 * 1024 + 1), "çok büyük"),
    ],
)
def test_check_upload_refuses_bad_files_with_turkish_message(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        check_upload(name, data, max_mb=1)


def test_save_upload_writes_inside_the_folder_and_refuses_silent_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    saved = save_upload(folder, "../../dışarı.md", "# Başlık\nmetin".encode(), max_mb=1)
    assert saved.path == (folder / "dışarı.md").resolve()
    assert not saved.replaced
    assert not (tmp_path / "dışarı.md").exists()

    with pytest.raises(UploadExistsError, match="zaten var"):
        save_upload(folder, "dışarı.md", b"yeni", max_mb=1)
    assert saved.path.read_text(encoding="utf-8") == "# Başlık\nmetin"

    replaced = save_upload(folder, "dışarı.md", b"yeni", max_mb=1, overwrite=True)
    assert replaced.replaced and replaced.path.read_bytes() == b"yeni"
    # No temporary files are left behind.
    assert [p.name for p in folder.iterdir()] == ["dışarı.md"]


def test_save_upload_refuses_symlink_targets(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    outside = tmp_path / "secret.md"
    outside.write_text("gizli")
    (folder / "link.md").symlink_to(outside)
    with pytest.raises(UploadError):
        save_upload(folder, "link.md", b"x", max_mb=1, overwrite=True)
    assert outside.read_text() == "gizli"


def test_delete_document_stays_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    (folder / "alt").mkdir(parents=True)
    (folder / "alt" / "a.md").write_text("a")
    victim = tmp_path / "victim.md"
    victim.write_text("v")
    for bad in ("../victim.md", "/etc/passwd", "alt/../../victim.md", ""):
        with pytest.raises(UploadError):
            delete_document(folder, bad)
    assert victim.exists()
    with pytest.raises(UploadError, match="bulunamadı"):
        delete_document(folder, "yok.md")
    delete_document(folder, "alt/a.md")
    assert not (folder / "alt" / "a.md").exists()


def test_list_course_files_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "x.md").write_text("x")
    (folder / "a.md").write_text("a")
    (folder / "b.exe").write_text("b")
    (folder / "c.PDF").write_bytes(b"%PDF")
    assert list_course_files(folder) == [Path("a.md"), Path("c.PDF")]
