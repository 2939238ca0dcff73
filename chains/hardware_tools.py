"""LangChain tools over the hardware advisor: `vram_hesapla` and `model_oner`.

Small argument schemas (Groq tool calling is more reliable with few, simple fields),
Turkish descriptions, JSON-serializable results. Bad input never raises: the tool returns
{"hata": "<Türkçe mesaj>", "oneriler": [...]} so the model can correct itself.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel, Field

from hardware.errors import HardwareInputError, UnknownNameError

VRAM_TOOL = "vram_hesapla"
RECOMMEND_TOOL = "model_oner"


class VramArgs(BaseModel):
    model: str | None = Field(None, description="Model adı, ör. 'Llama 3.1 8B', 'mistral 7b', 'qwen2.5 14b'.")
    params: float | None = Field(None, description="Model adı yoksa milyar cinsinden parametre sayısı, ör. 13.")
    quant: str | None = Field(None, description="Hassasiyet/nicemleme: fp16, bf16, int8, int4, nf4, Q4_K_M, Q8_0 ...")
    context: int | None = Field(None, description="Bağlam uzunluğu (token). Varsayılan 4096.")
    batch: int = Field(1, description="Aynı anda işlenen dizi sayısı.")
    mode: str = Field("inference", description="inference (çıkarım), lora, qlora ya da full (tam ince ayar).")
    gpu: str | None = Field(None, description="GPU adı, ör. 'RTX 3060', '4090', 'T4', 'M2 Max'.")
    vram: float | None = Field(None, description="GPU adı yoksa bellek miktarı (GB).")
    gpus: int = Field(1, description="GPU sayısı.")


class RecommendArgs(BaseModel):
    vram: float | None = Field(None, description="Ekran kartı belleği (GB), ör. 8.")
    gpu: str | None = Field(None, description="Bellek yerine GPU adı, ör. 'RTX 4060'.")
    task: str | None = Field(None, description="Görev: kodlama, turkce, genel, yaratici, ozetleme, matematik, siir, cok_dilli.")
    mode: str = Field("inference", description="inference (çıkarım), lora, qlora, full ya da finetune (ince ayar).")
    context: int = Field(4096, description="Gereken bağlam uzunluğu (token).")


def _error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, UnknownNameError):
        return {"hata": exc.message_tr, "oneriler": list(exc.suggestions)}
    if isinstance(exc, HardwareInputError):
        return {"hata": exc.message_tr}
    return {"hata": "Hesaplama yapılamadı; girdileri kontrol edip yeniden deneyin."}


def run_vram(**kwargs: Any) -> dict[str, Any]:
    """The tool's body, callable without LangChain (the offline tutor uses it too)."""
    from hardware.estimate import EstimateRequest, estimate

    try:
        args = {k: v for k, v in kwargs.items() if v is not None}
        result = estimate(EstimateRequest.parse(args))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a Turkish message for the model
        return _error(exc)
    full = result.to_full_dict()
    payload = result.to_dict()
    payload.update({
        "gpu": full["gpu"], "kullanilabilir_bellek_gb": full["budget_gb"],
        "ders_kurali_gb": full["course_rule_gb"], "ders_kurali_aciklamasi": full["course_rule_explanation"],
        "sigdigi_gpular": full["gpus_that_fit"][:8], "birim": "GB (1 GB = 2^30 bayt)",
    })
    return payload


def run_recommend(**kwargs: Any) -> dict[str, Any]:
    from hardware.recommend import course_recommendations, recommend

    try:
        recs = recommend(
            vram_gb=kwargs.get("vram"), gpu=kwargs.get("gpu"), task=kwargs.get("task"),
            mode=kwargs.get("mode") or "inference", context=int(kwargs.get("context") or 4096), limit=5,
        )
        course = course_recommendations(kwargs["task"]) if kwargs.get("task") else []
    except Exception as exc:  # noqa: BLE001
        return _error(exc)
    from hardware.catalog import resolve_model

    listed = {r.model_id for r in recs}
    missing = [dict(c, name=resolve_model(c["model"]).name) for c in course if c["model"] not in listed]
    payload: dict[str, Any] = {"oneriler": [r.to_dict() for r in recs], "birim": "GB (1 GB = 2^30 bayt)"}
    if not recs:
        payload["not"] = "Bu bellek ve bağlamla çalışabilecek model bulunamadı; bağlamı kısaltın ya da daha büyük bir GPU deneyin."
    if missing:
        payload["dersin_onerisi_sigmiyor"] = [
            f"{c['name']}: {c['reason_tr']} Ancak bu bellek/bağlamla sığmıyor ya da bağlamı yetmiyor." for c in missing
        ]
    return payload


def hardware_tools() -> list[BaseTool]:
    """The two tools for the tutor's agent."""

    @tool(VRAM_TOOL, args_schema=VramArgs)
    def vram_hesapla(**kwargs: Any) -> dict[str, Any]:
        """Bir modelin çalıştırılması ya da ince ayarı için gereken GPU belleğini (GB) hesaplar: ağırlıklar, KV önbelleği, aktivasyonlar, eğitim durumları; verilen GPU'ya sığıp sığmadığı, sığan en uzun bağlam, tahmini token/s ve dersteki kuralla karşılaştırma."""
        return run_vram(**kwargs)

    @tool(RECOMMEND_TOOL, args_schema=RecommendArgs)
    def model_oner(**kwargs: Any) -> dict[str, Any]:
        """Verilen bellek (GB) ya da GPU için, göreve göre (kodlama, Türkçe içerik, genel, yaratıcı yazım, özetleme ...) sığan açık modelleri en uygun nicemleme, tahmini hız ve gerekçesiyle sıralar; dersin önerilerini de dikkate alır."""
        return run_recommend(**kwargs)

    for t in (vram_hesapla, model_oner):
        # Arguments the schema rejects (e.g. context="8k") come back to the model as a Turkish hint.
        t.handle_validation_error = _validation_hint
    return [vram_hesapla, model_oner]


def _validation_hint(exc: Exception) -> str:
    return json.dumps({"hata": "Araç argümanları geçersiz: sayılar rakamla (ör. context=8192, vram=8) yazılmalı."},
                      ensure_ascii=False)
