"""A class on one course server: 40 students, a 90-minute lab, one free Groq key.

    .venv/bin/python -m bench.class_sim [--students 40] [--minutes 90] [--turns 10] [--seed 7] [--json]

What is real: the key governor (chains/governor.py, chains/governed_turn.py's
give-up and polling rules), the limit-enforcing Groq stub (tests/groq_limits_stub.py:
free-tier RPM/RPD/TPM/TPD per key, x-ratelimit-* headers, 429 with retry-after,
413, prefix-cache accounting) over real HTTP, and the request bodies: built by
the real prompt builder (`Tutor.build_messages`, the system prompt, the real
tool schemas, real course chunks from knowledge/ chunked by vectorstore.chunking,
real `vram_hesapla`/`model_oner` results for hardware questions' second call).
What is simulated: time (one fake clock shared by the governor and the stub, so
90 minutes take seconds), which passages retrieval returns (the 5 chunks sharing
most word prefixes with the question, not the hybrid retriever), the model's
completion length (250-650 tokens for an answer, 40-120 for a tool call) and
latency (0.8 s + 400 tokens/s), and the students: questions drawn from the
evaluation sets (tests/data/retrieval_eval*.jsonl) and hardware templates with
a Zipf popularity skew and varied spelling, think time 3-10 minutes, 25% of
turns are follow-ups (history in the prompt; never served from the answer cache).
Defaults: every answerable question of the eval sets (and 8 hardware ones), Zipf
exponent 0.8; `--skew 1.0 --pool 100` is a class that asks fewer, more alike questions.

Policies (same students, same script, a fresh stub each):
- naive: today's behaviour without the governor: every turn goes straight to the
  key; a 429 is retried after retry-after when that is at most 10 s (twice), else
  the turn is answered offline (chains/agent.py's rules).
- governed: the governor admits calls within the key's budget, round robin, one
  turn per student, MAX_QUEUE_WAIT_S=60, per-student daily share; when the
  primary model's daily budget is gone the turn moves to the fallback model
  (gpt-oss-20b: its own budget at Groq; BUDGET_FALLBACK_MODELS).
- governed_bad_layout: governed, but the passages come before the system prompt,
  so Groq's prefix cache rarely matches: what the prompt layout is worth.
- governed_cache_layout: governed, prefix-stable layout (today's, locked by
  tests/test_prompt_prefix.py) and the answer cache (a first-turn question asked
  again, normalized, is answered from the cache).
- governed_cache_layout_one_model: the same without the fallback model.
- ..._own25 / _own100: the same with 25% / 100% of students on their own key
  (their own stub account and their own in-memory governor).

Metrics per policy: llm_share (turns answered by the LLM, cache replays of LLM
answers included; llm_live_share without them), wait p50/p95/max (question to
first model call or to the offline answer), requests, rate_limited (429s),
cache_hits, tokens_per_turn (uncached prompt + completion per LLM-answered live
turn) and cached tokens per turn, refused (turns the governor answered offline
before any call), offline reasons.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import re
import statistics
import zlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from groq_limits_stub import FakeClock, GroqLimitsStub, Limits  # noqa: E402
from groq_stub import Reply, RecordedRequest  # noqa: E402

from chains.agent import MAX_RATE_LIMIT_WAIT_S  # noqa: E402
from chains.context import Turn, estimate_messages_tokens  # noqa: E402
from chains.governed_turn import give_up, next_poll_s, switch_model  # noqa: E402
from chains.governor import Governor, MemoryBackend, ModelLimits, default_student_share  # noqa: E402
from chains.prompts import SYSTEM_PROMPT  # noqa: E402

MODEL = "openai/gpt-oss-120b"
FALLBACK = "openai/gpt-oss-20b"  # GROQ_FALLBACK_MODELS' default: its own budget at Groq
CLASS_KEY = "gsk_class_key_sim"
LAB_START = 1_796_290_800.0  # 2026-12-03 09:00 UTC
HARDWARE = [
    "Llama 3.1 8B modelini 4-bit ile 12 GB'lık RTX 3060'ta çalıştırabilir miyim?",
    "Mistral 7B fp16 8 GB VRAM'e sığar mı?",
    "Qwen2.5 14B Q4_K_M için kaç GB VRAM gerekir?",
    "8 GB VRAM'li bir dizüstü için hangi modeli önerirsin?",
    "RTX 4090'da Llama 3.1 70B 4-bit çalışır mı?",
    "Phi-3 mini için QLoRA ince ayarı 6 GB karta sığar mı?",
    "12 GB kartla Türkçe sohbet için hangi model?",
    "Gemma 2 9B int8 ile 16 GB'a sığar mı?",
]
FOLLOWUPS = ["peki bunu daha basit anlatır mısın?", "bir örnek verir misin?", "peki 4-bit olursa?",
             "bunun dezavantajı ne?", "ya 16 GB'lık kartım olsaydı?"]


# --- the workload ----------------------------------------------------------------------
def question_pool(limit: int | None = None) -> list[str]:
    seen, pool = set(), []
    for path in sorted((ROOT / "tests" / "data").glob("retrieval_eval*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("answerable", True) and row["question"] not in seen:
                seen.add(row["question"])
                pool.append(row["question"])
    random.Random(11).shuffle(pool)
    return pool[:limit]


def respell(question: str, rng: random.Random) -> str:
    """The same question typed differently (case, punctuation, spaces)."""
    choice = rng.random()
    if choice < 0.3:
        return question.lower()
    if choice < 0.5:
        return question.rstrip("?").strip() + " ?"
    if choice < 0.6:
        return "  " + question.upper()
    return question


@dataclass
class Ask:
    text: str
    base: str  # the pool question (a follow-up: the one it follows)
    followup: bool
    think_s: float
    completion: int


@dataclass
class Student:
    name: str
    own_key: str | None
    script: list[Ask]


def make_students(count: int, turns: int, minutes: float, seed: int, *, skew: float = 0.8,
                  pool_size: int | None = None) -> list[Student]:
    rng = random.Random(seed)
    pool = question_pool(pool_size) + HARDWARE
    rng.shuffle(pool)
    weights = [1 / (rank + 1) ** skew for rank in range(len(pool))]  # Zipf
    students = []
    for index in range(count):
        script: list[Ask] = []
        asked: set[str] = set()
        for turn in range(turns):
            think = rng.uniform(0, 8 * 60) if turn == 0 else rng.uniform(3 * 60, 10 * 60)
            if turn and rng.random() < 0.25 and not script[-1].followup:
                script.append(Ask(rng.choice(FOLLOWUPS), script[-1].base, True, think, rng.randint(250, 650)))
                continue
            base = rng.choices(pool, weights)[0]
            while base in asked:
                base = rng.choices(pool, weights)[0]
            asked.add(base)
            script.append(Ask(respell(base, rng), base, False, think, rng.randint(250, 650)))
        students.append(Student(f"ogrenci-{index:02d}", None, script))
    return students


# --- real prompts ----------------------------------------------------------------------------
class Prompts:
    """Request bodies from the real prompt builder, per (question, follow-up) pair."""

    def __init__(self) -> None:
        from langchain_core.utils.function_calling import convert_to_openai_tool

        from chains.agent import course_search_tool
        from chains.hardware_tools import hardware_tools
        from chains.tutor import Tutor
        from ders_asistani.settings import Settings
        from turkish.tokenize import tokens
        from vectorstore.chunking import chunk_document
        from vectorstore.types import Passage

        settings = Settings(_env_file=None, groq_api_key="gsk_sim_not_used", groq_base_url="http://127.0.0.1:9",
                            knowledge_dir=ROOT / "knowledge", storage_dir=Path("/tmp/class-sim-unused"),
                            class_governor=False)
        self.tutor = Tutor(settings, retriever=None)
        self.tools = [convert_to_openai_tool(t) for t in [course_search_tool(), *hardware_tools()]]
        self.tool_objects = {t.name: t for t in hardware_tools()}
        self.cap = settings.max_completion_tokens
        self._tokens = tokens
        self.passages: list[tuple[set[str], Any]] = []
        for path in sorted((ROOT / "knowledge").iterdir()):
            if path.suffix not in (".md", ".txt"):
                continue
            for chunk in chunk_document(path.read_text(encoding="utf-8"), path.name, path.stem):
                passage = Passage(text=chunk.text, source=path.name, section=str(chunk.metadata.get("section", "")),
                                  chunk_id=str(chunk.metadata.get("content_hash", "")))
                self.passages.append(({w[:5] for w in tokens(chunk.text)}, passage))
        self._cache: dict[tuple[str, bool, str], dict[str, Any]] = {}

    def _search(self, question: str, k: int = 5) -> list[Any]:
        words = {w[:5] for w in self._tokens(question)}
        ranked = sorted(self.passages, key=lambda item: -len(words & item[0]))
        return [passage for _, passage in ranked[:k]]

    def turn(self, ask: Ask, bad_layout: bool = False) -> dict[str, Any]:
        key = (ask.base if not ask.followup else ask.base + "\x00" + ask.text, ask.followup, str(bad_layout))
        if key not in self._cache:
            self._cache[key] = self._build(ask, bad_layout)
        return self._cache[key]

    def _build(self, ask: Ask, bad_layout: bool) -> dict[str, Any]:
        from langchain_core.messages import AIMessage, ToolMessage
        from langchain_groq.chat_models import _convert_message_to_dict

        from chains.agent import TurnContext
        from chains.turn_plan import plan_hardware, required_tool
        from hardware.question_parser import parse_hardware_question
        from vectorstore.types import SearchResponse

        turns = [Turn(question=ask.base, answer="Önceki cevap. " * 40)] if ask.followup else []
        question = ask.text
        parsed = parse_hardware_question(question)
        previous = parse_hardware_question(ask.base) if ask.followup else None
        hardware = plan_hardware(parsed, previous)
        passages = self._search(ask.base + " " + question if ask.followup else question)
        context = TurnContext(retriever=None, required_tool=required_tool(hardware, set(self.tool_objects)))
        context.add_sources(passages)
        response = SearchResponse(query=question, passages=passages, coverage=0.5, off_topic=False)
        messages = self.tutor.build_messages(question, hardware, response, turns, context)
        system = {"role": "system", "content": SYSTEM_PROMPT}
        dicts = [_convert_message_to_dict(m) for m in messages]
        if bad_layout:  # passages first: a different prefix for every question
            system = {"role": "system", "content": dicts[-1]["content"] + "\n\n" + SYSTEM_PROMPT}
        body = {"model": MODEL, "messages": [system, *dicts], "tools": self.tools, "max_tokens": self.cap,
                "reasoning_effort": "low", "temperature": 0.2}
        need = self.tutor.estimate_prompt_tokens(messages)
        calls = [{"body": body, "estimate": need}]
        if context.required_tool:
            name = context.required_tool
            args = self._tool_args(name, hardware)
            try:
                result = self.tool_objects[name].invoke(args)
            except Exception:
                result = {"hata": "hesaplanamadı"}
            call = {"id": "call_sim", "name": name, "args": args}
            follow = [AIMessage(content="", tool_calls=[call]),
                      ToolMessage(content=json.dumps(result, ensure_ascii=False), tool_call_id="call_sim")]
            second = {**body, "messages": [system, *dicts, *[_convert_message_to_dict(m) for m in follow]]}
            estimate = estimate_messages_tokens([*messages, *follow]) + self.tutor._tool_tokens + \
                estimate_messages_tokens([system])
            calls = [{"body": {**body, "tool_choice": {"type": "function", "function": {"name": name}}},
                      "estimate": need, "tool": (name, args)}, {"body": second, "estimate": estimate}]
        return {"calls": calls}

    @staticmethod
    def _tool_args(name: str, hardware: Any) -> dict[str, Any]:
        if name == "vram_hesapla":
            args = {"model": hardware.model, "quant": hardware.quant, "gpu": hardware.gpu, "vram": hardware.vram_gb,
                    "context": hardware.context_tokens, "mode": hardware.mode or "inference"}
        else:
            args = {"vram": hardware.vram_gb, "gpu": hardware.gpu, "task": hardware.task,
                    "mode": hardware.mode or "inference"}
        return {k: v for k, v in args.items() if v is not None}


# --- one policy ---------------------------------------------------------------------------------
@dataclass
class Policy:
    name: str
    governed: bool
    cache: bool = False
    bad_layout: bool = False
    own_share: float = 0.0
    fallback: bool = True  # BUDGET_FALLBACK_MODELS (governed policies only)


@dataclass
class Outcome:
    llm: bool
    wait_s: float
    cache_hit: bool = False
    reason: str | None = None
    refused: bool = False
    tokens: int = 0
    cached: int = 0
    model: str | None = None


@dataclass
class Run:
    policy: Policy
    clock: FakeClock
    stub: GroqLimitsStub
    prompts: Prompts
    max_wait_s: float
    governors: dict[str, Governor] = field(default_factory=dict)
    answer_cache: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def governor(self, key: str) -> Governor:
        if key not in self.governors:
            limits = ModelLimits()
            self.governors[key] = Governor(
                MemoryBackend(), key, limits, clock=self.clock,
                student_daily_tokens=default_student_share(limits) if key == CLASS_KEY else None)
        return self.governors[key]

    def post(self, key: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"{self.stub.base_url}/openai/v1/chat/completions", json=body,
                              headers={"Authorization": f"Bearer {key}"})

    def student(self, student: Student) -> Iterator[float]:
        key = student.own_key or CLASS_KEY
        for ask in student.script:  # the script's think times spread it over the lab
            yield ask.think_s
            asked_at = self.clock()
            normalized = normalize(ask.text)
            if self.policy.cache and not ask.followup and normalized in self.answer_cache:
                self.outcomes.append(Outcome(True, 0.0, cache_hit=True))
                continue
            outcome = yield from self.turn(key, student.name, ask, asked_at)
            if outcome.llm and self.policy.cache and not ask.followup:
                self.answer_cache.add(normalized)
            self.outcomes.append(outcome)

    def turn(self, key: str, name: str, ask: Ask, asked_at: float) -> Iterator[float]:
        calls = self.prompts.turn(ask, self.policy.bad_layout)["calls"]
        governor = self.governor(key) if self.policy.governed else None
        models = [MODEL, FALLBACK] if governor is not None and self.policy.fallback else [MODEL]
        model = MODEL
        ticket = call_id = None
        tokens = cached = 0
        try:
            if governor is not None:
                need = calls[0]["estimate"] + self.prompts.cap
                ticket = governor.enqueue(name, model, need)
                while True:
                    decision = governor.poll(ticket, need)
                    waited = self.clock() - asked_at
                    if decision.status == "admitted":
                        call_id = decision.call_id
                        break
                    if switch_model(decision, models, models.index(model)):
                        governor.finish(ticket)
                        model = models[models.index(model) + 1]
                        ticket = governor.enqueue(name, model, need)
                        continue
                    if give_up(decision, waited, self.max_wait_s):
                        reason = decision.reason or ("daily" if decision.daily else "queue_timeout")
                        return Outcome(False, waited, reason=reason, refused=True)
                    yield next_poll_s(decision, waited, self.max_wait_s)
            wait = None  # until the first answer starts: queue and 429 retries included
            queued = self.clock() - asked_at
            for index, call in enumerate(calls):
                if governor is not None and index > 0:
                    started = self.clock() - queued  # one MAX_QUEUE_WAIT_S for the whole turn
                    while True:
                        decision = governor.acquire(ticket, model, call["estimate"] + self.prompts.cap)
                        if decision.status == "admitted":
                            call_id = decision.call_id
                            break
                        if give_up(decision, self.clock() - started, self.max_wait_s):
                            return Outcome(False, self.clock() - asked_at, reason="queue_timeout")
                        yield next_poll_s(decision, self.clock() - started, self.max_wait_s)
                body = {**call["body"], "model": model,
                        "sim_completion": ask.completion if index == len(calls) - 1 else 0}
                retries = 0
                while True:
                    response = self.post(key, body)
                    if governor is not None:
                        from chains.ratelimit import limit_kind, parse_headers

                        governor.observe(model, parse_headers(response.headers), admitted=response.status_code < 400)
                    if response.status_code == 200:
                        if wait is None:
                            wait = self.clock() - asked_at
                        break
                    if response.status_code == 429:
                        retry = float(response.headers.get("retry-after") or 1)
                        if governor is not None:
                            governor.observe_rate_limited(model, retry, limit_kind(response.text))
                        if retries < 2 and retry <= MAX_RATE_LIMIT_WAIT_S:
                            retries += 1
                            yield retry
                            continue
                        return Outcome(False, self.clock() - asked_at, reason="rate_limit")
                    return Outcome(False, self.clock() - asked_at,
                                   reason="too_large" if response.status_code == 413 else "error")
                usage = response.json()["usage"]
                hit = usage.get("prompt_tokens_details", {}).get("cached_tokens", 0)
                tokens += usage["prompt_tokens"] - hit + usage["completion_tokens"]
                cached += hit
                yield 0.8 + usage["completion_tokens"] / 400  # the model writes
                if governor is not None:
                    governor.settle(call_id, prompt_tokens=usage["prompt_tokens"], cached_tokens=hit,
                                    completion_tokens=usage["completion_tokens"], student=name)
                    call_id = None
            return Outcome(True, wait or 0.0, tokens=tokens, cached=cached, model=model)
        finally:
            if governor is not None:
                governor.release_call(call_id)
                governor.finish(ticket)


def normalize(text: str) -> str:
    """The answer cache's key: Turkish lowercase, ASCII-folded, no punctuation or extra spaces."""
    try:
        from chains.answer_cache import normalize_question  # branch cache11, once merged
    except ImportError:
        from turkish.tokenize import normalize as fold

        return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())
    return normalize_question(text)


def stub_reply(request: RecordedRequest) -> Reply:
    """A tool call when the tutor forces one, else an answer of the scripted length."""
    choice = request.body.get("tool_choice")
    if isinstance(choice, dict):
        name = choice["function"]["name"]
        return Reply(tool_calls=[(name, {"model": "x", "not": "ç" * 150})])
    length = int(request.body.get("sim_completion") or 400)
    return Reply(content=("Cevap metni [1]. " * 200)[: int(length * 3.2)])


def simulate(policy: Policy, students: list[Student], prompts: Prompts, max_wait_s: float) -> dict[str, Any]:
    clock = FakeClock(LAB_START)
    rng = random.Random(zlib.crc32(policy.name.encode()))
    owners = set(rng.sample(range(len(students)), round(policy.own_share * len(students))))
    with GroqLimitsStub(clock=clock, limits=Limits(), default=stub_reply) as stub:
        run = Run(policy, clock, stub, prompts, max_wait_s)
        queue: list[tuple[float, int, Iterator[float]]] = []
        for index, student in enumerate(students):
            own = f"gsk_own_{index:02d}" if index in owners else None
            process = run.student(Student(student.name, own, student.script))
            heapq.heappush(queue, (clock(), index, process))
        sequence = len(students)
        while queue:
            at, _, process = heapq.heappop(queue)
            clock.advance(at - clock())
            try:
                delay = next(process)
            except StopIteration:
                continue
            sequence += 1
            heapq.heappush(queue, (clock() + max(0.0, delay), sequence, process))
        run.http.close()
        return report(run, stub)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(run: Run, stub: GroqLimitsStub) -> dict[str, Any]:
    outcomes = run.outcomes
    turns = len(outcomes)
    live = [o for o in outcomes if o.llm and not o.cache_hit]
    waits = [o.wait_s for o in outcomes]
    reasons: dict[str, int] = {}
    for outcome in outcomes:
        if not outcome.llm:
            reasons[outcome.reason or "?"] = reasons.get(outcome.reason or "?", 0) + 1
    return {
        "llm_share": round(sum(o.llm for o in outcomes) / turns, 3) if turns else 0.0,
        "llm_live_share": round(len(live) / turns, 3) if turns else 0.0,
        "wait_p50_s": round(statistics.median(waits), 1) if waits else 0.0,
        "wait_p95_s": round(_percentile(waits, 0.95), 1),
        "wait_max_s": round(max(waits, default=0.0), 1),
        "requests": stub.counters["requests"],
        "rate_limited": stub.counters["rate_limited"],
        "cache_hits": sum(o.cache_hit for o in outcomes),
        "tokens_per_turn": round(sum(o.tokens for o in live) / len(live), 1) if live else 0.0,
        "cached_tokens_per_turn": round(sum(o.cached for o in live) / len(live), 1) if live else 0.0,
        "turns": turns,
        "refused": sum(o.refused for o in outcomes),
        "live_turns_by_model": {m: sum(o.model == m for o in live) for m in sorted({o.model for o in live if o.model})},
        "offline_reasons": dict(sorted(reasons.items())),
    }


POLICIES = [
    Policy("naive", governed=False),
    Policy("governed", governed=True),
    Policy("governed_bad_layout", governed=True, bad_layout=True),
    Policy("governed_cache_layout", governed=True, cache=True),
    Policy("governed_cache_layout_one_model", governed=True, cache=True, fallback=False),
    Policy("governed_cache_layout_own25", governed=True, cache=True, own_share=0.25),
    Policy("governed_cache_layout_own100", governed=True, cache=True, own_share=1.0),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--turns", type=int, default=10, help="questions per student")
    parser.add_argument("--minutes", type=float, default=90.0, help="lab length (think times scale with it)")
    parser.add_argument("--max-queue-wait", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skew", type=float, default=0.8, help="Zipf exponent of question popularity")
    parser.add_argument("--pool", type=int, default=None,
                        help="distinct course questions (default: every answerable one of the eval sets) plus 8 hardware ones")
    parser.add_argument("--policy", action="append", help="only these policies (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    students = make_students(args.students, args.turns, args.minutes, args.seed, skew=args.skew, pool_size=args.pool)
    scale = args.minutes / 90.0
    for student in students:
        for ask in student.script:
            ask.think_s *= scale
    prompts = Prompts()
    chosen = [p for p in POLICIES if not args.policy or p.name in args.policy]
    results = {p.name: simulate(p, students, prompts, args.max_queue_wait) for p in chosen}
    if args.json:
        print(json.dumps({"students": args.students, "minutes": args.minutes, "max_queue_wait_s": args.max_queue_wait,
                          "policies": results}, ensure_ascii=False, indent=1))
        return 0
    print(f"{args.students} öğrenci, {args.minutes:g} dakikalık ders, tek ücretsiz Groq anahtarı "
          f"(30 RPM, 8.000 TPM, 200.000 TPD), MAX_QUEUE_WAIT_S={args.max_queue_wait:g}")
    header = ["policy", "turns", "llm_share", "live", "cache_hits", "wait p50/p95/max s", "requests", "429",
              "tok/turn", "cached/turn", "refused", "offline reasons"]
    print(" | ".join(header))
    for name, row in results.items():
        print(" | ".join([name, str(row["turns"]), f"{row['llm_share']:.0%}", f"{row['llm_live_share']:.0%}",
                          str(row["cache_hits"]),
                          f"{row['wait_p50_s']:g}/{row['wait_p95_s']:g}/{row['wait_max_s']:g}",
                          str(row["requests"]), str(row["rate_limited"]), f"{row['tokens_per_turn']:g}",
                          f"{row['cached_tokens_per_turn']:g}", str(row["refused"]),
                          ", ".join(f"{k} {v}" for k, v in row["offline_reasons"].items()) or "-"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
