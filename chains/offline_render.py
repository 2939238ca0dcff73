"""Quote a scored block as markdown, the way the course wrote it, with the passage around it.

- A list stays a list (long lists trimmed to the items that match), a table
  row comes with its header as a small markdown table, prose comes as the best
  sentence with its matching neighbours in document order (a short paragraph
  whole).
- The blocks around the best one in its passage follow it, in document order,
  while the answer stays under about half a screen: the retriever's passage is
  usually right even when word matching picks the wrong block of it (evidence
  share +0.03 to +0.05 on every evaluation set, docs/offline-eval.md). Another
  heading is another topic unless it carries on with the question.
"""

from __future__ import annotations

from chains.offline_blocks import Block, quotable
from chains.offline_scoring import Scored, asks_for_code, soft_matches
from chains.offline_scoring import terms as _terms

PROSE_CHARS = 650
LIST_ITEMS_WHOLE = 8  # longer lists are trimmed to the matching items
TABLE_ROWS = 4
WHOLE_PARAGRAPH = True
CONTEXT_CHARS = 700  # the best block and its passage around it, as written, up to about half a screen
CONTEXT_MIN_WORDS = 6


SOURCE_LINE = "Kaynak: "  # a citation after a table or code block sits on a line of its own, labelled


def render(best: Scored, question: str, expansion: str = "", limit: int = PROSE_CHARS, row_only: bool = False) -> str:
    """The block as markdown, trimmed to what answers, with its citation number.

    `row_only`: a table block is its best row alone (next to computed numbers, which are the answer).
    """
    query = _terms(question) | (_terms(expansion) if expansion else set())
    block, tag = best.block, f"[{best.number}]"
    if block.kind == "list":
        items = block.items
        if len(items) > LIST_ITEMS_WHOLE:
            matching = [item for item in items if query & _terms(item)]
            items = matching[:LIST_ITEMS_WHOLE] or items[:LIST_ITEMS_WHOLE]
        lines = [f"{block.intro} {tag}"] if block.intro else []
        if not block.intro and best.heading_matched and block.heading:
            lines.append(f"**{block.heading}**")
        for index, item in enumerate(items, start=1):
            lines.append(f"{index}. {item}" if block.ordered else f"- {item}")
        if not block.intro:
            lines[-1] += f" {tag}"
        return "\n".join(lines)
    if block.kind == "code":
        return f"```{block.intro}\n" + "\n".join(block.items) + f"\n```\n\n{SOURCE_LINE}{tag}"
    if block.kind == "table":
        # The best row, then the other rows that share a question term (most shared first), in table order;
        # a term in every row ("GB" in a VRAM column) tells no row apart.
        row_terms = [_terms(" ".join(row)) for row in block.rows]
        everywhere = set.intersection(*row_terms) if row_terms else set()
        shared = {i: len((query & terms) - everywhere) for i, terms in enumerate(row_terms) if i != block.focus}
        others = sorted((i for i, n in shared.items() if n), key=lambda i: (-shared[i], i))
        rows = [block.rows[i] for i in sorted([block.focus, *([] if row_only else others[: TABLE_ROWS - 1])])]
        width = len(block.header)
        lines = ["| " + " | ".join(block.header) + " |", "|" + "---|" * width]
        for row in rows:
            cells = (row + [""] * width)[:width]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + f"\n\n{SOURCE_LINE}{tag}"
    # Prose: the best sentence plus the matching sentences around it, in document order.
    sentences = block.sentences
    whole = [i for i, sentence in enumerate(sentences) if quotable(sentence)]
    if WHOLE_PARAGRAPH and len(" ".join(sentences[i] for i in whole)) <= limit:
        # A short paragraph is one thought: quote all of it rather than pick from it.
        return " ".join(sentences[i] for i in whole) + f" {tag}"
    chosen = {best.block.focus}
    for index, sentence in enumerate(sentences):
        near = abs(index - block.focus)
        # The next sentence usually finishes the thought; further ones must match the question.
        if index != block.focus and quotable(sentence) and (index == block.focus + 1 or (_shares(query, _terms(sentence)) and near <= 2)):
            chosen.add(index)
    text = ""
    for index in sorted(chosen, key=lambda i: (abs(i - block.focus), i)):
        candidate = " ".join(sentences[i] for i in sorted({*_picked(text, sentences), index}))
        if len(candidate) <= limit or not text:
            text = candidate
    return f"{text} {tag}"


def _shares(query: set[str], terms: set[str]) -> bool:
    return bool(query & terms or soft_matches(query, terms))


def _picked(text: str, sentences: list[str]) -> set[int]:
    return {i for i, s in enumerate(sentences) if text and s in text}


def _units(blocks: list[Block]) -> list[list[Block]]:
    """Blocks grouped as written: the sentences of one paragraph, the rows of one table, one list."""
    units: list[list[Block]] = []
    keys: list[object] = []
    for block in blocks:
        key = id(block.sentences) if block.kind == "prose" else id(block.rows) if block.kind == "table" else block.position
        if keys and keys[-1] == key:
            units[-1].append(block)
        else:
            units.append([block])
            keys.append(key)
    return units


def _context_text(unit: list[Block], best: Scored, question: str, expansion: str) -> str:
    """A neighbouring paragraph, list or small table quoted whole; "" for lines that teach nothing on their own."""
    first = unit[0]
    if first.kind == "prose":
        sentences = [s for s in first.sentences if quotable(s) and len(s.split()) >= CONTEXT_MIN_WORDS]
        return " ".join(sentences)
    if first.kind == "table" and len(first.rows) > TABLE_ROWS:
        return ""
    if first.kind == "code" and not asks_for_code(question):
        return ""
    if first.kind == "list" and len(first.items) < 2 and len(first.items[0].split()) < CONTEXT_MIN_WORDS:
        return ""  # a lone label ("**Model Sharding (Bölümleme)**", "1. sınıf")
    return _untagged(render(Scored(0, 0, 0, best.number, best.passage, first), question, expansion), best.number)


def _continues(question: set[str], own_heading: set[str], heading: set[str]) -> bool:
    """Does a section under another heading carry on with the question?

    It must name a question term, and every question term the best block's own heading names:
    "RNN (Recurrent Neural Networks)" carries on from an overview titled "RNN, Transformer ve
    Attention" for "RNN'lerin zayıf yanı", while "Zayıflıkları" does not carry on from "Avantajları".
    """
    return bool(question & heading) and (question & own_heading) <= heading


def _same_section(block: Block, best: Block) -> bool:
    return block.section == best.section


def _untagged(text: str, number: int) -> str:
    return text.replace(f"\n\n{SOURCE_LINE}[{number}]", "").replace(f" [{number}]", "").strip()


def with_context(best: Scored, question: str, expansion: str) -> str:
    """The best block, then the blocks around it in its passage (next first) while they fit, in document order."""
    core = render(best, question, expansion)
    if len(core) >= CONTEXT_CHARS:
        return core
    units = _units(best.siblings)
    at = next((i for i, unit in enumerate(units) if any(b.position == best.block.position for b in unit)), None)
    if at is None:
        return core
    own_heading = _terms(best.block.section) | (_terms(best.passage.section.split(">")[-1]) if best.passage.section else set())
    question_terms = _terms(question)
    core_text = _untagged(core, best.number)
    texts: dict[int, tuple[str, str]] = {at: (best.block.section, core_text)}  # unit index -> (section, text)
    used = len(core_text)
    for step in range(1, len(units)):
        for index in (at + step, at - step):
            if not 0 <= index < len(units):
                continue
            block = units[index][0]
            if not _same_section(block, best.block) and not _continues(question_terms, own_heading, _terms(block.section)):
                continue
            text = _context_text(units[index], best, question, expansion)
            if text and text not in core_text and used + len(text) <= CONTEXT_CHARS:
                texts[index] = (block.section, text)
                used += len(text)
    if len(texts) == 1:
        return core
    parts, shown = [], best.block.section
    for index in sorted(texts):
        heading, text = texts[index]
        if index != at and heading and heading != shown and not _same_section(units[index][0], best.block):
            text = f"**{heading}**\n\n{text}"  # another section: its title, once, on a line of its own
        shown = heading
        parts.append(text)
    ends_block = parts[-1].splitlines()[-1].startswith(("|", "```"))
    tail = f"\n\n{SOURCE_LINE}[{best.number}]" if ends_block else f" [{best.number}]"
    return "\n\n".join(parts) + tail
