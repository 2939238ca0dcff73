"""Training estimates: full fine-tuning, LoRA, QLoRA, checkpointing; measured LLaMA-Factory rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware.catalog import resolve_model
from hardware.estimate import estimate
from hardware.memory import GIB
from hardware.training import activation_bytes, lora_params

PUBLISHED = json.loads((Path(__file__).resolve().parent / "data" / "hardware_published.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("row", [r for r in PUBLISHED["measured_training"] if r["comparable"]],
                         ids=lambda r: f"{r['mode']}-{r['framework']}-b{r['batch']}-{r['context']}")
def test_training_totals_within_10_percent_of_measured(row: dict) -> None:
    result = estimate({"model": row["model_id"], "mode": row["mode"], "quant": row["quant"], "context": row["context"],
                       "batch": row["batch"], "lora_rank": row["lora_rank"], "lora_targets": row["lora_targets"]})
    ours_gb = result.total_gb * GIB / 1e9  # LLaMA-Factory reports decimal GB
    assert ours_gb == pytest.approx(row["measured_gb"], rel=0.10), row["source"]


def test_lora_parameter_count_matches_peft() -> None:
    # PEFT's print_trainable_parameters for Llama-2-7B, r=8 on all 7 linear modules: 19,988,480.
    assert lora_params(resolve_model("llama 2 7b"), 8, "all") == 19_988_480
    # r=8 on q_proj and v_proj only: 4,194,304.
    assert lora_params(resolve_model("llama 2 7b"), 8, "qv") == 4_194_304


def test_full_finetune_mixed_precision_adamw_is_16_bytes_per_param() -> None:
    result = estimate({"model": "llama 3.1 8b", "mode": "full", "context": 512})
    per_param = (result.weights_gb + result.training_gb) * GIB / 8.03e9
    assert per_param == pytest.approx(16, rel=0.01)  # 2 weights + 2 grads + 4 master + 8 Adam
    lighter = estimate({"model": "llama 3.1 8b", "mode": "full", "context": 512, "optimizer": "adamw_8bit"})
    assert lighter.training_gb < result.training_gb
    sgd = estimate({"model": "llama 3.1 8b", "mode": "full", "context": 512, "optimizer": "sgd"})
    assert sgd.training_gb < lighter.training_gb


def test_qlora_needs_far_less_than_lora_and_full() -> None:
    base = {"model": "llama 3.1 8b", "context": 2048}
    qlora = estimate({**base, "mode": "qlora"}).total_gb
    lora = estimate({**base, "mode": "lora"}).total_gb
    full = estimate({**base, "mode": "full"}).total_gb
    assert qlora < lora < full
    assert estimate({**base, "mode": "qlora"}).quant == "nf4"


def test_gradient_checkpointing_saves_activations() -> None:
    model = resolve_model("llama 2 7b")
    assert activation_bytes(model, 4096, checkpointing=True) < activation_bytes(model, 4096, checkpointing=False) / 3
    with_ckpt = estimate({"model": "llama 2 7b", "mode": "lora", "context": 4096})
    without = estimate({"model": "llama 2 7b", "mode": "lora", "context": 4096, "gradient_checkpointing": False})
    assert without.activations_gb > with_ckpt.activations_gb


def test_lora_rank_and_targets_change_the_adapter() -> None:
    small = estimate({"model": "mistral 7b", "mode": "lora", "lora_rank": 8, "lora_targets": "qv"})
    big = estimate({"model": "mistral 7b", "mode": "lora", "lora_rank": 64, "lora_targets": "all"})
    assert big.training_gb > 10 * small.training_gb
    assert big.to_dict()["kv_cache_gb"] == 0  # no KV cache while training


def test_training_note_is_turkish() -> None:
    notes = estimate({"model": "phi-2", "mode": "qlora", "context": 1024}).notes
    assert notes[0].startswith("QLoRA:") and "adaptör" in notes[0]
