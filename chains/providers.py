"""Which language model answers, and how its chat model object is built.

`resolve_provider` reads the settings once: `auto` means Groq when a key is set,
otherwise offline. The reason for offline mode is a Turkish sentence shown in
the UI banner and in `TutorAnswer.generation_off_reason`.

Retries: the SDK's own retries are turned off (`max_retries=0`); the tutor's
middleware retries with its own bounded policy (see chains/agent.py) so a
429's retry-after is honoured only up to a limit and a student is never stuck.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Literal, Mapping

from langchain_core.language_models.chat_models import BaseChatModel

from chains.groq_models import completion_cap
from chains.provider_texts import NOT_CONFIGURED, OFFLINE_CHOSEN
from ders_asistani.settings import Settings

Mode = Literal["groq", "ollama", "openai-compatible", "offline"]


def _primary_then_fallbacks(primary: str, fallbacks: list[str]) -> tuple[str, ...]:
    """The order models are tried in: the primary, then each other fallback once."""
    return tuple(dict.fromkeys([primary, *fallbacks]))


@dataclass(frozen=True)
class ProviderChoice:
    mode: Mode
    models: tuple[str, ...] = ()  # primary first, then fallbacks (Groq, openai-compatible)
    reason: str | None = None  # Turkish, for students; set when generation is off
    setup_hint: str | None = None  # Turkish, technical, for the instructor page

    @property
    def model(self) -> str | None:
        return self.models[0] if self.models else None


def resolve_provider(settings: Settings, force_offline: bool = False) -> ProviderChoice:
    if force_offline or settings.llm_provider == "offline":
        return ProviderChoice("offline", reason=OFFLINE_CHOSEN)
    if settings.llm_provider == "ollama":
        return ProviderChoice("ollama", (settings.ollama_model,))
    if settings.llm_provider == "openai-compatible":
        base_url = (settings.openai_compatible_base_url or "").strip()
        model = (settings.openai_compatible_model or "").strip()
        if not base_url or not model:
            missing = " ve ".join(
                name for name, value in (("OPENAI_COMPATIBLE_BASE_URL", base_url), ("OPENAI_COMPATIBLE_MODEL", model))
                if not value
            )
            hint = f"LLM_PROVIDER=openai-compatible seçili ama {missing} tanımlı değil (.env)."
            return ProviderChoice("offline", reason=NOT_CONFIGURED, setup_hint=hint)
        return ProviderChoice(
            "openai-compatible", _primary_then_fallbacks(model, settings.openai_compatible_fallback_models)
        )
    has_key = settings.groq_api_key is not None and bool(settings.groq_api_key.get_secret_value().strip())
    if not has_key:
        if settings.llm_provider == "groq":
            hint = "LLM_PROVIDER=groq seçili ama GROQ_API_KEY tanımlı değil; .env dosyasına anahtarı ekleyin."
        else:
            hint = "GROQ_API_KEY tanımlı değil; üretim kapalı. Anahtarı .env dosyasına ekleyin ya da LLM_PROVIDER ile başka bir sağlayıcı seçin."
        return ProviderChoice("offline", reason=NOT_CONFIGURED, setup_hint=hint)
    return ProviderChoice("groq", _primary_then_fallbacks(settings.groq_model, settings.groq_fallback_models))


def is_gpt_oss(model: str) -> bool:
    return "gpt-oss" in model


@lru_cache(maxsize=1)
def _ollama_chat_model() -> type[BaseChatModel]:
    """ChatOllama whose every streamed piece says it came from Ollama.

    ChatOllama names the provider only on the final `done` line, so a stream the
    server ended without that line (a crashed runner) looked like a finished
    answer; with the mark the tutor sees the missing `done` and treats it as cut off.
    """
    from langchain_ollama import ChatOllama

    class MarkedChatOllama(ChatOllama):
        def _iterate_over_stream(self, messages, stop=None, **kwargs):  # type: ignore[override]
            for chunk in super()._iterate_over_stream(messages, stop, **kwargs):
                chunk.message.response_metadata.setdefault("model_provider", "ollama")
                chunk.generation_info = {**(chunk.generation_info or {}), "model_provider": "ollama"}
                yield chunk

    return MarkedChatOllama


ResponseHook = Callable[[str, int, Mapping[str, str]], None]  # (model, HTTP status, headers)


def _groq_http_client(on_response: ResponseHook) -> Any:
    """The groq SDK's own client plus a hook that sees every response's headers (x-ratelimit-*)."""
    import groq

    def hook(response: Any) -> None:
        try:
            body = json.loads(response.request.content or b"{}")
            model = str(body.get("model") or "")
        except (ValueError, AttributeError, RuntimeError):
            model = ""
        try:
            on_response(model, response.status_code, response.headers)
        except Exception:  # the governor must never break a model call
            import logging

            logging.getLogger(__name__).exception("response hook failed")

    return groq.DefaultHttpxClient(event_hooks={"response": [hook]})


def build_chat_model(settings: Settings, mode: Mode, model: str, on_response: ResponseHook | None = None) -> BaseChatModel:
    """A LangChain chat model for `mode`; nothing is contacted here.

    `on_response` (Groq only) is called with every HTTP response's model, status and
    headers, before its body is read: the key governor's live view of the limits.
    """
    if mode == "groq":
        from langchain_groq import ChatGroq

        kwargs: dict = {}
        if on_response is not None:
            kwargs["http_client"] = _groq_http_client(on_response)
        if is_gpt_oss(model):
            # gpt-oss accepts only low/medium/high; low keeps latency and tokens down.
            kwargs["reasoning_effort"] = settings.groq_reasoning_effort
        elif model.startswith("qwen/"):
            # Qwen reasoning models otherwise put <think>...</think> into the answer text.
            kwargs["reasoning_format"] = "hidden"
        if settings.groq_base_url:
            kwargs["base_url"] = settings.groq_base_url
        assert settings.groq_api_key is not None
        return ChatGroq(
            model=model,
            api_key=settings.groq_api_key,
            temperature=settings.temperature,
            timeout=settings.groq_timeout_s,
            # A preview model writes at most 16,384 tokens: never ask it for more.
            max_tokens=completion_cap(model, settings.max_completion_tokens),
            max_retries=0,
            **kwargs,
        )
    if mode == "ollama":
        return _ollama_chat_model()(
            model=model,
            base_url=settings.ollama_base_url,
            temperature=settings.temperature,
            num_predict=settings.max_completion_tokens,
            # A local model on a CPU is slow to start and to answer: allow at least two minutes.
            client_kwargs={"timeout": max(settings.groq_timeout_s, 120.0)},
        )
    if mode == "openai-compatible":
        from langchain_openai import ChatOpenAI

        key = settings.openai_compatible_api_key
        # Local servers usually need no key, but the SDK refuses to start without one.
        api_key = key.get_secret_value() if key and key.get_secret_value().strip() else "yok"
        return ChatOpenAI(
            model=model,
            base_url=settings.openai_compatible_base_url,
            api_key=api_key,
            temperature=settings.temperature,
            timeout=max(settings.groq_timeout_s, 120.0),
            max_retries=0,
            # Token usage in the last stream chunk, as the tutor's calibration expects.
            stream_usage=True,
        )
    raise ValueError(f"no chat model in mode {mode}")
