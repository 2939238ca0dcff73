"""VRAM calculator helpers: labels, the breakdown table and the question for the chat."""

from __future__ import annotations

from typing import Any

from turkish.number_format import tr_gb, tr_int, tr_number

MODES = {
    "inference": "Çıkarım (sohbet)",
    "lora": "LoRA ince ayar",
    "qlora": "QLoRA ince ayar",
    "full_finetune": "Tam ince ayar",
}

CONTEXT_CHOICES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]

# Fallback labels for the breakdown when the estimate does not send its own list.
_PARTS = [
    ("weights_gb", "Ağırlıklar"),
    ("kv_cache_gb", "KV önbelleği"),
    ("activations_gb", "Aktivasyonlar"),
    ("training_gb", "Eğitim (gradyan + optimizer)"),
    ("overhead_gb", "Ek yük"),
]


def breakdown(result: dict[str, Any]) -> list[dict[str, Any]]:
    """[{"Bileşen": label, "GB": value}] for the stacked bar, from the estimate's dict."""
    rows = []
    for item in result.get("breakdown") or []:
        if isinstance(item, dict):
            label = item.get("label_tr") or item.get("label") or item.get("name") or item.get("key")
            value = item.get("gb", item.get("value"))
        else:
            label, value = item[0], item[1]
        if value:
            rows.append({"Bileşen": str(label), "GB": round(float(value), 2)})
    if not rows:
        for key, label in _PARTS:
            value = result.get(key) or 0.0
            if value:
                rows.append({"Bileşen": label, "GB": round(float(value), 2)})
    return rows


def fitting_gpus(result: dict[str, Any]) -> list[str]:
    names = []
    for gpu in result.get("gpus_that_fit") or []:
        names.append(gpu if isinstance(gpu, str) else str(gpu.get("name") or gpu.get("id")))
    return names


def course_rule(result: dict[str, Any]) -> tuple[float | None, str]:
    value = result.get("course_rule_gb")
    explanation = (
        result.get("course_rule_explanation")
        or result.get("course_rule_text")
        or result.get("explanation")
        or ""
    )
    if isinstance(explanation, list):
        explanation = "\n".join(str(line) for line in explanation)
    return value, str(explanation)


def question_for_chat(result: dict[str, Any], gpu_label: str) -> str:
    """The calculator's case as a Turkish question the tutor can take up."""
    params = float(result.get("params_billion") or 0)
    size = tr_int(params) if params.is_integer() else tr_number(params, 2)
    model = result.get("model") or f"{size}B parametreli model"
    mode = MODES.get(str(result.get("mode")), str(result.get("mode")))
    return (
        f"{model} modelini {result.get('quant')} ile, {tr_int(result.get('context') or 0)} token bağlam ve "
        f"batch {result.get('batch')} için {mode.lower()} amacıyla {gpu_label} üzerinde çalıştırabilir miyim? "
        f"Hesaplayıcı toplam {tr_gb(result.get('total_gb') or 0)} buldu. Bu VRAM hesabını açıklar mısın?"
    )
