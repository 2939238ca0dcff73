"""A protocol-faithful stand-in for Groq's OpenAI-compatible chat completions API.

It is a real HTTP server (127.0.0.1, random port, one daemon thread), so the real
`groq` SDK and `langchain_groq.ChatGroq` run end to end against it.

Usage::

    from groq_stub import GroqStub, text, tool_call, error, delay   # tests/ is on sys.path under pytest

    with GroqStub() as stub:
        stub.enqueue(tool_call("ders_ara", {"sorgu": "quantization"}), text("Cevap [1]."))
        llm = ChatGroq(model="openai/gpt-oss-120b", api_key="gsk_test", base_url=stub.base_url)
        ...
        stub.requests[0].body["messages"]      # what the client sent
        stub.requests[-1].model                 # model id actually requested

Replies
- ``text(content, reasoning=None)``: an assistant message (JSON, or SSE chunks when the request
  has ``"stream": true``: role chunk, content split into small deltas, a final
  chunk with ``finish_reason`` and ``x_groq.usage``, then ``data: [DONE]``).
- ``tool_call(name, args)`` / ``tool_calls([(name, args), ...])``: assistant tool
  calls (streamed as tool_call deltas with arguments split into pieces).
- ``error(status, message, type=, code=, headers=)``: a Groq error body
  ``{"error": {"message", "type", "code"}}``; helpers ``rate_limited(seconds)``,
  ``model_not_found(model)``, ``model_decommissioned(model)``, ``tool_use_failed()``,
  ``invalid_api_key()``, ``server_error()``.
- ``delay(seconds, then)``: wait before replying (for client timeouts).
- ``drip(content, chunk_chars, chunk_delay_s)``: a slow stream of small deltas;
  ``truncated(content, after_chunks)``: the connection closes after a few deltas;
  ``unfinished(content)``: all deltas but no ``finish_reason`` chunk and no ``[DONE]``.
- Any callable ``(RecordedRequest) -> Reply`` is also accepted.

Replies are consumed in order from the queue; when it is empty ``stub.default``
(a Reply or callable, default: a short Turkish text) answers. Every request is
recorded in ``stub.requests`` (method, path, headers, JSON body, ``received_at``
on the ``time.perf_counter()`` clock), including the ones answered with errors;
``stub.chat_requests()`` keeps only chat completions. ``reasoning`` (gpt-oss)
is sent as a ``reasoning`` field / delta, the way Groq does. Every response carries ``x-ratelimit-*`` headers;
``retry-after`` only on 429, as Groq does.

Token usage: the stub has no tokenizer; ``prompt_tokens`` is the character count
of all message contents (plus tool schemas) divided by 3.2, the same estimate
the tutor uses, so usage numbers are only indicative.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Union

CHAT_PATH = "/openai/v1/chat/completions"
CHARS_PER_TOKEN = 3.2
MODELS_PATH = "/openai/v1/models"
MODELS_DEFAULT = ("openai/gpt-oss-120b", "openai/gpt-oss-20b")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = 0.0  # time.perf_counter() when the request reached the handler (same clock as an in-process client)

    @property
    def model(self) -> str | None:
        return self.body.get("model")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def system_prompt(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.messages if m.get("role") == "system")

    def text(self) -> str:
        """All message contents joined: for 'did the client send X' assertions."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)

    def prompt_tokens(self) -> int:
        return estimate_prompt_tokens(self.body)


@dataclass
class Reply:
    status: int = 200
    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    error_body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    reasoning: str | None = None
    # Streaming shape (defaults: 12-character deltas, no pause, a complete stream).
    chunk_chars: int = 12
    chunk_delay_s: float = 0.0
    cut_after_chunks: int | None = None  # close the connection after this many content deltas
    omit_finish: bool = False  # end without the finish_reason chunk and without [DONE]


Responder = Union[Reply, Callable[[RecordedRequest], Reply]]


def text(content: str, reasoning: str | None = None) -> Reply:
    return Reply(content=content, reasoning=reasoning)


def tool_call(name: str, args: dict[str, Any]) -> Reply:
    return Reply(tool_calls=[(name, args)])


def tool_calls(calls: list[tuple[str, dict[str, Any]]]) -> Reply:
    return Reply(tool_calls=list(calls))


def error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Reply:
    body: dict[str, Any] = {"message": message, "type": type}
    if code is not None:
        body["code"] = code
    body.update(extra or {})
    return Reply(status=status, error_body={"error": body}, headers=dict(headers or {}))


def invalid_api_key() -> Reply:
    return error(401, "Invalid API Key", code="invalid_api_key")


def rate_limited(seconds: float = 1.0) -> Reply:
    return error(
        429,
        "Rate limit reached for model `openai/gpt-oss-120b` in organization `org_test` service tier "
        f"`on_demand` on tokens per minute (TPM): Limit 8000, Used 7900, Requested 900. "
        f"Please try again in {seconds:.3f}s.",
        type="tokens",
        code="rate_limit_exceeded",
        headers={"retry-after": str(max(1, round(seconds)))},
    )


def model_not_found(model: str) -> Reply:
    return error(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def model_decommissioned(model: str) -> Reply:
    return error(
        400,
        f"The model `{model}` has been decommissioned and is no longer supported.",
        code="model_decommissioned",
    )


def tool_use_failed() -> Reply:
    return error(
        400,
        "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
        code="tool_use_failed",
        extra={"failed_generation": '<function=ders_ara{"sorgu": }>'},
    )


def server_error(status: int = 500) -> Reply:
    return error(status, "Internal Server Error", type="internal_server_error")


def drip(content: str, chunk_chars: int = 3, chunk_delay_s: float = 0.02) -> Reply:
    """A text streamed slowly in small pieces (a model reciting, a slow provider)."""
    return Reply(content=content, chunk_chars=chunk_chars, chunk_delay_s=chunk_delay_s)


def truncated(content: str, after_chunks: int = 3) -> Reply:
    """A stream whose connection closes after a few deltas: no finish_reason, no [DONE]."""
    return Reply(content=content, cut_after_chunks=after_chunks)


def unfinished(content: str) -> Reply:
    """Every delta arrives, but the stream ends without finish_reason and [DONE]."""
    return Reply(content=content, omit_finish=True)


def delay(seconds: float, then: Reply | None = None) -> Reply:
    reply = then or text("Geç gelen cevap.")
    return Reply(**{**reply.__dict__, "delay_s": seconds})


def estimate_prompt_tokens(body: dict[str, Any]) -> int:
    chars = 0
    for message in body.get("messages") or []:
        chars += len(str(message.get("content") or ""))
        for call in message.get("tool_calls") or []:
            chars += len(json.dumps(call.get("function", {}), ensure_ascii=False))
    if body.get("tools"):
        chars += len(json.dumps(body["tools"], ensure_ascii=False))
    return int(chars / CHARS_PER_TOKEN) + 1


def _ratelimit_headers() -> dict[str, str]:
    # A generous (paid-tier-like) key, so the tutor's key governor never makes a test wait;
    # tests/groq_limits_stub.py enforces the free tier's real limits and sends real numbers.
    return {
        "x-ratelimit-limit-requests": "1000000",
        "x-ratelimit-limit-tokens": "10000000",
        "x-ratelimit-remaining-requests": "999999",
        "x-ratelimit-remaining-tokens": "9990000",
        "x-ratelimit-reset-requests": "86.4ms",
        "x-ratelimit-reset-tokens": "60ms",
    }


class GroqStub:
    """Scripted Groq-compatible server. See the module docstring."""

    chat_path = CHAT_PATH  # tests/openai_stub.py serves the plain OpenAI /v1 path

    def __init__(self, default: Responder | None = None) -> None:
        self.default: Responder = default or text("Merhaba, ben test sunucusuyum.")
        # None: every key is accepted; a set: other keys get Groq's 401 on every path.
        self.valid_keys: set[str] | None = None
        self.models: list[str] = [MODELS_DEFAULT[0], MODELS_DEFAULT[1]]
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------
    def start(self) -> "GroqStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                stub._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                stub._handle_get(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "GroqStub":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "stub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting -------------------------------------------------------------
    def enqueue(self, *replies: Responder) -> None:
        with self._lock:
            self._queue.extend(replies)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- HTTP ------------------------------------------------------------------
    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            responder = self._queue.popleft() if self._queue else self.default
        return responder(request) if callable(responder) else responder

    def admit(self, request: RecordedRequest) -> Reply | None:
        """Hook for a limit-enforcing subclass: a refusal reply, or None to answer."""
        return None

    def ratelimit_headers(self, reply: Reply) -> dict[str, str]:
        return _ratelimit_headers()

    def key_refused(self, request: RecordedRequest) -> bool:
        return self.valid_keys is not None and request.api_key not in self.valid_keys

    def _handle_get(self, handler: BaseHTTPRequestHandler) -> None:
        """`GET /openai/v1/models`: the key check that costs no tokens."""
        request = RecordedRequest(method="GET", path=handler.path,
                                  headers={k.lower(): v for k, v in handler.headers.items()},
                                  body={}, received_at=time.perf_counter())
        with self._lock:
            self.requests.append(request)
        if handler.path != MODELS_PATH:
            self._send_json(handler, error(404, f"Unknown request URL: GET {handler.path}", code="unknown_url"))
        elif self.key_refused(request):
            self._send_json(handler, invalid_api_key())
        else:
            data = [{"id": model, "object": "model", "owned_by": "OpenAI", "active": True,
                     "context_window": 131072} for model in self.models]
            self._send_json(handler, Reply(), {"object": "list", "data": data})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.perf_counter()
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {}
        request = RecordedRequest(
            method="POST",
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            received_at=arrived,
        )
        with self._lock:
            self.requests.append(request)
        if handler.path != self.chat_path:
            self._send_json(handler, error(404, f"Unknown request URL: POST {handler.path}", code="unknown_url"))
            return
        if self.key_refused(request):
            self._send_json(handler, invalid_api_key())
            return
        refusal = self.admit(request)
        if refusal is not None:  # tests/groq_limits_stub.py: 429 / 413 as Groq sends them
            self._send_json(handler, refusal)
            return
        reply = self._next_reply(request)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            self._send_json(handler, reply)
        elif request.stream:
            try:
                self._send_stream(handler, request, reply)
            except (BrokenPipeError, ConnectionResetError):
                handler.close_connection = True  # the client stopped reading (a turn deadline)
        else:
            self._send_json(handler, reply, self._completion(request, reply))

    def _usage(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        prompt = estimate_prompt_tokens(request.body)
        completion = int(len(reply.content or json.dumps(reply.tool_calls)) / CHARS_PER_TOKEN) + 1
        return {
            "queue_time": 0.01,
            "prompt_tokens": prompt,
            "prompt_time": 0.01,
            "completion_tokens": completion,
            "completion_time": 0.02,
            "total_tokens": prompt + completion,
            "total_time": 0.03,
        }

    @staticmethod
    def _tool_call_dicts(reply: Reply) -> list[dict[str, Any]]:
        return [
            {
                "id": f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
            }
            for name, args in reply.tool_calls
        ]

    def _completion(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant"}
        if reply.tool_calls:
            message["tool_calls"] = self._tool_call_dicts(reply)
            message["content"] = None
        else:
            message["content"] = reply.content or ""
        if reply.reasoning:
            message["reasoning"] = reply.reasoning
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": self._usage(request, reply),
            "system_fingerprint": "fp_stub",
            "x_groq": {"id": f"req_{uuid.uuid4().hex[:20]}"},
        }

    def _send_json(self, handler: BaseHTTPRequestHandler, reply: Reply, payload: dict | None = None) -> None:
        data = json.dumps(payload if payload is not None else reply.error_body, ensure_ascii=False).encode()
        handler.send_response(reply.status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for key, value in {**self.ratelimit_headers(reply), **reply.headers}.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _send_last_chunks(self, send, handler, base: dict, request: RecordedRequest, reply: Reply, finish: str) -> None:
        # Groq reports streamed usage inside the finishing chunk, under x_groq.
        send({}, finish=finish, extra={"x_groq": {"id": base["id"], "usage": self._usage(request, reply)}})

    def _send_stream(self, handler: BaseHTTPRequestHandler, request: RecordedRequest, reply: Reply) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("cache-control", "no-cache")
        handler.send_header("connection", "close")
        for key, value in {**self.ratelimit_headers(reply), **reply.headers}.items():
            handler.send_header(key, value)
        handler.end_headers()
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request.model,
            "system_fingerprint": "fp_stub",
        }

        def send(delta: dict[str, Any], finish: str | None = None, extra: dict | None = None) -> None:
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            chunk.update(extra or {})
            handler.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
            handler.wfile.flush()

        send({"role": "assistant", "content": ""}, extra={"x_groq": {"id": f"req_{uuid.uuid4().hex[:20]}"}})
        if reply.reasoning:
            send({"reasoning": reply.reasoning})
        if reply.tool_calls:
            for index, call in enumerate(self._tool_call_dicts(reply)):
                arguments = call["function"]["arguments"]
                half = len(arguments) // 2
                send({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                      "function": {"name": call["function"]["name"], "arguments": arguments[:half]}}]})
                send({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]})
        else:
            content = reply.content or ""
            step = max(1, reply.chunk_chars)
            for number, start in enumerate(range(0, len(content), step)):
                if reply.cut_after_chunks is not None and number >= reply.cut_after_chunks:
                    handler.close_connection = True
                    return
                if reply.chunk_delay_s:
                    time.sleep(reply.chunk_delay_s)
                send({"content": content[start:start + step]})
        if reply.omit_finish:
            handler.close_connection = True
            return
        finish = "tool_calls" if reply.tool_calls else "stop"
        self._send_last_chunks(send, handler, base, request, reply, finish)
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
        handler.close_connection = True
