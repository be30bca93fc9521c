"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests that need real HTTP.

Each test queues replies; every POST to ``/v1/chat/completions`` takes the next one and is recorded
(``stub.requests`` holds the parsed JSON bodies), so a test can check what the client sent — e.g.
that a re-ask carries the validation error. A reply can be a finished answer (sent as a tool call
when the request offered tools, else as message content), raw arguments (malformed JSON), an HTTP
error with headers (429 + Retry-After, 500), a hang (the client must time out) or a truncated
answer (finish_reason "length"). A request with nothing queued gets HTTP 500 "stub: no reply
scripted", which the client treats as a transient error, so a test that under-scripts fails loudly.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    arguments: str | None = None  # the JSON text the model "wrote"
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    hang: float = 0.0  # seconds to stall before answering (or until the stub stops)
    completion_tokens: int | None = None  # reported usage (default: half the answer's characters)

    @classmethod
    def items(cls, *items: dict[str, Any], finish_reason: str = "stop") -> Reply:
        return cls(arguments=json.dumps({"items": list(items)}, ensure_ascii=False), finish_reason=finish_reason)

    @classmethod
    def raw(cls, arguments: str, completion_tokens: int | None = None) -> Reply:
        return cls(arguments=arguments, completion_tokens=completion_tokens)

    @classmethod
    def http(cls, status: int, error: str = "scripted failure", **headers: str) -> Reply:
        return cls(status=status, error=error, headers={k.replace("_", "-"): v for k, v in headers.items()})

    @classmethod
    def stall(cls, seconds: float) -> Reply:
        return cls(hang=seconds, arguments=json.dumps({"items": []}))


Responder = Callable[[dict[str, Any]], Reply]


class OpenAIStub:
    """Start with ``with OpenAIStub() as stub:``; ``stub.base_url`` goes to the client."""

    def __init__(self) -> None:
        self.script: deque[Reply | Responder] = deque()
        self.requests: list[dict[str, Any]] = []
        self.request_times: list[float] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *replies: Reply | Responder) -> OpenAIStub:
        self.script.extend(replies)
        return self

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ the HTTP side

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.request_times.append(time.monotonic())
            entry = self.script.popleft() if self.script else Reply.http(500, "stub: no reply scripted")
        return entry(body) if callable(entry) else entry

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = stub._next(body)
                if reply.hang:
                    stub._stopping.wait(reply.hang)
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": reply.error, "type": "stub"}}, reply.headers)
                    return
                self._send(200, completion(body, reply))

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler


def completion(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A chat.completion object answering ``request`` with the reply's text, as a tool call when the
    request offered tools (instructor TOOLS mode), else as message content (JSON modes)."""
    arguments = reply.arguments or ""
    message: dict[str, Any] = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    if tools:
        name = tools[0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
        ]
    else:
        message["content"] = arguments
    prompt_tokens = sum(len(str(m.get("content") or "")) for m in request.get("messages", [])) // 2
    completion = reply.completion_tokens if reply.completion_tokens is not None else max(1, len(arguments) // 2)
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "stub"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
        },
    }


def user_prompt(request: dict[str, Any]) -> str:
    """The first user message of a request (the rendered prompt)."""
    return next(m["content"] for m in request["messages"] if m["role"] == "user")


def asked_keys(request: dict[str, Any]) -> list[str]:
    """The keys a rendered prompt asks for (its ``- key (kind): wordings`` lines)."""
    return re.findall(r"^- ([a-z_.]+) \(", user_prompt(request), re.MULTILINE)


def hallucinating(request: dict[str, Any]) -> Reply:
    """A model that answers every key it is asked, badly: odd keys get a number that is nowhere in the
    quoted passage, even keys get a real number from the text with its real surroundings as the quote —
    for the wrong key. The quotes are always copied from the windows shown, so only the value checks
    and the review rules stand between these answers and the result."""
    windows = re.findall(r"<report-window[^>]*>\n(.*?)\n</report-window>", user_prompt(request), re.DOTALL)
    text = windows[0] if windows else ""
    numbers = list(re.finditer(r"\d+", text))
    items = []
    for n, key in enumerate(asked_keys(request)):
        if n % 2 == 0 and numbers:
            number = numbers[n // 2 % len(numbers)]
            quote = text[max(0, number.start() - 8) : number.end() + 2]
            items.append({"key": key, "value": int(number.group()), "quote": quote})
        else:
            items.append({"key": key, "value": 987654, "quote": text[:24] or "无"})
    return Reply.items(*items)
