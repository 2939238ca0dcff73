"""Training memory: gradients, optimizer states, LoRA adapters and training activations.

Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
Transformer Models") adapted to gated MLPs, with flash/SDPA attention (no tokens x tokens
matrix), plus the loss: transformers upcasts logits to fp32 and keeps the log-softmax and
its gradient, about 14 bytes per vocabulary entry per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hardware.catalog import ModelSpec
from hardware.memory import tensor_groups

Optimizer = Literal["adamw", "adamw_8bit", "sgd", "lion"]
LoraTargets = Literal["all", "attention", "qv"]

# Optimizer state bytes per trainable parameter.
OPTIMIZER_STATE_BYTES: dict[str, float] = {"adamw": 8.0, "adamw_8bit": 2.0, "sgd": 0.0, "lion": 4.0}
OPTIMIZER_LABELS_TR: dict[str, str] = {
    "adamw": "AdamW (iki fp32 moment, parametre başına 8 bayt)",
    "adamw_8bit": "8-bit AdamW (bitsandbytes, parametre başına 2 bayt)",
    "sgd": "SGD (momentumsuz, durum yok)",
    "lion": "Lion (tek moment, parametre başına 4 bayt)",
}
LOSS_BYTES_PER_VOCAB = 14.0  # bf16 logits 2 + fp32 upcast 4 + fp32 log-softmax 4 + fp32 logits grad 4


@dataclass(frozen=True)
class TrainingTerms:
    trainable_params: float
    state_bytes: float  # gradients + optimizer states + fp32 master copies (+ adapter weights)
    activation_bytes: float


def lora_params(model: ModelSpec, rank: int, targets: LoraTargets) -> float:
    """Adapter size: rank x (in + out) for every targeted matrix in every layer."""
    h, L = model.hidden, model.layers
    q_dim, kv_dim = model.heads * model.head_dim, model.kv_heads * model.head_dim
    attn = {"q": h + q_dim, "k": h + kv_dim, "v": h + kv_dim, "o": q_dim + h}
    mlp_in_out = h + model.intermediate
    mlp = {"gate": mlp_in_out if model.gated_mlp else 0, "up": mlp_in_out, "down": mlp_in_out}
    if targets == "qv":
        per_layer = attn["q"] + attn["v"]
    elif targets == "attention":
        per_layer = sum(attn.values())
    else:
        per_layer = sum(attn.values()) + sum(mlp.values()) * model.experts
    total = rank * per_layer * L
    if model.estimated:
        total *= model.params_total / tensor_groups(model).total if tensor_groups(model).total else 1
    return float(total)


def activation_bytes(model: ModelSpec, tokens: int, checkpointing: bool) -> float:
    """Saved activations for backward, for `tokens` = batch x sequence length."""
    active_intermediate = model.intermediate * model.experts_per_token
    per_layer_full = 2.0 * (8 * model.hidden + 4 * active_intermediate)  # bf16 tensors kept per token
    loss = LOSS_BYTES_PER_VOCAB * model.vocab
    if checkpointing:
        # Only each layer's input is kept; one layer is recomputed at a time during backward.
        per_token = model.layers * 2.0 * model.hidden + per_layer_full + loss
    else:
        per_token = model.layers * per_layer_full + loss
    return tokens * per_token


def training_terms(
    model: ModelSpec,
    mode: str,
    weight_bits: float,
    tokens: int,
    optimizer: Optimizer = "adamw",
    lora_rank: int = 16,
    lora_targets: LoraTargets = "all",
    checkpointing: bool = True,
) -> TrainingTerms:
    """Memory beyond the weights for `mode` in {"full", "lora", "qlora"}."""
    opt = OPTIMIZER_STATE_BYTES[optimizer]
    if mode == "full":
        trainable = float(model.params_total)
        grad_bytes = max(2.0, weight_bits / 8)  # gradients in the weights' dtype
        master = 4.0 if weight_bits < 32 else 0.0  # mixed precision keeps fp32 master weights
        state = trainable * (grad_bytes + master + opt)
    else:
        trainable = lora_params(model, lora_rank, lora_targets)
        state = trainable * (4.0 + 4.0 + opt)  # fp32 adapter weights, fp32 grads, optimizer
    return TrainingTerms(trainable, state, activation_bytes(model, tokens, checkpointing))
