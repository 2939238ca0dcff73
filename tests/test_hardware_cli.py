"""`ders-asistani vram` and `recommend` on the real CLI: JSON schemas, cases file, Turkish errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ders_asistani.cli import app

runner = CliRunner()

VRAM_KEYS = {
    "model": str, "params_billion": float, "quant": str, "context": int, "batch": int, "mode": str,
    "weights_gb": float, "kv_cache_gb": float, "activations_gb": float, "overhead_gb": float,
    "training_gb": float, "total_gb": float, "fits": (bool, type(None)), "max_context": (int, type(None)),
    "tokens_per_s": (float, type(None)), "notes": list,
}


def _check_schema(item: dict) -> None:
    assert set(item) == set(VRAM_KEYS)
    for key, kind in VRAM_KEYS.items():
        assert isinstance(item[key], kind), key
    parts = sum(item[k] for k in ("weights_gb", "kv_cache_gb", "activations_gb", "overhead_gb", "training_gb"))
    assert item["total_gb"] == pytest.approx(parts, abs=1e-6)


def test_vram_json_schema() -> None:
    result = runner.invoke(app, ["vram", "--model", "llama 3 8b", "--quant", "q4_k_m", "--gpu", "4090", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_schema(data)
    assert data["model"] == "Llama 3 8B" and data["fits"] is True and data["tokens_per_s"] > 0


def test_vram_params_and_training_mode() -> None:
    result = runner.invoke(app, ["vram", "--params", "13", "--mode", "qlora", "--context", "2048", "--vram", "16", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_schema(data)
    assert data["mode"] == "qlora" and data["training_gb"] > 0 and data["params_billion"] == 13.0


def test_training_options() -> None:
    base = ["vram", "--model", "llama 2 7b", "--mode", "lora", "--context", "2048", "--json"]
    default = json.loads(runner.invoke(app, base).stdout)
    tuned = json.loads(runner.invoke(app, base + ["--lora-rank", "64", "--optimizer", "adamw_8bit", "--no-checkpointing"]).stdout)
    assert tuned["activations_gb"] > default["activations_gb"]
    assert tuned["training_gb"] != default["training_gb"]
    bad = runner.invoke(app, base + ["--lora-targets", "hepsi"])
    assert bad.exit_code != 0 and "lora_targets" in bad.stderr


def test_vram_table_is_turkish() -> None:
    result = runner.invoke(app, ["vram", "--model", "mistral7b", "--gpu", "rtx 3060"])
    assert result.exit_code == 0, result.output
    for word in ("Bellek dökümü", "KV önbelleği", "Toplam", "Dersteki kural", "SIĞ"):
        assert word in result.stdout


@pytest.mark.parametrize("args, needle", [
    (["vram", "--model", "llama 3 8b", "--context", "0"], "Bağlam"),
    (["vram", "--model", "llama 3 8b", "--context", "abc"], "tam sayı"),
    (["vram", "--params", "-7"], "Parametre"),
    (["vram", "--params", "nan"], "NaN"),
    (["vram", "--model", "llama 3 8b", "--quant", "q9"], "nicemleme"),
    (["vram", "--model", "mistrall"], "Mistral"),
    (["vram"], "model"),
    (["recommend"], "GPU"),
    (["recommend", "--vram", "-1"], "VRAM"),
    (["recommend", "--vram", "8", "--task", "uzay"], "görev"),
])
def test_bad_input_exits_nonzero_with_turkish_message(args: list[str], needle: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert needle in result.stderr


def test_cases_file(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join([
        json.dumps({"model": "llama 3.1 8b", "quant": "Q4_K_M", "context": 8192, "gpu": "rtx 3060"}),
        json.dumps({"params": 7, "mode": "lora", "vram": 24}),
        "{bozuk json",
        json.dumps({"model": "llama 3.1 8b", "context": -1}),
        "",
        json.dumps({"model": "phi-2", "renk": "mavi"}),
        json.dumps({"model": "gpt2", "batch": 2, "gpus": 2, "vram": 4}),
    ]), encoding="utf-8")
    result = runner.invoke(app, ["vram", "--cases-file", str(cases), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 6
    _check_schema(data[0]); _check_schema(data[1]); _check_schema(data[5])
    assert data[0]["context"] == 8192 and data[1]["mode"] == "lora" and data[5]["batch"] == 2
    assert "error" in data[2] and "error" in data[3] and "renk" in data[4]["error"]


def test_cases_file_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["vram", "--cases-file", str(tmp_path / "yok.jsonl"), "--json"])
    assert result.exit_code != 0 and "bulunamadı" in result.stderr


def test_recommend_json_schema() -> None:
    result = runner.invoke(app, ["recommend", "--gpu", "rtx 4060", "--task", "kodlama", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert items
    for item in items:
        assert list(item) == ["model", "quant", "total_gb", "tokens_per_s", "reason"]
        assert item["total_gb"] <= 8 and isinstance(item["reason"], str) and item["reason"]


def test_real_entry_point_prints_utf8_json() -> None:
    # One run through the installed console script (same interpreter's bin dir).
    exe = Path(sys.executable).with_name("ders-asistani")
    proc = subprocess.run([str(exe), "recommend", "--vram", "8", "--task", "turkce", "--json"],
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode("utf-8")
    assert "Türkçe" in text and "\\u" not in text
    assert json.loads(text)[0]["model"].startswith("Nemotron")


@pytest.mark.parametrize("kind, minimum", [("models", 30), ("gpus", 25), ("quants", 15), ("tasks", 5)])
def test_catalog_listing(kind: str, minimum: int) -> None:
    result = runner.invoke(app, ["catalog", kind, "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) >= minimum
    assert runner.invoke(app, ["catalog", kind]).exit_code == 0
    bad = runner.invoke(app, ["catalog", "uzaylılar"])
    assert bad.exit_code != 0 and "bilinmiyor" in bad.stderr
