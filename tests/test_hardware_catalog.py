"""Catalog contents (with sources) and loose name resolution."""

from __future__ import annotations

import pytest

from hardware import catalog
from hardware.errors import HardwareInputError, UnknownNameError


def test_catalog_sizes_and_sources() -> None:
    models, gpus, quants = catalog.all_models(), catalog.all_gpus(), catalog.all_quants()
    assert len(models) >= 30
    assert len(gpus) >= 25
    assert all(m.source for m in models), "every model keeps its sources"
    assert all(g.source for g in gpus), "every GPU keeps its sources"
    assert all(q.source for q in quants), "every weight format keeps its sources"
    assert len({m.id for m in models}) == len(models)
    assert len({g.id for g in gpus}) == len(gpus)


@pytest.mark.parametrize("name", [
    "Mistral 7B", "Mixtral 8x7B", "Phi-2", "Llama 2 7B", "Llama 3 8B", "Llama 3 70B", "Llama 3.1 8B",
    "Falcon 7B", "Falcon 40B", "BLOOM-560M", "GPT-2", "Llama 3.2 1B", "Llama 3.2 3B", "Qwen2.5 0.5B",
    "Qwen2.5 72B", "Gemma 2 9B", "Gemma 3 27B", "Phi-3.5 mini", "Phi-4", "SmolLM2 1.7B", "Nemotron",
    "OLMo 7B", "Phi-1.5", "Phi-1", "GPT-Neo-125M", "OPT-125M",
])
def test_course_and_current_models_are_present(name: str) -> None:
    model = catalog.resolve_model(name)
    assert model.params_total > 0 and model.layers > 0 and model.kv_heads >= 1


@pytest.mark.parametrize("fine_tune, base", [
    ("BioMistral 7B", "mistral-7b-v0.1"), ("OpenMath Mistral 7B", "mistral-7b-v0.1"),
    ("ELYZA-japanese-Llama-2-7b", "llama-2-7b"), ("GPT4All Falcon", "falcon-7b"),
])
def test_course_fine_tunes_resolve_to_their_base_shape(fine_tune: str, base: str) -> None:
    assert catalog.resolve_model(fine_tune).id == base


def test_model_architecture_fields() -> None:
    llama = catalog.resolve_model("llama 3.1 8b")
    assert (llama.layers, llama.hidden, llama.heads, llama.kv_heads, llama.head_dim) == (32, 4096, 32, 8, 128)
    assert llama.vocab == 128256 and llama.max_context == 131072 and not llama.tied
    mixtral = catalog.resolve_model("mixtral")
    assert mixtral.experts == 8 and mixtral.experts_per_token == 2
    assert mixtral.params_active < mixtral.params_total
    assert catalog.resolve_model("llama 3.2 1b").tied


@pytest.mark.parametrize("loose, expected", [
    ("llama 3 8b", "llama-3-8b"),
    ("Llama-3-8B-Instruct", "llama-3-8b"),
    ("mistral7b", "mistral-7b-v0.3"),
    ("meta-llama/Llama-3.1-8B", "llama-3.1-8b"),
    ("QWEN2.5 14B instruct", "qwen2.5-14b"),
    ("gpt2", "gpt2"),
    ("phi2", "phi-2"),
])
def test_loose_model_names(loose: str, expected: str) -> None:
    assert catalog.resolve_model(loose).id == expected


@pytest.mark.parametrize("loose, expected", [
    ("4090", "rtx-4090"), ("rtx 3060", "rtx-3060-12gb"), ("RTX 4060 Ti", "rtx-4060-ti-16gb"),
    ("NVIDIA A100 40GB", "a100-40gb"), ("t4", "t4"), ("m2 max", "apple-m2-max"), ("colab", "colab-t4"),
])
def test_loose_gpu_names(loose: str, expected: str) -> None:
    assert catalog.resolve_gpu(loose).id == expected


def test_gpu_fields_and_apple_usable_share() -> None:
    rtx = catalog.resolve_gpu("4090")
    assert rtx.vram_gb == 24 and rtx.bandwidth_gb_s == 1008
    m1 = catalog.resolve_gpu("m1")
    assert m1.kind == "unified" and m1.usable_vram_gb < m1.vram_gb
    kinds = {g.kind for g in catalog.all_gpus()}
    assert {"discrete", "unified"} <= kinds
    assert max(g.vram_gb for g in catalog.all_gpus()) >= 80  # datacenter cards are there


@pytest.mark.parametrize("loose, expected", [
    ("fp16", "fp16"), ("BF16", "bf16"), ("4-bit", "int4"), ("nf4", "nf4"), ("q4_k_m", "Q4_K_M"),
    ("Q8", "Q8_0"), ("gptq", "gptq-4bit"), ("awq", "awq-4bit"), ("int8", "int8"), ("fp8", "fp8"), ("Q2_K", "Q2_K"),
])
def test_quant_names(loose: str, expected: str) -> None:
    assert catalog.resolve_quant(loose).id == expected


def test_quant_bits_are_ordered() -> None:
    bits = {q.id: q.bits for q in catalog.all_quants()}
    assert bits["fp32"] > bits["fp16"] > bits["Q8_0"] >= bits["int8"] > bits["Q4_K_M"] > bits["Q2_K"]


def test_unknown_names_get_suggestions_in_turkish() -> None:
    with pytest.raises(UnknownNameError) as info:
        catalog.resolve_model("mistrall 7b")
    assert any("Mistral" in s for s in info.value.suggestions)
    assert "bulunamadı" in info.value.message_tr
    with pytest.raises(UnknownNameError) as info:
        catalog.resolve_gpu("rtx 4900")
    assert info.value.suggestions
    with pytest.raises(UnknownNameError):
        catalog.resolve_quant("q9_k")


def test_sized_unknown_name_points_to_params() -> None:
    with pytest.raises(UnknownNameError) as info:
        catalog.resolve_model("LLaMA 3 13B")
    assert "--params 13" in info.value.message_tr


def test_size_only_model_is_estimated() -> None:
    model = catalog.resolve_model("13B")
    assert model.estimated and abs(model.params_billion - 13) < 1e-9
    assert catalog.resolve_model("560M").params_total == 560_000_000
    with pytest.raises(HardwareInputError):
        catalog.model_from_params(0)
    with pytest.raises(HardwareInputError):
        catalog.model_from_params(float("nan"))
    with pytest.raises(HardwareInputError):
        catalog.model_from_params(1e9)


def test_find_in_text() -> None:
    text = "Llama 3.1 8B'yi 4-bit çalıştırmak için kaç GB VRAM gerekir? RTX 3060'ım var"
    assert [m.id for m in catalog.find_models_in_text(text)] == ["llama-3.1-8b"]
    assert [g.id for g in catalog.find_gpus_in_text(text)] == ["rtx-3060-12gb"]
    assert [q.id for q in catalog.find_quants_in_text(text)] == ["int4"]
    assert catalog.find_models_in_text("8 GB'lık ekran kartım var") == []


def test_absurd_names_are_rejected_quickly() -> None:
    for resolver in (catalog.resolve_model, catalog.resolve_gpu, catalog.resolve_quant):
        with pytest.raises(HardwareInputError):
            resolver("x" * 10_000)
        with pytest.raises(HardwareInputError):
            resolver("   ")


def test_bundled_catalog_matches_the_generator() -> None:
    # CI has ../shared beside the clone; elsewhere the check is skipped, the bundled JSON is the truth.
    import json
    from pathlib import Path

    from hardware import build_catalog

    facts_path = Path(__file__).resolve().parents[2] / "shared" / "reference" / "llm-hardware-facts.json"
    if not facts_path.is_file():
        pytest.skip("llm-hardware-facts.json not beside the clone")
    facts = json.loads(facts_path.read_text(encoding="utf-8"))
    bundled = json.loads((build_catalog.DATA_DIR / "models.json").read_text(encoding="utf-8"))["models"]
    assert build_catalog.build_models(facts) == bundled
    bundled_gpus = json.loads((build_catalog.DATA_DIR / "gpus.json").read_text(encoding="utf-8"))["gpus"]
    assert build_catalog.build_gpus(facts) == bundled_gpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GPT-4 ile Llama 3 8B farkı ne?", []),
        ("Elimde bir T4 var, yeter mi?", ["NVIDIA T4"]),
        ("nvidia t4 kartım var", ["NVIDIA T4"]),
    ],
)
def test_short_gpu_names_only_match_whole_words(text: str, expected: list[str]) -> None:
    assert [gpu.name for gpu in catalog.find_gpus_in_text(text)] == expected


def test_only_the_unqualified_4bit_format_is_labelled_as_the_default() -> None:
    from hardware.estimate import UNQUALIFIED_4BIT

    defaults = [q.id for q in catalog.all_quants() if "varsayılan" in q.label]
    assert defaults == [UNQUALIFIED_4BIT]
