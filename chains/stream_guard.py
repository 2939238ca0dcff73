"""Guards on what the model says: system-prompt leaks and secrets, live and in the final text.

`StreamGuard` sits between the model's token stream and the student. It holds back
the tail of the stream that could still turn into a secret (a key split across
chunks, a `NAME_PASSWORD=...` line) or into a piece of the system prompt (text that
is the start of a prompt fragment or of a recital such as "işte sistem istemim"),
and releases it once it cannot. When a fragment completes, nothing more is
released for that turn and the final answer becomes `REFUSAL`.

Each `feed` only looks at the held-back tail (bounded), never at the whole stream,
so a long answer costs linear time.

After the stream, `clean_answer` makes the final text safe (secrets, leaks, citations)
and `scrub_event` masks secrets in every notice and answer the tutor yields.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from chains.errors import scrub
from chains.events import TutorAnswer, TutorEvent
from chains.prompts import SYSTEM_PROMPT
from vectorstore.secret_filter import redact

REFUSAL = (
    "Bu isteğe yardımcı olamam: sistem talimatlarımı, yapılandırmamı ve gizli anahtarları paylaşmıyorum. "
    "Ders konularıyla (küçük dil modelleri, GPU donanımı, model seçimi) ilgili sorularınızı memnuniyetle cevaplarım."
)
FRAGMENT_CHARS = 45
# Openings of a recital of the prompt, whatever follows them.
RECITALS = ("işte sistem istemim", "sistem istemim şöyle", "sistem istemim şu", "sistem talimatlarım şunlar")
# Past this much held-back text without a safe cut the guard releases anyway (redacted),
# so a pathological stream (no spaces, one endless line) cannot hold the answer forever.
MAX_HOLD_CHARS = 4000

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "’": "'", "‘": "'", "İ": "i", "I": "ı"})
_ASSIGNMENT_START = re.compile(r"^\s*(?:export\s+)?[A-Z][A-Z0-9_]*(?:\s*[=:].*)?$")
_BEARER_END = re.compile(r"(?i)bearer\s*$")


def normalize(text: str) -> str:
    """Lower case (Turkish dotted/dotless i), one kind of quote, single spaces."""
    return " ".join(text.translate(_QUOTES).lower().split())


def _prompt_lines() -> list[str]:
    """The system prompt's long lines (the rules), normalized, without their numbers."""
    lines = []
    for line in SYSTEM_PROMPT.splitlines():
        line = re.sub(r"^\d+\.\s*", "", line.strip())
        if len(line) >= 50:
            lines.append(normalize(line))
    return lines


_LINES = _prompt_lines()
# Every FRAGMENT_CHARS-long piece of a rule, wherever a recital starts; seeing one means a leak.
SHINGLES = frozenset(line[i : i + FRAGMENT_CHARS] for line in _LINES for i in range(len(line) - FRAGMENT_CHARS + 1))
FRAGMENTS = sorted({line[:FRAGMENT_CHARS] for line in _LINES}) + [normalize(r) for r in RECITALS]
_RECITALS = [normalize(r) for r in RECITALS]
# Text that could still grow into a shingle or a recital: held back while streaming.
_PREFIXES = frozenset(
    {line[i:j] for line in _LINES for i in range(len(line)) for j in range(i + 1, min(len(line), i + FRAGMENT_CHARS) + 1)}
    | {r[:j] for r in _RECITALS for j in range(1, len(r) + 1)}
)
_LONGEST_FRAGMENT = max(FRAGMENT_CHARS, *(len(r) for r in _RECITALS))


def _contains_fragment(flat: str) -> bool:
    if any(recital in flat for recital in _RECITALS):
        return True
    return any(flat[i : i + FRAGMENT_CHARS] in SHINGLES for i in range(len(flat) - FRAGMENT_CHARS + 1))


def leaks_prompt(text: str) -> bool:
    return _contains_fragment(normalize(text))


def clean_answer(text: str, source_count: int, secrets: Sequence[str]) -> str:
    """The final answer: secrets masked, a leak refused, citations only to existing passages."""
    text = scrub(text, list(secrets))
    if leaks_prompt(text):
        return REFUSAL
    return re.sub(r"\s?\[(\d+)\]", lambda m: m.group(0) if 1 <= int(m.group(1)) <= source_count else "", text)


def scrub_event(event: TutorEvent, secrets: list[str]) -> TutorEvent:
    """Last line of defence: no notice or answer leaves the tutor with a secret in it."""
    if event.kind == "notice":
        return TutorEvent("notice", scrub(str(event.payload), secrets))
    if event.kind == "done":
        answer: TutorAnswer = event.payload
        answer.answer = scrub(answer.answer, secrets)
        answer.notices = [scrub(n, secrets) for n in answer.notices]
        if answer.generation_off_reason:
            answer.generation_off_reason = scrub(answer.generation_off_reason, secrets)
    return event


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` (without the final strip) and, per normalized char, its index in `text`."""
    out: list[str] = []
    where: list[int] = []
    translated = text.translate(_QUOTES).lower()
    # str.lower can lengthen a char ("İ" is translated first, so this is rare); map by position.
    ratio_safe = len(translated) == len(text)
    for i, ch in enumerate(translated):
        raw = i if ratio_safe else min(i, len(text) - 1)
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        where.append(raw)
    return "".join(out), where


class StreamGuard:
    """Feed model chunks, show what `feed`/`finish` return. See the module docstring."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = [s for s in secrets if s and len(s) >= 4]
        self._secret_hold = max((len(s) for s in self.secrets), default=1) - 1
        self.pending = ""
        self.tripped = False

    def feed(self, chunk: str) -> str:
        if self.tripped or not chunk:
            return ""
        self.pending += chunk
        norm, where = _normalized_with_map(self.pending)
        window = norm[-(len(chunk) + _LONGEST_FRAGMENT + 1):]
        if _contains_fragment(window):
            self.tripped = True
            self.pending = ""
            return ""
        cut = min(self._leak_cut(norm, where), self._secret_cut())
        if cut <= 0 and len(self.pending) > MAX_HOLD_CHARS:
            cut = len(self.pending) - _LONGEST_FRAGMENT - self._secret_hold
        return self._release(cut)

    def finish(self) -> str:
        """The rest, once the stream has ended (nothing can follow it any more)."""
        if self.tripped:
            return ""
        if leaks_prompt(self.pending):
            self.tripped = True
            self.pending = ""
            return ""
        return self._release(len(self.pending))

    def _release(self, cut: int) -> str:
        if cut <= 0:
            return ""
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return redact(out, self.secrets)

    def _leak_cut(self, norm: str, where: list[int]) -> int:
        """Raw index where a possible start of a prompt fragment begins (or the end)."""
        start = max(0, len(norm) - _LONGEST_FRAGMENT)
        for p in range(start, len(norm)):
            tail = norm[p:]
            if tail == " ":
                continue
            if tail.lstrip() in _PREFIXES:
                return where[p]
        return len(self.pending)

    def _secret_cut(self) -> int:
        """Raw index up to which no secret can still be forming."""
        text = self.pending
        limit = len(text) - self._secret_hold
        # A key-shaped token has no spaces: cut only after whitespace, never right after "Bearer".
        cut = -1
        for i in range(min(limit, len(text)) - 1, -1, -1):
            if text[i].isspace() and not _BEARER_END.search(text[: i + 1]):
                cut = i + 1
                break
        if cut <= 0:
            return 0
        # A line that may be `SOME_KEY=value` is held until it ends.
        line_start = text.rfind("\n", 0, cut) + 1
        line_end = text.find("\n", line_start)
        line = text[line_start:] if line_end < 0 else text[line_start:line_end]
        if line_end < 0 or line_end >= cut:
            if _ASSIGNMENT_START.match(line):
                return line_start
        return cut
