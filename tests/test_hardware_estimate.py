"""Inference estimates against published numbers (tests/data/hardware_published.json)."""

from __future__ import annotations

import json
import math

import pytest

from hardware.catalog import resolve_model, resolve_quant
from hardware.errors import HardwareInputError
from hardware.estimate import EstimateRequest, estimate
from hardware.memory import GIB, kv_cache_bytes, weight_bytes

from pathlib import Path

TEST_DATA = Path(__file__).resolve().parent / "data"

PUBLISHED = json.loads((TEST_DATA / "hardware_published.json").read_text(encoding="utf-8"))
GB_PER_GIB = GIB / 1e9


def _gguf_rows(legacy: bool) -> list[dict]:
    return [r for r in PUBLISHED["gguf_file_sizes"] if bool(r.get("legacy_rules")) == legacy]


@pytest.mark.parametrize("row", _gguf_rows(legacy=False), ids=lambda r: f"{r['model_id']}-{r['quant']}")
def test_weights_within_3_percent_of_published_gguf_files(row: dict) -> None:
    model = resolve_model(row["model_id"])
    quant = resolve_quant(row["quant"] if row["quant"] != "F16" else "F16")
    ours_gb = weight_bytes(model, quant) / 1e9
    assert ours_gb == pytest.approx(row["file_size_gb"], rel=0.03), row["source"]


def test_legacy_q2k_files_are_larger_than_current_rules() -> None:
    # Documented limitation: 2023 Q2_K files used an older, heavier mixture.
    for row in _gguf_rows(legacy=True):
        ours = weight_bytes(resolve_model(row["model_id"]), resolve_quant("Q2_K")) / 1e9
        assert ours < row["file_size_gb"]


def test_safetensors_sizes_match_parameter_bytes() -> None:
    # bf16 safetensors hold exactly 2 bytes per parameter (HF blog: 8B -> 16 GB, 70B -> 140 GB).
    for model_id, published_gb in (("llama-3.1-8b", 16), ("llama-3.1-70b", 140), ("llama-3.1-405b", 810)):
        ours = weight_bytes(resolve_model(model_id), resolve_quant("bf16")) / 1e9
        assert ours == pytest.approx(published_gb, rel=0.03)


def test_mixtral_weights_match_llama_cpp_log() -> None:
    row = PUBLISHED["weights_logs"][0]
    ours = weight_bytes(resolve_model(row["model_id"]), resolve_quant(row["quant"])) / GIB
    assert ours == pytest.approx(row["weights_gib"], rel=0.03)


@pytest.mark.parametrize("row", [r for r in PUBLISHED["kv_cache_tables"] if "excluded" not in r],
                         ids=lambda r: f"{r['model_id']}-{r['tokens']}")
def test_kv_cache_matches_published_table(row: dict) -> None:
    result = estimate({"model": row["model_id"], "context": row["tokens"]})
    assert result.kv_cache_gb == pytest.approx(row["kv_gb"], abs=0.006)


def test_kv_cache_is_exact_to_the_formula() -> None:
    model = resolve_model("llama 3.1 8b")
    expected = 2 * 32 * 8 * 128 * 2 * 4096 * 3  # K and V x layers x KV heads x head_dim x bytes x tokens x batch
    assert kv_cache_bytes(model, 4096, 3, 2.0) == expected
    result = estimate({"model": "llama 3.1 8b", "context": 4096, "batch": 3})
    assert result.kv_cache_gb == round(expected / GIB, 3)


def test_gqa_makes_kv_four_times_smaller_than_mha() -> None:
    model = resolve_model("llama 3.1 8b")
    assert kv_cache_bytes(model, 8192, 1, 2.0, heads=model.heads) == 4 * kv_cache_bytes(model, 8192, 1, 2.0)
    full = estimate({"model": "llama 3.1 8b", "context": 8192}).to_full_dict()
    assert full["kv_cache_without_gqa_gb"] == pytest.approx(4 * full["kv_cache_gb"], rel=0.001)


def test_sliding_window_layers_cap_the_kv_cache() -> None:
    gemma = resolve_model("gemma 2 9b")
    short, long = kv_cache_bytes(gemma, 4096, 1, 2.0), kv_cache_bytes(gemma, 8192, 1, 2.0)
    assert long < 2 * short  # only the global half of the layers keeps growing


@pytest.mark.parametrize("row", PUBLISHED["measured_inference"], ids=lambda r: r["quant"])
def test_totals_within_10_percent_of_measured_peak(row: dict) -> None:
    result = estimate({"model": row["model_id"], "quant": row["quant"], "context": row["context"], "batch": row["batch"]})
    ours = result.total_gb - (result.overhead_gb if row["excludes_cuda_context"] else 0)
    assert ours == pytest.approx(row["measured_gib"], rel=0.10), row["source"]


def test_moe_keeps_all_experts_in_memory_but_reads_active_ones() -> None:
    result = estimate({"model": "mixtral", "quant": "fp16", "gpu": "h200", "context": 4096})
    dense_same_size = estimate({"params": 46.7, "quant": "fp16", "gpu": "h200", "context": 4096})
    assert result.weights_gb == pytest.approx(dense_same_size.weights_gb, rel=0.01)
    assert result.tokens_per_s > 2.5 * dense_same_size.tokens_per_s
    assert any("MoE" in note for note in result.notes)


def test_schema_and_sum_of_parts() -> None:
    data = estimate({"model": "llama 3 8b", "quant": "q4_k_m", "gpu": "rtx 3060"}).to_dict()
    assert list(data) == ["model", "params_billion", "quant", "context", "batch", "mode", "weights_gb", "kv_cache_gb",
                          "activations_gb", "overhead_gb", "training_gb", "total_gb", "fits", "max_context",
                          "tokens_per_s", "notes"]
    parts = sum(data[k] for k in ("weights_gb", "kv_cache_gb", "activations_gb", "overhead_gb", "training_gb"))
    assert data["total_gb"] == pytest.approx(parts, abs=1e-6)
    assert data["training_gb"] == 0 and data["fits"] is True and data["max_context"] == 8192
    assert data["context"] == 4096 and data["batch"] == 1 and data["mode"] == "inference"


def test_defaults_fp16_and_context_capped_by_model() -> None:
    data = estimate({"model": "gpt2"}).to_dict()
    assert data["quant"] == "fp16" and data["context"] == 1024 and data["fits"] is None and data["max_context"] is None


def test_fits_max_context_and_speed() -> None:
    result = estimate({"model": "llama 3.1 8b", "quant": "Q4_K_M", "gpu": "rtx 3060", "context": 8192})
    assert result.fits and 8192 < result.max_context < 131072
    at_max = estimate({"model": "llama 3.1 8b", "quant": "Q4_K_M", "gpu": "rtx 3060", "context": result.max_context})
    beyond = estimate({"model": "llama 3.1 8b", "quant": "Q4_K_M", "gpu": "rtx 3060", "context": result.max_context + 64})
    assert at_max.fits and not beyond.fits
    # bandwidth / bytes per token: 360 GB/s over ~5.6 GB read per token
    read = (result.weights_gb + result.kv_cache_gb) * GIB
    assert result.tokens_per_s == pytest.approx(360e9 / read, rel=0.01)


def test_multi_gpu_adds_memory() -> None:
    one = estimate({"model": "llama 3.1 70b", "quant": "fp16", "gpu": "a100"})
    two = estimate({"model": "llama 3.1 70b", "quant": "fp16", "gpu": "a100", "gpus": 2})
    assert not one.fits and two.fits


def test_course_rule_side_by_side() -> None:
    result = estimate({"model": "llama 3 70b", "quant": "fp16"})
    # The course's table: 70B -> 140 GB+ (parameters x 2 bytes); its rule adds 20%.
    assert result.course_rule_gb * GIB / 1e9 == pytest.approx(70.55 * 2 * 1.2, rel=0.01)
    assert "iki kez" in result.course_rule_explanation
    assert "Ayrıntılı hesap" in result.course_rule_explanation


def test_notes_write_out_the_formulas() -> None:
    result = estimate({"model": "llama 3.1 8b", "quant": "fp16", "context": 65536})
    kv_note = next(n for n in result.notes if n.startswith("KV önbelleği:"))
    assert "32 katman × 8 KV başı × 128 boyut" in kv_note and "65.536 token" in kv_note
    assert any(n.startswith("Ağırlıklar: 8,03 milyar") for n in result.notes)
    # At long context the KV cache, not the 20% margin, explains the difference.
    assert "en büyük kalem: KV önbelleği" in result.course_rule_explanation


def test_full_dict_for_the_ui() -> None:
    full = estimate({"model": "mistral 7b", "quant": "Q4_K_M", "gpu": "4060"}).to_full_dict()
    labels = [b["label_tr"] for b in full["breakdown"]]
    assert "KV önbelleği" in labels and len(labels) == 5
    assert sum(b["gb"] for b in full["breakdown"]) == pytest.approx(full["total_gb"], abs=1e-6)
    assert "GeForce RTX 4090" in full["gpus_that_fit"]
    assert full["course_rule_gb"] > 0 and full["course_rule_explanation"]


def test_size_only_request_says_so() -> None:
    result = estimate({"params": 13})
    assert result.to_dict()["params_billion"] == 13.0
    assert any("yalnızca boyutuyla" in note for note in result.notes)


def test_loose_numbers_from_text() -> None:
    assert estimate({"params": "13B"}).params_billion == 13.0
    assert estimate({"params": "560M"}).params_billion == 0.56
    assert estimate({"model": "phi-2", "vram": "8 GB"}).fits is True
    assert any("yok sayıldı" in n for n in estimate({"model": "phi-2", "params": 5}).notes)


def test_kv_quant_shrinks_the_cache() -> None:
    fp16 = estimate({"model": "llama 3.1 8b", "context": 32768})
    q8 = estimate({"model": "llama 3.1 8b", "context": 32768, "kv_quant": "q8_0"})
    assert q8.kv_cache_gb == pytest.approx(fp16.kv_cache_gb * 34 / 64, rel=0.01)
    with pytest.raises(HardwareInputError):
        estimate({"model": "llama 3.1 8b", "kv_quant": "int3"})


def test_context_above_model_maximum_warns() -> None:
    result = estimate({"model": "llama 2 7b", "context": 8192})
    assert result.context == 8192
    assert any("en fazla bağlam" in note for note in result.notes)


@pytest.mark.parametrize("bad", [
    {"model": "llama 3 8b", "context": 0},
    {"model": "llama 3 8b", "context": -5},
    {"model": "llama 3 8b", "batch": 0},
    {"params": 0},
    {"params": -7},
    {"params": float("nan")},
    {"params": 1e12},
    {"model": "llama 3 8b", "quant": "q9_k"},
    {"model": "llama 3 8b", "gpus": 0},
    {"model": "llama 3 8b", "vram": -8},
    {"model": "llama 3 8b", "vram": float("inf")},
    {"model": "llama 3 8b", "context": "uzun"},
    {"model": "llama 3 8b", "mode": "uçur"},
    {},
])
def test_bad_input_gets_turkish_message(bad: dict) -> None:
    with pytest.raises(HardwareInputError) as info:
        estimate(bad)
    message = info.value.message_tr
    assert message and "Traceback" not in message
    assert any(ch in message for ch in "ıİşŞğĞüÜöÖçÇ") or "'" in message


@pytest.mark.parametrize("mode, quant, used", [
    ("lora", "Q4_K_M", "bf16"), ("full", "nf4", "bf16"), ("qlora", "fp16", "nf4"), ("qlora", "Q4_K_M", "nf4"),
    ("lora", "int4", "bf16"),
])
def test_training_with_an_untrainable_format_switches_and_says_so(mode: str, quant: str, used: str) -> None:
    result = estimate({"model": "llama 3 8b", "mode": mode, "quant": quant, "context": 1024})
    assert result.quant == used
    assert "yerine" in result.notes[0] or "alındı" in result.notes[0]


def test_request_model_is_pydantic() -> None:
    req = EstimateRequest(model="phi-2", context=2048)
    assert req.batch == 1 and req.mode == "inference" and req.gpus == 1
    assert EstimateRequest.parse({"model": "phi-2", "mode": "full_finetune"}).mode == "full"
    assert not math.isnan(estimate(req).total_gb)
