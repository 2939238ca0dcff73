"""Loading every supported format, and failing one file at a time with a Turkish reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vectorstore.loaders import LoadError, load_document

TURKISH = "Küçük dil modelleri için GPU belleği önemlidir; ğüşıöç ĞÜŞİÖÇ."


def make_pdf(path: Path, pages: list[str]) -> None:
    """A minimal valid PDF, one line of Helvetica text a page (WinAnsi)."""
    objects: list[bytes] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for pid, text in zip(page_ids, pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {pid + 1} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("cp1252") + b") Tj ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def load(path: Path, max_mb: float = 20.0):
    return load_document(path, path.parent, max_mb)


def test_markdown_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ders.md"
    path.write_text(f"# Başlık\n\n{TURKISH}\n", encoding="utf-8")
    doc = load(path)
    assert doc.source == "ders.md" and doc.title == "Başlık"
    assert TURKISH in doc.parts[0].text
    assert doc.repairs == []


@pytest.mark.parametrize("encoding", ["cp1254", "iso-8859-9"])
def test_legacy_turkish_text_files(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "eski.txt"
    path.write_bytes(f"Eski Windows dosyası\n{TURKISH}\n".encode(encoding))
    doc = load(path)
    assert TURKISH in doc.parts[0].text
    # Without 0x80-0x9F bytes the two encodings are the same; either name is right.
    assert any("cp1254" in note or "iso-8859-9" in note for note in doc.repairs)


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sunum.pdf"
    make_pdf(path, ["Birinci sayfa: GPU bellegi ve model boyutu", "Ikinci sayfa: kuantizasyon ile küçültme"])
    doc = load(path)
    assert [p.page for p in doc.parts] == [1, 2]
    assert "Birinci sayfa" in doc.parts[0].text
    assert "küçültme" in doc.parts[1].text


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Ders Notu", level=0)
    document.add_heading("Bellek Hesabı", level=1)
    document.add_paragraph(TURKISH)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Model", "VRAM"
    table.cell(1, 0).text, table.cell(1, 1).text = "Phi-3", "4 GB"
    path = tmp_path / "not.docx"
    document.save(path)
    doc = load(path)
    text = doc.parts[0].text
    assert "# Ders Notu" in text and "## Bellek Hesabı" in text
    assert TURKISH in text
    assert "| Phi-3 | 4 GB |" in text
    assert doc.title == "Ders Notu"


def test_pptx_keeps_slide_numbers(tmp_path: Path) -> None:
    from pptx import Presentation

    presentation = Presentation()
    for title, body in [("Giriş", "Küçük dil modelleri nedir?"), ("Donanım", "GPU belleği ve kuantizasyon")]:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    path = tmp_path / "sunum.pptx"
    presentation.save(path)
    doc = load(path)
    assert [p.slide for p in doc.parts] == [1, 2]
    assert doc.parts[1].heading == "Donanım"
    assert "GPU belleği" in doc.parts[1].text


def test_html_to_markdown_like_text(tmp_path: Path) -> None:
    path = tmp_path / "sayfa.html"
    path.write_text(
        "<html><head><title>Ders Sayfası</title><script>var x=1;</script></head><body>"
        f"<h1>Model Seçimi</h1><p>{TURKISH}</p><ul><li>Phi-3</li><li>Gemma</li></ul>"
        "<pre># yorum\nprint('x')</pre></body></html>",
        encoding="utf-8",
    )
    doc = load(path)
    text = doc.parts[0].text
    assert doc.title == "Ders Sayfası"
    assert "# Model Seçimi" in text and TURKISH in text and "- Gemma" in text
    assert "```\n# yorum" in text
    assert "var x" not in text


def test_mojibake_course_file_is_repaired(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "knowledge" / "langchain-groq-donanim.md"
    doc = load_document(source, source.parent, 20)
    assert "Diğer şirketler" in doc.parts[0].text
    assert doc.repairs and doc.warnings == []


# --- failures ----------------------------------------------------------------------
def _reason(path: Path, max_mb: float = 20.0) -> str:
    with pytest.raises(LoadError) as info:
        load(path, max_mb)
    return str(info.value)


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("bozuk.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog\ngarbage" + os.urandom(200), "PDF"),
        ("bos.md", b"", "boş"),
        ("bosluk.md", b"\n\n   \n", "metin"),
        ("resim.md", b"\x89PNG\r\n\x1a\n" + os.urandom(3000), "ikili"),
    ],
)
def test_broken_files_get_a_turkish_reason(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in _reason(path)


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "dev.md"
    with path.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    reason = _reason(path, max_mb=20)
    assert "büyük" in reason and "50.0 MB" in reason


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gizli.md"
    path.write_text("# Gizli\n\nmetin", encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything; simulate what a user would get
        def denied(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Path, "read_bytes", denied)
    try:
        assert "izni" in _reason(path)
    finally:
        path.chmod(0o644)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "tablo.xlsx"
    path.write_bytes(b"PK\x03\x04")
    assert "Desteklenmeyen" in _reason(path)


def test_pages_and_slides_reach_chunk_metadata(tmp_path: Path) -> None:
    from pptx import Presentation

    from vectorstore.indexer import document_chunks

    pdf = tmp_path / "notlar.pdf"
    make_pdf(pdf, ["Sayfa bir: model boyutu ve bellek.", "Sayfa iki: kuantizasyon yontemleri."])
    chunks = document_chunks(load(pdf), 800, 120)
    assert [c.metadata["page"] for c in chunks] == [1, 2]
    assert [c.metadata["chunk_index"] for c in chunks] == [0, 1]

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Donanım"
    slide.placeholders[1].text = "GPU belleği modelin sığıp sığmayacağını belirler."
    pptx = tmp_path / "sunum.pptx"
    presentation.save(pptx)
    (chunk,) = document_chunks(load(pptx), 800, 120)
    assert chunk.metadata["slide"] == 1 and chunk.metadata["section"] == "Donanım"
    assert "GPU belleği" in chunk.page_content
