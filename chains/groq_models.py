"""What we know about Groq's models, and the list a key may use (`GET /openai/v1/models`).

Facts (see /work/shared/reference/groq-limits.md, late 2026): gpt-oss-120b and
gpt-oss-20b are production models with 65,536 completion tokens at most; the
preview models qwen/qwen3.6-27b and qwen/qwen3.8-27b write at most 16,384.
The Llama ids and a few others were retired for self-serve accounts; a
retired id answers 404 `model_decommissioned`.

`completion_cap` clamps MAX_COMPLETION_TOKENS to the chosen model's cap, so a
setting written for gpt-oss never makes a preview model refuse the request.
The listing never puts the key into a message: they are safe to print.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from chains.groq_keys import UNREACHABLE, UNREADABLE, get_models
from ders_asistani.settings import Settings


Status = str  # "production" | "preview" | "retired" | "unknown"


@dataclass(frozen=True)
class KnownModel:
    status: Status
    max_completion_tokens: int | None = None
    retired_on: str | None = None  # ISO date


KNOWN_MODELS: dict[str, KnownModel] = {
    "openai/gpt-oss-120b": KnownModel("production", 65_536),
    "openai/gpt-oss-20b": KnownModel("production", 65_536),
    "qwen/qwen3.6-27b": KnownModel("preview", 16_384),
    "qwen/qwen3.8-27b": KnownModel("preview", 16_384),
}
# Retired for free/developer accounts, by the id's name without its owner prefix.
RETIRED: dict[str, str] = {
    "llama-3.3-70b-versatile": "2026-08-16",
    "llama-3.1-8b-instant": "2026-08-16",
    "llama-4-scout": "2026-07-17",
    "qwen3-32b": "2026-07-17",
    "llama-4-maverick": "2026-03-09",
    "kimi-k2-instruct-0905": "2026-04-15",
}

STATUS_TR = {"production": "üretim", "preview": "önizleme", "retired": "emekli", "unknown": "bilinmiyor"}


def known(model: str) -> KnownModel:
    """What we know about a model id (an unknown id is "unknown", no cap)."""
    model = (model or "").strip()
    if model in KNOWN_MODELS:
        return KNOWN_MODELS[model]
    name = model.lower().rsplit("/", 1)[-1]
    for prefix, day in RETIRED.items():
        if name.startswith(prefix):
            return KnownModel("retired", retired_on=day)
    return KnownModel("unknown")


def completion_cap(model: str, wanted: int) -> int:
    """`wanted` (MAX_COMPLETION_TOKENS) clamped to the model's completion-token cap."""
    cap = known(model).max_completion_tokens
    return min(wanted, cap) if cap is not None else wanted


@dataclass(frozen=True)
class ModelRow:
    id: str
    status: Status
    status_tr: str
    role: str  # "varsayılan", "yedek 1", ... or ""
    context_window: int | None
    max_completion_tokens: int | None
    retired_on: str | None
    listed: bool  # returned by the API for this key

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelListing:
    ok: bool
    message: str  # Turkish
    rows: tuple[ModelRow, ...] = ()

    def to_dict(self) -> dict:
        return {"ok": self.ok, "message": self.message, "models": [row.to_dict() for row in self.rows]}


def _roles(settings: Settings) -> dict[str, str]:
    roles = {settings.groq_model: "varsayılan"}
    number = 0
    for model in settings.groq_fallback_models:
        if model not in roles:
            number += 1
            roles[model] = f"yedek {number}"
    return roles


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _row(model: str, item: dict, roles: dict[str, str], listed: bool) -> ModelRow:
    info = known(model)
    cap = _int_or_none(item.get("max_completion_tokens")) or info.max_completion_tokens
    status = info.status
    if status == "unknown" and listed and "preview" in str(item.get("status") or "").lower():
        status = "preview"
    return ModelRow(
        id=model,
        status=status,
        status_tr=STATUS_TR[status],
        role=roles.get(model, ""),
        context_window=_int_or_none(item.get("context_window")),
        max_completion_tokens=cap,
        retired_on=info.retired_on,
        listed=listed,
    )


def list_models(settings: Settings, timeout_s: float = 10.0) -> ModelListing:
    """The models the configured GROQ_API_KEY may use, plus configured ones the API did not list."""
    key = settings.groq_api_key.get_secret_value().strip() if settings.groq_api_key is not None else ""
    if not key:
        return ModelListing(False, "GROQ_API_KEY tanımlı değil; modelleri listelemek için .env dosyasına "
                                   "Groq anahtarını ekleyin.")
    status, items = get_models(settings, key, timeout_s)
    if status == UNREACHABLE:
        return ModelListing(False, "Groq'a ulaşılamadı; model listesi alınamadı. İnternet bağlantısını ya da "
                                   "GROQ_BASE_URL ayarını kontrol edip tekrar deneyin.")
    if status == 401:
        return ModelListing(False, "Groq bu anahtarı kabul etmedi (geçersiz anahtar). GROQ_API_KEY değerini "
                                   "konsoldan yeniden kopyalayın veya yeni bir anahtar oluşturun.")
    if status == 429:
        return ModelListing(False, "Groq şu an çok fazla istek alıyor; bir dakika sonra tekrar deneyin.")
    if status == UNREADABLE:
        return ModelListing(False, "Groq'un model listesi okunamadı (beklenmeyen yanıt).")
    if status != 200:
        return ModelListing(False, f"Groq model listesini verirken hata döndürdü (HTTP {status}). "
                                   "Biraz sonra tekrar deneyin.")
    roles = _roles(settings)
    rows = [_row(str(item["id"]), item, roles, True) for item in sorted(items, key=lambda i: str(i["id"]))]
    listed = {row.id for row in rows}
    rows += [_row(model, {}, roles, False) for model in roles if model not in listed]
    missing = [model for model in roles if model not in listed]
    message = f"Bu anahtarla kullanılabilen {len(listed)} model listelendi."
    if missing:
        message += " Ayarlı ama bu hesapta görünmeyen: " + ", ".join(missing) + "."
    return ModelListing(True, message, tuple(rows))
