"""Regenerate hardware/data/models.json and gpus.json from the sourced facts file.

Run by a developer, never at runtime:
    .venv/bin/python -m hardware.build_catalog ../shared/reference/llm-hardware-facts.json

The runtime reads only the bundled JSON written here. Every entry keeps its sources.
Entries not in the facts file (EXTRA_MODELS, EXTRA_GPUS) carry their own source notes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# id, family, aliases, fused_qkv, gated_mlp, sliding_window, local_layers_per_global, legacy
MODEL_META: dict[str, dict] = {
    "Llama 3.2 1B": {"id": "llama-3.2-1b", "family": "llama3", "aliases": ["llama 3.2 1b", "llama3.2 1b", "llama 3.2 1b instruct"]},
    "Llama 3.2 3B": {"id": "llama-3.2-3b", "family": "llama3", "aliases": ["llama 3.2 3b", "llama3.2 3b", "llama 3.2", "llama3.2"]},
    "Llama 3.1 8B": {"id": "llama-3.1-8b", "family": "llama3", "aliases": ["llama 3.1 8b", "llama3.1 8b", "meta-llama-3.1-8b", "llama 3.1"]},
    "Llama 3.1 70B": {"id": "llama-3.1-70b", "family": "llama3", "aliases": ["llama 3.1 70b", "llama3.1 70b", "meta-llama-3.1-70b"]},
    "Llama 3.3 70B Instruct": {"id": "llama-3.3-70b", "family": "llama3", "aliases": ["llama 3.3 70b", "llama3.3 70b", "llama 3.3", "llama-3.3-70b-versatile"]},
    "Llama 2 7B": {"id": "llama-2-7b", "family": "llama2", "legacy": True, "aliases": ["llama 2 7b", "llama2 7b", "llama-2-7b-hf", "llama 2", "llama2", "elyza japanese llama 2 7b", "elyza-japanese-llama-2-7b"]},
    "Llama 2 13B": {"id": "llama-2-13b", "family": "llama2", "legacy": True, "aliases": ["llama 2 13b", "llama2 13b"]},
    "Mistral 7B v0.3": {"id": "mistral-7b-v0.3", "family": "mistral", "aliases": ["mistral 7b", "mistral7b", "mistral", "mistral 7b v0.3", "mistral 7b instruct"]},
    "Mixtral 8x7B v0.1": {"id": "mixtral-8x7b", "family": "mixtral", "aliases": ["mixtral 8x7b", "mixtral", "mixtral8x7b", "mixtral 8x7b instruct"]},
    "Phi-2": {"id": "phi-2", "family": "phi", "legacy": True, "fused_qkv": True, "gated_mlp": False, "aliases": ["phi 2", "phi2", "microsoft phi-2"]},
    "Phi-3-mini-4k-instruct (3.8B)": {"id": "phi-3-mini", "family": "phi", "fused_qkv": True, "aliases": ["phi-3 mini", "phi 3 mini", "phi3 mini", "phi-3", "phi3"]},
    "Phi-3.5-mini-instruct": {"id": "phi-3.5-mini", "family": "phi", "fused_qkv": True, "aliases": ["phi-3.5 mini", "phi 3.5", "phi3.5", "phi-3.5", "phi 3.5 mini"]},
    "Phi-4 (14B)": {"id": "phi-4", "family": "phi", "fused_qkv": True, "aliases": ["phi 4", "phi4", "phi-4 14b"]},
    "Phi-4-mini-instruct": {"id": "phi-4-mini", "family": "phi", "fused_qkv": True, "aliases": ["phi 4 mini", "phi4 mini", "phi-4-mini"]},
    "Gemma 2 2B": {"id": "gemma-2-2b", "family": "gemma2", "sliding_window": 4096, "local_per_global": 1, "aliases": ["gemma 2 2b", "gemma2 2b", "gemma-2-2b-it"]},
    "Gemma 2 9B": {"id": "gemma-2-9b", "family": "gemma2", "sliding_window": 4096, "local_per_global": 1, "aliases": ["gemma 2 9b", "gemma2 9b", "gemma-2-9b-it"]},
    "Gemma 2 27B": {"id": "gemma-2-27b", "family": "gemma2", "sliding_window": 4096, "local_per_global": 1, "aliases": ["gemma 2 27b", "gemma2 27b", "gemma-2-27b-it"]},
    "Gemma 3 1B": {"id": "gemma-3-1b", "family": "gemma3", "sliding_window": 512, "local_per_global": 5, "aliases": ["gemma 3 1b", "gemma3 1b", "gemma-3-1b-it"]},
    "Gemma 3 4B": {"id": "gemma-3-4b", "family": "gemma3", "sliding_window": 1024, "local_per_global": 5, "aliases": ["gemma 3 4b", "gemma3 4b", "gemma-3-4b-it", "gemma 3", "gemma3"]},
    "Gemma 3 12B": {"id": "gemma-3-12b", "family": "gemma3", "sliding_window": 1024, "local_per_global": 5, "aliases": ["gemma 3 12b", "gemma3 12b", "gemma-3-12b-it"]},
    "Gemma 3 27B": {"id": "gemma-3-27b", "family": "gemma3", "sliding_window": 1024, "local_per_global": 5, "aliases": ["gemma 3 27b", "gemma3 27b", "gemma-3-27b-it"]},
    "Qwen2.5 0.5B": {"id": "qwen2.5-0.5b", "family": "qwen2.5", "aliases": ["qwen 2.5 0.5b", "qwen2.5 0.5b", "qwen2.5-0.5b-instruct"]},
    "Qwen2.5 1.5B": {"id": "qwen2.5-1.5b", "family": "qwen2.5", "aliases": ["qwen 2.5 1.5b", "qwen2.5 1.5b", "qwen2.5-1.5b-instruct"]},
    "Qwen2.5 3B": {"id": "qwen2.5-3b", "family": "qwen2.5", "aliases": ["qwen 2.5 3b", "qwen2.5 3b", "qwen2.5-3b-instruct"]},
    "Qwen2.5 7B": {"id": "qwen2.5-7b", "family": "qwen2.5", "aliases": ["qwen 2.5 7b", "qwen2.5 7b", "qwen2.5-7b-instruct", "qwen 2.5", "qwen2.5", "qwen"]},
    "Qwen2.5 14B": {"id": "qwen2.5-14b", "family": "qwen2.5", "aliases": ["qwen 2.5 14b", "qwen2.5 14b", "qwen2.5-14b-instruct"]},
    "Qwen2.5 32B": {"id": "qwen2.5-32b", "family": "qwen2.5", "aliases": ["qwen 2.5 32b", "qwen2.5 32b", "qwen2.5-32b-instruct"]},
    "Qwen2.5 72B": {"id": "qwen2.5-72b", "family": "qwen2.5", "aliases": ["qwen 2.5 72b", "qwen2.5 72b", "qwen2.5-72b-instruct"]},
    "Nemotron-Mini-4B-Instruct": {"id": "nemotron-mini-4b", "family": "nemotron", "gated_mlp": False, "aliases": ["nemotron", "nemotron mini", "nemotron mini 4b", "nemotron 4b", "minitron 4b"]},
    "Falcon-7B": {"id": "falcon-7b", "family": "falcon", "legacy": True, "fused_qkv": True, "gated_mlp": False, "aliases": ["falcon 7b", "falcon7b", "falcon", "gpt4all falcon", "gpt4all-falcon"]},
    "Falcon-40B": {"id": "falcon-40b", "family": "falcon", "legacy": True, "fused_qkv": True, "gated_mlp": False, "aliases": ["falcon 40b", "falcon40b", "falcon-40b-sft-top1-560", "openassistant falcon 40b"]},
    "TinyLlama 1.1B (Chat v1.0)": {"id": "tinyllama-1.1b", "family": "tinyllama", "legacy": True, "aliases": ["tinyllama", "tiny llama", "tinyllama 1.1b", "tinyllama chat"]},
    "SmolLM2 135M": {"id": "smollm2-135m", "family": "smollm2", "aliases": ["smollm2 135m", "smollm 135m"]},
    "SmolLM2 360M": {"id": "smollm2-360m", "family": "smollm2", "aliases": ["smollm2 360m", "smollm 360m"]},
    "SmolLM2 1.7B": {"id": "smollm2-1.7b", "family": "smollm2", "aliases": ["smollm2 1.7b", "smollm 1.7b", "smollm2", "smollm"]},
    "BLOOM-560M": {"id": "bloom-560m", "family": "bloom", "legacy": True, "fused_qkv": True, "gated_mlp": False, "aliases": ["bloom 560m", "bloom560m", "bloom"]},
    "GPT-2 small": {"id": "gpt2", "family": "gpt2", "legacy": True, "fused_qkv": True, "gated_mlp": False, "aliases": ["gpt-2", "gpt 2", "gpt2 small", "gpt-2 small", "gpt2"]},
}

# Models the course names (or the published measurements use) that the facts file lacks.
# Shapes are from each model's config.json; parameter counts computed from the shapes.
EXTRA_MODELS: list[dict] = [
    {
        "id": "llama-3-8b", "name": "Llama 3 8B", "family": "llama3", "hf_repo": "meta-llama/Meta-Llama-3-8B",
        "aliases": ["llama 3 8b", "llama3 8b", "meta-llama-3-8b", "llama 3", "llama3"],
        "copy_of": "llama-3.1-8b", "max_context": 8192,
        "source": ["meta-llama/Meta-Llama-3-8B config.json: same shape as Llama 3.1 8B, max_position_embeddings 8192, no rope_scaling"],
    },
    {
        "id": "llama-3-70b", "name": "Llama 3 70B", "family": "llama3", "hf_repo": "meta-llama/Meta-Llama-3-70B",
        "aliases": ["llama 3 70b", "llama3 70b", "meta-llama-3-70b"],
        "copy_of": "llama-3.1-70b", "max_context": 8192,
        "source": ["meta-llama/Meta-Llama-3-70B config.json: same shape as Llama 3.1 70B, max_position_embeddings 8192"],
    },
    {
        "id": "llama-2-70b", "name": "Llama 2 70B", "family": "llama2", "legacy": True, "hf_repo": "meta-llama/Llama-2-70b-hf",
        "aliases": ["llama 2 70b", "llama2 70b", "llama-2-70b-chat"],
        "layers": 80, "hidden": 8192, "heads": 64, "kv_heads": 8, "head_dim": 128, "intermediate": 28672,
        "vocab": 32000, "max_context": 4096, "tied": False, "params_total": 68976648192,
        "source": ["meta-llama/Llama-2-70b-hf config.json (80 layers, hidden 8192, 64 heads, 8 KV heads, intermediate 28672, vocab 32000, 4096 positions)",
                   "params computed from the shape: 80*(2*8192*8192 + 2*8192*1024 + 3*8192*28672 + 2*8192) + 2*32000*8192 + 8192"],
    },
    {
        "id": "mistral-7b-v0.1", "name": "Mistral 7B v0.1", "family": "mistral", "hf_repo": "mistralai/Mistral-7B-v0.1",
        "aliases": ["mistral 7b v0.1", "mistral 7b v01", "mistral-7b-instruct-v0.1", "mistral-7b-instruct-v0.2", "biomistral 7b", "biomistral", "openmath mistral 7b", "openmath-mistral-7b-v0.1-hf"],
        "copy_of": "mistral-7b-v0.3", "vocab": 32000, "params_total": 7241732096,
        "notes": "config.json sets sliding_window 4096, but llama.cpp (llama architecture) and transformers' default dynamic cache keep the full KV cache, so the estimate does too.",
        "source": ["mistralai/Mistral-7B-v0.1 config.json: as v0.3 but vocab 32000 and sliding_window 4096 on every layer",
                   "params computed from the shape (v0.3 count minus 2*768*4096 embedding rows)"],
    },
    {
        "id": "starcoder-15b", "name": "StarCoder 15.5B (octocoder)", "family": "starcoder", "legacy": True, "hf_repo": "bigcode/starcoder",
        "aliases": ["starcoder", "octocoder", "bigcode/octocoder", "starcoder 15b", "starcoder 15.5b"],
        "layers": 40, "hidden": 6144, "heads": 48, "kv_heads": 1, "head_dim": 128, "intermediate": 24576,
        "vocab": 49152, "max_context": 8192, "tied": True, "fused_qkv": True, "gated_mlp": False,
        "params_total": 15517462528,
        "source": ["bigcode/starcoder config.json (GPTBigCode: n_layer 40, n_embd 6144, n_head 48, multi_query true, n_positions 8192, vocab 49152)",
                   "params computed from the shape incl. biases and learned positions (tied lm_head)"],
    },
    {
        "id": "olmo-7b", "name": "OLMo 7B", "family": "olmo", "legacy": True, "hf_repo": "allenai/OLMo-7B",
        "aliases": ["olmo", "olmo 7b", "olmo-7b", "allenai olmo"],
        "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 32, "head_dim": 128, "intermediate": 11008,
        "vocab": 50304, "max_context": 2048, "tied": False, "params_total": 6887833600,
        "source": ["allenai/OLMo-7B config (quoted in a public code index): vocab 50304, d_model 4096, n_layers 32, n_heads 32, mlp_ratio 8 (SwiGLU, 11008 per half), max_sequence_length 2048, no weight tying",
                   "params computed from the shape (non-parametric LayerNorm, no biases); AllenAI reports 6.89B",
                   "named in knowledge/acik-kaynak-modeller.md"],
    },
    {
        "id": "phi-1.5", "name": "Phi-1.5", "family": "phi", "legacy": True, "hf_repo": "microsoft/phi-1_5",
        "aliases": ["phi 1.5", "phi-1_5", "phi1.5", "phi 1 5"], "fused_qkv": True, "gated_mlp": False,
        "layers": 24, "hidden": 2048, "heads": 32, "kv_heads": 32, "head_dim": 64, "intermediate": 8192,
        "vocab": 51200, "max_context": 2048, "tied": False, "params_total": 1418270720,
        "source": ["microsoft/phi-1_5 config.json (PhiForCausalLM: 24 layers, hidden 2048, 32 heads, intermediate 8192, vocab 51200, 2048 positions); not in the facts file",
                   "params computed from the shape incl. biases and the lm_head bias; model card: 1.3B", "named in knowledge/slm-sunumu.txt"],
    },
    {
        "id": "phi-1", "name": "Phi-1", "family": "phi", "legacy": True, "hf_repo": "microsoft/phi-1",
        "aliases": ["phi 1", "phi-1", "phi1"], "fused_qkv": True, "gated_mlp": False,
        "layers": 24, "hidden": 2048, "heads": 32, "kv_heads": 32, "head_dim": 64, "intermediate": 8192,
        "vocab": 51200, "max_context": 2048, "tied": False, "params_total": 1418270720,
        "source": ["microsoft/phi-1 config.json: same shape as Phi-1.5; not in the facts file", "named in knowledge/slm-sunumu.txt"],
    },
    {
        "id": "gpt-neo-125m", "name": "GPT-Neo 125M", "family": "gpt-neo", "legacy": True, "hf_repo": "EleutherAI/gpt-neo-125m",
        "aliases": ["gpt-neo-125m", "gpt neo 125m", "gptneo 125m", "gpt neo", "gpt-neo"], "gated_mlp": False,
        "layers": 12, "hidden": 768, "heads": 12, "kv_heads": 12, "head_dim": 64, "intermediate": 3072,
        "vocab": 50257, "max_context": 2048, "tied": True, "params_total": 125198592,
        "source": ["EleutherAI/gpt-neo-125m config.json (12 layers, hidden 768, 12 heads, 2048 positions, vocab 50257); not in the facts file",
                   "params computed from the shape incl. biases and learned positions", "named in knowledge/kucuk-dil-modelleri-1-6gb.md (Yaratıcı Yazım)"],
    },
    {
        "id": "opt-125m", "name": "OPT-125M", "family": "opt", "legacy": True, "hf_repo": "facebook/opt-125m",
        "aliases": ["opt-125m", "opt 125m", "opt"], "gated_mlp": False,
        "layers": 12, "hidden": 768, "heads": 12, "kv_heads": 12, "head_dim": 64, "intermediate": 3072,
        "vocab": 50272, "max_context": 2048, "tied": True, "params_total": 125239296,
        "source": ["facebook/opt-125m config.json (12 layers, hidden 768, 12 heads, ffn 3072, vocab 50272, 2048 positions); not in the facts file",
                   "params computed from the shape incl. biases and learned positions", "named in knowledge/kucuk-dil-modelleri-1-6gb.md (Yaratıcı Yazım)"],
    },
    {
        "id": "llama-3.1-405b", "name": "Llama 3.1 405B", "family": "llama3", "hf_repo": "meta-llama/Llama-3.1-405B",
        "aliases": ["llama 3.1 405b", "llama3.1 405b", "llama 405b"],
        "layers": 126, "hidden": 16384, "heads": 128, "kv_heads": 8, "head_dim": 128, "intermediate": 53248,
        "vocab": 128256, "max_context": 131072, "tied": False, "params_total": 405853388800,
        "source": ["meta-llama/Llama-3.1-405B config.json (126 layers, hidden 16384, 128 heads, 8 KV heads, intermediate 53248)",
                   "huggingface/blog llama31.md: FP16 weights 810 GB"],
    },
]


def _params_llama_like(m: dict) -> int:
    h, L = m["hidden"], m["layers"]
    q = h * m["heads"] * m["head_dim"]
    kv = 2 * h * m["kv_heads"] * m["head_dim"]
    o = m["heads"] * m["head_dim"] * h
    mlp = 3 * h * m["intermediate"]
    return L * (q + kv + o + mlp + 2 * h) + m["vocab"] * h * (1 if m["tied"] else 2) + h


def build_models(facts: dict) -> list[dict]:
    out: list[dict] = []
    for f in facts["models"]:
        meta = MODEL_META[f["name"]]
        moe = f.get("moe")
        intermediate = f.get("intermediate_size") or 4 * f["hidden_size"]
        entry = {
            "id": meta["id"],
            "name": f["name"],
            "family": meta["family"],
            "hf_repo": f["hf_repo"].split(" (")[0],
            "aliases": meta["aliases"],
            "params_total": f["total_parameters"],
            "params_active": (moe or {}).get("active_parameters", f["total_parameters"]),
            "layers": f["num_hidden_layers"],
            "hidden": f["hidden_size"],
            "heads": f["num_attention_heads"],
            "kv_heads": f["num_key_value_heads"],
            "head_dim": f["head_dim"],
            "intermediate": intermediate,
            "vocab": f["vocab_size"],
            "max_context": f.get("max_position_embeddings") or 2048,
            "tied": bool(f["tie_word_embeddings"]),
            "experts": (moe or {}).get("num_local_experts", 1),
            "experts_per_token": (moe or {}).get("num_experts_per_tok", 1),
            "fused_qkv": meta.get("fused_qkv", False),
            "gated_mlp": meta.get("gated_mlp", True),
            "sliding_window": meta.get("sliding_window"),
            "local_per_global": meta.get("local_per_global"),
            "legacy": meta.get("legacy", False),
            "notes": f.get("notes"),
            "source": f["source"] if isinstance(f["source"], list) else [f["source"]],
        }
        if f.get("max_position_embeddings") is None:
            entry["notes"] = (entry["notes"] or "") + " max_context 2048 = training sequence length."
        out.append(entry)
    by_id = {m["id"]: m for m in out}
    for extra in EXTRA_MODELS:
        extra = dict(extra)
        base = dict(by_id[extra.pop("copy_of")]) if "copy_of" in extra else {}
        base.update({"notes": None, "legacy": False, "fused_qkv": False, "gated_mlp": True,
                     "sliding_window": None, "local_per_global": None, "experts": 1, "experts_per_token": 1})
        base.update(extra)
        if "params_total" not in base:
            base["params_total"] = _params_llama_like(base)
        base["params_active"] = base["params_total"]
        out.append(base)
    return out


GPU_META: dict[str, dict] = {
    "GeForce RTX 3050 (8GB)": {"id": "rtx-3050", "aliases": ["rtx 3050", "3050"]},
    "GeForce RTX 3060 12GB": {"id": "rtx-3060-12gb", "aliases": ["rtx 3060", "3060", "rtx 3060 12gb"]},
    "GeForce RTX 3070": {"id": "rtx-3070", "aliases": ["rtx 3070", "3070"]},
    "GeForce RTX 3080 10GB": {"id": "rtx-3080-10gb", "aliases": ["rtx 3080", "3080"]},
    "GeForce RTX 3090": {"id": "rtx-3090", "aliases": ["rtx 3090", "3090"]},
    "GeForce RTX 4060 (8GB)": {"id": "rtx-4060", "aliases": ["rtx 4060", "4060"]},
    "GeForce RTX 4060 Ti 16GB": {"id": "rtx-4060-ti-16gb", "aliases": ["rtx 4060 ti", "4060 ti", "4060ti", "rtx 4060 ti 16gb"]},
    "GeForce RTX 4070": {"id": "rtx-4070", "aliases": ["rtx 4070", "4070"]},
    "GeForce RTX 4080": {"id": "rtx-4080", "aliases": ["rtx 4080", "4080"]},
    "GeForce RTX 4090": {"id": "rtx-4090", "aliases": ["rtx 4090", "4090"]},
    "GeForce RTX 5090": {"id": "rtx-5090", "aliases": ["rtx 5090", "5090"]},
    "NVIDIA T4": {"id": "t4", "aliases": ["t4", "tesla t4", "nvidia t4"]},
    "NVIDIA L4": {"id": "l4", "aliases": ["l4", "nvidia l4"]},
    "NVIDIA A10G (AWS G5)": {"id": "a10g", "aliases": ["a10g", "a10", "aws g5"]},
    "NVIDIA A100 40GB": {"id": "a100-40gb", "aliases": ["a100 40gb", "a100 40", "a100-40gb"]},
    "NVIDIA A100 80GB": {"id": "a100-80gb", "aliases": ["a100", "a100 80gb", "a100 80", "a100-80gb"]},
    "NVIDIA H100 80GB": {"id": "h100-80gb", "aliases": ["h100", "h100 80gb", "h100 sxm"]},
    "NVIDIA H200 141GB": {"id": "h200", "aliases": ["h200", "h200 141gb"]},
    "Google Colab free tier (Tesla T4)": {"id": "colab-t4", "aliases": ["colab", "google colab", "colab t4", "colab free"]},
    "Apple M1": {"id": "apple-m1", "memory": 16, "aliases": ["m1", "apple m1", "mac m1", "macbook m1"]},
    "Apple M1 Pro": {"id": "apple-m1-pro", "memory": 32, "aliases": ["m1 pro", "apple m1 pro"]},
    "Apple M1 Max": {"id": "apple-m1-max", "memory": 64, "aliases": ["m1 max", "apple m1 max"]},
    "Apple M2": {"id": "apple-m2", "memory": 24, "aliases": ["m2", "apple m2", "mac m2", "macbook m2"]},
    "Apple M2 Pro": {"id": "apple-m2-pro", "memory": 32, "aliases": ["m2 pro", "apple m2 pro"]},
    "Apple M2 Max": {"id": "apple-m2-max", "memory": 96, "memory_source": "Apple M2 Max spec sheet: up to 96 GB unified memory (not verified in the facts file)", "aliases": ["m2 max", "apple m2 max"]},
    "Apple M2 Ultra": {"id": "apple-m2-ultra", "memory": 192, "memory_source": "Apple M2 Ultra spec sheet: up to 192 GB unified memory (not verified in the facts file)", "aliases": ["m2 ultra", "apple m2 ultra"]},
    "Apple M3": {"id": "apple-m3", "memory": 24, "aliases": ["m3", "apple m3", "mac m3", "macbook m3"]},
    "Apple M3 Pro": {"id": "apple-m3-pro", "memory": 36, "aliases": ["m3 pro", "apple m3 pro"]},
    "Apple M3 Max": {"id": "apple-m3-max", "memory": 128, "aliases": ["m3 max", "apple m3 max"]},
}

EXTRA_GPUS: list[dict] = [
    {"id": "rtx-3080-12gb", "name": "GeForce RTX 3080 12GB", "vram_gb": 12, "bandwidth_gb_s": 912, "kind": "discrete",
     "architecture": "Ampere", "aliases": ["rtx 3080 12gb", "3080 12gb"],
     "source": ["llm-hardware-facts.json note on GeForce RTX 3080 10GB: 'RTX 3080 12GB: 912 GB/s'"]},
    {"id": "rtx-4060-ti-8gb", "name": "GeForce RTX 4060 Ti 8GB", "vram_gb": 8, "bandwidth_gb_s": 288, "kind": "discrete",
     "architecture": "Ada Lovelace", "aliases": ["rtx 4060 ti 8gb", "4060 ti 8gb", "4060ti 8gb"],
     "source": ["llm-hardware-facts.json note on GeForce RTX 4060 Ti 16GB: 'Same 288 GB/s as the 8GB model'"]},
    {"id": "rtx-3060-8gb", "name": "GeForce RTX 3060 8GB", "vram_gb": 8, "bandwidth_gb_s": 240, "kind": "discrete",
     "architecture": "Ampere", "aliases": ["rtx 3060 8gb", "3060 8gb"],
     "source": ["llm-hardware-facts.json note on GeForce RTX 3060 12GB: 'An 8GB RTX 3060 variant exists with 240 GB/s'"]},
]

APPLE_NOTE_SOURCE = "llm-hardware-facts.json 'Apple Silicon unified-memory note' (Metal recommendedMaxWorkingSetSize ~2/3 of RAM up to 36 GB, ~3/4 above)"


def build_gpus(facts: dict) -> list[dict]:
    out: list[dict] = []
    for g in facts["gpus"]:
        if g["name"] not in GPU_META:
            continue  # the Apple note is folded into each Apple entry
        meta = GPU_META[g["name"]]
        src = g["source"] if isinstance(g["source"], list) else [g["source"]]
        if g["name"].startswith("Apple"):
            memory = meta["memory"]
            usable_fraction = 0.67 if memory <= 36 else 0.75
            entry = {
                "id": meta["id"], "name": f"{g['name']} ({memory} GB)", "kind": "unified",
                "vram_gb": memory, "usable_vram_gb": round(memory * usable_fraction, 1),
                "bandwidth_gb_s": g["bandwidth_gb_s"], "architecture": g["architecture"],
                "aliases": meta["aliases"],
                "notes": f"Birleşik bellek: GPU varsayılan olarak yaklaşık %{round(usable_fraction * 100)}'ini kullanabilir "
                         "(sudo sysctl iogpu.wired_limit_mb ile artırılabilir).",
                "source": src + [APPLE_NOTE_SOURCE] + ([meta["memory_source"]] if "memory_source" in meta else []),
            }
        else:
            usable = g.get("usable_vram_gb_approx")
            if g["name"] == "NVIDIA T4":
                usable = 15
            entry = {
                "id": meta["id"], "name": g["name"], "kind": "cloud" if "Colab" in g["name"] else "discrete",
                "vram_gb": g["vram_gb"], "usable_vram_gb": usable or g["vram_gb"],
                "bandwidth_gb_s": g["bandwidth_gb_s"], "architecture": g["architecture"],
                "aliases": meta["aliases"], "notes": g.get("notes"), "source": src,
            }
        out.append(entry)
    for extra in EXTRA_GPUS:
        e = dict(extra)
        e.setdefault("usable_vram_gb", e["vram_gb"])
        e.setdefault("notes", None)
        out.append(e)
    return out


def main(argv: list[str]) -> None:
    facts_path = Path(argv[1] if len(argv) > 1 else "../shared/reference/llm-hardware-facts.json")
    facts = json.loads(facts_path.read_text(encoding="utf-8"))
    DATA_DIR.mkdir(exist_ok=True)
    models = build_models(facts)
    gpus = build_gpus(facts)
    header = {"_about": "Generated by hardware/build_catalog.py from llm-hardware-facts.json; sources kept per entry."}
    (DATA_DIR / "models.json").write_text(json.dumps({**header, "models": models}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (DATA_DIR / "gpus.json").write_text(json.dumps({**header, "gpus": gpus}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(models)} models, {len(gpus)} GPUs written to {DATA_DIR}")


if __name__ == "__main__":
    main(sys.argv)
