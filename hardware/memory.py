"""The memory terms, each a pure function of the model shape: weights, KV cache, activations.

Sizes are in bytes. Weights are computed per tensor class (embeddings, attention, MLP,
experts) so that formats keeping some tensors at higher precision (bitsandbytes and GPTQ
keep embeddings 16-bit; llama.cpp's K-quant mixtures promote attn_v/ffn_down/output)
match published file sizes, including small models with large vocabularies.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.catalog import ModelSpec, QuantSpec, quant_tables

GIB = 1024**3

# Bytes per KV-cache element for the --kv-quant choices (llama.cpp q8_0/q4_0 include their scales).
KV_DTYPE_BYTES: dict[str, float] = {
    "fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0, "q8_0": 34 / 32, "q4_0": 18 / 32,
}

# llama.cpp processes the prompt in micro-batches of this many tokens (n_ubatch default).
LLAMA_CPP_UBATCH = 512


@dataclass(frozen=True)
class TensorGroups:
    """Parameter counts per tensor class (whole model); per-layer counts are these / layers."""

    embed: float
    output: float
    attn_q: float
    attn_k: float
    attn_v: float
    attn_qkv: float
    attn_output: float
    ffn_gate: float
    ffn_up: float
    ffn_down: float
    other: float  # norms, biases, position embeddings, routers

    @property
    def linear(self) -> float:
        return (self.attn_q + self.attn_k + self.attn_v + self.attn_qkv + self.attn_output
                + self.ffn_gate + self.ffn_up + self.ffn_down)

    @property
    def total(self) -> float:
        return self.embed + self.output + self.linear + self.other


def tensor_groups(model: ModelSpec) -> TensorGroups:
    h, L = model.hidden, model.layers
    q_dim = model.heads * model.head_dim
    kv_dim = model.kv_heads * model.head_dim
    experts = model.experts
    q, k, v, o = h * q_dim * L, h * kv_dim * L, h * kv_dim * L, q_dim * h * L
    up = h * model.intermediate * experts * L
    gate = up if model.gated_mlp else 0
    down = model.intermediate * h * experts * L
    embed = model.vocab * h
    output = 0 if model.tied else model.vocab * h
    qkv = 0
    if model.fused_qkv:
        qkv, q, k, v = q + k + v, 0, 0, 0
    groups = TensorGroups(embed, output, q, k, v, qkv, o, gate, up, down, 0.0)
    shape_total = groups.total
    if model.estimated:
        # A size-only model borrows a shape; scale every class so the total is the given size.
        f = model.params_total / shape_total
        return TensorGroups(*(value * f for value in (embed, output, q, k, v, qkv, o, gate, up, down)), 0.0)
    other = max(0.0, model.params_total - shape_total)
    return TensorGroups(embed, output, q, k, v, qkv, o, gate, up, down, other)


def expert_fraction_active(model: ModelSpec) -> float:
    """Share of the weights read for one token (MoE reads only the routed experts)."""
    if not model.is_moe:
        return 1.0
    g = tensor_groups(model)
    experts = g.ffn_gate + g.ffn_up + g.ffn_down
    active = g.total - experts * (1 - model.experts_per_token / model.experts)
    return active / g.total


# ------------------------------------------------------------------ weights ----

def _use_more_bits(i_layer: int, n_layers: int) -> bool:
    # llama.cpp llama-quant.cpp: first and last eighth, and every third layer in between.
    return i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8 or (i_layer - n_layers // 8) % 3 == 2


def _layer_types(rule: object, base: str, n_layers: int, gqa: float) -> list[str]:
    """The ggml type of one tensor class in each layer under a mixture rule."""
    if rule is None:
        return [base] * n_layers
    if isinstance(rule, str):
        return [rule] * n_layers
    assert isinstance(rule, dict)
    other = rule.get("else", base)
    if "more_bits" in rule:
        return [rule["more_bits"] if _use_more_bits(i, n_layers) else other for i in range(n_layers)]
    if "first" in rule:
        return [rule["type"] if i < rule["first"] else other for i in range(n_layers)]
    if "first_frac" in rule:
        cut = int(n_layers * rule["first_frac"])
        return [rule["type"] if i < cut else other for i in range(n_layers)]
    if "gqa4" in rule:
        return [rule["gqa4"] if gqa >= 4 else other] * n_layers
    raise ValueError(f"unknown mixture rule {rule!r}")


def _bits(ggml_type: str, row_size: int) -> float:
    tables = quant_tables()
    if row_size % 256 and ggml_type in tables.k_quant_fallback:
        ggml_type = tables.k_quant_fallback[ggml_type]
    return tables.ggml_type_bits[ggml_type]


def _gguf_bits(model: ModelSpec, quant: QuantSpec, g: TensorGroups) -> float:
    mix = dict(quant.mixture or {})
    base = mix["base"]
    L = max(1, model.layers)
    gqa = model.heads / max(1, model.kv_heads)
    rules = {name: mix.get(name) for name in ("attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "ffn_gate", "ffn_up", "ffn_down")}
    if model.experts == 8:
        rules.update(mix.get("moe8", {}))
    if model.is_moe:
        # Published Mixtral GGUFs keep expert ffn_down at the base type (sizes match only that way).
        rules["ffn_down"] = None
    if model.fused_qkv:
        rules["attn_v"] = None
    h = model.hidden
    row = {"attn_q": h, "attn_k": h, "attn_v": h, "attn_qkv": h, "attn_output": model.heads * model.head_dim,
           "ffn_gate": h, "ffn_up": h, "ffn_down": model.intermediate}
    total = 0.0
    for name, rule in rules.items():
        per_layer = getattr(g, name) / L
        if not per_layer:
            continue
        for ggml_type in _layer_types(rule, base, L, gqa):
            total += per_layer * _bits(ggml_type, row[name])
    if model.tied:
        # llama.cpp quantizes a tied token embedding with the output tensor's type.
        total += g.embed * _bits(mix["output"], h)
    else:
        total += g.embed * _bits(mix["token_embd"], h) + g.output * _bits(mix["output"], h)
    return total + g.other * 32  # norms and biases stay F32 in GGUF files


def weight_bytes(model: ModelSpec, quant: QuantSpec) -> float:
    g = tensor_groups(model)
    if quant.is_gguf:
        bits = _gguf_bits(model, quant, g)
    elif quant.family == "float":
        bits = g.total * quant.bits
    else:
        embedding_bits = quant.embedding_bits or 16
        bits = g.linear * float(quant.linear_bits or quant.bits) + (g.embed + g.output) * embedding_bits + g.other * 16
    return bits / 8


def dequant_buffer_bytes(model: ModelSpec, quant: QuantSpec) -> float:
    """bitsandbytes 4-bit dequantizes one weight matrix at a time to fp16 before the matmul."""
    if not quant.dequant_buffer:
        return 0.0
    return 2.0 * model.hidden * max(model.intermediate, model.heads * model.head_dim)


# ----------------------------------------------------------------- KV cache ----

def kv_layers(model: ModelSpec, context: int) -> float:
    """Number of layer-token slots in the KV cache: sliding-window layers keep only the window."""
    if not model.sliding_window:
        return float(model.layers * context)
    if model.local_per_global:
        n_global = model.layers // (model.local_per_global + 1)
    else:
        n_global = 0
    n_local = model.layers - n_global
    return float(n_global * context + n_local * min(context, model.sliding_window))


def kv_cache_bytes(model: ModelSpec, context: int, batch: int, kv_bytes: float, heads: int | None = None) -> float:
    """2 (K and V) x layers x KV heads x head dim x bytes x tokens x batch.

    `heads` overrides the KV-head count; the benchmark uses it for a calculator that ignores GQA.
    """
    kv_heads = model.kv_heads if heads is None else heads
    return 2.0 * kv_heads * model.head_dim * kv_bytes * kv_layers(model, context) * batch


def kv_bytes_per_token(model: ModelSpec, kv_bytes: float) -> float:
    return 2.0 * model.layers * model.kv_heads * model.head_dim * kv_bytes


# -------------------------------------------------------------- activations ----

def inference_activation_bytes(model: ModelSpec, quant: QuantSpec, context: int, batch: int) -> float:
    """Transient memory of one forward pass during prefill (the compute buffer).

    Grows with the prompt: transformers processes the whole prompt at once, llama.cpp in
    micro-batches of 512 tokens. Flash/SDPA attention is assumed (no tokens x tokens matrix).
    """
    active_intermediate = model.intermediate * model.experts_per_token
    chunk = min(context, LLAMA_CPP_UBATCH) if quant.is_gguf else context
    per_token = 2.0 * (4 * model.hidden + 3 * active_intermediate)
    if quant.is_gguf:
        logits = 4.0 * model.vocab * chunk * batch  # llama.cpp reserves logits for the whole micro-batch
    else:
        logits = 2 * 4.0 * model.vocab * batch  # last-token logits (float) and their softmax
    return batch * chunk * per_token + logits + dequant_buffer_bytes(model, quant)

