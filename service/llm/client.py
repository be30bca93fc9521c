"""The model step: ask an OpenAI-compatible server about what the anchors left open, keep only what
the report text itself confirms.

``LlmAssistant.propose(document, draft)`` (the pipeline's ``Assistant``) plans calls (service.llm.scope,
service.llm.windows), renders the versioned prompts (service.llm.prompts), asks through instructor
with the pydantic response model (service.llm.response), grounds every answer in the text
(service.llm.grounding) and caches answers on disk (service.llm.cache). It never raises: whatever
fails is recorded in ``info.errors`` and the report keeps its rules-only values.

Instructor modes (``NIANBAO_LLM_MODE``), instructor pinned at 1.17.0:

=============  ======================================  =============================================
mode           request                                 where it works
=============  ======================================  =============================================
tools          a forced tool call whose JSON schema    OpenAI, DeepSeek, Qwen/DashScope, vLLM, Ollama,
(default)      lists the asked keys as an enum         llama-cpp-python server (tested in
                                                       tests/test_llm_local.py: the grammar follows the
                                                       schema)
json           response_format json_object, schema     OpenAI, vLLM, Ollama, llama.cpp (works; a 270M
               in the system prompt                    model rambles until max_tokens)
json_schema    response_format json_schema             OpenAI structured outputs, vLLM; the
                                                       llama-cpp-python server refuses it with HTTP 500
                                                       (tested: "'text' or 'json_object'")
md_json        JSON in a ```json block, nothing        anything that chats; the weakest guarantee
               enforced by the server
=============  ======================================  =============================================

Faults: transport errors (connection, timeout, 408/409/425/429, 5xx) are retried by tenacity with
exponential backoff and jitter, honouring ``Retry-After`` on 429/503, for at most ``attempts`` tries and
within a time budget per report; other HTTP errors (400, 401, 404 …) are not retried. Validation
failures (unknown key, wrong type, malformed JSON) are re-asked by instructor with the validation error,
at most ``reasks`` times per call. Truncated output (finish_reason "length") splits the call's keys in
two and asks again while the call limit allows.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential, wait_random

from service.core import Document, Found
from service.llm.cache import DiskCache, cache_key
from service.llm.grounding import Grounder, Rejected
from service.llm.prompts import estimate_messages, estimate_tokens, load, render
from service.llm.response import Proposal, Proposals, response_model_for, response_schema_version
from service.llm.scope import JOBS, scope_of
from service.llm.windows import Call, WindowSettings, plan_calls
from service.schema import LlmProvenance, Result

MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
DEFAULT_CACHE = "~/.cache/nianbao/llm"
RETRYABLE_STATUS = {408, 409, 425, 429}
MAX_REJECTIONS_KEPT = 50

# instructor logs every failed attempt at ERROR; the failures are recorded in the result instead, so
# keep them off the terminal unless the application configures logging itself.
logging.getLogger("instructor").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class LlmSettings:
    """Everything that shapes the calls; tests shrink the timeouts and backoffs."""

    model: str
    base_url: str | None = None
    api_key: str = "not-needed"
    mode: str = "tools"
    cache_dir: Path | None = None  # None: no disk cache (from_env defaults to ~/.cache/nianbao/llm)
    timeout: float = 60.0  # seconds per HTTP request
    attempts: int = 4  # transport tries per call
    backoff_initial: float = 1.0  # seconds, doubled per try, with jitter
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # a longer Retry-After ends the call instead of waiting
    budget_seconds: float = 300.0  # wall time for all calls of one report
    reasks: int = 2  # validation re-asks per call (instructor max_retries)
    max_calls: int = 8  # calls per report, splits included
    max_tokens: int = 2048
    temperature: float = 0.0
    windows: WindowSettings = field(default_factory=WindowSettings)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown LLM mode {self.mode!r}; choose one of {', '.join(MODES)}")


@dataclass
class Request:
    """One call the session wants made."""

    call: Call
    messages: list[dict[str, str]]
    deadline: float


@dataclass
class Outcome:
    """What came back: parsed items (plain dicts) or an error, with what it cost."""

    items: list[dict[str, Any]] | None = None
    error: str | None = None
    truncated: bool = False
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _Tally:
    """Counts HTTP requests and token usage through instructor's hooks (one per call), and notices an answer
    that used the whole completion budget: llama.cpp reports such a cut-off tool call as finish_reason
    "tool_calls", not "length", so the token count is the only sign of truncation."""

    def __init__(self, max_tokens: int | None = None) -> None:
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.max_tokens = max_tokens
        self.hit_limit = False

    def on_request(self, *_args: Any, **_kwargs: Any) -> None:
        self.requests += 1

    def on_response(self, response: Any, *_args: Any, **_kwargs: Any) -> None:
        usage = getattr(response, "usage", None)
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        completion = getattr(usage, "completion_tokens", 0) or 0
        self.completion_tokens += completion
        if self.max_tokens and completion >= self.max_tokens:
            self.hit_limit = True

    def attach(self, client: Any) -> Any:
        client.on("completion:kwargs", self.on_request)
        client.on("completion:response", self.on_response)
        return client


class BudgetExhausted(Exception):
    """The report's time budget ran out before the call could be made."""


# --------------------------------------------------------------------------- error classification


def _cause(exc: BaseException) -> BaseException:
    """The transport or validation error instructor wrapped."""
    if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def is_transient(exc: BaseException) -> bool:
    exc = _cause(exc)
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds a 429/503 asks us to wait (``retry-after-ms``, ``retry-after`` seconds or HTTP date)."""
    exc = _cause(exc)
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def describe(exc: BaseException) -> str:
    """A one-line, human-readable reason for the result's error list."""
    cause = _cause(exc)
    if isinstance(exc, IncompleteOutputException):
        return "output truncated (finish_reason=length)"
    if isinstance(cause, openai.APITimeoutError):
        return "request timed out"
    if isinstance(cause, openai.APIConnectionError):
        return f"cannot reach the server: {cause}"
    if isinstance(cause, openai.APIStatusError):
        detail = str(cause.message)[:200]
        return f"HTTP {cause.status_code}: {detail}"
    if isinstance(cause, ValidationError):
        attempts = getattr(exc, "n_attempts", None)
        first = cause.errors()[0] if cause.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return (
            f"answer failed validation after {attempts} attempt(s): "
            f"{where + ': ' if where else ''}{first.get('msg', cause)}"[:300]
        )
    if isinstance(exc, BudgetExhausted):
        return str(exc)
    return f"{type(cause).__name__}: {cause}"[:300]


# --------------------------------------------------------------------------- the assistant


class LlmAssistant:
    """Implements service.pipeline.Assistant against any OpenAI-compatible server."""

    def __init__(self, settings: LlmSettings) -> None:
        self.settings = settings
        self.mode = MODES[settings.mode]
        self.cache = DiskCache(settings.cache_dir) if settings.cache_dir else None
        self._client = openai.OpenAI(
            base_url=settings.base_url, api_key=settings.api_key, timeout=settings.timeout, max_retries=0
        )

    # ------------------------------------------------------------------ public API

    def propose(self, document: Document, draft: Result) -> tuple[list[Found], LlmProvenance]:
        """Grounded candidates for the open keys of ``draft``, and the provenance info."""
        session = self._session(document, draft)
        try:
            request = next(session)
            while True:
                request = session.send(self._ask(request))
        except StopIteration as done:
            return done.value

    async def apropose(
        self, document: Document, draft: Result, client: openai.AsyncOpenAI | None = None
    ) -> tuple[list[Found], LlmProvenance]:
        """``propose`` on an async client (one is made and closed when none is given)."""
        if client is None:
            async with self._async_client() as own:
                return await self.apropose(document, draft, own)
        session = self._session(document, draft)
        try:
            request = next(session)
            while True:
                request = session.send(await self._aask(request, client))
        except StopIteration as done:
            return done.value

    async def propose_many(
        self, items: Iterable[tuple[Document, Result]], concurrency: int = 4
    ) -> list[tuple[list[Found], LlmProvenance]]:
        """Many reports at once, at most ``concurrency`` in flight (for batch runs)."""
        gate = asyncio.Semaphore(max(1, concurrency))
        async with self._async_client() as client:

            async def one(document: Document, draft: Result) -> tuple[list[Found], LlmProvenance]:
                async with gate:
                    return await self.apropose(document, draft, client)

            return list(await asyncio.gather(*(one(d, r) for d, r in items)))

    # ------------------------------------------------------------------ the session (no I/O but the cache)

    def _session(
        self, document: Document, draft: Result
    ) -> Generator[Request, Outcome, tuple[list[Found], LlmProvenance]]:
        """Plans the calls, yields each uncached one as a Request, grounds the answers."""
        settings = self.settings
        started = time.monotonic()
        info = self._new_info()
        found: list[Found] = []
        try:
            text = document.text
            scope = scope_of(draft)
            queue: list[Call] = []
            for job in JOBS:
                calls, absent = plan_calls(text, job, scope.keys.get(job, []), draft, settings.windows)
                queue.extend(calls)
                info.keys_not_in_text += len(absent)
            if len(queue) > settings.max_calls:
                dropped = queue[settings.max_calls :]
                queue = queue[: settings.max_calls]
                info.errors.append(
                    f"call limit {settings.max_calls} reached: {sum(len(c.keys) for c in dropped)} keys not asked"
                )
            info.text_tokens_estimate = estimate_tokens(text)
            grounder = Grounder(text)
            seen: set[str] = set()
            deadline = started + settings.budget_seconds
            calls_made = 0
            while queue:
                call = queue.pop(0)
                calls_made += 1
                messages = render(call, text, draft)
                prompt = load(call.job)
                versions = set(filter(None, (info.prompt_version or "").split(","))) | {prompt.version}
                info.prompt_version = ",".join(sorted(versions))
                info.asked[call.job] = info.asked.get(call.job, []) + call.keys
                info.window_tokens_estimate += estimate_messages(messages)
                info.whole_report_tokens_estimate += estimate_messages(render(call, text, draft, whole_text=True))
                info.window_chars += call.chars
                key = cache_key(
                    model=settings.model,
                    mode=settings.mode,
                    prompt_version=prompt.version,
                    prompt_digest=prompt.digest,
                    response_schema=response_schema_version(),
                    messages=messages,
                )
                cached = self.cache.get(key) if self.cache else None
                if cached is not None:
                    info.cache_hits += 1
                    items = cached["items"]
                else:
                    outcome = yield Request(call, messages, deadline)
                    info.calls += outcome.requests
                    info.prompt_tokens += outcome.prompt_tokens
                    info.completion_tokens += outcome.completion_tokens
                    if outcome.truncated and len(call.keys) > 1 and calls_made + len(queue) + 2 <= settings.max_calls:
                        half = len(call.keys) // 2
                        for part in (call.keys[:half], call.keys[half:]):
                            queue[:0] = plan_calls(text, call.job, part, draft, settings.windows)[0]
                        info.errors.append(f"{call.job}: output truncated, asking again in two halves")
                        continue
                    if outcome.error is not None:
                        info.errors.append(f"{call.job} ({len(call.keys)} keys): {outcome.error}")
                        continue
                    items = outcome.items or []
                    if self.cache:
                        self.cache.put(
                            key, {"model": settings.model, "job": call.job, "items": items, "created": time.time()}
                        )
                found.extend(self._ground(items, call, grounder, seen, info))
        except Exception as exc:  # never let the model step cost the report its rules-only result
            info.errors.append(f"internal error in the LLM step: {type(exc).__name__}: {exc}")
        info.accepted = len(found)
        info.elapsed_seconds = round(time.monotonic() - started, 3)
        return found, info

    def _new_info(self) -> LlmProvenance:
        settings = self.settings
        return LlmProvenance(model=settings.model, mode=settings.mode, base_url=settings.base_url)

    def _ground(
        self, items: list[dict[str, Any]], call: Call, grounder: Grounder, seen: set[str], info: LlmProvenance
    ) -> list[Found]:
        kept: list[Found] = []
        for item in items:
            key, value, quote = item.get("key"), item.get("value"), item.get("quote", "")
            if key not in call.keys:  # only possible with a hand-edited cache entry
                result: Found | Rejected = Rejected(str(key), value, str(quote), "key was not asked")
            elif key in seen:
                result = Rejected(key, value, quote, "second answer for the same key")
            else:
                result = grounder.ground(key, value, quote, call.windows, job=call.job)
            if isinstance(result, Found):
                seen.add(key)
                kept.append(result)
            elif len(info.rejected) < MAX_REJECTIONS_KEPT:
                info.rejected.append(result.as_dict())
        return kept

    # ------------------------------------------------------------------ transport

    def _create_kwargs(self, request: Request, timeout: float) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "messages": request.messages,
            "response_model": response_model_for(request.call.keys),
            "max_retries": self.settings.reasks,
            "context": {"keys": request.call.keys},
            "strict": False,
            "timeout": timeout,
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
        }

    def _retrying(self, deadline: float, cls: type[Retrying] | type[AsyncRetrying]) -> Any:
        settings = self.settings
        backoff = wait_exponential(multiplier=settings.backoff_initial, max=settings.backoff_max) + wait_random(
            0, settings.backoff_initial
        )  # jitter

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = retry_after_seconds(exc) if exc else None
            return after if after is not None else backoff(state)

        def out_of_time(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            after = retry_after_seconds(exc) if exc else None
            if after is not None and after > settings.retry_after_max:
                return True
            return time.monotonic() + state.upcoming_sleep >= deadline

        return cls(
            stop=stop_after_attempt(settings.attempts) | out_of_time,
            wait=wait,
            retry=retry_if_exception(is_transient),
            reraise=True,
        )

    def _remaining(self, request: Request) -> float:
        remaining = request.deadline - time.monotonic()
        if remaining <= 0:
            raise BudgetExhausted(f"time budget of {self.settings.budget_seconds:g}s per report used up")
        return min(self.settings.timeout, remaining)

    def _ask(self, request: Request) -> Outcome:
        tally = _Tally(self.settings.max_tokens)
        client = tally.attach(instructor.from_openai(self._client, mode=self.mode))
        try:
            for attempt in self._retrying(request.deadline, Retrying):
                with attempt:
                    parsed = client.chat.completions.create(**self._create_kwargs(request, self._remaining(request)))
            return self._outcome(tally, parsed=parsed)
        except Exception as exc:
            return self._outcome(tally, error=exc)

    async def _aask(self, request: Request, async_client: openai.AsyncOpenAI) -> Outcome:
        tally = _Tally(self.settings.max_tokens)
        client = tally.attach(instructor.from_openai(async_client, mode=self.mode))
        try:
            async for attempt in self._retrying(request.deadline, AsyncRetrying):
                with attempt:
                    parsed = await client.chat.completions.create(
                        **self._create_kwargs(request, self._remaining(request))
                    )
            return self._outcome(tally, parsed=parsed)
        except Exception as exc:
            return self._outcome(tally, error=exc)

    @staticmethod
    def _outcome(tally: _Tally, *, parsed: Proposals | None = None, error: Exception | None = None) -> Outcome:
        outcome = Outcome(
            requests=tally.requests, prompt_tokens=tally.prompt_tokens, completion_tokens=tally.completion_tokens
        )
        if error is not None:
            outcome.truncated = isinstance(error, IncompleteOutputException) or tally.hit_limit
            outcome.error = (
                describe(error)
                if not tally.hit_limit
                else (f"output truncated at max_tokens ({tally.max_tokens}): {describe(error)}")
            )
        else:
            assert parsed is not None
            outcome.items = [_plain(item) for item in parsed.items]
        return outcome

    def _async_client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=self.settings.base_url, api_key=self.settings.api_key, timeout=self.settings.timeout, max_retries=0
        )


def _plain(item: Proposal) -> dict[str, Any]:
    return {"key": item.key, "value": item.value, "quote": item.quote}


# --------------------------------------------------------------------------- configuration


def _float_env(env: dict[str, str] | os._Environ[str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


def settings_from_env(env: dict[str, str] | os._Environ[str] | None = None) -> LlmSettings:
    """LlmSettings from OPENAI_BASE_URL, OPENAI_API_KEY, NIANBAO_MODEL, NIANBAO_LLM_MODE,
    NIANBAO_LLM_CACHE (a directory, or "off"), NIANBAO_LLM_TIMEOUT and NIANBAO_LLM_BUDGET (seconds)."""
    env = os.environ if env is None else env
    model = (env.get("NIANBAO_MODEL") or "").strip()
    base_url = (env.get("OPENAI_BASE_URL") or "").strip() or None
    api_key = (env.get("OPENAI_API_KEY") or "").strip()
    if not model:
        raise ValueError(
            "--llm needs a model: set NIANBAO_MODEL (e.g. gpt-4o-mini, deepseek-chat, qwen-plus) "
            "and OPENAI_BASE_URL / OPENAI_API_KEY for any OpenAI-compatible server"
        )
    if base_url is None and not api_key:
        raise ValueError(
            "--llm needs a server: set OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1 for a local "
            "server) or OPENAI_API_KEY for api.openai.com"
        )
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ValueError(f"OPENAI_BASE_URL must start with http:// or https://, got {base_url!r}")
    mode = (env.get("NIANBAO_LLM_MODE") or "tools").strip().lower()
    if mode not in MODES:
        raise ValueError(f"NIANBAO_LLM_MODE must be one of {', '.join(MODES)}, got {mode!r}")
    cache_raw = (env.get("NIANBAO_LLM_CACHE") or DEFAULT_CACHE).strip()
    cache_dir = None if cache_raw.lower() in ("off", "none", "0") else Path(cache_raw).expanduser()
    defaults = LlmSettings(model=model)
    return replace(
        defaults,
        base_url=base_url,
        api_key=api_key or "not-needed",
        mode=mode,
        cache_dir=cache_dir,
        timeout=_float_env(env, "NIANBAO_LLM_TIMEOUT", defaults.timeout),
        budget_seconds=_float_env(env, "NIANBAO_LLM_BUDGET", defaults.budget_seconds),
    )


def from_env(env: dict[str, str] | os._Environ[str] | None = None) -> LlmAssistant:
    """The assistant the CLI's ``--llm`` uses; ValueError with a clear message when unconfigured."""
    return LlmAssistant(settings_from_env(env))
