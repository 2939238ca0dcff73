"""A protocol-faithful stand-in for a local Ollama server (its native `/api` endpoints).

A real HTTP server (127.0.0.1, random port, one daemon thread), so the real
`ollama` Python client and `langchain_ollama.ChatOllama` run end to end
against it, the way `tests/groq_stub.py` does for Groq.

Usage::

    from groq_stub import text, tool_call            # the scripted replies are shared
    from ollama_stub import OllamaStub, model_not_found

    with OllamaStub(models=["llama3.2:latest"]) as stub:
        stub.enqueue(tool_call("vram_hesapla", {...}), text("Cevap [1]."))
        settings = Settings(llm_provider="ollama", ollama_base_url=stub.base_url, ollama_model="llama3.2")
        ...
        stub.chat_requests()[0].body["tools"]     # what the client sent

What it speaks (shapes checked against Ollama's docs/api.md and server/routes.go):
- ``POST /api/chat``: streams NDJSON by default (``"stream"`` absent or true), one
  JSON object per line, ``content-type: application/x-ndjson``, chunked transfer
  encoding. Each line is ``{"model", "created_at", "message": {"role": "assistant",
  "content": <piece>}, "done": false}``; tool calls arrive whole in one line as
  ``message.tool_calls = [{"id", "function": {"index", "name", "arguments": {...}}}]``
  (arguments are a JSON object, not a string as in OpenAI's API); the last line has
  ``"done": true``, ``"done_reason"`` (``stop``, or ``length`` when
  ``options.num_predict`` pieces were reached) and the counters ``total_duration``,
  ``load_duration``, ``prompt_eval_count``, ``prompt_eval_duration``, ``eval_count``,
  ``eval_duration`` (durations in nanoseconds). ``"stream": false`` gives the same
  fields in one JSON object. ``reasoning`` of a reply goes out as
  ``message.thinking`` pieces, only when the request asked for ``"think": true``.
- ``GET /api/tags``: the pulled models (``stub.models``) with ``name``, ``model``,
  ``modified_at``, ``size``, ``digest``, ``details``.
- ``POST /api/show``: a model's details and ``capabilities`` (``completion``,
  ``tools``; a model in ``stub.no_tools`` lacks ``tools``).
- ``GET /api/version``, ``GET /`` (``Ollama is running``).
- Errors as Ollama sends them: ``{"error": "<text>"}`` with a status. A model
  that was never pulled gets 404 ``model "x" not found, try pulling it first``
  on ``/api/chat`` before any scripted reply is consumed; a model in
  ``stub.no_tools`` asked with ``tools`` gets 400 ``... does not support tools``.
  An unknown path gets gin's plain-text ``404 page not found``.

Replies are the Groq stub's (``text``, ``tool_call``, ``tool_calls``, ``delay``,
``drip``, ``truncated`` (the connection drops mid-stream), ``unfinished`` (the stream
ends cleanly but without a ``done`` line)), plus the helpers here:
``ollama_error(status, message)``, ``model_not_found(model, style=)``,
``tools_not_supported(model)``, ``stream_error(message, after_chunks)`` (an
``{"error": ...}`` line in the middle of a 200 stream, as Ollama writes when the
runner fails after streaming started). Every request is recorded in
``stub.requests``; ``chat_requests()`` keeps only ``/api/chat``.

Token counts: ``prompt_eval_count`` is the character estimate of the Groq stub;
``eval_count`` is the number of streamed pieces (Ollama streams about one token
per line), plus one per tool call.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from groq_stub import RecordedRequest, Reply, Responder, estimate_prompt_tokens, text

__all__ = [
    "OllamaReply",
    "OllamaRequest",
    "OllamaStub",
    "model_not_found",
    "ollama_error",
    "stream_error",
    "tools_not_supported",
]

CHAT_PATH = "/api/chat"
DEFAULT_MODELS = ("llama3.2:latest", "qwen2.5:7b")
VERSION = "0.12.6"


class OllamaRequest(RecordedRequest):
    @property
    def stream(self) -> bool:
        # Ollama streams unless the request says "stream": false.
        return self.body.get("stream", True) is not False

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.body.get("options") or {})


@dataclass
class OllamaReply(Reply):
    # An {"error": ...} line in place of the piece at this index of a 200 stream.
    stream_error: str | None = None
    stream_error_after: int = 2


def ollama_error(status: int, message: str) -> Reply:
    return Reply(status=status, error_body={"error": message})


def model_not_found(model: str, style: str = "pull") -> Reply:
    """404 for a model that was never pulled.

    ``style="pull"``: the scheduler's text (``model "x" not found, try pulling it first``),
    the one most Ollama releases send from ``/api/chat``; ``style="short"``: newer
    releases' manifest check (``model 'x' not found``).
    """
    if style == "short":
        return ollama_error(404, f"model '{model}' not found")
    return ollama_error(404, f"model {json.dumps(model)} not found, try pulling it first")


def tools_not_supported(model: str) -> Reply:
    """400 for a model whose template has no tool support, asked with ``tools``."""
    return ollama_error(400, f"registry.ollama.ai/library/{model} does not support tools")


def stream_error(message: str = "an error was encountered while running the model", after_chunks: int = 2) -> Reply:
    """A 200 stream that carries an ``{"error": ...}`` line after a few pieces."""
    return OllamaReply(content="Kısa bir başlangıç cümlesi geliyor ama", chunk_chars=6,
                       stream_error=message, stream_error_after=after_chunks)


def _canonical(name: str) -> str:
    name = (name or "").strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class OllamaStub:
    """Scripted Ollama server. See the module docstring."""

    def __init__(self, default: Responder | None = None, models: list[str] | tuple[str, ...] = DEFAULT_MODELS) -> None:
        self.default: Responder = default or text("Merhaba, ben Ollama test sunucusuyum.")
        self.models: list[str] = [_canonical(m) for m in models]
        self.no_tools: set[str] = set()  # pulled models without a tool template
        self.not_found_style = "pull"  # or "short": the 404 text of newer releases (see model_not_found)
        self.requests: list[OllamaRequest] = []
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()

    # --- lifecycle -------------------------------------------------------------
    def start(self) -> "OllamaStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as Ollama (Go net/http)

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with stub._lock:
                    stub._connections.add(self.connection)

            def finish(self) -> None:
                with stub._lock:
                    stub._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                stub._handle(self, "POST")

            def do_GET(self) -> None:  # noqa: N802
                stub._handle(self, "GET")

            def do_HEAD(self) -> None:  # noqa: N802
                stub._handle(self, "HEAD")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop like `ollama serve` exiting: the kept-alive connections close too."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "OllamaStub":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What OLLAMA_BASE_URL is set to."""
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

    def chat_requests(self) -> list[OllamaRequest]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    def has_model(self, name: str | None) -> bool:
        return _canonical(name or "") in self.models

    def lacks_tools(self, name: str | None) -> bool:
        return _canonical(name or "") in {_canonical(m) for m in self.no_tools}

    # --- HTTP ------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        arrived = time.perf_counter()
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = None
        request = OllamaRequest(method=method, path=handler.path.split("?", 1)[0],
                                headers={k.lower(): v for k, v in handler.headers.items()},
                                body=body if isinstance(body, dict) else {}, received_at=arrived)
        with self._lock:
            self.requests.append(request)
        route = (method if method != "HEAD" else "GET", request.path)
        if body is None and method == "POST":
            self._send_json(handler, 400, {"error": "invalid character in request body"})
        elif route == ("GET", "/"):
            self._send_text(handler, 200, "Ollama is running")
        elif route == ("GET", "/api/version"):
            self._send_json(handler, 200, {"version": VERSION})
        elif route == ("GET", "/api/tags"):
            self._send_json(handler, 200, {"models": [self._model_entry(m) for m in self.models]})
        elif route == ("POST", "/api/show"):
            self._show(handler, request)
        elif route == ("POST", CHAT_PATH):
            self._chat(handler, request)
        else:
            self._send_text(handler, 404, "404 page not found")

    def _model_entry(self, name: str) -> dict[str, Any]:
        family = name.split(":", 1)[0].rstrip("0123456789.").split("/")[-1] or "llama"
        return {
            "name": name,
            "model": name,
            "modified_at": "2026-11-20T10:00:00.000000000Z",
            "size": 2019393189,
            "digest": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex * 2,
            "details": {"parent_model": "", "format": "gguf", "family": family, "families": [family],
                        "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
        }

    def _show(self, handler: BaseHTTPRequestHandler, request: OllamaRequest) -> None:
        name = request.body.get("model") or request.body.get("name")
        if not self.has_model(name):
            self._send_json(handler, 404, {"error": f"model '{name}' not found"})
            return
        entry = self._model_entry(_canonical(name))
        capabilities = ["completion"] + ([] if self.lacks_tools(name) else ["tools"])
        self._send_json(handler, 200, {
            "modelfile": f"FROM {entry['name']}\n",
            "parameters": "stop \"<|eot_id|>\"",
            "template": "{{ .System }}{{ .Prompt }}",
            "details": entry["details"],
            "model_info": {"general.architecture": entry["details"]["family"], "general.parameter_count": 3212749888},
            "capabilities": capabilities,
            "modified_at": entry["modified_at"],
        })

    def _next_reply(self, request: OllamaRequest) -> Reply:
        with self._lock:
            responder = self._queue.popleft() if self._queue else self.default
        return responder(request) if callable(responder) else responder

    def _chat(self, handler: BaseHTTPRequestHandler, request: OllamaRequest) -> None:
        model = request.model
        if not model:
            self._send_json(handler, 400, {"error": "model is required"})
            return
        if not self.has_model(model):
            # Ollama checks the model before it runs anything: no scripted reply is used.
            self._send_json(handler, 404, model_not_found(model, self.not_found_style).error_body)
            return
        if request.body.get("tools") and self.lacks_tools(model):
            self._send_json(handler, 400, tools_not_supported(model).error_body)
            return
        reply = self._next_reply(request)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            self._send_json(handler, reply.status, reply.error_body or {"error": "error"})
            return
        pieces, done_reason = self._pieces(request, reply)
        if not request.stream:
            self._send_json(handler, 200, self._whole(request, reply, pieces, done_reason))
            return
        try:
            self._stream(handler, request, reply, pieces, done_reason)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client stopped reading (a turn deadline)

    # --- response bodies ---------------------------------------------------------
    def _pieces(self, request: OllamaRequest, reply: Reply) -> tuple[list[str], str]:
        content = reply.content or ""
        step = max(1, reply.chunk_chars)
        pieces = [content[i:i + step] for i in range(0, len(content), step)]
        limit = request.options.get("num_predict")
        if isinstance(limit, int) and limit > 0 and len(pieces) > limit:
            return pieces[:limit], "length"
        return pieces, "stop"

    @staticmethod
    def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
        return [{"id": f"call_{uuid.uuid4().hex[:8]}", "function": {"index": index, "name": name, "arguments": args}}
                for index, (name, args) in enumerate(reply.tool_calls)]

    def _line(self, request: OllamaRequest, message: dict[str, Any], done: bool = False) -> dict[str, Any]:
        return {"model": request.model, "created_at": _now(), "message": {"role": "assistant", **message}, "done": done}

    def _final(self, request: OllamaRequest, reply: Reply, pieces: list[str], done_reason: str,
               message: dict[str, Any]) -> dict[str, Any]:
        eval_count = len(pieces) + len(reply.tool_calls) + 1
        return {
            **self._line(request, message, done=True),
            "done_reason": done_reason,
            "total_duration": 412_000_000 + eval_count * 25_000_000,
            "load_duration": 12_000_000,
            "prompt_eval_count": estimate_prompt_tokens(request.body),
            "prompt_eval_duration": 95_000_000,
            "eval_count": eval_count,
            "eval_duration": eval_count * 25_000_000,
        }

    def _whole(self, request: OllamaRequest, reply: Reply, pieces: list[str], done_reason: str) -> dict[str, Any]:
        message: dict[str, Any] = {"content": "".join(pieces)}
        if reply.reasoning and request.body.get("think"):
            message["thinking"] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = self._tool_calls(reply)
        return self._final(request, reply, pieces, done_reason, message)

    def _stream(self, handler: BaseHTTPRequestHandler, request: OllamaRequest, reply: Reply,
                pieces: list[str], done_reason: str) -> None:
        failure = getattr(reply, "stream_error", None)
        failure_at = getattr(reply, "stream_error_after", 0)
        handler.send_response(200)
        handler.send_header("content-type", "application/x-ndjson")
        handler.send_header("transfer-encoding", "chunked")
        handler.send_header("date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))
        handler.end_headers()

        def write(obj: dict[str, Any]) -> None:
            data = json.dumps(obj, ensure_ascii=False).encode() + b"\n"
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        def end() -> None:
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()

        if reply.reasoning and request.body.get("think"):
            for start in range(0, len(reply.reasoning), 12):
                write(self._line(request, {"content": "", "thinking": reply.reasoning[start:start + 12]}))
        for number, piece in enumerate(pieces):
            if failure and number >= failure_at:
                write({"error": failure})
                end()
                return
            if reply.cut_after_chunks is not None and number >= reply.cut_after_chunks:
                handler.close_connection = True  # the server died: no terminating chunk
                return
            if reply.chunk_delay_s:
                time.sleep(reply.chunk_delay_s)
            write(self._line(request, {"content": piece}))
        if reply.tool_calls:
            write(self._line(request, {"content": "", "tool_calls": self._tool_calls(reply)}))
        if not reply.omit_finish:
            write(self._final(request, reply, pieces, done_reason, {"content": ""}))
        end()

    # --- plain responses -----------------------------------------------------------
    @staticmethod
    def _send_json(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json; charset=utf-8")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)

    @staticmethod
    def _send_text(handler: BaseHTTPRequestHandler, status: int, body: str) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("content-type", "text/plain; charset=utf-8")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)
