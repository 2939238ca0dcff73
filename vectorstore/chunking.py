"""Split a document into chunks with heading paths for citations.

Markdown headings start sections (a `#` line inside a code fence is a Python
comment, not a heading). Each section is split recursively to about
`chunk_size` characters with overlap; sections too small to stand alone are
merged into their neighbour so no chunk is a lone heading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from langchain_text_splitters import RecursiveCharacterTextSplitter

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```+|~~~+)")
# Emoji, pictographs, variation selectors and joiners: noise in a citation.
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF\uFE00-\uFE0F\u200D\u20E3]+"
)
_SPLIT_SEPARATORS = ["\n```", "\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


@dataclass
class Chunk:
    text: str
    metadata: dict[str, object] = field(default_factory=dict)


@dataclass
class _Section:
    path: list[str]
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


def clean_heading(raw: str) -> str:
    """Heading text without emoji, markdown emphasis or stray punctuation."""
    text = _EMOJI.sub("", raw)
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"\s+", " ", text).strip(" :-–—")
    return text


def split_sections(text: str) -> list[_Section]:
    """Sections by markdown heading, fence-aware; heading lines stay in the text."""
    sections: list[_Section] = [_Section(path=[], lines=[])]
    stack: list[tuple[int, str]] = []
    fence: str | None = None
    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)[:3]
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
            sections[-1].lines.append(line)
            continue
        heading = None if fence else _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            title = clean_heading(heading.group(2))
            while stack and stack[-1][0] >= level:
                stack.pop()
            if title:
                stack.append((level, title))
            display = f"{heading.group(1)} {title}" if title else ""
            sections.append(_Section(path=[t for _, t in stack], lines=[display] if display else []))
            continue
        sections[-1].lines.append(line)
    return [s for s in sections if s.text]


def _merge_small(sections: list[_Section], min_chars: int) -> list[_Section]:
    """Fold sections shorter than `min_chars` into the following one."""
    merged: list[_Section] = []
    pending: _Section | None = None
    for section in sections:
        if pending is not None:
            # The merged text is cited under whichever part carries more of it.
            path = section.path if len(section.text) >= len(pending.text) else pending.path
            section = _Section(path=path or pending.path, lines=pending.lines + [""] + section.lines)
            pending = None
        if len(section.text) < min_chars:
            pending = section
        else:
            merged.append(section)
    if pending is not None:
        if merged:
            merged[-1] = _Section(path=merged[-1].path, lines=merged[-1].lines + [""] + pending.lines)
        else:
            merged.append(pending)
    return merged


def _merge_tiny_pieces(pieces: list[str], min_chars: int, max_chars: int) -> list[str]:
    """Glue pieces too short to mean anything (a lone heading before a code
    fence, a stray closing line) onto a neighbour."""
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if carry:
            piece = f"{carry}\n{piece}"
            carry = ""
        if len(piece) < min_chars:
            carry = piece
            continue
        merged.append(piece)
    if carry:
        if merged and len(merged[-1]) + len(carry) <= max_chars:
            merged[-1] = f"{merged[-1]}\n{carry}"
        else:
            merged.append(carry)
    return merged


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def chunk_document(
    text: str,
    source: str,
    title: str = "",
    *,
    page: int | None = None,
    slide: int | None = None,
    chunk_size: int = 800,
    overlap: int = 120,
    start_index: int = 0,
    base_path: list[str] | None = None,
) -> list[Chunk]:
    """Chunks of one text (a whole document, or one page or slide of it).

    `start_index` continues numbering across pages; `base_path` prefixes the
    section path (e.g. a slide title).
    """
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(overlap, chunk_size // 2),
        separators=_SPLIT_SEPARATORS,
        keep_separator="start",
        strip_whitespace=True,
    )
    sections = _merge_small(split_sections(text), min_chars=max(chunk_size // 4, 1))
    chunks: list[Chunk] = []
    index = start_index
    for section in sections:
        path = (base_path or []) + section.path
        pieces = _merge_tiny_pieces(
            splitter.split_text(section.text), min_chars=max(chunk_size // 8, 1), max_chars=chunk_size * 5 // 4
        )
        for piece in pieces:
            metadata: dict[str, object] = {
                "source": source,
                "title": title,
                "section": " > ".join(path),
                "chunk_index": index,
                "content_hash": content_hash(piece),
            }
            if page is not None:
                metadata["page"] = page
            if slide is not None:
                metadata["slide"] = slide
            chunks.append(Chunk(text=piece, metadata=metadata))
            index += 1
    return chunks
