"""Check a student's own Groq key once, with `GET /openai/v1/models` (costs no tokens).

The key is only sent in the Authorization header; it never appears in the
returned messages, so they are safe to show and to log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ders_asistani.settings import Settings

DEFAULT_BASE_URL = "https://api.groq.com"


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
    base = (settings.groq_base_url or DEFAULT_BASE_URL).rstrip("/")
    try:
        response = httpx.get(f"{base}/openai/v1/models", headers={"Authorization": f"Bearer {key}"},
                             timeout=timeout_s)
    except httpx.HTTPError:
        # No exception text: it may carry the request, and the message is shown to the student.
        return KeyCheck(False, "Groq'a ulaşılamadı; anahtar denetlenemedi. Biraz sonra tekrar deneyin.")
    if response.status_code == 401:
        return KeyCheck(False, "Groq bu anahtarı kabul etmedi (geçersiz anahtar). Anahtarı konsoldan "
                               "yeniden kopyalayın veya yeni bir anahtar oluşturun.")
    if response.status_code == 429:
        return KeyCheck(False, "Groq şu an çok fazla istek alıyor; bir dakika sonra tekrar deneyin.")
    if response.status_code != 200:
        return KeyCheck(False, f"Groq anahtarı denetlerken hata verdi (HTTP {response.status_code}). "
                               "Biraz sonra tekrar deneyin.")
    try:
        models = tuple(sorted(item["id"] for item in response.json().get("data", [])))
    except (ValueError, KeyError, TypeError, AttributeError):
        models = ()
    if settings.groq_model not in models and models:
        return KeyCheck(True, f"Anahtar geçerli, ancak `{settings.groq_model}` modeli bu hesapta görünmüyor; "
                              "yedek modeller denenecek.", models)
    return KeyCheck(True, "Anahtar geçerli; sorularınız artık kendi anahtarınızla cevaplanacak.", models)
