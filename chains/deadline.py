"""An overall deadline for one tutor turn, enforced inside the model's own stream.

Checking the clock between agent events is not enough: closing the agent's stream
waits for the running model call, which a slow drip keeps alive. A callback that
raises on the next token stops the HTTP stream itself.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

from chains.errors import ProviderFailure


class TurnDeadline(BaseCallbackHandler):
    raise_error = True  # LangChain swallows callback errors unless told otherwise

    def __init__(self, seconds: float, started: float | None = None) -> None:
        self.seconds = seconds
        self.at = (time.perf_counter() if started is None else started) + seconds

    def passed(self) -> bool:
        return time.perf_counter() > self.at

    def check(self) -> None:
        if self.passed():
            raise ProviderFailure("timeout", f"turn deadline of {self.seconds:g}s passed")

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.check()

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.check()
