"""The evaluation harness and the labelled question set."""

from __future__ import annotations

import json

import pytest

from conftest import COURSE_DIR, TEST_DATA
from vectorstore.evaluation import (
    EvalItem,
    QueryResult,
    SearchOutcome,
    auc,
    evidence_key,
    hit_rank,
    load_eval_set,
    quality,
    run_questions,
    summarize,
)

EVAL_SET = TEST_DATA / "retrieval_eval.jsonl"


def item(evidence: str, *alternatives: str, answerable: bool = True) -> EvalItem:
    return EvalItem(id="x", question="?", kind="direct", evidence=evidence, alternatives=alternatives, answerable=answerable)


def test_evidence_matching_ignores_markup_and_whitespace():
    row = "| LLaMA 3 8B   | 8 milyar  | 16GB+     | RTX 4090     |"
    assert evidence_key("LLaMA 3 8B | 8 milyar | 16GB+") in evidence_key(row)
    assert evidence_key("Basit projeler için **requests**") in evidence_key("- Basit projeler için **requests** \n")
    # Whole words only: "8B" must not match inside "18B".
    assert evidence_key("8B") not in evidence_key("LLaMA 18B")


def test_hit_rank_uses_alternatives_and_is_one_based():
    passages = ["alakasız metin", "Falcon-40B, 40 milyar parametre üzerinde eğitilmiştir"]
    assert hit_rank(passages, item("40 milyar parametre")) == 2
    assert hit_rank(passages, item("yok böyle bir şey", "alakasız")) == 1
    assert hit_rank(passages, item("yok")) is None


def test_quality_metrics_and_bootstrap_interval():
    ranks = [1, 2, 5, None, 1, 3, None, 1]
    q = quality(ranks)
    assert q["n"] == 8
    assert q["hit@1"] == pytest.approx(3 / 8, abs=1e-3)
    assert q["hit@3"] == pytest.approx(5 / 8, abs=1e-3)
    assert q["hit@5"] == pytest.approx(6 / 8, abs=1e-3)
    assert q["mrr@5"] == pytest.approx((1 + 0.5 + 0.2 + 1 + 1 / 3 + 1) / 8, abs=1e-3)
    for name in ("hit@1", "hit@5", "mrr@5"):
        low, high = q[f"{name}_ci95"]
        assert low <= q[name] <= high
    assert quality([1, 1, 1])["hit@1_ci95"] == [1.0, 1.0]


def test_auc():
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auc([0.1], [0.9]) == 0.0
    assert auc([0.5], [0.5]) == 0.5
    assert auc([], [0.1]) is None


def test_run_and_summarize_with_a_fake_system():
    items = [
        EvalItem("a", "q1", "ascii", "bir", split="tune"),
        EvalItem("b", "q2", "number", "iki", split="holdout"),
        EvalItem("c", "q3", "unanswerable", "", answerable=False, obviously_off_topic=True, split="holdout"),
    ]
    answers = {"q1": ["bir"], "q2": ["yok", "yok", "iki"], "q3": ["yok"]}

    def search(question: str, k: int) -> SearchOutcome:
        return SearchOutcome(answers[question], coverage=0.0 if question == "q3" else 0.8, off_topic=question == "q3")

    results = run_questions(search, items)
    assert [r.rank for r in results] == [1, 3, None]
    summary = summarize(results)
    assert summary["overall"]["n"] == 2
    assert summary["splits"]["tune"]["hit@1"] == 1.0
    assert summary["splits"]["holdout"]["mrr@5"] == pytest.approx(1 / 3, abs=1e-3)
    assert summary["abstention"]["signal_auc"] == 1.0
    assert summary["abstention"]["obvious_flagged"] == 1
    assert summary["latency"]["p50_ms"] >= 0
    assert summary["misses"] == []


def test_eval_set_shape():
    items = load_eval_set(EVAL_SET)
    answerable = [i for i in items if i.answerable]
    assert len(items) >= 80
    assert sum(not i.answerable for i in items) >= 10
    assert len({i.id for i in items}) == len(items)
    assert {i.split for i in items} == {"tune", "holdout"}
    assert sum(i.split == "holdout" for i in answerable) >= 40
    kinds = {i.kind for i in answerable}
    assert {"paraphrase", "ascii", "typo", "comparison", "number", "advice", "synonym"} <= kinds
    for i in items:
        if i.kind == "ascii":
            assert i.question.isascii(), i.id
        if i.answerable:
            assert i.evidence and i.source
        else:
            assert not i.evidence


def test_every_evidence_span_is_inside_one_repaired_chunk():
    """Spans must survive repair and chunking, or a hit could never be counted."""
    from vectorstore.indexer import document_chunks
    from vectorstore.loaders import load_document

    chunks_by_source: dict[str, list[str]] = {}
    for path in sorted(COURSE_DIR.iterdir()):
        doc = load_document(path, COURSE_DIR, 20)
        chunks_by_source[doc.source] = [d.page_content for d in document_chunks(doc, 800, 120)]
    all_keys = [evidence_key(t) for texts in chunks_by_source.values() for t in texts]
    for i in load_eval_set(EVAL_SET):
        if not i.answerable:
            continue
        own = [evidence_key(t) for t in chunks_by_source[i.source]]
        assert any(evidence_key(i.evidence) in key for key in own), (i.id, i.evidence)
        for alternative in i.alternatives:
            assert any(evidence_key(alternative) in key for key in all_keys), (i.id, alternative)


def test_eval_set_lines_are_plain_json():
    for line in EVAL_SET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) >= {"id", "question", "kind", "evidence", "source", "answerable", "split"}


@pytest.mark.slow
def test_eval_cli_json_report(tmp_path, monkeypatch):
    """`ders-asistani eval retrieval --json` on a small question file, without the baseline."""
    import shutil

    from typer.testing import CliRunner

    from ders_asistani.cli import app

    shutil.copytree(COURSE_DIR, tmp_path / "knowledge")
    rows = [line for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if json.loads(r)["id"] in {"q001", "q036", "q089", "u001"}]
    questions = tmp_path / "sorular.jsonl"
    questions.write_text("\n".join(picked) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env = {"KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "STORAGE_DIR": str(tmp_path / "storage"), "CHROMA_HOST": ""}
    result = CliRunner().invoke(
        app, ["eval", "retrieval", "--json", "--no-baseline", "--questions", str(questions)], env=env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["questions"] == 4 and report["baseline"] is None
    ours = report["ours"]
    assert ours["overall"]["n"] == 3
    assert set(ours["overall"]) >= {"hit@1", "hit@3", "hit@5", "mrr@5", "mrr@5_ci95"}
    assert ours["latency"]["p50_ms"] > 0
    assert ours["abstention"]["unanswerable"] == 1
    assert set(ours["kinds"]) <= {"paraphrase", "typo", "synonym", "number", "ascii", "direct"}

    bad = CliRunner().invoke(app, ["eval", "retrieval", "--questions", str(tmp_path / "yok.jsonl")], env=env)
    assert bad.exit_code == 2 and "bulunamadı" in bad.stderr
