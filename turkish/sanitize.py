"""Clean text at the edge of the system: what a broken clipboard or a mis-decoded file produces.

Pure: no I/O. Lone surrogates (e.g. "\\udcd2" from a `surrogateescape` decode) make
UTF-8 encoders raise deep inside tokenizers; NUL and other control characters break
SQLite text, terminals and JSON consumers; bidirectional overrides can make a question
display differently from what it says. Newline and tab are kept; the result is NFC,
so "ı̇" style decomposed Turkish letters compare equal to the composed ones.
"""

from __future__ import annotations

import unicodedata

# Bidi embedding/override/isolate controls (U+202A..U+202E, U+2066..U+2069) and the marks.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_KEEP = frozenset("\n\t")


def _allowed(ch: str) -> bool:
    if ch in _KEEP:
        return True
    if ch in _BIDI:
        return False
    category = unicodedata.category(ch)
    # Cc: control chars (NUL, ESC, DEL, C1), Cs: lone surrogates, Cn: unassigned is kept (new emoji).
    return category not in ("Cc", "Cs")


def sanitize_text(text: str) -> str:
    """`text` without lone surrogates, control characters (except newline/tab) and bidi controls, NFC."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(ch for ch in text if _allowed(ch))
    return unicodedata.normalize("NFC", cleaned)
