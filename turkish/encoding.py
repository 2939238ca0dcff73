"""Decode the bytes of a text file, with Turkish legacy encodings in mind.

Pure: takes bytes, returns text. UTF-8 (with or without BOM) and UTF-16 with a
BOM are taken as they are. Anything else is most likely Windows-Turkish
(cp1254) or ISO-8859-9 in a Turkish course; those two agree on 0xA0-0xFF and
differ in 0x80-0x9F, where cp1254 has punctuation (curly quotes, dashes) and
ISO-8859-9 has control codes. charset-normalizer decides for other text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_TURKISH_LETTERS = re.compile(r"[çğıöşüÇĞİÖŞÜ]")


class NotTextError(ValueError):
    """The bytes are not text in any encoding we accept."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters mean binary content, not text."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in (0x09, 0x0A, 0x0D, 0x0C))
    return controls / len(sample) > 0.05


def _turkish_score(text: str) -> int:
    return len(_TURKISH_LETTERS.findall(text))


def decode_bytes(data: bytes) -> DecodedText:
    """Decode bytes to text; raise NotTextError for binary content."""
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(data.decode("utf-16", errors="replace"), "utf-16")
    if looks_binary(data):
        raise NotTextError("binary content")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass

    # Not UTF-8. cp1254 when bytes 0x80-0x9F occur (ISO-8859-9 has only
    # control codes there), otherwise ISO-8859-9 (same letters as cp1254).
    has_c1 = any(0x80 <= byte <= 0x9F for byte in data)
    turkish_guess = "cp1254" if has_c1 else "iso-8859-9"
    try:
        turkish_text = data.decode(turkish_guess)
    except UnicodeDecodeError:
        turkish_text = None
    if turkish_text is not None and _turkish_score(turkish_text) > 0:
        return DecodedText(turkish_text, turkish_guess)

    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return DecodedText(str(best), best.encoding)
    if turkish_text is not None:
        return DecodedText(turkish_text, turkish_guess)
    raise NotTextError("unknown encoding")
