"""Rule-based hardware answers (offline mode): parsed question -> hardware functions -> Turkish text.

The numbers come only from `hardware.estimate.estimate` and
`hardware.recommend.recommend`; each call is reported like an agent tool call
(name, args, result) so the UI and the ask JSON show where a number came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from hardware.question_parser import HardwareQuery

ESTIMATE_TOOL = "vram_hesapla"
RECOMMEND_TOOL = "model_oner"
ASSUMED_VRAM_GB = 8.0
_BITS_TO_QUANT = {2: "Q2_K", 3: "Q3_K_M", 4: "4-bit", 5: "Q5_K_M", 6: "Q6_K", 8: "int8", 16: "fp16", 32: "fp32"}
_MODE_TR = {"inference": "çıkarım", "lora": "LoRA ince ayarı", "qlora": "QLoRA ince ayarı", "full": "tam ince ayar"}


@dataclass
class HardwareAnswer:
    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "?"
    from hardware.explain import tr_number

    return tr_number(value, digits)


def _call(name: str, args: dict[str, Any], result: Any) -> dict[str, Any]:
    return {"id": f"offline_{uuid.uuid4().hex[:8]}", "name": name, "args": args, "result": result}


def _mode(query: HardwareQuery) -> str:
    return {"full_finetune": "full"}.get(query.mode or "inference", query.mode or "inference")


def _quant(query: HardwareQuery) -> str | None:
    if query.quant:
        return query.quant
    return _BITS_TO_QUANT.get(query.bits) if query.bits else None


def _estimate(args: dict[str, Any]):
    from hardware.estimate import estimate

    return estimate({k: v for k, v in args.items() if v is not None})


def estimate_answer(query: HardwareQuery) -> HardwareAnswer:
    from hardware.errors import HardwareInputError

    args: dict[str, Any] = {
        "model": query.model if query.model else None,
        "params": query.params_b if not query.model else None,
        "quant": _quant(query),
        "context": query.context_tokens,
        "mode": _mode(query),
        "gpu": query.gpu,
        "vram": query.vram_gb if not query.gpu else None,
    }
    calls = []
    try:
        result = _estimate(args)
    except HardwareInputError as exc:
        if args.get("model") and query.params_b:
            # Unknown model name: the size alone still gives an estimate.
            args.update(model=None, params=query.params_b)
            try:
                result = _estimate(args)
            except HardwareInputError as again:
                return HardwareAnswer(text=f"Hesap yapılamadı: {again.message_tr if hasattr(again, 'message_tr') else again}")
        else:
            return HardwareAnswer(text=f"Hesap yapılamadı: {getattr(exc, 'message_tr', None) or exc}")
    clean_args = {k: v for k, v in args.items() if v is not None}
    calls.append(_call(ESTIMATE_TOOL, clean_args, result.to_dict()))
    mode_tr = _MODE_TR.get(result.mode, result.mode)
    lines = [
        f"{result.model} ({_num(result.params_billion, 2)} milyar parametre), {result.quant_label or result.quant} ile "
        f"{mode_tr}: toplam ≈ {_num(result.total_gb)} GB bellek gerekir "
        f"(ağırlıklar {_num(result.weights_gb)} GB, KV önbelleği {_num(result.kv_cache_gb)} GB, "
        f"aktivasyonlar {_num(result.activations_gb)} GB, ek yük {_num(result.overhead_gb)} GB"
        + (f", eğitim {_num(result.training_gb)} GB" if result.training_gb else "")
        + f"; bağlam {_num(int(result.context))} token)."
    ]
    from hardware.estimate import is_unqualified_4bit

    if is_unqualified_4bit(args.get("quant")):
        # Say which 4-bit format the number is for, and what the other one gives.
        lines.extend(note for note in result.notes if note.startswith('"4-bit" için'))
    budget = result.budget_gb or query.vram_gb
    where = result.gpu if query.gpu and result.gpu else f"{_num(budget)} GB"
    if result.fits is True:
        lines.append(f"Bu, {where} belleğe sığar.")
    elif result.fits is False:
        lines.append(f"Bu, {where} belleğe sığmaz.")
        if (query.bits or 16) > 4 and result.mode == "inference":
            lower_args = {**clean_args, "quant": "4-bit"}
            try:
                lower = _estimate(lower_args)
                calls.append(_call(ESTIMATE_TOOL, lower_args, lower.to_dict()))
                verdict = "sığar" if lower.fits else "yine de sığmaz"
                lines.append(f"4-bit nicemleme ile toplam ≈ {_num(lower.total_gb)} GB olur ve {verdict}.")
            except HardwareInputError:
                pass
    if result.max_context and result.fits:
        lines.append(f"Bu bellekle en fazla yaklaşık {_num(int(result.max_context))} token bağlam kullanılabilir.")
    if result.tokens_per_s:
        lines.append(f"Tahmini üretim hızı ≈ {_num(result.tokens_per_s, 0)} token/sn.")
    lines.append("(Sayılar donanım hesaplayıcısından; yaklaşık değerlerdir.)")
    return HardwareAnswer(text=" ".join(lines), tool_calls=calls)


def recommend_answer(query: HardwareQuery) -> HardwareAnswer:
    from hardware.errors import HardwareInputError
    from hardware.recommend import recommend

    assumption = ""
    vram = query.vram_gb if not query.gpu else None
    if query.gpu is None and vram is None:
        vram = ASSUMED_VRAM_GB
        assumption = (
            f"Ekran kartınızı belirtmediğiniz için {_num(ASSUMED_VRAM_GB, 0)} GB VRAM varsayıyorum; "
            "farklıysa kartınızın belleğini (ör. \"12 GB'lık kartım var\") yazın. "
        )
    args: dict[str, Any] = {
        "vram_gb": vram,
        "gpu": query.gpu,
        "task": "+".join(query.tasks) if query.tasks else None,
        "mode": _mode(query),
        "context": query.context_tokens or 4096,
        "limit": 3,
    }
    try:
        recs = recommend(**args)
    except HardwareInputError as exc:
        if args.get("task"):
            args["task"] = None
            try:
                recs = recommend(**args)
            except HardwareInputError as again:
                return HardwareAnswer(text=f"Öneri yapılamadı: {getattr(again, 'message_tr', None) or again}")
        else:
            return HardwareAnswer(text=f"Öneri yapılamadı: {getattr(exc, 'message_tr', None) or exc}")
    # Recorded with the argument names and result shape of the agent's model_oner tool.
    clean_args = {("vram" if k == "vram_gb" else k): v for k, v in args.items() if v is not None and k != "limit"}
    call = _call(RECOMMEND_TOOL, clean_args, {"oneriler": [r.to_dict() for r in recs]})
    if not recs:
        return HardwareAnswer(text=assumption + "Bu bellekle uygun bir model bulunamadı.", tool_calls=[call])
    lines = [assumption + "Öneri aracının sonuçları:"]
    for rank, rec in enumerate(recs, start=1):
        lines.append(f"{rank}. {rec.model} ({rec.quant}, ≈ {_num(rec.total_gb)} GB): {rec.reason}")
    return HardwareAnswer(text="\n".join(lines), tool_calls=[call])


def answer_hardware(query: HardwareQuery) -> HardwareAnswer | None:
    """None when the question carries nothing the hardware functions can use."""
    if query.model or query.params_b:
        if query.intent == "recommend" and not query.model:
            return recommend_answer(query)
        return estimate_answer(query)
    if query.intent == "recommend" or query.vram_gb or query.gpu:
        return recommend_answer(query)
    return None
