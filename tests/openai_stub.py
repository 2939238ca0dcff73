"""A protocol-faithful OpenAI-compatible chat server (vLLM, llama-server, LM Studio).

The Groq stub's server on the plain `/v1` path, with the two places where
self-hosted OpenAI-compatible servers differ from Groq:

- streamed usage comes as a separate last chunk with empty `choices` and only
  when the client asks for it (`stream_options.include_usage`), as in OpenAI's API;
- errors in the shapes those servers send: vLLM's top-level
  `{"object": "error", "message": ..., "code": 404}` for an unknown model, and
  llama.cpp's `llama-server` refusing tools when started without `--jinja`.

Usage::

    with OpenAIStub() as stub:
        stub.enqueue(tool_call("vram_hesapla", {...}), text("..."))
        settings = Settings(llm_provider="openai-compatible",
                            openai_compatible_base_url=stub.api_base, openai_compatible_model="qwen")
"""

from __future__ import annotations

import json
from typing import Any

from groq_stub import GroqStub, Reply, error

__all__ = ["OpenAIStub", "vllm_model_not_found", "llama_server_tools_refused", "unauthorized"]


class OpenAIStub(GroqStub):
    chat_path = "/v1/chat/completions"

    @property
    def api_base(self) -> str:
        """What OPENAI_COMPATIBLE_BASE_URL is set to."""
        return f"{self.base_url}/v1"

    def _send_last_chunks(self, send, handler, base: dict, request, reply: Reply, finish: str) -> None:
        send({}, finish=finish)
        if (request.body.get("stream_options") or {}).get("include_usage"):
            usage = self._usage(request, reply)
            chunk = {**base, "choices": [], "usage": {key: usage[key] for key in
                                                      ("prompt_tokens", "completion_tokens", "total_tokens")}}
            handler.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")


def vllm_model_not_found(model: str) -> Reply:
    body: dict[str, Any] = {"object": "error", "message": f"The model `{model}` does not exist.",
                            "type": "NotFoundError", "param": None, "code": 404}
    return Reply(status=404, error_body=body)


def llama_server_tools_refused() -> Reply:
    # llama-server started without --jinja answers any request carrying `tools` like this.
    return error(500, "tools param requires --jinja flag", type="server_error", code=500)


def unauthorized() -> Reply:
    # vLLM started with --api-key and called with another key.
    return Reply(status=401, error_body={"error": "Unauthorized"})
