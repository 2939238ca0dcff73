"""Map provider failures (groq SDK, httpx, ollama) to kinds and Turkish notices.

The tutor never shows a traceback: every exception from a model call becomes a
`ProviderFailure` with a kind that decides what happens next (retry, fallback
model, offline answer) and a Turkish sentence for the student. Every message
passes through `scrub` so an API key can never reach logs or the UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vectorstore.secret_filter import redact

FailureKind = Literal[
    "auth",
    "model_unavailable",
    "rate_limit",
    "tool_use_failed",
    "server",
    "timeout",
    "connection",
    "bad_request",
    "truncated",
    "too_large",  # 413 "Request too large" (or the governor: more than a minute's tokens)
    "queue",  # the key governor: no budget in time (queue wait, daily limit, student share)
    "unknown",
]

_RETRY_IN = re.compile(r"try again in\s+(?:(\d+)m)?([\d.]+)s", re.IGNORECASE)
_MODEL_GONE_CODES = {"model_not_found", "model_decommissioned", "model_not_active"}
# Self-hosted servers that cannot call tools say so in the error text: llama.cpp's
# llama-server without --jinja, vLLM without --enable-auto-tool-choice, Ollama
# models without a tool template. The tutor then answers without tools.
_TOOLS_UNSUPPORTED = re.compile(
    r"--jinja|does not support tools|tool.?choice requires|enable-auto-tool-choice|tools? (?:param|are) not supported",
    re.IGNORECASE,
)


@dataclass
class ProviderFailure(Exception):
    kind: FailureKind
    detail: str  # scrubbed, English, for logs
    status: int | None = None
    retry_after_s: float | None = None
    # tool_use_failed because the server cannot call tools at all (llama-server without --jinja).
    tools_unsupported: bool = False
    # A ready Turkish sentence (the governor's: why and when the LLM is back).
    message: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"

    def notice(self, provider: str = "groq", model: str | None = None) -> str:
        """One Turkish sentence for the student."""
        return student_message(self, provider, model)


def scrub(text: str, secrets: list[str] | None = None) -> str:
    """Remove API keys and passwords (given ones and anything key-shaped) from a message."""
    return redact(text, secrets or [])


def _error_body(exc: BaseException) -> dict:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        return inner if isinstance(inner, dict) else {}
    return {}


def _retry_after(exc: BaseException, message: str) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        value = headers.get("retry-after")
        if value:
            try:
                return float(value)
            except ValueError:
                pass
    match = _RETRY_IN.search(message)
    if match:
        minutes = float(match.group(1) or 0)
        return minutes * 60 + float(match.group(2))
    return None


def classify(exc: BaseException, secrets: list[str] | None = None) -> ProviderFailure:
    """Turn any model-call exception into a `ProviderFailure`."""
    if isinstance(exc, ProviderFailure):
        return exc
    import httpx

    message = scrub(str(exc) or type(exc).__name__, secrets)
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    body = _error_body(exc)
    code = str(body.get("code") or "")
    body_message = scrub(str(body.get("message") or ""), secrets)
    detail = f"{type(exc).__name__}: {body_message or message}"[:500]

    sdk_timeouts: list[type] = [httpx.TimeoutException, TimeoutError]
    sdk_connections: list[type] = [httpx.ConnectError, httpx.NetworkError, ConnectionError]
    try:
        import groq
    except ImportError:  # pragma: no cover - groq is a pinned dependency
        groq = None  # type: ignore[assignment]
    else:
        sdk_timeouts.append(groq.APITimeoutError)
        sdk_connections.append(groq.APIConnectionError)
    try:
        import openai  # the OpenAI-compatible provider's SDK
    except ImportError:  # pragma: no cover - pinned through langchain-openai
        pass
    else:
        sdk_timeouts.append(openai.APITimeoutError)
        sdk_connections.append(openai.APIConnectionError)

    # A chunked stream whose connection closed before its end (Ollama's runner died).
    if isinstance(exc, httpx.RemoteProtocolError) and "incomplete" in message.lower():
        return ProviderFailure("truncated", detail)
    # Timeouts first: in the SDKs a timeout is a kind of connection error.
    if isinstance(exc, tuple(sdk_timeouts)):
        return ProviderFailure("timeout", detail)
    if isinstance(exc, tuple(sdk_connections)):
        return ProviderFailure("connection", detail)
    if groq is not None and type(exc) is groq.GroqError and "api_key" in message:
        return ProviderFailure("auth", detail)
    if isinstance(status, int):
        if status in (401, 403):
            return ProviderFailure("auth", detail, status)
        if status == 429:
            return ProviderFailure("rate_limit", detail, status, _retry_after(exc, body_message or message))
        if status == 413:
            return ProviderFailure("too_large", detail, status)
        if _TOOLS_UNSUPPORTED.search(body_message or message):
            return ProviderFailure("tool_use_failed", detail, status, tools_unsupported=True)
        if code == "tool_use_failed":
            return ProviderFailure("tool_use_failed", detail, status)
        if status == 404 or code in _MODEL_GONE_CODES or (
            status == 400 and ("decommissioned" in body_message or "does not exist" in body_message)
        ):
            return ProviderFailure("model_unavailable", detail, status)
        if status >= 500:
            return ProviderFailure("server", detail, status)
        if status == 400:
            return ProviderFailure("bad_request", detail, status)
    lowered = message.lower()
    if "connection refused" in lowered or "failed to connect" in lowered:
        return ProviderFailure("connection", detail)
    return ProviderFailure("unknown", detail, status if isinstance(status, int) else None)


def student_message(failure: ProviderFailure, provider: str = "groq", model: str | None = None) -> str:
    kind = failure.kind
    if failure.message:
        return failure.message
    if provider == "ollama":
        if kind == "model_unavailable":
            name = model or "model"
            return f"Ollama'da '{name}' modeli bulunamadı; `ollama pull {name}` ile indirip yeniden deneyin. Bu cevap ders belgelerinden derlendi."
        if kind in ("connection", "timeout"):
            return "Yerel Ollama sunucusuna ulaşılamadı ya da zamanında cevap vermedi (OLLAMA_BASE_URL). Bu tur için cevap ders belgelerinden derlendi."
    if provider == "openai-compatible":
        if kind == "model_unavailable":
            name = model or "model"
            return f"Model sunucusunda '{name}' modeli bulunamadı. Bu cevap ders belgelerinden derlendi."
        if kind in ("connection", "timeout"):
            return "Bölümün model sunucusuna ulaşılamadı ya da zamanında cevap vermedi. Bu tur için cevap ders belgelerinden derlendi."
    if kind == "auth":
        return "Dil modeli servisine bağlanılamadı: API anahtarı geçersiz ya da yetkisiz. Cevap, üretim kapalıyken ders belgelerinden derlendi."
    if kind == "rate_limit":
        wait = failure.retry_after_s
        wait_text = f"yaklaşık {max(1, round(wait))} saniye" if wait else "biraz"
        return f"Dil modeli servisinin kullanım sınırına ulaşıldı; {wait_text} sonra tekrar deneyin. Bu cevap ders belgelerinden derlendi."
    if kind == "server":
        return "Dil modeli servisi şu anda hata veriyor (sunucu hatası). Cevap, üretim kapalıyken ders belgelerinden derlendi."
    if kind == "timeout":
        return "Dil modeli servisi zamanında cevap vermedi. Cevap, üretim kapalıyken ders belgelerinden derlendi."
    if kind == "connection":
        return "Dil modeli servisine ulaşılamıyor (bağlantı yok). Bu tur için cevap, üretim kapalıyken ders belgelerinden derlendi."
    if kind == "model_unavailable":
        return "Seçili dil modeli artık sunulmuyor ve yedek model de kullanılamadı. Cevap ders belgelerinden derlendi."
    if kind == "truncated":
        return "Dil modelinin cevabı yarıda kesildi (akış tamamlanmadı). Bu tur için cevap ders belgelerinden derlendi."
    if kind == "tool_use_failed":
        return "Dil modeli araç çağrısında hata yaptı; cevap araçsız üretildi."
    if kind == "too_large":
        return "Soru ve bağlamı dil modeline tek istekte gönderilemeyecek kadar uzun. Bu cevap ders belgelerinden derlendi."
    return "Dil modeli isteği başarısız oldu. Cevap, üretim kapalıyken ders belgelerinden derlendi."
