"""Answer cache: a first-turn question asked again is answered instantly, with its sources.

Key = hash of
- the question normalized (Turkish lowercase, ASCII-folded, punctuation and extra
  spaces removed): "LoRA nedir?", "lora nedir", "LORA NEDİR !" are one key;
- the course index generation (`ChunkStore.generation()`): a re-index that changed
  the index makes every older row unreachable, and `prune` deletes them;
- provider mode and model (a Groq answer is never served for Ollama, a 120b answer
  never for 20b);
- the settings that change an answer (retrieval knobs, prompt budget, completion
  cap, temperature, reasoning effort, endpoint), the system prompt and the tool names.

What is stored: only first turns (the thread had no history) answered by a
language model with no notices (no fallback model, no retrieval failure, no
tool-less retry). Offline answers are not stored: they are cheap to recompute
and would be served after the LLM is back. Follow-up turns are never looked up.

Own keys: the student's Groq key is not part of the key, so own-key turns read
and write the class cache (same provider, model and settings give the same kind
of answer; a hit spends nobody's tokens). The key itself is never stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Iterator, Protocol

from chains.events import TutorAnswer, TutorEvent
from turkish.tokenize import fold_ascii, turkish_lower

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
CACHED_CAPTION = "Önbellekten"  # shown under an answer served from the cache
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Settings that change what the tutor answers (besides provider, model and the index).
ANSWER_SETTINGS = (
    "retrieval_k", "lexical_weight", "dense_weight", "offtopic_threshold", "retrieval_fusion",
    "lexical_signal", "lexical_prefix_length", "glossary_expansion", "glossary_weight", "typo_weight",
    "bigram_weight", "dense_candidates", "second_dense_model", "second_dense_share", "restore_diacritics",
    "word_neighbors", "neighbor_count", "neighbor_threshold", "neighbor_weight", "definition_bonus",
    "embedding_model", "chunk_size", "chunk_overlap",
    "groq_reasoning_effort", "max_completion_tokens", "prompt_token_budget", "temperature",
    "max_question_chars",
)
_ENDPOINTS = {"groq": "groq_base_url", "ollama": "ollama_base_url", "openai-compatible": "openai_compatible_base_url"}


class CacheStore(Protocol):
    def get(self, key: str, *, not_before: datetime | None = None) -> dict[str, Any] | None: ...
    def put(self, key: str, *, generation: str, normalized: str, payload: dict[str, Any]) -> None: ...
    def prune(self, current_generation: str, *, older_than: datetime | None = None) -> int: ...


class MemoryCacheStore:
    """A `CacheStore` in this process's memory (the class simulation, tests)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, datetime, dict[str, Any]]] = {}
        self.hits = 0
        self._lock = threading.Lock()

    def get(self, key: str, *, not_before: datetime | None = None) -> dict[str, Any] | None:
        with self._lock:
            row = self._rows.get(key)
            if row is None or (not_before is not None and row[1] < not_before):
                return None
            self.hits += 1
            return json.loads(json.dumps(row[2]))  # a copy, as a database would return

    def put(self, key: str, *, generation: str, normalized: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self._rows[key] = (generation, datetime.now(UTC), json.loads(json.dumps(payload)))

    def prune(self, current_generation: str, *, older_than: datetime | None = None) -> int:
        with self._lock:
            old = [k for k, (generation, at, _) in self._rows.items()
                   if generation != current_generation or (older_than is not None and at < older_than)]
            for key in old:
                del self._rows[key]
            return len(old)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._rows), "hits": self.hits}


def normalize_question(question: str) -> str:
    """Turkish lowercase, ASCII fold, punctuation and repeated spaces removed."""
    folded = fold_ascii(turkish_lower(question))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def settings_fingerprint(settings: Any, mode: str, extra: Any = None) -> str:
    """Hash of the answer-affecting settings for this provider mode (no secrets in it)."""
    values = {name: str(getattr(settings, name, None)) for name in ANSWER_SETTINGS}
    endpoint = _ENDPOINTS.get(mode)
    values["endpoint"] = str(getattr(settings, endpoint, None)) if endpoint else None
    values["extra"] = extra
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def tutor_fingerprint(settings: Any, tutor: Any) -> str:
    """`settings_fingerprint` for a tutor: its mode, plus the system prompt and its tools' names."""
    from chains.prompts import SYSTEM_PROMPT

    prompt = hashlib.sha256(SYSTEM_PROMPT.encode()).hexdigest()[:16]
    tools = sorted(getattr(tool, "name", str(tool)) for tool in getattr(tutor, "hardware_tools", []))
    return settings_fingerprint(settings, tutor.mode, extra={"prompt": prompt, "tools": tools})


@dataclass
class CacheHit:
    answer: TutorAnswer
    normalized: str


@dataclass
class AnswerCache:
    """Lookup and store of first-turn answers; `generation` reads the index generation."""

    store: CacheStore
    generation: Callable[[], str]
    fingerprint: str = ""
    ttl_hours: float = 0.0  # 0: rows live until the next re-index
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _pruned_for: str | None = field(default=None, init=False)
    _lock: Any = field(default_factory=threading.Lock, init=False)

    def key(self, normalized: str, generation: str, mode: str, model: str | None) -> str:
        parts = [CACHE_FORMAT, normalized, generation, mode, model or "", self.fingerprint]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()

    def _not_before(self) -> datetime | None:
        return self.now() - timedelta(hours=self.ttl_hours) if self.ttl_hours > 0 else None

    def lookup(self, question: str, mode: str, model: str | None) -> CacheHit | None:
        """The cached answer for this first-turn question, or None. Never raises."""
        normalized = normalize_question(question)
        if not normalized or mode == "offline":
            return None
        try:
            generation = self.generation()
            payload = self.store.get(self.key(normalized, generation, mode, model), not_before=self._not_before())
        except Exception:
            log.exception("answer cache lookup failed")
            return None
        if not payload:
            return None
        answer = TutorAnswer(
            answer=str(payload.get("answer") or ""),
            sources=list(payload.get("sources") or []),
            tool_calls=list(payload.get("tool_calls") or []),
            mode=mode,
            model=model,
            answered_from_course=bool(payload.get("answered_from_course")),
            cached=True,
        )
        if not answer.answer.strip():
            return None
        return CacheHit(answer, normalized)

    @staticmethod
    def storable(answer: TutorAnswer) -> bool:
        """Only clean LLM answers: generated, no notices, no fallback, not empty."""
        return (
            answer.mode != "offline"
            and not answer.cached
            and not answer.notices
            and answer.generation_off_reason is None
            and bool(answer.answer.strip())
        )

    def remember(self, question: str, answer: TutorAnswer) -> bool:
        """Store a first turn's answer if it qualifies; True when stored. Never raises."""
        normalized = normalize_question(question)
        if not normalized or not self.storable(answer):
            return False
        payload = {
            "answer": answer.answer,
            "sources": answer.sources,
            "tool_calls": answer.tool_calls,
            "answered_from_course": answer.answered_from_course,
            "model": answer.model,
            "question": question,
        }
        try:
            generation = self.generation()
            self._prune_once(generation)
            self.store.put(self.key(normalized, generation, answer.mode, answer.model),
                           generation=generation, normalized=normalized, payload=payload)
        except Exception:
            log.exception("answer cache store failed")
            return False
        return True

    def _prune_once(self, generation: str) -> None:
        """Rows of older generations (and expired rows) go once per generation and process."""
        with self._lock:
            if self._pruned_for == generation:
                return
            self._pruned_for = generation
        removed = self.store.prune(generation, older_than=self._not_before())
        if removed:
            log.info("answer cache: pruned %d old rows", removed)


def replay(hit: CacheHit) -> Iterator[TutorEvent]:
    """The events of a cached turn after "status": sources, the whole answer as one token, done."""
    yield TutorEvent("sources", list(hit.answer.sources))
    yield TutorEvent("token", hit.answer.answer)
    yield TutorEvent("done", hit.answer)
