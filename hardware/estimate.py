"""Memory estimate for running or fine-tuning a model, with a breakdown and a verdict.

`estimate(EstimateRequest(model="llama 3.1 8b", quant="Q4_K_M", gpu="rtx 3060"))` gives an
`EstimateResult`; `.to_dict()` is the `ders-asistani vram --json` schema, `.to_full_dict()`
adds what the UI draws (breakdown, course rule, GPUs that fit).

All sizes are GiB (2^30 bytes). GPU memory is marketed in binary units (an RTX 4090's
"24 GB" is 24 GiB), so a GPU's size and our totals compare directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from hardware import explain
from hardware.catalog import (
    GpuSpec, ModelSpec, QuantSpec, all_gpus, custom_gpu, model_from_params, reference_model_for,
    normalize, resolve_gpu, resolve_model, resolve_quant,
)
from hardware.errors import HardwareInputError
from hardware.memory import (
    GIB, KV_DTYPE_BYTES, dequant_buffer_bytes, expert_fraction_active, inference_activation_bytes, kv_cache_bytes,
    kv_bytes_per_token, weight_bytes,
)
from hardware.training import OPTIMIZER_STATE_BYTES, training_terms

Mode = Literal["inference", "lora", "qlora", "full"]

DEFAULT_CONTEXT = 4096
MAX_CONTEXT_LIMIT = 10_000_000
MAX_BATCH = 4096
MAX_GPUS = 64
# Approximate runtime memory outside the allocator: CUDA context and kernels (PyTorch
# reports ~0.3-0.5 GiB per device), or the Metal/llama.cpp runtime on Apple Silicon.
OVERHEAD_GIB = {"cuda": 0.5, "metal": 0.25}

_MODE_ALIASES = {
    "inference": "inference", "cikarim": "inference", "çıkarım": "inference", "infer": "inference",
    "lora": "lora", "qlora": "qlora", "full": "full", "full_finetune": "full", "full-finetune": "full",
    "finetune": "full", "fine-tune": "full", "tam": "full", "tam ince ayar": "full",
}
_DEFAULT_QUANT = {"inference": "fp16", "lora": "bf16", "qlora": "nf4", "full": "bf16"}
_FIELD_TR = {
    "model": "model", "params": "params (milyar parametre)", "quant": "quant", "context": "context (bağlam)",
    "batch": "batch", "mode": "mode", "gpu": "gpu", "vram": "vram (GB)", "gpus": "gpus (GPU sayısı)",
    "kv_quant": "kv_quant", "lora_rank": "lora_rank", "lora_targets": "lora_targets", "optimizer": "optimizer",
    "gradient_checkpointing": "gradient_checkpointing",
}


class EstimateRequest(BaseModel):
    """What the user asks; every field is optional except a model or a size."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    model: str | None = None
    params: float | None = None
    quant: str | None = None
    context: int | None = None
    batch: int = 1
    mode: str = "inference"
    gpu: str | None = None
    vram: float | None = None
    gpus: int = 1
    kv_quant: str | None = None
    lora_rank: int = 16
    lora_targets: Literal["all", "attention", "qv"] = "all"
    optimizer: Literal["adamw", "adamw_8bit", "sgd", "lion"] = "adamw"
    gradient_checkpointing: bool = True

    @field_validator("params", mode="before")
    @classmethod
    def _params(cls, value: object) -> object:
        # "13B", "560M", "7,5" are accepted as sizes in billions.
        if isinstance(value, str):
            from hardware.catalog import parse_size_billion

            try:
                return float(value.strip().replace(",", "."))  # plain numbers keep the usual checks (NaN, range)
            except ValueError:
                pass
            size = parse_size_billion(value)
            if size is None:
                raise ValueError(f"'{value}' bir parametre sayısı değil; milyar cinsinden yazın (ör. 13 ya da 13B).")
            return size
        return value

    @field_validator("vram", mode="before")
    @classmethod
    def _vram(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().lower().removesuffix("gib").removesuffix("gb").strip().replace(",", ".")
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"'{value}' bir bellek miktarı değil; GB cinsinden sayı yazın (ör. 8).") from None
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        if value is None:
            return "inference"
        key = str(value).strip().lower()
        if key not in _MODE_ALIASES:
            raise ValueError(f"'{value}' geçerli bir mod değil; inference, lora, qlora ya da full seçin.")
        return _MODE_ALIASES[key]

    @model_validator(mode="after")
    def _check(self) -> EstimateRequest:
        if not self.model and self.params is None:
            raise ValueError("Bir model adı (--model) ya da parametre sayısı (--params, milyar) verin.")
        if self.params is not None and (self.params <= 0 or self.params > 2000):
            raise ValueError("Parametre sayısı 0'dan büyük ve en fazla 2000 (milyar) olmalı.")
        if self.context is not None and not (1 <= self.context <= MAX_CONTEXT_LIMIT):
            raise ValueError(f"Bağlam uzunluğu 1 ile {MAX_CONTEXT_LIMIT:,} token arasında olmalı.".replace(",", "."))
        if not (1 <= self.batch <= MAX_BATCH):
            raise ValueError(f"Batch 1 ile {MAX_BATCH} arasında olmalı.")
        if not (1 <= self.gpus <= MAX_GPUS):
            raise ValueError(f"GPU sayısı 1 ile {MAX_GPUS} arasında olmalı.")
        if self.vram is not None and not (0 < self.vram <= 100_000):
            raise ValueError("VRAM 0'dan büyük ve gerçekçi bir değer (GB) olmalı.")
        if self.gpu and self.vram is not None:
            raise ValueError("--gpu ve --vram birlikte verilemez; birini seçin.")
        if not (1 <= self.lora_rank <= 4096):
            raise ValueError("LoRA rank 1 ile 4096 arasında olmalı.")
        return self

    @classmethod
    def parse(cls, data: dict[str, Any]) -> EstimateRequest:
        """Build from loose input (CLI, JSON Lines, tools); errors become Turkish `HardwareInputError`."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise HardwareInputError(validation_message_tr(exc)) from None


def validation_message_tr(exc: ValidationError) -> str:
    """A pydantic error as one Turkish sentence per problem."""
    parts: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        name = _FIELD_TR.get(loc, loc)
        kind = err.get("type", "")
        msg = str(err.get("msg", ""))
        if kind == "value_error":
            parts.append(msg.removeprefix("Value error, "))
        elif kind in {"int_parsing", "int_type", "int_from_float"}:
            parts.append(f"'{name}' bir tam sayı olmalı.")
        elif kind in {"float_parsing", "float_type"}:
            parts.append(f"'{name}' bir sayı olmalı.")
        elif kind == "finite_number":
            parts.append(f"'{name}' sonlu bir sayı olmalı (NaN ya da sonsuz olamaz).")
        elif kind == "extra_forbidden":
            parts.append(f"Bilinmeyen alan: '{loc}'.")
        elif kind == "literal_error":
            parts.append(f"'{name}' için geçersiz değer; izin verilenler: {msg.split('Input should be ')[-1]}.")
        elif kind in {"bool_parsing", "bool_type"}:
            parts.append(f"'{name}' doğru/yanlış (true/false) olmalı.")
        elif kind in {"string_type"}:
            parts.append(f"'{name}' bir metin olmalı.")
        else:
            parts.append(f"'{name}' geçersiz.")
    return " ".join(dict.fromkeys(parts)) or "Geçersiz girdi."


@dataclass
class EstimateResult:
    model: str
    params_billion: float
    quant: str
    context: int
    batch: int
    mode: str
    weights_gb: float
    kv_cache_gb: float
    activations_gb: float
    overhead_gb: float
    training_gb: float
    total_gb: float
    fits: bool | None
    max_context: int | None
    tokens_per_s: float | None
    notes: list[str]
    # --- richer fields for the UI and the tutor ---
    model_id: str = ""
    quant_label: str = ""
    model_max_context: int = 0
    estimated_shape: bool = False
    gpu: str | None = None
    gpus: int = 1
    budget_gb: float | None = None
    kv_bytes_per_token: float = 0.0
    weights_bits_per_param: float = 0.0
    trainable_params: float = 0.0
    kv_cache_without_gqa_gb: float = 0.0  # what a calculator ignoring GQA would say (teaching aid)
    course_rule_gb: float = 0.0
    course_rule_explanation: str = ""
    gpus_that_fit: list[str] = field(default_factory=list)
    breakdown: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the `ders-asistani vram --json` schema."""
        return {
            "model": self.model, "params_billion": self.params_billion, "quant": self.quant,
            "context": self.context, "batch": self.batch, "mode": self.mode,
            "weights_gb": self.weights_gb, "kv_cache_gb": self.kv_cache_gb,
            "activations_gb": self.activations_gb, "overhead_gb": self.overhead_gb,
            "training_gb": self.training_gb, "total_gb": self.total_gb, "fits": self.fits,
            "max_context": self.max_context, "tokens_per_s": self.tokens_per_s, "notes": list(self.notes),
        }

    def to_full_dict(self) -> dict[str, Any]:
        return {
            **self.to_dict(),
            "model_id": self.model_id, "quant_label": self.quant_label, "model_max_context": self.model_max_context,
            "estimated_shape": self.estimated_shape, "gpu": self.gpu, "gpus": self.gpus, "budget_gb": self.budget_gb,
            "kv_bytes_per_token": self.kv_bytes_per_token, "weights_bits_per_param": self.weights_bits_per_param,
            "trainable_params": self.trainable_params, "kv_cache_without_gqa_gb": self.kv_cache_without_gqa_gb,
            "course_rule_gb": self.course_rule_gb,
            "course_rule_explanation": self.course_rule_explanation, "gpus_that_fit": list(self.gpus_that_fit),
            "breakdown": [dict(b) for b in self.breakdown],
        }


@dataclass(frozen=True)
class _Resolved:
    model: ModelSpec
    quant: QuantSpec
    mode: str
    context: int
    gpu: GpuSpec | None
    kv_bytes: float
    kv_label: str
    substitution_note: str | None = None


def _training_format(mode: str, quant: QuantSpec) -> tuple[str, str] | None:
    """A weight format that can actually be trained in `mode`, with a Turkish note, or None if `quant` is fine.

    The UI keeps the quantization picker when the user switches to fine-tuning; rather than failing
    we use the format that mode really trains with and say so.
    """
    if mode == "inference":
        return None
    if mode == "qlora" and not (quant.bits == 4 and quant.family == "bnb"):
        return "nf4", f"QLoRA 4-bit bitsandbytes (NF4) taban model ister; {quant.label} yerine NF4 ile hesaplandı."
    if mode == "lora" and quant.is_gguf:
        return "bf16", f"GGUF dosyaları eğitimde kullanılmaz; LoRA için {quant.label} yerine BF16 taban model alındı."
    if mode == "lora" and quant.bits < 8:
        return "bf16", f"4-bit taban modelle LoRA aslında QLoRA'dır; LoRA için BF16 alındı (QLoRA için --mode qlora)."
    if mode == "full" and quant.family != "float":
        return "bf16", f"Tam ince ayar nicemlenmiş ağırlıklarla yapılamaz; {quant.label} yerine BF16 ile hesaplandı."
    return None


# An unqualified "4-bit" means one thing everywhere (chat, agent tool, CLI, calculator): GGUF Q4_K_M,
# the format a student running a model locally (llama.cpp, Ollama, LM Studio) actually downloads.
# bitsandbytes 4-bit stays reachable by name ("int4", "bnb 4bit", "load_in_4bit").
UNQUALIFIED_4BIT = "Q4_K_M"
UNQUALIFIED_4BIT_ALTERNATIVE = "int4"
_UNQUALIFIED_4BIT_KEYS = {"4bit", "4", "4bitlik"}


def is_unqualified_4bit(quant: str | None) -> bool:
    return quant is not None and normalize(quant) in _UNQUALIFIED_4BIT_KEYS


def four_bit_note(gguf_gb: float, bnb_gb: float) -> str:
    """Which format an unqualified "4-bit" was taken as, and what the other one gives."""
    return (
        f"\"4-bit\" için GGUF Q4_K_M varsayıldı: GGUF Q4_K_M ile ≈ {explain.tr_number(gguf_gb)} GB; "
        f"bitsandbytes 4-bit ile ≈ {explain.tr_number(bnb_gb)} GB."
    )


def default_four_bit_note(req: EstimateRequest) -> str | None:
    """For a calculator set to GGUF Q4_K_M (inference): it is the "4-bit" default; what bitsandbytes 4-bit gives."""
    if req.mode != "inference" or not req.quant or resolve_quant(req.quant).id != UNQUALIFIED_4BIT:
        return None
    this = estimate(req)
    other = estimate(req.model_copy(update={"quant": UNQUALIFIED_4BIT_ALTERNATIVE}))
    return (
        f"GGUF Q4_K_M, belirtilmemiş \"4-bit\" için varsayılan biçimdir (sohbette de): GGUF Q4_K_M ile ≈ "
        f"{explain.tr_number(this.total_gb)} GB; bitsandbytes 4-bit ile ≈ {explain.tr_number(other.total_gb)} GB."
    )


def _resolve(req: EstimateRequest) -> _Resolved:
    if req.model:
        model = resolve_model(req.model)  # a named model wins over --params: its exact size is known
    else:
        model = model_from_params(float(req.params))  # type: ignore[arg-type]
    mode = req.mode
    # Training modes keep the catalog's reading of "4-bit" (bitsandbytes), the format they train with.
    four_bit = is_unqualified_4bit(req.quant) and mode == "inference"
    quant = resolve_quant(UNQUALIFIED_4BIT if four_bit else req.quant or _DEFAULT_QUANT[mode])
    substitution = _training_format(mode, quant)
    if substitution is not None:
        quant = resolve_quant(substitution[0])
    context = req.context if req.context is not None else min(DEFAULT_CONTEXT, model.max_context)
    if req.kv_quant:
        key = req.kv_quant.lower().replace("-", "_")
        if key not in KV_DTYPE_BYTES:
            raise HardwareInputError(
                f"'{req.kv_quant}' bilinmeyen bir KV önbelleği türü; şunlardan birini seçin: {', '.join(KV_DTYPE_BYTES)}."
            )
        kv_bytes, kv_label = KV_DTYPE_BYTES[key], key
    else:
        kv_bytes = quant.kv_bytes
        kv_label = "fp32" if kv_bytes == 4 else "fp16"
    gpu: GpuSpec | None = None
    if req.gpu:
        gpu = resolve_gpu(req.gpu)
    elif req.vram is not None:
        gpu = custom_gpu(float(req.vram))
    return _Resolved(model, quant, mode, context, gpu, kv_bytes, kv_label, substitution[1] if substitution else None)


def _overhead_gib(gpu: GpuSpec | None) -> float:
    return OVERHEAD_GIB["metal" if gpu is not None and gpu.kind == "unified" else "cuda"]


@dataclass(frozen=True)
class _Parts:
    weights: float
    kv: float
    activations: float
    training: float
    trainable: float


def _parts(r: _Resolved, req: EstimateRequest, context: int) -> _Parts:
    model, quant = r.model, r.quant
    weights = weight_bytes(model, quant)
    if r.mode == "inference":
        kv = kv_cache_bytes(model, context, req.batch, r.kv_bytes)
        act = inference_activation_bytes(model, quant, context, req.batch)
        return _Parts(weights, kv, act, 0.0, 0.0)
    terms = training_terms(
        model, r.mode, quant.bits, context * req.batch, optimizer=req.optimizer,
        lora_rank=req.lora_rank, lora_targets=req.lora_targets, checkpointing=req.gradient_checkpointing,
    )
    return _Parts(weights, 0.0, terms.activation_bytes + dequant_buffer_bytes(model, quant), terms.state_bytes, terms.trainable_params)


def _total_gib(p: _Parts, overhead_gib: float) -> float:
    # Rounded exactly like the reported total, so `fits` and `max_context` never disagree.
    parts = (p.weights / GIB, p.kv / GIB, p.activations / GIB, p.training / GIB, overhead_gib)
    return _r(sum(_r(x) for x in parts))


def _max_context(r: _Resolved, req: EstimateRequest, budget: float, overhead_gib: float) -> int:
    upper = r.model.max_context
    if _total_gib(_parts(r, req, upper), overhead_gib) <= budget:
        return upper
    if _total_gib(_parts(r, req, 1), overhead_gib) > budget:
        return 0
    lo, hi = 1, upper  # total grows with context: binary search the last fitting length
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _total_gib(_parts(r, req, mid), overhead_gib) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


def _r(value: float) -> float:
    return round(value, 3)


def estimate(req: EstimateRequest | dict[str, Any]) -> EstimateResult:
    """The full estimate. Raises `HardwareInputError` (Turkish message) on bad input."""
    if isinstance(req, dict):
        req = EstimateRequest.parse(req)
    r = _resolve(req)
    model, quant, gpu = r.model, r.quant, r.gpu
    overhead_one = _overhead_gib(gpu)
    overhead = overhead_one * req.gpus
    parts = _parts(r, req, r.context)

    weights_gb, kv_gb = _r(parts.weights / GIB), _r(parts.kv / GIB)
    act_gb, train_gb, overhead_gb = _r(parts.activations / GIB), _r(parts.training / GIB), _r(overhead)
    total_gb = _total_gib(parts, overhead)

    fits: bool | None = None
    max_context: int | None = None
    budget: float | None = None
    if gpu is not None:
        budget = gpu.usable_vram_gb * req.gpus
        fits = total_gb <= budget
        max_context = _max_context(r, req, budget, overhead)

    tokens_per_s: float | None = None
    if r.mode == "inference" and gpu is not None and gpu.bandwidth_gb_s and fits:
        read_per_step = parts.weights * expert_fraction_active(model) + parts.kv
        tokens_per_s = round(gpu.bandwidth_gb_s * 1e9 / read_per_step, 1)

    course_gib = explain.course_rule_bytes(model.params_total, quant) / GIB
    reference = reference_model_for(model)
    notes = explain.estimate_notes(
        model, quant, r.context, req.batch, r.mode, r.kv_label, reference, gpu.kind if gpu else None,
        req.gpus, fits, tokens_per_s, bool(gpu and gpu.bandwidth_gb_s),
    )
    notes[0:0] = explain.formula_notes(
        model, quant, r.context, req.batch, r.kv_bytes, weights_gb, kv_gb,
        parts.weights * 8 / model.params_total, r.mode,
    )
    if r.mode != "inference":
        notes.insert(0, _training_note(req, r, parts))
    if r.substitution_note:
        notes.insert(0, r.substitution_note)
    if is_unqualified_4bit(req.quant) and r.mode == "inference" and quant.id == UNQUALIFIED_4BIT:
        other = estimate(req.model_copy(update={"quant": UNQUALIFIED_4BIT_ALTERNATIVE}))
        notes.insert(0, four_bit_note(total_gb, other.total_gb))
    if req.model and req.params is not None and not model.estimated:
        notes.insert(0, f"Model adı verildiği için --params yok sayıldı; {model.name} gerçek boyutuyla hesaplandı.")

    result = EstimateResult(
        model=model.name, params_billion=round(model.params_billion, 3), quant=quant.id, context=r.context,
        batch=req.batch, mode=r.mode, weights_gb=weights_gb, kv_cache_gb=kv_gb, activations_gb=act_gb,
        overhead_gb=overhead_gb, training_gb=train_gb, total_gb=total_gb, fits=fits, max_context=max_context,
        tokens_per_s=tokens_per_s, notes=notes, model_id=model.id, quant_label=quant.label,
        model_max_context=model.max_context, estimated_shape=model.estimated, gpu=gpu.name if gpu else None,
        gpus=req.gpus, budget_gb=_r(budget) if budget is not None else None,
        kv_bytes_per_token=kv_bytes_per_token(model, r.kv_bytes),
        weights_bits_per_param=round(parts.weights * 8 / model.params_total, 3),
        trainable_params=parts.trainable, course_rule_gb=_r(course_gib),
        kv_cache_without_gqa_gb=_r(kv_cache_bytes(model, r.context, req.batch, r.kv_bytes, heads=model.heads) / GIB)
        if r.mode == "inference" else 0.0,
    )
    result.course_rule_explanation = explain.course_rule_explanation(
        model, quant, course_gib, total_gb, weights_gb, kv_gb, act_gb, overhead_gb, train_gb, r.context, req.batch, r.mode,
        effective_bits=result.weights_bits_per_param,
    )
    result.breakdown = [
        {"key": "weights_gb", "label_tr": "Model ağırlıkları", "gb": weights_gb},
        {"key": "kv_cache_gb", "label_tr": "KV önbelleği", "gb": kv_gb},
        {"key": "activations_gb", "label_tr": "Aktivasyonlar / hesaplama tamponu", "gb": act_gb},
        {"key": "training_gb", "label_tr": "Gradyanlar ve optimizer durumları", "gb": train_gb},
        {"key": "overhead_gb", "label_tr": "Çalışma zamanı ek yükü (CUDA bağlamı)", "gb": overhead_gb},
    ]
    core = total_gb - overhead_gb
    result.gpus_that_fit = [
        g.name for g in sorted(all_gpus(), key=lambda g: (g.usable_vram_gb, g.name))
        if core + _overhead_gib(g) <= g.usable_vram_gb
    ]
    return result


def _training_note(req: EstimateRequest, r: _Resolved, parts: _Parts) -> str:
    opt_bytes = OPTIMIZER_STATE_BYTES[req.optimizer]
    ckpt = "açık" if req.gradient_checkpointing else "kapalı"
    if r.mode == "full":
        return (
            f"Tam ince ayar: tüm {explain.tr_number(r.model.params_billion, 2)}B parametre eğitilir; karma hassasiyette "
            f"parametre başına gradyan + fp32 ana kopya + optimizer ({explain.tr_number(opt_bytes, 0)} bayt). "
            f"Gradyan checkpointing {ckpt}."
        )
    return (
        f"{'QLoRA' if r.mode == 'qlora' else 'LoRA'}: taban model dondurulur, yalnızca "
        f"{explain.tr_number(parts.trainable / 1e6, 1)} milyon adaptör parametresi (rank {req.lora_rank}, "
        f"hedef: {req.lora_targets}) eğitilir. Gradyan checkpointing {ckpt}."
    )


def course_rule_gb(params_billion: float, bytes_per_param: float = 2.0) -> float:
    """The course's rule in GiB: parameters × bytes × 1.2 (the benchmark's baseline)."""
    if not math.isfinite(params_billion) or params_billion <= 0:
        raise HardwareInputError("Parametre sayısı pozitif bir sayı olmalı.")
    return params_billion * 1e9 * bytes_per_param * 1.2 / GIB
