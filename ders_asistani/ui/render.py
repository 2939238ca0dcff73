"""Rendering pieces for the chat: mode banner, sources, tool calls.

The tutor's payloads are read defensively (objects or dicts), so the UI keeps
working if a field is missing; everything shown is Turkish.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, is_dataclass
from typing import Any

import streamlit as st

from chains.provider_texts import NOT_CONFIGURED, OFFLINE_CHOSEN
from ders_asistani.ui import tool_labels

MAX_PASSAGE_CHARS = 700
# One heading line; [ \t] (not \s) so the blank lines around it are never eaten.
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")

TOOL_LABELS = {
    "vram": "VRAM hesaplanıyor…",
    "hesap": "VRAM hesaplanıyor…",
    "oner": "Model önerisi hazırlanıyor…",
    "recommend": "Model önerisi hazırlanıyor…",
    "ara": "Ders notlarında aranıyor…",
    "search": "Ders notlarında aranıyor…",
    "retriev": "Ders notlarında aranıyor…",
}

MODE_NAMES = {"groq": "Groq", "ollama": "Ollama", "openai-compatible": "Kendi sunucunuz", "offline": "Çevrimdışı"}


def field(obj: Any, name: str, default: Any = None) -> Any:
    """Attribute or key `name` of a tutor payload."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return {"value": obj}


def tool_label(name: str) -> str:
    lowered = (name or "").lower()
    for marker, label in TOOL_LABELS.items():
        if marker in lowered:
            return label
    return f"{name} aracı çalışıyor…"


KEY_KIND_NAMES = {"own": "kendi anahtarınız", "class": "sınıf anahtarı"}


def mode_banner(mode: str | None, model: str | None, reason: str | None, key_kind: str | None = None) -> None:
    """One clear line saying who answers: Groq and its model (and whose key), Ollama, or offline and why."""
    if mode == "groq":
        whose = f" · {KEY_KIND_NAMES[key_kind]}" if key_kind in KEY_KIND_NAMES else ""
        st.success(f"**Mod: Groq** · model `{model}`{whose}", icon="🟢")
    elif mode == "ollama":
        st.info(f"**Mod: Ollama (yerel)** · model `{model}`", icon="🖥️")
    elif mode == "openai-compatible":
        st.info(f"**Mod: Kendi model sunucunuz** · model `{model}`", icon="🖥️")
    else:
        why = reason or "Dil modeli kullanılmıyor; cevaplar ders belgelerinden ve hesaplama araçlarından derlenir."
        st.warning(f"**Mod: Çevrimdışı** — {why}", icon="📴")


def source_rows(sources: list[Any]) -> list[dict[str, Any]]:
    """Plain dicts (file, section, page, slide, text) for display and session storage."""
    rows = []
    for number, source in enumerate(sources or [], start=1):
        data = as_dict(source)
        rows.append(
            {
                "n": data.get("n") or number,
                "source": data.get("source") or data.get("file") or "?",
                "section": data.get("section") or "",
                "page": data.get("page"),
                "slide": data.get("slide"),
                "text": data.get("text") or "",
            }
        )
    return rows


_CITATION = re.compile(r"\[(\d+)\]")


def shown_sources(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The sources worth a panel: an off-topic or refusal answer shows only what it cites (usually none)."""
    rows = message.get("sources") or []
    if message.get("answered_from_course") is not False:
        return rows
    cited = {int(n) for n in _CITATION.findall(message.get("content") or "")}
    return [row for number, row in enumerate(rows, start=1) if (row.get("n") or number) in cited]


def answered_by(message: dict[str, Any]) -> str:
    """The small caption under an answer: which model answered, or offline and why."""
    mode = message.get("mode")
    if mode and mode != "offline":
        name = MODE_NAMES.get(mode, mode)
        model = message.get("model")
        return f"🤖 Cevaplayan: {name}" + (f" · `{model}`" if model else "")
    if mode == "offline":
        reason = (message.get("off_reason") or "").strip()
        if reason and reason in (message.get("notices") or []):
            return "📴 Çevrimdışı cevap (nedeni yukarıda)"
        return "📴 Çevrimdışı cevap" + (f" — {reason}" if reason else " — ders belgelerinden ve hesaplama araçlarından derlendi.")
    return ""


def passage_markdown(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
    """A cited passage as markdown for the small sources text.

    Headings inside a citation would shout, so each becomes a bold line of its own
    paragraph (a bare "1. Başlık" would turn into a list, and two headings must not run
    together). A long passage is cut at a line end where it can be, so a table row or a
    list item is never broken, and a code fence left open by the cut is closed.
    """
    lines: list[str] = []
    in_fence = False
    for line in (text or "").strip().splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            lines.append(line)
        elif heading.group(1):
            lines += ["", f"**{heading.group(1)}**", ""]
    kept = _cut("\n".join(lines).strip(), limit)
    if sum(1 for line in kept.splitlines() if _FENCE.match(line)) % 2:
        kept += "\n```"
    return re.sub(r"\n{3,}", "\n\n", kept)


def _cut(text: str, limit: int) -> str:
    """`text` shortened to about `limit` characters, at a line end when one is near."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    line_end = head.rfind("\n")
    if line_end >= limit // 2:
        return head[:line_end].rstrip() + "\n\n…"
    return head.rsplit(" ", 1)[0] + " …"


def render_sources(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with st.expander(f"📚 Kaynaklar ({len(rows)})"):
        for number, row in enumerate(rows, start=1):
            where = [f"**[{row.get('n') or number}] {row['source']}**"]
            if row["section"]:
                where.append(row["section"])
            if row["page"] is not None:
                where.append(f"sayfa {row['page']}")
            if row["slide"] is not None:
                where.append(f"slayt {row['slide']}")
            st.markdown(" — ".join(where))
            text = passage_markdown(row["text"])
            if text:
                st.caption(text)


def tool_call_row(start: Any, end: Any = None) -> dict[str, Any]:
    """Name, inputs and result of one tool call from the tutor's tool events."""
    name = field(start, "name") or field(start, "tool") or field(end, "name") or "araç"
    inputs = field(start, "args")
    if inputs is None:
        inputs = field(start, "input", field(start, "inputs", {}))
    result = None
    if end is not None:
        for key in ("result", "output", "content"):
            result = field(end, key)
            if result is not None:
                break
        if result is None and not isinstance(end, (dict, str)):
            result = end
        if isinstance(end, str):
            result = end
    return {"name": name, "inputs": inputs, "result": result, "error": field(end, "error")}


def tool_result(result: Any) -> None:
    """The tool's answer as a small Turkish table (never raw JSON with English keys and null)."""
    st.markdown("**Sonuç**")
    if isinstance(result, str) and result.lstrip().startswith(("{", "[")):
        try:
            result = json.loads(result)  # tools answer JSON text
        except ValueError:
            pass
    if isinstance(result, dict):
        unit = tool_labels.unit_of(result)
        pairs = tool_labels.rows(result)
        if pairs:
            st.markdown(tool_labels.table_markdown(pairs))
        for key, name in tool_labels.LIST_KEYS.items():
            items = result.get(key)
            if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
                st.markdown(f"**{name}**")
                st.markdown(tool_labels.list_table_markdown(items, unit))
        for name, lines in tool_labels.texts(result):
            st.markdown(f"**{name}**\n\n" + "\n".join(f"- {line}" for line in lines))
        if "birim" in result:
            st.caption(f"Bellek birimi: {result['birim']}")
    elif isinstance(result, list) and result and all(isinstance(item, dict) for item in result):
        st.markdown(tool_labels.list_table_markdown(result))
    else:
        st.markdown(str(result)[:4000] if result is not None else tool_labels.MISSING)


def render_tool_call(row: dict[str, Any], *, running: bool = False):
    """An `st.status` box with the tool's inputs and, when done, its result."""
    label = tool_label(row["name"])
    done_label = label.replace("…", "").replace(" hesaplanıyor", " hesaplandı").replace(
        " aranıyor", " arandı"
    ).replace(" hazırlanıyor", " hazırlandı")
    state = "running" if running else ("error" if row.get("error") else "complete")
    box = st.status(label if running else done_label, state=state, expanded=False)
    with box:
        st.markdown(f"**Araç:** `{row['name']}`")
        if row["inputs"]:
            st.markdown("**Girdiler**")
            inputs = row["inputs"] if isinstance(row["inputs"], dict) else {"girdi": row["inputs"]}
            st.markdown(tool_labels.table_markdown(tool_labels.rows(inputs)))
        if row["result"] is not None:
            tool_result(row["result"])
        if row.get("error"):
            st.error("Araç bu girdilerle çalışamadı; asistan cevabı buna göre verdi.")
    return box, done_label


def preview_mode(settings: Any) -> dict[str, Any]:
    """Who will answer, from the settings alone (before the tutor is built).

    `chains.providers` is the authority, but importing it pulls in LangChain
    (about a second), so the very first render uses the same rule locally and
    later renders, after the background warm-up imported it, ask the real one.
    """
    import sys

    if "chains.providers" in sys.modules:
        try:
            choice = sys.modules["chains.providers"].resolve_provider(settings)
            return {"mode": choice.mode, "model": choice.model, "reason": choice.reason}
        except Exception:  # the banner must never break the page
            pass
    provider = settings.llm_provider
    if provider == "ollama":
        return {"mode": "ollama", "model": settings.ollama_model, "reason": None}
    key = settings.groq_api_key.get_secret_value().strip() if settings.groq_api_key else ""
    if provider in ("auto", "groq") and key:
        return {"mode": "groq", "model": settings.groq_model, "reason": None}
    if provider == "openai-compatible" and settings.openai_compatible_base_url and settings.openai_compatible_model:
        return {"mode": "openai-compatible", "model": settings.openai_compatible_model, "reason": None}
    # The same student sentences as chains.providers (the setup hint is for the instructor page).
    reason = OFFLINE_CHOSEN if provider == "offline" else NOT_CONFIGURED
    return {"mode": "offline", "model": None, "reason": reason}


def cached_caption(message: dict[str, Any]) -> None:
    """"Önbellekten" under an answer the answer cache served (chains/answer_cache.py)."""
    if message.get("cached"):
        from chains.answer_cache import CACHED_CAPTION

        st.caption(f"⚡ {CACHED_CAPTION}: bu soru daha önce soruldu; cevap dil modeli çağrılmadan verildi.")
