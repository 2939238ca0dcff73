"""Clean document text for indexing.

Drops what carries no course content: image-only lines, HTML comments and
translator metadata/disclaimer blocks. Tables and code are kept as they are.
"""

from __future__ import annotations

import re

# `![alt](url)`, `![alt](url){width="350px"}`, or a linked image `[![alt](img)](link)`.
_IMAGE = r"!\[[^\]]*\]\([^)]*\)(?:\{[^}]*\})?"
_IMAGE_ONLY_LINE = re.compile(
    rf"^[ \t]*(?:\[{_IMAGE}\]\([^)]*\)|{_IMAGE})(?:[ \t]*(?:\[{_IMAGE}\]\([^)]*\)|{_IMAGE}))*[ \t]*$",
    re.MULTILINE,
)
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
    text = _IMAGE_ONLY_LINE.sub("", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    text = _TRAILING_RULE.sub("", text)
    return text.strip() + "\n" if text.strip() else ""
