"""bench/class_sim.py runs end to end and prints the issue's --json schema (a small class)."""

from __future__ import annotations

import json

from bench import class_sim


def test_small_class_json_schema(capsys) -> None:
    assert class_sim.main(["--students", "6", "--turns", "3", "--minutes", "10", "--policy", "naive",
                           "--policy", "governed_cache_layout", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["policies"]) == {"naive", "governed_cache_layout"}
    for row in report["policies"].values():
        assert isinstance(row["llm_share"], float) and 0 <= row["llm_share"] <= 1
        for key in ("wait_p50_s", "wait_p95_s", "tokens_per_turn"):
            assert isinstance(row[key], float)
        for key in ("requests", "rate_limited", "cache_hits", "turns"):
            assert isinstance(row[key], int)
        assert row["turns"] == 18
    governed = report["policies"]["governed_cache_layout"]
    assert governed["rate_limited"] == 0 and governed["wait_max_s"] <= 60


def test_normalized_questions_share_a_cache_key() -> None:
    assert class_sim.normalize("  LoRA NEDİR ?") == class_sim.normalize("lora nedir")
