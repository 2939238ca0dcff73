"""What one tutor turn spent at the provider: requests, tokens, 429s.

`TurnUsage` is a LangChain callback handler passed with the agent run, so it sees
every chat model call (including retried ones) without touching the middleware:
- `on_chat_model_start`: one request;
- `on_llm_end`: the provider's usage (`usage_metadata`: input, cached input, output);
- `on_llm_error`: a 429 counts as rate limited.
`summary()` is the `TutorAnswer.usage` dict and the input of the usage ledger.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

USAGE_KEYS = ("requests", "prompt_tokens", "cached_tokens", "completion_tokens", "rate_limited")


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    if status is None:
        status = getattr(getattr(error, "response", None), "status_code", None)
    if status is None:
        status = getattr(error, "status", None)  # a ProviderFailure
    return status if isinstance(status, int) else None


class TurnUsage(BaseCallbackHandler):
    raise_error = False  # counting must never break a turn

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = dict.fromkeys(USAGE_KEYS, 0)

    def add(self, key: str, value: int) -> None:
        with self._lock:
            self.counts[key] += max(0, int(value or 0))

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.add("requests", 1)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        usage: dict[str, Any] = {}
        for generations in getattr(response, "generations", None) or []:
            for generation in generations:
                message = getattr(generation, "message", None)
                usage = getattr(message, "usage_metadata", None) or usage
        if not usage:
            return
        details = usage.get("input_token_details") or {}
        self.add("prompt_tokens", usage.get("input_tokens") or 0)
        self.add("cached_tokens", details.get("cache_read") or 0)
        self.add("completion_tokens", usage.get("output_tokens") or 0)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        kind = getattr(error, "kind", None)
        if _status(error) == 429 or kind == "rate_limit":
            self.add("rate_limited", 1)

    def summary(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)
