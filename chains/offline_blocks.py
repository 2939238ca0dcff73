"""Read a course passage into quotable blocks: lists, table rows and prose sentences under their headings.

Markdown and the plain-text slide export look different (a slide title is a
short line on its own, a markdown title starts with "#"), so both are
recognised. A ```markdown fence holding numbered steps is read as a list;
other fences are code and never quoted. A line ending in ":" right before a
list is that list's intro, not a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LIST_ITEM = re.compile(r"^(\s*)(?:[-*•+]|(\d+)[.)])\s+(.*\S)\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*\S)\s*$")
_FENCE = re.compile(r"^\s*```")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÇĞİÖŞÜ0-9\"“(])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_CODE_LIKE = re.compile(r"(^\$|\w\(|=\s|^\s*(import|from|def|class|print)\b|[{};]\s*$)")
# Greetings and stage directions of a lecture ("Sevgili öğrenciler, gelin birlikte bakalım").
_FILLER = re.compile(
    r"^(sevgili|merhaba|selam|değerli|hadi|haydi)\b|\bgelin\b|\bbakalım\b|teşekkür ederim|dinlediğiniz için", re.IGNORECASE
)
ITEM_MAX_CHARS = 300
_TEXT_FENCES = {"", "markdown", "md", "text", "txt"}
# "*Mantıksal Düşünme:* Matematik …", "**Maliyet** - Bu modelleri …": a short emphasised label, then text.
_LABEL_LINE = re.compile(r"^\s*(\*{1,2}|_{1,2})(?=\S)([^*_]{2,60}?)\1\s*(?:[-–—:]\s*)?\S")
# Words that point at what follows ("şu alanlarda", "aşağıdaki bilgiler"): such a colon line is an intro only.
_POINTER = re.compile(r"\b(şu|şunlar\w*|şöyle|aşağıdaki\w*|bunlar\w*|şunu|şunları)\b", re.IGNORECASE)
SHORT_CODE_LINES = 3
SHORT_CODE_CHARS = 160
_INLINE_CODE = re.compile(r"`[^`]*`")


@dataclass
class Block:
    kind: str  # "list" | "table" | "prose" | "code"
    heading: str
    position: int
    search_text: str
    items: list[str] = field(default_factory=list)
    ordered: bool = False
    intro: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    focus: int = 0
    # The heading the block is written under; `heading` may add a nested list group's title to it.
    section: str = ""

    def __post_init__(self) -> None:
        self.section = self.section or self.heading


def clean_inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(0).endswith("(#)") else m.group(0), text)
    return " ".join(text.split()).strip()


def is_filler(sentence: str) -> bool:
    return _FILLER.search(sentence) is not None


def quotable(sentence: str) -> bool:
    """A whole sentence that carries content: no fragment, no code, no greeting."""
    if len(sentence.split()) < 4 or not re.search(r"[a-zçğıöşü]{3}", sentence):
        return False
    if sentence.endswith((":", ",", ";")) or sentence.count("(") > sentence.count(")") or sentence.count("`") % 2:
        return False
    if sentence.rstrip('"”*').endswith("?"):
        return False  # a question restated ("API anahtarım çalışmıyor, ne yapmalıyım?") answers nothing
    prose = _INLINE_CODE.sub("kod", sentence)  # quoted code is fine inside a sentence
    return not _CODE_LIKE.search(prose) and not is_filler(sentence)


def _is_plain_heading(lines: list[str], index: int) -> bool:
    """A slide title: a short line alone, no sentence punctuation, followed by a blank line."""
    line = lines[index].strip()
    if not line or len(line) > 70 or len(line.split()) > 9 or line[-1] in ".!,;:":
        return False
    closes_parenthesis = line.endswith(")")  # "RNN (Recurrent Neural Networks)" is a title; "(min. Ampere)" ends a row
    if closes_parenthesis and (line.count("(") != line.count(")") or "." in line):
        return False
    if _LIST_ITEM.match(lines[index]) or "|" in line:
        return False
    before = index == 0 or not lines[index - 1].strip()
    after = index + 1 >= len(lines) or not lines[index + 1].strip()
    if before and not after:
        # "Transformer" on its own line, its paragraph right below without a blank line.
        nxt = lines[index + 1].strip()
        after = (
            len(line.split()) <= 6 and len(nxt) >= max(60, 2 * len(line)) and nxt[-1] in ".!?…"
            and not _LIST_ITEM.match(lines[index + 1]) and _table_cells(lines[index + 1]) is None
        )
    return before and after


def _label_runs_as_lists(lines: list[str]) -> list[str]:
    """Two or more label paragraphs in a row ("*Dil Anlama:* …", "*Çok Dilli Destek:* …") are a list."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        run: list[str] = []
        probe = index
        while probe < len(lines):
            if not lines[probe].strip():
                probe += 1
                continue
            single = probe + 1 >= len(lines) or not lines[probe + 1].strip()
            if _LABEL_LINE.match(lines[probe]) and single and not _LIST_ITEM.match(lines[probe]):
                run.append(lines[probe].strip())
                probe += 1
                continue
            break
        if len(run) >= 2:
            out.extend(["", *(f"- {item}" for item in run), ""])
            index = probe
            continue
        out.append(lines[index])
        index += 1
    return out


def _table_cells(line: str) -> list[str] | None:
    """Cells of a markdown ("| a | b |") or tab-separated table row."""
    if line.count("|") >= 2:
        return [clean_inline(cell) for cell in line.strip().strip("|").split("|")]
    if line.count("\t") >= 2:
        # Leading tabs are empty cells ("\t13B\t47.8" continues the row above), so only the end is stripped.
        return [clean_inline(cell) for cell in line.rstrip(" \n").split("\t")]
    return None


_CODE_MARK = "\x00code:"
CODE_MAX_LINES = 12


def _unfence(lines: list[str], code: list[tuple[str, list[str]]] | None = None) -> list[str]:
    """Unwrap text fences (numbered steps, a formula with its legend); a code fence becomes a marker line.

    The marker points into `code` (language, lines): a code example is quoted as code, never as prose.
    """
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not _FENCE.match(lines[index]):
            out.append(lines[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not _FENCE.match(lines[end]):
            end += 1
        inner = [line for line in lines[index + 1 : end] if line.strip()]
        language = lines[index].strip().strip("`").strip().lower()
        listed = [bool(_LIST_ITEM.match(line)) for line in inner]
        if inner and all(listed):
            out.extend(["", *inner, ""])
        elif language in _TEXT_FENCES and sum(listed) >= 2 and sum(listed) * 2 >= len(inner) and not any(listed[: listed.index(True)]):
            # A formula with its legend ("Minimum VRAM = …" then "- Precision: FP16 için 2 byte"):
            # the lines before the list introduce it.
            head = [line.strip() for line in inner[: listed.index(True)]]
            if head and not head[-1].endswith(":"):
                head[-1] += ":"
            out.extend(["", *head, *inner[listed.index(True):], ""])
        elif inner and len(inner) <= SHORT_CODE_LINES and sum(map(len, inner)) <= SHORT_CODE_CHARS:
            # A short snippet inside a sentence ("yazmak yerine: `...` şeklinde") stays in the sentence.
            out.append("`" + "; ".join(line.strip() for line in inner) + "`")
        elif inner and code is not None:
            code.append((language, [line.rstrip() for line in lines[index + 1 : end]]))
            out.extend(["", f"{_CODE_MARK}{len(code) - 1}", ""])
        else:
            out.append("")
        index = end + 1
    return out


def passage_blocks(text: str) -> list[Block]:
    code: list[tuple[str, list[str]]] = []
    lines = _label_runs_as_lists(_unfence(text.splitlines(), code))
    blocks: list[Block] = []
    heading = ""
    paragraph: list[str] = []
    pending_intro = [""]  # a paragraph ending in ":" introduces the list that follows it
    index = 0

    def list_follows() -> bool:
        probe = index
        while probe < len(lines) and not lines[probe].strip():
            probe += 1
        return probe < len(lines) and (_LIST_ITEM.match(lines[probe]) is not None or _table_cells(lines[probe]) is not None)

    def flush_paragraph() -> None:
        if not paragraph:
            return
        last = paragraph[-1].rstrip().rstrip('"”*')
        if last.endswith("?") and list_follows():
            pending_intro[0] = clean_inline(paragraph.pop())  # a FAQ question above its answer list
        elif paragraph[-1].rstrip().endswith(":"):
            if list_follows():
                # Only the sentence that ends in the colon introduces the list; the ones before it stay prose.
                sentences = _SENTENCE_SPLIT.split(clean_inline(paragraph.pop()))
                pending_intro[0] = sentences[-1]
                if len(sentences) > 1:
                    paragraph.append(" ".join(sentences[:-1]))
            elif not _POINTER.search(paragraph[-1]):
                # Nothing is listed after it ("… HuggingChat Asistanlarıdır:" before a picture): a sentence.
                paragraph[-1] = paragraph[-1].rstrip()[:-1].rstrip() + "."
        if not paragraph:
            return
        joined = clean_inline(" ".join(paragraph))
        paragraph.clear()
        sentences = [s for s in (p.strip() for p in _SENTENCE_SPLIT.split(joined)) if s]
        for focus, sentence in enumerate(sentences):
            if quotable(sentence):
                blocks.append(Block("prose", heading, len(blocks), sentence, sentences=sentences, focus=focus))

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith(_CODE_MARK):
            flush_paragraph()
            language, body = code[int(stripped[len(_CODE_MARK):])]
            body = _dedent(body)[:CODE_MAX_LINES]
            blocks.append(Block("code", heading, len(blocks), "\n".join(body), items=body, intro=language))
            index += 1
            continue
        match = _HEADING.match(line)
        if match or _is_plain_heading(lines, index):
            flush_paragraph()
            pending_intro[0] = ""
            heading = clean_inline(match.group(1) if match else stripped)
            index += 1
            continue
        if not stripped:
            flush_paragraph()
            index += 1
            continue
        if _LIST_ITEM.match(line):
            flush_paragraph()
            index = _read_list(lines, index, heading, pending_intro[0], blocks)
            pending_intro[0] = ""
            continue
        if set(stripped) <= set("-=*_ "):
            index += 1  # a horizontal rule
            continue
        if _table_cells(line) is not None:
            flush_paragraph()
            pending_intro[0] = ""
            index = _read_table(lines, index, heading, blocks)
            continue
        if pending_intro[0] and not paragraph:
            pending_intro[0] = ""  # prose came between the colon line and any list
        paragraph.append(stripped)
        index += 1
    flush_paragraph()
    return blocks


def _dedent(body: list[str]) -> list[str]:
    indent = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)
    return [line[indent:] for line in body]


def _read_list(lines: list[str], index: int, heading: str, intro: str, blocks: list[Block]) -> int:
    entries: list[tuple[int, str, bool]] = []  # (indent, text, numbered)
    while index < len(lines):
        match = _LIST_ITEM.match(lines[index])
        if match:
            entries.append((len(match.group(1).expandtabs(4)), clean_inline(match.group(3)), match.group(2) is not None))
            index += 1
            continue
        if not lines[index].strip():
            # A blank line ends the list unless an item or an indented continuation follows.
            nxt = index + 1
            if nxt < len(lines) and (_LIST_ITEM.match(lines[nxt]) or lines[nxt].startswith(("  ", "\t"))):
                index = nxt
                continue
            break
        if lines[index].startswith(("  ", "\t")) and entries:
            indent, text, numbered = entries[-1]
            entries[-1] = (indent, f"{text} {clean_inline(lines[index])}".strip(), numbered)
            index += 1
            continue
        break
    entries = [(i, _shorten(t), n) for i, t, n in entries if t and not _CODE_LIKE.search(t)]
    if not entries:
        return index
    top = min(indent for indent, _, _ in entries)
    if any(indent > top for indent, _, _ in entries):
        # A nested list ("1. Groq Kütüphanesi:" with its bullets): each top item with its children is one block.
        groups: list[list[tuple[int, str, bool]]] = []
        for entry in entries:
            if entry[0] == top or not groups:
                groups.append([entry])
            else:
                groups[-1].append(entry)
        for group in groups:
            title = group[0][1]
            children = [text for _, text, _ in group[1:]]
            search = " ".join([title, *children])
            blocks.append(Block("list", f"{heading} {title}".strip(), len(blocks), search, items=children or [title],
                                intro=title if children else intro, section=heading))
        return index
    items = [text for _, text, _ in entries]
    ordered = all(numbered for _, _, numbered in entries)
    blocks.append(Block("list", heading, len(blocks), " ".join([intro, *items]), items=items, ordered=ordered, intro=intro))
    return index


def _shorten(item: str) -> str:
    return item if len(item) <= ITEM_MAX_CHARS else item[:ITEM_MAX_CHARS].rsplit(" ", 1)[0] + " …"


def _read_table(lines: list[str], index: int, heading: str, blocks: list[Block]) -> int:
    rows: list[list[str]] = []
    while index < len(lines):
        cells = _table_cells(lines[index])
        if cells is None:
            break
        if not all(set(cell) <= set("-: ") for cell in cells):
            rows.append(cells)
        index += 1
    if len(rows) < 2:
        return index
    header, body = rows[0], rows[1:]
    for previous, row in zip(body, body[1:]):
        if row and not row[0] and previous:
            row[0] = previous[0]  # a merged first cell ("Llama-2" over its 7B/13B/70B rows)
    for focus, row in enumerate(body):
        if len([cell for cell in row if cell]) >= 2:
            search = " ".join(row)
            # The header names what the cells are ("VRAM", "Önerilen GPU"): it scores like a heading.
            context = f"{heading} {' '.join(header)}".strip()
            blocks.append(Block("table", context, len(blocks), search, header=header, rows=body, focus=focus, section=heading))
    return index
