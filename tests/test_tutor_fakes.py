"""Test doubles for the tutor (a retriever, a scripted chat model, a hardware tool) and their own checks.

Imported by the other tutor tests (`from test_tutor_fakes import ...`).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Iterator, Sequence

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool

from vectorstore.types import Passage, SearchResponse

COURSE = [
    Passage(
        text="LoRA (Low-Rank Adaptation), modelin ağırlıklarını dondurup yalnızca küçük düşük ranklı matrisleri eğitir. "
        "Böylece ince ayar için gereken bellek büyük ölçüde azalır. QLoRA ise temel modeli 4-bit olarak yükleyip LoRA uygular.",
        source="llm-nedir-fine-tune.md",
        section="Fine-tune > LoRA",
        chunk_id="c1",
    ),
    Passage(
        text="Kuantizasyon (quantization), model ağırlıklarını daha az bitle saklamaktır. "
        "4-bit kuantizasyon belleği 16-bit'e göre yaklaşık dörtte bire indirir, ancak kalite biraz düşebilir.",
        source="kucuk-dil-modelleri-1-6gb.md",
        section="Kuantizasyon",
        chunk_id="c2",
    ),
    Passage(
        text="Groq, LangChain ile ChatGroq sınıfı üzerinden kullanılır. API anahtarı console.groq.com adresinden alınır "
        "ve ortam değişkeninde saklanmalıdır; kod içine yazılmamalıdır.",
        source="langchain-groq-donanim.md",
        section="Groq ile Ücretsiz Başlangıç",
        page=3,
        chunk_id="c3",
    ),
]


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"\w+", text.lower()) if len(w) > 2}


class FakeRetriever:
    """Keyword-overlap retriever over a few passages; records its queries."""

    def __init__(self, passages: Sequence[Passage] = COURSE) -> None:
        self.passages = list(passages)
        self.queries: list[str] = []

    def search(self, query: str, k: int | None = None) -> SearchResponse:
        self.queries.append(query)
        terms = _words(query)
        scored = [(len(terms & _words(p.text + " " + p.section)), p) for p in self.passages]
        ranked = [p for score, p in sorted(scored, key=lambda x: -x[0]) if score > 0][: k or 5]
        coverage = max((s for s, _ in scored), default=0) / max(1, len(terms))
        return SearchResponse(query=query, passages=ranked, coverage=min(1.0, coverage), off_topic=not ranked)


class ScriptedChatModel(BaseChatModel):
    """Replies from a script (AIMessages, or callables of the messages); streams text and tool calls.

    `bind_tools` returns self (the LangChain fakes lack it) and records the tools.
    """

    script: list[Any] = []
    received: list[list[BaseMessage]] = []
    bound_tools: list[list[str]] = []
    model_name: str = "fake-model"

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any):  # type: ignore[override]
        names = [getattr(t, "name", None) or (t.get("function", {}).get("name") if isinstance(t, dict) else str(t)) for t in tools]
        self.bound_tools.append(names)
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        self.received.append(list(messages))
        item = self.script.pop(0) if self.script else AIMessage("Varsayılan cevap.")
        if callable(item) and not isinstance(item, BaseMessage):
            item = item(messages)
        if isinstance(item, Exception):
            raise item
        return item

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self, messages: list[BaseMessage], stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        message = self._next(messages)
        if message.tool_calls:
            chunks = [
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"], ensure_ascii=False), id=c["id"], index=i)
                for i, c in enumerate(message.tool_calls)
            ]
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=chunks))
            return
        text = message.content if isinstance(message.content, str) else ""
        for start in range(0, len(text), 10):
            piece = AIMessageChunk(content=text[start:start + 10])
            if run_manager:
                run_manager.on_llm_new_token(piece.content, chunk=ChatGenerationChunk(message=piece))
            yield ChatGenerationChunk(message=piece)


def scripted(*items: Any) -> ScriptedChatModel:
    return ScriptedChatModel(script=list(items), received=[], bound_tools=[])


def call(name: str, args: dict[str, Any], call_id: str = "call_1") -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


VRAM_CALLS: list[dict[str, Any]] = []
_vram_lock = threading.Lock()


@tool("vram_hesapla")
def fake_vram_tool(model: str, bits: int = 16, vram_gb: float | None = None) -> dict:
    """Bir modelin bellek ihtiyacını hesaplar (test aracı)."""
    with _vram_lock:
        VRAM_CALLS.append({"model": model, "bits": bits, "vram_gb": vram_gb})
    need = round(8.0 * bits / 8 * 1.2, 2)
    return {"model": model, "bits": bits, "gerekli_vram_gb": need, "sigar": vram_gb is None or need <= vram_gb}


# --- checks of the doubles themselves ------------------------------------------

def test_fake_retriever_ranks_by_overlap_and_flags_off_topic():
    retriever = FakeRetriever()
    assert retriever.search("LoRA nedir").passages[0].chunk_id == "c1"
    assert retriever.search("futbol maçı skoru").off_topic


def test_scripted_model_streams_tool_calls():
    model = scripted(call("vram_hesapla", {"model": "x"}))
    chunks = list(model.stream("soru"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.tool_calls[0]["name"] == "vram_hesapla"
