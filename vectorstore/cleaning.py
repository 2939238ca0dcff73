"""Clean document text for indexing.

Drops what carries no course content: image-only lines, HTML comments and
translator metadata/disclaimer blocks. Tables and code are kept as they are.
"""

from __future__ import annotations

import re

# `![alt](url)`, `![alt](url){width="350px"}`, a linked image
# `[![alt](img)](link)`, or nested forms like `![![](img)](img)`.
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()\s]*(?:\s+\"[^\"]*\")?\)(?:\{[^}]*\})?")
_WRAPPED_IMAGE = re.compile(r"!?\[\s*\x00\s*\]\([^()\s]*\)(?:\{[^}]*\})?")
_ONLY_IMAGES = re.compile(r"^[ \t]*(?:\x00[ \t]*)+$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


def _is_image_only(line: str) -> bool:
    if "](" not in line:
        return False
    reduced = _IMAGE.sub("\x00", line)
    while True:
        again = _WRAPPED_IMAGE.sub("\x00", reduced)
        if again == reduced:
            break
        reduced = again
    return bool(_ONLY_IMAGES.match(reduced))


def _drop_image_lines(text: str) -> str:
    kept: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _is_image_only(line):
            continue
        kept.append(line)
    return "\n".join(kept)


# Machine-translation tools wrap their notes in marker comments; the text
# between START and END is a disclaimer, not course content.
_TRANSLATOR_BLOCK = re.compile(
    r"<!--\s*[A-Z0-9_\- ]*TRANSLATOR[A-Z0-9_\- ]*START\s*-->.*?<!--\s*[A-Z0-9_\- ]*TRANSLATOR[A-Z0-9_\- ]*END\s*-->",
    re.DOTALL | re.IGNORECASE,
)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TRAILING_RULE = re.compile(r"(?:\n[ \t]*-{3,}[ \t]*)+\s*\Z")
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


def clean_for_index(text: str) -> str:
    """Text as it should be embedded and searched; code fences untouched."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRANSLATOR_BLOCK.sub("", text)
    text = _HTML_COMMENT.sub("", text)
    text = _drop_image_lines(text)
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    text = _TRAILING_RULE.sub("", text)
    return text.strip() + "\n" if text.strip() else ""
