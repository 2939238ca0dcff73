"""Model recommender: which models fit this machine, for this task, and how to run them.

For each catalog model the best weight format that fits is chosen (highest quality first),
then models are ranked by size × quantization quality plus task boosts from
`hardware/data/tasks.json`, where the course's own recommendations carry the largest boost.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from hardware.catalog import GpuSpec, ModelSpec, all_models, normalize, resolve_gpu, resolve_quant
from hardware.errors import HardwareInputError, UnknownNameError
from hardware.estimate import EstimateRequest, EstimateResult, estimate
from hardware.explain import tr_number

# Weight formats tried per mode, best quality first.
INFERENCE_QUANTS = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K")
MODE_QUANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "inference": tuple(("inference", q) for q in INFERENCE_QUANTS),
    "lora": (("lora", "bf16"),),
    "qlora": (("qlora", "nf4"),),
    "full": (("full", "bf16"),),
    "finetune": (("lora", "bf16"), ("qlora", "nf4")),
}
_MODE_ALIASES = {
    "inference": "inference", "cikarim": "inference", "lora": "lora", "qlora": "qlora", "full": "full",
    "fullfinetune": "full", "finetune": "finetune", "finetuning": "finetune", "inceayar": "finetune",
    "egitim": "finetune", "training": "finetune",
}


@dataclass(frozen=True)
class TaskSpec:
    id: str
    label_tr: str
    aliases: tuple[str, ...]
    boosts: tuple[dict[str, Any], ...]
    parts: tuple["TaskSpec", ...] = ()  # a combined task ("turkce+sohbet") is made of these


# A combined task: the model's best single-task boost counts whole, the other tasks' boosts
# only at this share, so "Türkçe sohbet" still ranks the course's Turkish pick first and the
# second word breaks ties instead of outvoting it.
SECONDARY_TASK_SHARE = 0.25


@dataclass
class Recommendation:
    model: str
    quant: str
    total_gb: float
    tokens_per_s: float | None
    reason: str
    # richer fields for the UI
    model_id: str = ""
    mode: str = "inference"
    score: float = 0.0
    course_recommended: bool = False
    estimate: EstimateResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """Exactly the `ders-asistani recommend --json` item schema."""
        return {"model": self.model, "quant": self.quant, "total_gb": self.total_gb,
                "tokens_per_s": self.tokens_per_s, "reason": self.reason}


@lru_cache(maxsize=1)
def _task_data() -> dict[str, Any]:
    return json.loads(resources.files("hardware").joinpath("data", "tasks.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def all_tasks() -> tuple[TaskSpec, ...]:
    return tuple(
        TaskSpec(t["id"], t["label_tr"], tuple(t.get("aliases", [])), tuple(t.get("boosts", [])))
        for t in _task_data()["tasks"]
    )


def resolve_tasks(name: str) -> TaskSpec:
    """One task, or several joined with "+" or "," ("turkce+sohbet"): their boosts add up."""
    parts = [part.strip() for part in re.split(r"[+,]", name or "") if part.strip()]
    if len(parts) <= 1:
        return resolve_task(name)
    specs = list({spec.id: spec for spec in map(resolve_task, parts)}.values())
    if len(specs) == 1:
        return specs[0]
    return TaskSpec(
        id="+".join(spec.id for spec in specs),
        label_tr=" + ".join(spec.label_tr for spec in specs),
        aliases=(),
        boosts=tuple(boost for spec in specs for boost in spec.boosts),
        parts=tuple(specs),
    )


def resolve_task(name: str) -> TaskSpec:
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise HardwareInputError("Görev adı boş ya da çok uzun olamaz (ör. kodlama, turkce, genel).")
    key = normalize(name)
    for task in all_tasks():
        if key in {normalize(task.id), normalize(task.label_tr), *(normalize(a) for a in task.aliases)}:
            return task
    for task in all_tasks():  # "türkçe içerik üretmek" -> turkce
        if any(normalize(a) and normalize(a) in key for a in task.aliases):
            return task
    import difflib

    keys = {normalize(a): t for t in all_tasks() for a in (t.id, *t.aliases)}
    close = difflib.get_close_matches(key, list(keys), n=5, cutoff=0.5)
    suggestions = list(dict.fromkeys(keys[k].id for k in close))[:3] or [t.id for t in all_tasks()][:3]
    raise UnknownNameError("görev", name, suggestions)


def _boost(task: TaskSpec | None, model: ModelSpec) -> tuple[float, list[str], bool]:
    if task is None:
        return 0.0, [], False
    if task.parts:
        each = [_boost(part, model) for part in task.parts]
        totals = [total for total, _, _ in each]
        combined = max(totals) + SECONDARY_TASK_SHARE * (sum(totals) - max(totals))
        reasons = list(dict.fromkeys(reason for _, found, _ in each for reason in found))
        return combined, reasons, any(course for _, _, course in each)
    data = _task_data()
    total, reasons, course = 0.0, [], False
    for boost in task.boosts:
        if boost.get("model") == model.id or boost.get("family") == model.family:
            weight = data["course_boost"] if boost.get("course") else float(boost.get("weight", 1.0))
            total += weight
            reasons.append(boost["reason_tr"])
            course = course or bool(boost.get("course"))
    return total, reasons, course


def _effective_billions(model: ModelSpec) -> float:
    # An MoE model is better than its active size and worse than its total size.
    return math.sqrt(model.params_billion * model.active_params_billion)


def _normalize_mode(mode: str) -> str:
    key = normalize(mode or "inference")
    if key not in _MODE_ALIASES:
        raise HardwareInputError(f"'{mode}' geçerli bir mod değil; inference, lora, qlora, full ya da finetune seçin.")
    return _MODE_ALIASES[key]


def recommend(
    vram_gb: float | None = None,
    gpu: str | None = None,
    task: str | None = None,
    mode: str = "inference",
    context: int = 4096,
    limit: int = 8,
    gpus: int = 1,
) -> list[Recommendation]:
    """Ranked models that fit, each with its best weight format, speed and a Turkish reason."""
    if gpu is None and vram_gb is None:
        raise HardwareInputError("Öneri için bellek miktarı (--vram, GB) ya da GPU adı (--gpu) verin.")
    if gpu is not None and vram_gb is not None:
        raise HardwareInputError("--gpu ve --vram birlikte verilemez; birini seçin.")
    if vram_gb is not None and (not isinstance(vram_gb, (int, float)) or math.isnan(vram_gb) or not (0 < vram_gb <= 100_000)):
        raise HardwareInputError("VRAM 0'dan büyük ve gerçekçi bir değer (GB) olmalı.")
    if not isinstance(context, int) or not (1 <= context <= 10_000_000):
        raise HardwareInputError("Bağlam uzunluğu 1 ile 10.000.000 token arasında bir tam sayı olmalı.")
    if not (1 <= limit <= 100):
        raise HardwareInputError("Öneri sayısı (limit) 1 ile 100 arasında olmalı.")
    gpu_spec: GpuSpec | None = resolve_gpu(gpu) if gpu else None
    task_spec = resolve_tasks(task) if task else None
    mode_key = _normalize_mode(mode)
    excluded = _task_data()["exclude_from_recommendations"]
    data = _task_data()

    found: list[Recommendation] = []
    for model in all_models():
        if model.id in excluded or context > model.max_context:
            continue
        for run_mode, quant_id in MODE_QUANTS[mode_key]:
            result = estimate(EstimateRequest(
                model=model.id, quant=quant_id, context=context, mode=run_mode,
                gpu=gpu, vram=vram_gb if gpu is None else None, gpus=gpus,
            ))
            if not result.fits:
                continue
            quality = resolve_quant(quant_id).quality
            boost, reasons, course = _boost(task_spec, model)
            score = math.log2(1 + _effective_billions(model)) * quality + boost
            if model.legacy:
                score -= data["legacy_penalty"]
            found.append(Recommendation(
                model=model.name, quant=quant_id, total_gb=result.total_gb, tokens_per_s=result.tokens_per_s,
                reason=_reason(model, quant_id, run_mode, result, reasons, gpu_spec, vram_gb, task_spec),
                model_id=model.id, mode=run_mode, score=round(score, 3), course_recommended=course, estimate=result,
            ))
            break
    found.sort(key=lambda r: (-r.score, r.total_gb))
    return found[:limit]


def _reason(
    model: ModelSpec, quant_id: str, mode: str, result: EstimateResult, reasons: list[str],
    gpu: GpuSpec | None, vram_gb: float | None, task: TaskSpec | None,
) -> str:
    budget = gpu.usable_vram_gb if gpu else vram_gb
    parts = list(reasons[:2])
    if not parts:
        parts.append(
            f"{tr_number(model.params_billion, 1)}B parametreyle bu bellekte çalışabilecek güçlü bir seçenek"
            + (f" ({task.label_tr} için özel bir üstünlüğü bilinmiyor)." if task else ".")
        )
    mode_tr = {"inference": "çıkarım", "lora": "LoRA", "qlora": "QLoRA", "full": "tam ince ayar"}[mode]
    speed = f", tahmini hız ≈ {tr_number(result.tokens_per_s, 0)} token/sn (üst sınır)" if result.tokens_per_s else ""
    parts.append(
        f"{quant_id} ile {mode_tr}: toplam ≈ {tr_number(result.total_gb)} GB, "
        f"{tr_number(float(budget or 0))} GB belleğe sığar{speed}."
    )
    if model.legacy:
        parts.append("Eski bir model; daha yeni küçük modeller genelde daha iyi sonuç verir.")
    return " ".join(parts)


def course_recommendations(task: str) -> list[dict[str, str]]:
    """What the course itself recommends for a task (model id, Turkish reason, source)."""
    spec = resolve_task(task)
    return [{"model": b["model"], "reason_tr": b["reason_tr"], "source": b["source"]}
            for b in spec.boosts if b.get("course")]

