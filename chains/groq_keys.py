"""Check a student's own Groq key once, with `GET /openai/v1/models` (costs no tokens).

The key is only sent in the Authorization header; it never appears in the
returned messages, so they are safe to show and to log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ders_asistani.settings import Settings

DEFAULT_BASE_URL = "https://api.groq.com"
MODELS_PATH = "/openai/v1/models"
# Sentinel statuses of `get_models`: no answer at all, or an answer that is not Groq's JSON.
UNREACHABLE, UNREADABLE = -1, -2


def get_models(settings: Settings, key: str, timeout_s: float) -> tuple[int, list[dict]]:
    """`GET /openai/v1/models` with `key` (costs no tokens): (HTTP status or a sentinel, the model objects).

    The one request behind the own-key check and `ders-asistani models`; callers word the outcome.
    """
    base = (settings.groq_base_url or DEFAULT_BASE_URL).rstrip("/")
    try:
        response = httpx.get(f"{base}{MODELS_PATH}", headers={"Authorization": f"Bearer {key}"}, timeout=timeout_s)
    except httpx.HTTPError:  # its text may carry the request: never shown
        return UNREACHABLE, []
    if response.status_code != 200:
        return response.status_code, []
    try:
        items = [item for item in response.json().get("data", []) if isinstance(item, dict) and item.get("id")]
    except (ValueError, AttributeError):
        return UNREADABLE, []
    return 200, items


@dataclass(frozen=True)
class KeyCheck:
    valid: bool
    message: str  # Turkish, shown to the student
    models: tuple[str, ...] = field(default_factory=tuple)


def check_groq_key(settings: Settings, key: str, timeout_s: float = 10.0) -> KeyCheck:
    key = (key or "").strip()
    if not key:
        return KeyCheck(False, "Anahtar boş. Groq konsolunda oluşturduğunuz anahtarı yapıştırın.")
    if any(ch.isspace() for ch in key) or not key.isascii():
        return KeyCheck(False, "Anahtar geçersiz görünüyor: boşluk veya Türkçe karakter içermemeli.")
    status, items = get_models(settings, key, timeout_s)
    if status == UNREACHABLE:
        return KeyCheck(False, "Groq'a ulaşılamadı; anahtar denetlenemedi. Biraz sonra tekrar deneyin.")
    if status == 401:
        return KeyCheck(False, "Groq bu anahtarı kabul etmedi (geçersiz anahtar). Anahtarı konsoldan "
                               "yeniden kopyalayın veya yeni bir anahtar oluşturun.")
    if status == 429:
        return KeyCheck(False, "Groq şu an çok fazla istek alıyor; bir dakika sonra tekrar deneyin.")
    if status not in (200, UNREADABLE):
        return KeyCheck(False, f"Groq anahtarı denetlerken hata verdi (HTTP {status}). "
                               "Biraz sonra tekrar deneyin.")
    models = tuple(sorted(str(item["id"]) for item in items))
    if settings.groq_model not in models and models:
        return KeyCheck(True, f"Anahtar geçerli, ancak `{settings.groq_model}` modeli bu hesapta görünmüyor; "
                              "yedek modeller denenecek.", models)
    return KeyCheck(True, "Anahtar geçerli; sorularınız artık kendi anahtarınızla cevaplanacak.", models)
