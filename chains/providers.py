"""Which language model answers, and how its chat model object is built.

`resolve_provider` reads the settings once: `auto` means Groq when a key is set,
otherwise offline. The reason for offline mode is a Turkish sentence shown in
the UI banner and in `TutorAnswer.generation_off_reason`.

Retries: the SDK's own retries are turned off (`max_retries=0`); the tutor's
middleware retries with its own bounded policy (see chains/agent.py) so a
429's retry-after is honoured only up to a limit and a student is never stuck.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models.chat_models import BaseChatModel

from ders_asistani.settings import Settings

Mode = Literal["groq", "ollama", "offline"]


@dataclass(frozen=True)
class ProviderChoice:
    mode: Mode
    models: tuple[str, ...] = ()  # primary first, then fallbacks (Groq)
    reason: str | None = None  # Turkish; set when generation is off

    @property
    def model(self) -> str | None:
        return self.models[0] if self.models else None


def resolve_provider(settings: Settings, force_offline: bool = False) -> ProviderChoice:
    if force_offline or settings.llm_provider == "offline":
        reason = "Çevrimdışı mod istendi; cevaplar ders belgelerinden ve araçlardan derlenir."
        return ProviderChoice("offline", reason=reason)
    if settings.llm_provider == "ollama":
        return ProviderChoice("ollama", (settings.ollama_model,))
    has_key = settings.groq_api_key is not None and bool(settings.groq_api_key.get_secret_value().strip())
    if not has_key:
        if settings.llm_provider == "groq":
            reason = "LLM_PROVIDER=groq seçili ama GROQ_API_KEY tanımlı değil; üretim kapalı."
        else:
            reason = "GROQ_API_KEY tanımlı değil; üretim kapalı, cevaplar ders belgelerinden ve araçlardan derlenir."
        return ProviderChoice("offline", reason=reason)
    models = [settings.groq_model] + [m for m in settings.groq_fallback_models if m != settings.groq_model]
    return ProviderChoice("groq", tuple(models))


def is_gpt_oss(model: str) -> bool:
    return "gpt-oss" in model


def build_chat_model(settings: Settings, mode: Mode, model: str) -> BaseChatModel:
    """A LangChain chat model for `mode`; nothing is contacted here."""
    if mode == "groq":
        from langchain_groq import ChatGroq

        kwargs: dict = {}
        if is_gpt_oss(model):
            # gpt-oss accepts only low/medium/high; low keeps latency and tokens down.
            kwargs["reasoning_effort"] = settings.groq_reasoning_effort
        if settings.groq_base_url:
            kwargs["base_url"] = settings.groq_base_url
        assert settings.groq_api_key is not None
        return ChatGroq(
            model=model,
            api_key=settings.groq_api_key,
            temperature=settings.temperature,
            timeout=settings.groq_timeout_s,
            max_tokens=settings.max_completion_tokens,
            max_retries=0,
            **kwargs,
        )
    if mode == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=model,
            base_url=settings.ollama_base_url,
            temperature=settings.temperature,
            num_predict=settings.max_completion_tokens,
            # A local model on a CPU is slow to start and to answer: allow at least two minutes.
            client_kwargs={"timeout": max(settings.groq_timeout_s, 120.0)},
        )
    raise ValueError(f"no chat model in mode {mode}")
