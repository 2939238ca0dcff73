"""Cleaning and header-aware chunking, on synthetic text and the real course files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vectorstore.chunking import chunk_document, clean_heading, split_sections
from vectorstore.cleaning import clean_for_index
from vectorstore.indexer import document_chunks
from vectorstore.loaders import load_document

COURSE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
MOJIBAKE = re.compile(r"Ã|Å|Ä[A-Za-zÀ-ɏ]|â€|ğŸ|ř|đ|\ufffd")
METADATA_KEYS = {"source", "title", "section", "chunk_index", "content_hash"}


@pytest.fixture(scope="module")
def course_chunks() -> dict[str, list]:
    chunks = {}
    for path in sorted(COURSE_DIR.iterdir()):
        loaded = load_document(path, COURSE_DIR, max_file_mb=20)
        chunks[loaded.source] = document_chunks(loaded, chunk_size=800, overlap=120)
    return chunks


# --- cleaning ------------------------------------------------------------------------
def test_cleaning_drops_images_comments_and_translator_blocks() -> None:
    text = (
        "<!--\nCO_OP_TRANSLATOR_METADATA:\n{\"a\": 1}\n-->\n"
        "[![Banner](img/banner.png)](https://youtu.be/x)\n"
        "# Başlık\n\n"
        "![](https://example.com/a.webp)\n"
        "  ![Groq](https://x/y.jpg){width=\"350px\"} \n"
        "Metin ![satır içi](i.png) kalır.\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\n# yorum\nprint('x')\n```\n\n"
        "<!-- CO-OP TRANSLATOR DISCLAIMER START -->\nBu belge çevrilmiştir.\n<!-- CO-OP TRANSLATOR DISCLAIMER END -->\n"
    )
    cleaned = clean_for_index(text)
    assert "CO_OP_TRANSLATOR_METADATA" not in cleaned
    assert "banner.png" not in cleaned and "a.webp" not in cleaned and "y.jpg" not in cleaned
    assert "çevrilmiştir" not in cleaned
    assert "Metin ![satır içi](i.png) kalır." in cleaned  # text with an inline image stays
    assert "| A | B |\n|---|---|\n| 1 | 2 |" in cleaned
    assert "```python\n# yorum\nprint('x')\n```" in cleaned
    assert clean_for_index(cleaned) == cleaned


def test_table_of_contents_is_dropped_but_lists_that_are_content_stay() -> None:
    slides = (
        "Kurs Sunumu\n\nİÇERİK\n\n1. Giriş\n2. Bellek Nedir ?\n3. Ekran Kartı Seçimi\n4. Kaynaklar\n\n"
        "Giriş\n\n- Bu derste donanımı konuşuyoruz.\n\nBellek Nedir?\n\n- VRAM, modelin ağırlıklarını tutar.\n\n"
        "Ekran Kartı Seçimi\n\n- RTX 3060 12 GB iyi bir başlangıç.\n\nKaynaklar\n\n[Belge](#)\n"
    )
    cleaned = clean_for_index(slides)
    assert "İÇERİK" not in cleaned and "2. Bellek Nedir ?" not in cleaned and "1. Giriş" not in cleaned
    assert "Kurs Sunumu" in cleaned
    for kept in ("Bellek Nedir?", "- VRAM, modelin ağırlıklarını tutar.", "Ekran Kartı Seçimi", "Kaynaklar"):
        assert kept in cleaned
    assert clean_for_index(cleaned) == cleaned
    # A list whose entries are not section titles further down is content.
    advice = "## Öneriler\n\n1. Programlama için Mistral\n2. Türkçe için Nemotron\n3. Özet için Phi\n4. Hikaye için Mixtral\n"
    assert clean_for_index(advice) == advice
    # The same list repeated inside a code fence is not a table of contents either.
    fenced = "```\n1. Giriş\n2. Bellek\n3. Kart\n4. Son\n```\n\nGiriş\n\nBellek\n\nKart\n\nSon\n"
    assert clean_for_index(fenced) == fenced


def test_slide_export_has_no_table_of_contents_chunk(course_chunks) -> None:
    texts = [c.page_content for c in course_chunks["slm-sunumu.txt"]]
    assert not any("İÇERİK" in t or "6. Küçük Dil Modelinin Avantajları" in t for t in texts)
    assert any("Küçük Dil Modelinin Avantajları" in t for t in texts)


def test_clean_heading_strips_emoji_and_markup() -> None:
    assert clean_heading("📚 LangChain Nedir?") == "LangChain Nedir?"
    assert clean_heading("🛠️ Kurulum ve **Başlangıç**") == "Kurulum ve Başlangıç"
    assert clean_heading("⚠️ Güvenlik Hatırlatması:") == "Güvenlik Hatırlatması"


# --- sections and splitting -------------------------------------------------------------
def test_hash_inside_code_fence_is_not_a_heading() -> None:
    text = (
        "# Kod Örnekleri\n\nGiriş metni burada.\n\n"
        "## Groq ile\n\n```python\n# API anahtarını tanımlayalım\nkey = 'x'\n# İsteği gönder\n```\n\nSonra.\n"
    )
    sections = split_sections(text)
    paths = [" > ".join(s.path) for s in sections]
    assert paths == ["Kod Örnekleri", "Kod Örnekleri > Groq ile"]
    assert "# API anahtarını tanımlayalım" in sections[1].text


def test_section_paths_and_emoji_free_headings() -> None:
    body = "Bellek ihtiyacı parametre sayısı ile bayt başına düşen değerin çarpımıdır. " * 6
    text = f"# 🤖 Yapay Zeka Modelleri\n\n{body}\n\n## 💡 Bellek Hesaplama Formülü\n\n{body}\n"
    chunks = chunk_document(text, "a.md", "Başlık", chunk_size=800, overlap=120)
    sections = [c.metadata["section"] for c in chunks]
    assert "Yapay Zeka Modelleri" in sections
    assert "Yapay Zeka Modelleri > Bellek Hesaplama Formülü" in sections


def test_tiny_sections_are_merged_into_neighbours() -> None:
    long = "Küçük dil modelleri az bellekle çalışır ve yerel donanımda koşabilir. " * 8
    text = f"# Ders\n\n## Kısa\n\nTek satır.\n\n## Uzun Bölüm\n\n{long}\n"
    chunks = chunk_document(text, "a.md", chunk_size=800, overlap=120)
    assert all(len(c.text) >= 100 for c in chunks)
    assert any("Tek satır." in c.text and "Küçük dil modelleri" in c.text for c in chunks)


def test_chunks_respect_size_and_overlap() -> None:
    sentences = [f"Cümle {i}: GPU belleği modeli yüklemek için yeterli olmalıdır." for i in range(120)]
    text = "# Uzun\n\n" + " ".join(sentences)
    chunks = chunk_document(text, "a.md", chunk_size=800, overlap=120)
    assert len(chunks) > 5
    assert max(len(c.text) for c in chunks) <= 800 * 5 // 4
    # Consecutive chunks share text (the overlap).
    shared = sum(1 for a, b in zip(chunks, chunks[1:]) if b.text[:40] in a.text)
    assert shared >= len(chunks) // 2
    assert [c.metadata["chunk_index"] for c in chunks] == list(range(len(chunks)))


def test_page_and_slide_metadata_and_numbering() -> None:
    first = chunk_document("Sayfa bir metni. " * 20, "d.pdf", page=1)
    second = chunk_document("Sayfa iki metni. " * 20, "d.pdf", page=2, start_index=len(first))
    assert first[0].metadata["page"] == 1 and second[0].metadata["page"] == 2
    assert second[0].metadata["chunk_index"] == len(first)
    slide = chunk_document("Slayt içeriği burada. " * 10, "s.pptx", slide=3, base_path=["Giriş"])
    assert slide[0].metadata["slide"] == 3 and slide[0].metadata["section"] == "Giriş"
    assert "page" not in slide[0].metadata


# --- the real course ----------------------------------------------------------------------
def test_course_chunks_have_no_mojibake(course_chunks: dict[str, list]) -> None:
    assert set(course_chunks) == {p.name for p in COURSE_DIR.iterdir()}
    for source, chunks in course_chunks.items():
        assert chunks, source
        for chunk in chunks:
            assert not MOJIBAKE.search(chunk.page_content), (source, chunk.page_content[:200])
            assert not MOJIBAKE.search(chunk.metadata["section"]), chunk.metadata


def test_course_known_words_come_out_right(course_chunks: dict[str, list]) -> None:
    groq = "\n".join(c.page_content for c in course_chunks["langchain-groq-donanim.md"])
    assert "Diğer şirketler" in groq
    assert "Başlangıç" in groq
    slides = "\n".join(c.page_content for c in course_chunks["slm-sunumu.txt"])
    assert "Metin oluşturma" in slides


def test_course_chunks_are_clean_and_cited(course_chunks: dict[str, list]) -> None:
    for source, chunks in course_chunks.items():
        for index, chunk in enumerate(chunks):
            meta = chunk.metadata
            assert METADATA_KEYS <= set(meta)
            assert meta["source"] == source and meta["chunk_index"] == index
            assert len(chunk.page_content) <= 1000
            assert "<!--" not in chunk.page_content
            assert not re.search(r"^\s*!\[[^\]]*\]\([^)]*\)", chunk.page_content, re.MULTILINE)
            assert "CO-OP TRANSLATOR" not in chunk.page_content
    sections = {c.metadata["section"] for c in course_chunks["langchain-groq-donanim.md"]}
    assert any(s.startswith("Yapay Zeka Modelleri >") and s.endswith("Bellek Hesaplama Formülü") for s in sections)
    # Python comments in the Groq code examples are not section titles.
    assert not any("API bilgilerimizi" in s for s in sections)
    # Tables survive.
    tables = "\n".join(c.page_content for c in course_chunks["kucuk-dil-modelleri-1-6gb.md"])
    assert "| Model" in tables
