"""Clean document text for indexing.

Drops what carries no course content: image-only lines, HTML comments,
translator metadata/disclaimer blocks and tables of contents (a list of
section titles that reappear further down: navigation, not content, and in a
slide export it sits in the first chunk, where its many topic words made that
chunk win generic questions). Tables and code are kept as they are.
"""

from __future__ import annotations

import re

from turkish.tokenize import index_terms

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


# A table-of-contents entry: "3. Title", "- Title", "* [Title](#anchor)".
_TOC_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+(?:\[([^\]]{1,80})\]\([^)]*\)|([^\n]{1,70}))[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*•|>])")
_TOC_MIN_ITEMS = 4
_TOC_MIN_SHARE = 0.6  # share of entries whose title reappears as a line further down
_TOC_LABEL_MAX_CHARS = 25


def _title_terms(text: str) -> frozenset[str]:
    return frozenset(index_terms(text.strip(" #\t")))


def _toc_item_title(line: str) -> str | None:
    match = _TOC_ITEM.match(line)
    if not match:
        return None
    title = (match.group(1) or match.group(2) or "").strip()
    # Sentences are content, not entries of a contents list.
    if not title or title.endswith((".", ",", ";", ":")) or len(title.split()) > 8:
        return None
    return title


def _drop_tables_of_contents(text: str) -> str:
    """Drop runs of short list entries whose titles mostly reappear later as lines.

    An entry reappears when a later short line that is not itself a list item
    (a heading or a slide title) shares at least half of its terms, so
    "Dil Modeli Nedir ?" matches the slide "Dil Modelleri Nedir?". A short
    label line right before the list ("İÇERİK", "İçindekiler") goes with it.
    """
    lines = text.split("\n")
    in_fence = False
    fenced = []
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            fenced.append(True)
        else:
            fenced.append(in_fence)
    drop: set[int] = set()
    i = 0
    while i < len(lines):
        if fenced[i] or _toc_item_title(lines[i]) is None:
            i += 1
            continue
        end = i
        while end < len(lines) and not fenced[end] and _toc_item_title(lines[end]) is not None:
            end += 1
        titles = [_toc_item_title(line) or "" for line in lines[i:end]]
        if len(titles) >= _TOC_MIN_ITEMS:
            later = [
                _title_terms(line)
                for line in lines[end:]
                if line.strip() and len(line.strip()) <= 80 and not _LIST_ITEM.match(line)
            ]
            found = 0
            for title in titles:
                terms = _title_terms(title)
                if terms and any(len(terms & other) * 2 >= len(terms) for other in later if other):
                    found += 1
            if found >= _TOC_MIN_SHARE * len(titles):
                drop.update(range(i, end))
                label = i - 1
                while label >= 0 and not lines[label].strip():
                    label -= 1
                if (
                    label >= 0
                    and not fenced[label]
                    and len(lines[label].strip(" #\t")) <= _TOC_LABEL_MAX_CHARS
                    and not lines[label].rstrip().endswith((".", "?", "!", ":"))
                    and not _LIST_ITEM.match(lines[label])
                    and (label == 0 or not lines[label - 1].strip())
                ):
                    drop.add(label)
        i = end
    if not drop:
        return text
    return "\n".join(line for n, line in enumerate(lines) if n not in drop)


def clean_for_index(text: str) -> str:
    """Text as it should be embedded and searched; code fences untouched."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRANSLATOR_BLOCK.sub("", text)
    text = _HTML_COMMENT.sub("", text)
    text = _drop_image_lines(text)
    text = _drop_tables_of_contents(text)
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    text = _TRAILING_RULE.sub("", text)
    return text.strip() + "\n" if text.strip() else ""
