"""Repair broken Turkish text: mojibake and PDF glyph errors.

Pure functions. `repair_text` is idempotent: correct Turkish text comes back
unchanged, and repaired text does not change on a second pass.

Mojibake here means UTF-8 bytes that were decoded as cp1254 (Windows-Turkish)
and saved again. cp1254 leaves seven bytes undefined, and the broken editor
dropped them, so `ftfy` alone cannot restore e.g. "Ğ" (C4 9E) or "Ş" (C5 9E).
The byte-level pass below re-encodes suspicious runs to cp1254, decodes the
UTF-8 sequences it finds, and restores a single dropped byte where the result
is unambiguous. `ftfy` then cleans anything left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

# Bytes cp1254 does not define; the broken round trip dropped them.
_LOST_BYTES = (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E)

# Lead bytes whose truncated sequences may be completed with a lost byte. Their
# cp1254 glyphs (Ã Ä Å â ï ğ) start mojibake; the other lead bytes are
# genuine Turkish capitals (Ç Ğ Ö Ü İ Ş) that must never be touched.
_RESTORABLE_LEADS = {0xC3, 0xC4, 0xC5, 0xE2, 0xEF, 0xF0}

# Runs of characters that cp1254 maps from bytes >= 0x80: UTF-8 multi-byte
# sequences only contain such bytes.
_CP1254_HIGH = "".join(
    bytes([b]).decode("cp1254") for b in range(0x80, 0x100) if b not in _LOST_BYTES
)
_NON_ASCII_RUN = re.compile("[" + re.escape(_CP1254_HIGH) + "]+")

# PDF font glyph errors seen in Turkish slides exported to text (Czech/Croatian
# glyphs in place of Turkish letters), and Latin-1 glyphs for Latin-5 letters.
_GLYPH_FIXES = {
    "ř": "ş",
    "Ř": "Ş",
    "đ": "ğ",
    "Đ": "Ğ",
    "ý": "ı",
    "Ý": "İ",
    "þ": "ş",
    "Þ": "Ş",
    "ð": "ğ",
}
_GLYPH_RE = re.compile("(?<=\\w)[" + "".join(_GLYPH_FIXES) + "]|[" + "".join(_GLYPH_FIXES) + "](?=\\w)")

# What residue of mojibake looks like; tests and warnings use it.
MOJIBAKE_PATTERN = re.compile(r"Ã|Å|Ä[A-Za-z\u0080-\u024f]|â€|ğŸ|ř|đ|\ufffd")

_TURKISH_HINT = re.compile(r"[çğıöşüÇĞİÖŞÜ]")


@dataclass
class RepairResult:
    text: str
    repairs: list[str] = field(default_factory=list)  # Turkish descriptions


# Emoji in the Basic Multilingual Plane (from Unicode's emoji data); used to
# pick the one emoji among candidates when a lost byte is restored.
_BMP_EMOJI_RANGES = (
    (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139),
    (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE),
    (0x2600, 0x2604), (0x260E, 0x260E), (0x2611, 0x2611), (0x2614, 0x2615),
    (0x2618, 0x2618), (0x261D, 0x261D), (0x2620, 0x2620), (0x2622, 0x2623),
    (0x2626, 0x2626), (0x262A, 0x262A), (0x262E, 0x262F), (0x2638, 0x263A),
    (0x2640, 0x2640), (0x2642, 0x2642), (0x2648, 0x2653), (0x265F, 0x2660),
    (0x2663, 0x2663), (0x2665, 0x2666), (0x2668, 0x2668), (0x267B, 0x267B),
    (0x267E, 0x267F), (0x2692, 0x2697), (0x2699, 0x2699), (0x269B, 0x269C),
    (0x26A0, 0x26A1), (0x26A7, 0x26A7), (0x26AA, 0x26AB), (0x26B0, 0x26B1),
    (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26C8, 0x26C8), (0x26CE, 0x26CF),
    (0x26D1, 0x26D1), (0x26D3, 0x26D4), (0x26E9, 0x26EA), (0x26F0, 0x26F5),
    (0x26F7, 0x26FA), (0x26FD, 0x26FD), (0x2702, 0x2702), (0x2705, 0x2705),
    (0x2708, 0x270D), (0x270F, 0x270F), (0x2712, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728),
    (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2763, 0x2764),
    (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0), (0x27BF, 0x27BF),
    (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
)


def _is_emoji(char: str) -> bool:
    code = ord(char)
    if 0x1F000 <= code <= 0x1FAFF:
        return True
    return any(low <= code <= high for low, high in _BMP_EMOJI_RANGES)


def _plausible(char: str) -> bool:
    """A decoded character that mojibake of Turkish/emoji text may produce."""
    code = ord(char)
    if code < 0x80:
        return False
    if code <= 0x24F:  # Latin-1 supplement and Latin Extended-A/B
        return True
    if 0x2000 <= code <= 0x2BFF:  # punctuation, arrows, symbols, dingbats
        return True
    if 0xFE00 <= code <= 0xFE0F:  # variation selectors (emoji presentation)
        return True
    if 0x1F000 <= code <= 0x1FAFF:  # emoji
        return True
    return False


def _seq_len(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_cont(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def _restore_one(seq: bytes, expected: int) -> str | None:
    """Complete a sequence missing exactly one byte, if only one answer fits.

    Turkish letters and the emoji variation selector win over other candidates
    because that is what the course text contains.
    """
    candidates: set[str] = set()
    for pos in range(1, expected):
        for lost in _LOST_BYTES:
            trial = seq[:pos] + bytes([lost]) + seq[pos:]
            try:
                char = trial.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and _plausible(char):
                candidates.add(char)
    for preferred in ("Ğ", "Ş", "Î", "\ufe0f"):
        if preferred in candidates:
            return preferred
    emoji = [char for char in candidates if _is_emoji(char)]
    if len(emoji) == 1:
        return emoji[0]
    if len(candidates) == 1:
        return next(iter(candidates))
    return None


def _fix_run(run: str) -> str:
    """Decode one non-ASCII run as cp1254-encoded UTF-8; keep what does not fit."""
    try:
        raw = run.encode("cp1254")
    except UnicodeEncodeError:
        return run
    out: list[str] = []
    i = 0
    while i < len(raw):
        lead = raw[i]
        expected = _seq_len(lead)
        if expected == 0:
            out.append(bytes([lead]).decode("cp1254"))
            i += 1
            continue
        tail = 0
        while tail < expected - 1 and i + 1 + tail < len(raw) and _is_cont(raw[i + 1 + tail]):
            tail += 1
        seq = raw[i : i + 1 + tail]
        if tail == expected - 1:
            try:
                char = seq.decode("utf-8")
            except UnicodeDecodeError:
                char = ""
            if char and _plausible(char):
                out.append(char)
                i += len(seq)
                continue
        elif tail == expected - 2 and lead in _RESTORABLE_LEADS:
            char = _restore_one(seq, expected)
            if char is not None:
                out.append(char)
                i += len(seq)
                continue
        if lead == 0xF0 and tail >= 1 and raw[i + 1] == 0x9F:
            # A truncated emoji that cannot be rebuilt: drop the fragment
            # rather than leave glyph salad glued to the next word.
            i += len(seq)
            continue
        out.append(bytes([lead]).decode("cp1254"))
        i += 1
    return "".join(out)


def _looks_like_mojibake(text: str) -> bool:
    # Ã Ä Å never occur in Turkish; they are the cp1254 glyphs of UTF-8 lead
    # bytes C3 C4 C5, which carry every Turkish letter.
    return bool(re.search(r"[ÃÄÅ]|Â[\u0080-\u024f\u2000-\u20ff]|â€|ğŸ", text))


def fix_mojibake(text: str) -> str:
    """Byte-level repair of UTF-8-read-as-cp1254 text, then ftfy for the rest."""
    if not _looks_like_mojibake(text):
        return text
    fixed = _NON_ASCII_RUN.sub(lambda m: _fix_run(m.group(0)), text)
    # ftfy only for encoding problems; leave quotes, widths and ligatures as
    # the author wrote them so correct text stays byte-identical.
    fixed = ftfy.fix_text(
        fixed,
        uncurl_quotes=False,
        fix_character_width=False,
        fix_latin_ligatures=False,
        fix_line_breaks=False,
        normalization=None,
    )
    # A dropped emoji may leave its neighbour glued on, e.g. "️Kurulum".
    fixed = re.sub(r"([\U0001F000-\U0001FAFF\u2600-\u27BF]\ufe0f?)(?=\w)", r"\1 ", fixed)
    return fixed


def fix_glyphs(text: str) -> str:
    """Replace PDF glyph errors inside Turkish words (ř->ş, đ->ğ, ...)."""
    if not _TURKISH_HINT.search(text):
        return text
    return _GLYPH_RE.sub(lambda m: _GLYPH_FIXES[m.group(0)], text)


def repair_text(text: str) -> RepairResult:
    """Repair mojibake and glyph errors; report what was done in Turkish."""
    repairs: list[str] = []
    step = fix_mojibake(text)
    if step != text:
        count = sum(1 for a, b in zip(text.splitlines(), step.splitlines()) if a != b)
        repairs.append(f"Bozuk karakter kodlaması (mojibake) onarıldı: {count} satır")
    glyphs = fix_glyphs(step)
    if glyphs != step:
        count = len(_GLYPH_RE.findall(step))
        repairs.append(f"PDF glif hataları düzeltildi (ř→ş, đ→ğ vb.): {count} karakter")
    normalized = unicodedata.normalize("NFC", glyphs)
    if normalized != glyphs:
        repairs.append("Unicode NFC biçimine getirildi")
    return RepairResult(text=normalized, repairs=repairs)


def mojibake_residue(text: str) -> list[str]:
    """Lines that still look like mojibake (for warnings and tests)."""
    return [line for line in text.splitlines() if MOJIBAKE_PATTERN.search(line)]
