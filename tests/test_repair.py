"""Turkish text repair and decoding: mojibake, PDF glyphs, legacy encodings."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathlib import Path

COURSE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
from turkish.encoding import NotTextError, decode_bytes
from turkish.repair import MOJIBAKE_PATTERN, mojibake_residue, repair_text

MOJIBAKE = re.compile(r"Ã|Å|Ä[A-Za-zÀ-ɏ]|â€|ğŸ|ř|đ|\ufffd")
GLUED_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\ufe0f][^\W\d_]")


def _course(name: str) -> str:
    return (COURSE_DIR / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def groq_repaired() -> str:
    return repair_text(_course("langchain-groq-donanim.md")).text


def test_mojibake_document_has_zero_residue(groq_repaired: str) -> None:
    original = _course("langchain-groq-donanim.md")
    assert MOJIBAKE.search(original), "the course file is expected to arrive broken"
    residue = [line for line in groq_repaired.splitlines() if MOJIBAKE.search(line)]
    assert residue == []
    assert mojibake_residue(groq_repaired) == []


@pytest.mark.parametrize(
    "phrase",
    ["Diğer şirketler", "Başlangıç", "Şimdi size göstereceğim", "desteği", "Kullanım Örnekleri", "Güvenlik Hatırlatması"],
)
def test_mojibake_document_known_words(groq_repaired: str, phrase: str) -> None:
    assert phrase in groq_repaired


def test_restored_emoji_are_whole_and_not_glued(groq_repaired: str) -> None:
    assert "## 🛠️ Kurulum ve Başlangıç" in groq_repaired
    assert "⚠️ Güvenlik Hatırlatması" in groq_repaired
    assert "⏱️ Pratik Zamanı" in groq_repaired
    assert not GLUED_EMOJI.search(groq_repaired)
    # ftfy alone invents code points here (U+1FBE0); the fragments must go.
    assert "\U0001fbe0" not in groq_repaired


def test_repair_reports_what_it_did() -> None:
    result = repair_text(_course("langchain-groq-donanim.md"))
    assert any("mojibake" in note for note in result.repairs)


def test_pdf_glyph_errors_fixed() -> None:
    original = _course("slm-sunumu.txt")
    assert "ř" in original and "đ" in original
    result = repair_text(original)
    assert "ř" not in result.text and "đ" not in result.text
    assert "Metin oluşturma" in result.text
    assert any("glif" in note for note in result.repairs)


@pytest.mark.parametrize(
    "name", ["acik-kaynak-modeller.md", "kucuk-dil-modelleri-1-6gb.md", "llm-nedir-fine-tune.md"]
)
def test_correct_course_files_are_unchanged(name: str) -> None:
    text = _course(name)
    result = repair_text(text)
    assert result.text == text
    assert result.repairs == []


def test_repair_is_idempotent(groq_repaired: str) -> None:
    again = repair_text(groq_repaired)
    assert again.text == groq_repaired
    assert again.repairs == []
    slides = repair_text(_course("slm-sunumu.txt")).text
    assert repair_text(slides).text == slides


@pytest.mark.parametrize(
    "text",
    [
        "Yapay zekâ ve kâr hâlâ önemli.",
        "“ÇALIŞKAN” dedi — İstanbul’da 3°C, %50 · ölçüm…",
        "Ağ »İŞ« Ü° ş± Ç£ çok güzel 🙂 ✅ değil mi?",
        "GPU’lar ÖĞRENİYOR: ĞÜŞİÖÇ ğüşıöç",
    ],
)
def test_correct_turkish_survives_tricky_punctuation(text: str) -> None:
    assert repair_text(text).text == text


TURKISH_ALPHABET = "abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ0123456789 .,;:!?-()\n"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=TURKISH_ALPHABET + "âîû’“”–—…°«»", max_size=200))
def test_property_correct_turkish_is_unchanged(text: str) -> None:
    assert repair_text(text).text == text


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=TURKISH_ALPHABET + "âîûÂÎÛ", min_size=1, max_size=120))
def test_property_cp1254_mojibake_round_trip(text: str) -> None:
    # What a broken editor does: UTF-8 bytes read as cp1254, undefined bytes lost.
    broken = text.encode("utf-8").decode("cp1254", errors="ignore")
    assert repair_text(broken).text == text


def test_mojibake_pattern_flags_residue() -> None:
    assert MOJIBAKE_PATTERN.search("DiÄŸer")
    assert not MOJIBAKE_PATTERN.search("Diğer şirketler")


# --- decoding ----------------------------------------------------------------------
SAMPLE = "Küçük dil modelleri için GPU belleği: ğüşıöç ĞÜŞİÖÇ"


@pytest.mark.parametrize("encoding", ["cp1254", "iso-8859-9", "utf-8", "utf-8-sig", "utf-16"])
def test_decode_turkish_encodings(encoding: str) -> None:
    decoded = decode_bytes(SAMPLE.encode(encoding))
    assert decoded.text == SAMPLE


def test_decode_cp1254_with_windows_punctuation() -> None:
    text = "“Öğrenci” – örnek… ‘şimdi’"
    decoded = decode_bytes(text.encode("cp1254"))
    assert decoded.text == text
    assert decoded.encoding == "cp1254"


def test_decode_iso_8859_9_detected() -> None:
    decoded = decode_bytes("Işık ağı, İzmir".encode("iso-8859-9"))
    assert decoded.text == "Işık ağı, İzmir"
    assert decoded.encoding == "iso-8859-9"


def test_binary_junk_is_not_text() -> None:
    import random

    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(NotTextError):
        decode_bytes(junk)
    with pytest.raises(NotTextError):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
