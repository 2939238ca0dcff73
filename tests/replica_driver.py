"""One app replica as its own process, for tests/test_two_replicas.py.

It is what one Streamlit server process holds (see ders_asistani/ui/resources.py):
one `KnowledgeBase` with its long-lived retriever and one `AppDatabase`, built
from `load_settings()` (environment: CHROMA_HOST, DATABASE_URL, STORAGE_DIR, ...)
and kept for the life of the process. The test drives it with one JSON object
per stdin line and reads one JSON answer per stdout line:

    {"op": "ingest", "lock_timeout": s}        -> {"added", "updated", "skipped", "deleted", "chunks", "errors",
                                                   "embedded"} or {"busy": "<Turkish message>"}
    {"op": "hold_lock"} / {"op": "release_lock"} -> {"ok": true}  (the ingest lock, as a long ingest holds it)
    {"op": "search", "q": "...", "k": 3}       -> {"sources": [...], "texts": [...]}
    {"op": "feedback", "message_id", "question", "answer", "rating", "comment"} -> {"ok": true}
    {"op": "unanswered", "question"}           -> {"ok": true}
    {"op": "gaps"}                             -> {"gaps": [KnowledgeGap.to_dict(), ...]}
    {"op": "counts"}                           -> {"up": n, "down": n}
    {"op": "governor_turn", "key", "student", "prompt_tokens", "rpm"} -> {"status", "position", "limit", "charged"}
        one class-key turn through the real governor (build_governor, state in DATABASE_URL):
        enqueue, poll once, settle what the call cost, finish; not admitted -> nothing spent
    {"op": "governor_snapshot", "key", "rpm"}  -> Governor.snapshot(model) + {"key_id"}
    {"op": "quit"}

Errors come back as {"error": "<type>: <message>"} so the test shows them.
"""

from __future__ import annotations

import json
import sys
import traceback
from contextlib import ExitStack


def _governor_op(settings, op: str, command: dict) -> dict:
    """The class key's governor as the app builds it (chains.governed_turn.build_governor)."""
    from pydantic import SecretStr

    from chains.governed_turn import build_governor

    class_settings = settings.model_copy(update={"groq_api_key": SecretStr(command["key"]),
                                                 "groq_limit_rpm": int(command.get("rpm", 30))})
    governor = build_governor(class_settings, "class")
    assert governor is not None and governor.backend.url == settings.app_database_url
    model = class_settings.groq_model
    if op == "governor_snapshot":
        return {**governor.snapshot(model), "key_id": governor.key}
    prompt = int(command.get("prompt_tokens", 1000))
    ticket = governor.enqueue(command["student"], model, prompt + class_settings.max_completion_tokens)
    decision = governor.poll(ticket)
    charged = 0
    if decision.status == "admitted":
        charged = governor.settle(decision.call_id, prompt_tokens=prompt, completion_tokens=100)
    governor.finish(ticket)
    return {"status": decision.status, "position": decision.position, "limit": decision.limit,
            "eta_s": decision.eta_s, "charged": charged, "key_id": governor.key}


def main() -> None:
    from ders_asistani.appdb import AppDatabase
    from ders_asistani.settings import load_settings
    from vectorstore.indexer import IngestBusyError, ingest_lock
    from vectorstore.knowledge_base import KnowledgeBase

    settings = load_settings()
    settings.ensure_storage()
    kb = KnowledgeBase(settings)
    db = AppDatabase(settings.app_database_url)
    retriever = None
    held = ExitStack()
    print(json.dumps({"ready": True, "storage": str(settings.storage_dir)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        op = command.pop("op")
        try:
            if op == "quit":
                break
            if op == "ingest":
                before = kb.embeddings.documents_embedded
                try:
                    report = kb.ingest(lock_timeout=command.get("lock_timeout"))
                except IngestBusyError as exc:
                    answer = {"busy": str(exc)}
                else:
                    answer = {"added": report.added, "updated": report.updated, "skipped": report.skipped,
                              "deleted": report.deleted, "chunks": report.chunks,
                              "errors": [str(e) for e in report.errors],
                              "embedded": kb.embeddings.documents_embedded - before}
            elif op == "hold_lock":
                held.enter_context(ingest_lock(settings, timeout=60))
                answer = {"ok": True}
            elif op == "release_lock":
                held.close()
                answer = {"ok": True}
            elif op == "search":
                if retriever is None:
                    retriever = kb.retriever()
                response = retriever.search(command["q"], k=command.get("k", 3))
                answer = {"sources": [p.source for p in response.passages],
                          "texts": [p.text for p in response.passages]}
            elif op == "feedback":
                db.record_feedback(thread_id="replica", mode="offline", **command)
                answer = {"ok": True}
            elif op == "unanswered":
                db.record_unanswered(command["question"], mode="offline", reason="kapsam dışı")
                answer = {"ok": True}
            elif op == "gaps":
                answer = {"gaps": [gap.to_dict() for gap in db.knowledge_gaps()]}
            elif op == "counts":
                answer = db.feedback_counts()
            elif op in ("governor_turn", "governor_snapshot"):
                answer = _governor_op(settings, op, command)
            else:
                answer = {"error": f"unknown op {op}"}
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails with it
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
        print(json.dumps(answer, ensure_ascii=False, default=str), flush=True)
    kb.close()
    db.dispose()


if __name__ == "__main__":
    main()
