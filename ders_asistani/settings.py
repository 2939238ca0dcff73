"""The one settings object. Every knob lives here; nothing else reads os.environ.

Values come from the environment and from `.env` (see `.env.example`).
Tests build `Settings(knowledge_dir=..., storage_dir=...)` directly, so two
configurations never share state.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

Provider = Literal["auto", "groq", "ollama", "openai-compatible", "offline"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # --- knowledge and storage -------------------------------------------------
    knowledge_dir: Path = Path("knowledge")
    storage_dir: Path = Path("storage")
    chroma_host: str | None = None
    chroma_port: int = 8000
    embedding_model: str = "use-multilingual-v3"
    chunk_size: int = 800
    chunk_overlap: int = 120
    max_file_mb: float = 20.0
    follow_symlinks: bool = False
    store_wait_s: float = 30.0

    # --- retrieval -------------------------------------------------------------
    retrieval_k: int = 5
    lexical_weight: float = 0.5
    dense_weight: float = 0.5
    offtopic_threshold: float = 0.35
    retrieval_fusion: Literal["linear", "rrf", "lexical", "dense"] = "linear"
    lexical_signal: Literal["rerank", "coverage", "bm25"] = "rerank"
    lexical_prefix_length: int = 5
    glossary_expansion: bool = True
    glossary_weight: float = 0.5
    typo_weight: float = 0.7
    bigram_weight: float = 0.5
    dense_candidates: int = 50
    second_dense_model: str = "multilingual-e5-small"
    second_dense_share: float = 0.7
    restore_diacritics: bool = True
    word_neighbors: bool = True
    neighbor_count: int = 4
    neighbor_threshold: float = 0.6
    neighbor_weight: float = 0.5
    definition_bonus: float = 0.3

    # --- language model --------------------------------------------------------
    llm_provider: Provider = "auto"
    groq_api_key: SecretStr | None = None
    groq_model: str = "openai/gpt-oss-120b"
    groq_fallback_models: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["openai/gpt-oss-20b"]
    )
    groq_base_url: str | None = None
    groq_reasoning_effort: Literal["low", "medium", "high"] = "low"
    groq_timeout_s: float = 30.0
    # Whole turn, all model calls together: a slow drip of tokens cannot make an endless turn.
    turn_deadline_s: float = 45.0
    # Longest answer one model call may write (max_tokens); bounds time and quota per call.
    max_completion_tokens: int = 1024
    groq_max_retries: int = 2
    # The class key's governor (chains/governor.py): shared budget, fair queue, per-student share.
    class_governor: bool = True
    # Per model limits of the key before Groq's headers correct them (free tier, groq-limits.md).
    groq_limit_rpm: int = 30
    groq_limit_rpd: int = 1000
    groq_limit_tpm: int = 8000
    groq_limit_tpd: int = 200000
    # Uncached tokens one student may spend a day on the class key; None: twice TPD / 40.
    class_tokens_per_student_per_day: int | None = None
    # Longest wait in the class queue before the turn is answered offline.
    max_queue_wait_s: float = 60.0
    # When a model's daily budget is gone, let the fallback models (their own Groq budget) answer.
    budget_fallback_models: bool = True
    ollama_base_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2"
    # Any server speaking the OpenAI chat API (vLLM, llama-server, LM Studio, Ollama's /v1).
    openai_compatible_base_url: str | None = None
    openai_compatible_model: str | None = None
    openai_compatible_api_key: SecretStr | None = None
    # Other models the same server serves, tried in order when the model is gone (404), as on Groq.
    openai_compatible_fallback_models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    prompt_token_budget: int = 3000
    temperature: float = 0.2

    # --- app -------------------------------------------------------------------
    admin_password: SecretStr | None = None
    course_access_code: SecretStr | None = None
    groq_key_policy: Literal["class", "own", "both"] = "both"
    admin_session_minutes: float = 60.0
    database_url: str | None = None
    # First-turn answers of the language model, reused for the same question (chains/answer_cache.py).
    answer_cache: bool = True
    answer_cache_ttl_hours: float = 168.0  # 0: kept until the next re-index
    upload_max_mb: float = 20.0
    max_question_chars: int = 2000
    display_timezone: str = "Europe/Istanbul"  # times on the instructor page (IANA name)
    # Saved chat conversations not updated for this many days are deleted (0: keep forever).
    conversation_retention_days: float = 90.0

    @field_validator("groq_fallback_models", "openai_compatible_fallback_models", mode="before")
    @classmethod
    def _split_models(cls, value: object) -> object:
        # `.env` holds a comma separated list; code may pass a real list.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("class_tokens_per_student_per_day", mode="before")
    @classmethod
    def _empty_share(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("display_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"DISPLAY_TIMEZONE bilinen bir saat dilimi değil: {value!r} (örnek: Europe/Istanbul)"
            ) from exc
        return value

    @field_validator("groq_api_key", "admin_password", "course_access_code", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # --- derived locations: all state lives under storage_dir ----------------------
    @cached_property
    def chroma_dir(self) -> Path:
        return self.storage_dir / "chroma"

    @cached_property
    def shared_index(self) -> bool:
        """Replicas: a Chroma server and a shared database hold the whole index state."""
        return bool(self.chroma_host and self.database_url)

    @cached_property
    def record_manager_url(self) -> str:
        """Record manager and documents table: the shared database for replicas, else records.db."""
        if self.shared_index:
            return str(self.database_url)
        return f"sqlite:///{(self.storage_dir / 'records.db').resolve()}"

    @cached_property
    def app_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.storage_dir / 'app.db').resolve()}"

    @cached_property
    def ingest_lock_path(self) -> Path:
        return self.storage_dir / "ingest.lock"

    def ensure_storage(self) -> None:
        self.storage_dir.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
