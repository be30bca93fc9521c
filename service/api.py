"""The HTTP service: submit reports, read results, review fields, export the reviewed result.

Endpoints (OpenAPI at ``/openapi.json``; no /docs page, which would load Swagger from a CDN):

- ``POST /reports`` (token) — JSON ``{"text", "filename"}`` or multipart field ``file``; answers at once
  with ``{"id", "status", "duplicate"}`` (202 for a new report, 200 for bytes already submitted).
- ``GET /reports`` — list, filters ``issuer`` (substring), ``year``, ``template``, ``has_review``, ``status``.
- ``GET /reports/{id}`` — ``{"status", "error", "result", ...}``; ``result`` is the extractor's output.
- ``GET /reports/{id}/export`` — the reviewed result (decisions applied, checks re-run).
- ``GET /reports/{id}/decisions`` — every decision on the report, oldest first.
- ``GET /review`` — the review queue, least confident first: JSON, or the HTML page when the client
  asks for ``text/html`` (browsers do). ``GET /reports/{id}/view`` — the HTML page of one report.
- ``POST /review/{id}/{key}`` (token) — ``{"action": "accept"|"correct"|"skip", "value", "evidence":
  {"start", "end"}, "reviewer"}``.

Security: write and review endpoints need ``Authorization: Bearer $NIANBAO_TOKEN``. Without
``NIANBAO_TOKEN`` the service starts read-only (writes answer 403), so a forgotten token never means
an open server. Reading is open. Request bodies over ``max_bytes`` get 413. HTML pages are rendered
with autoescaping and a Content-Security-Policy that allows only the service's own scripts and styles.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Literal

import jinja2
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from service.ingest import MAX_BYTES, IngestError, read_bytes
from service.jobs import Workers
from service.pipeline import Assistant
from service.schema import FIELD_TYPES, SECTIONS, Result
from service.store import NotFound, Store, StoreError, effective_decisions, pending_items
from service.web import pdf_pages

log = logging.getLogger("nianbao.api")

WEB = Path(__file__).parent / "web"
MAX_REQUEST_BYTES = MAX_BYTES + 1024 * 1024
"""Largest request body: the largest report ingest reads, plus room for multipart framing."""

INGEST_STATUS = {
    "empty": 400,
    "binary": 415,
    "too_large": 413,
    "unreadable": 422,
    "encrypted": 422,
    "corrupt_pdf": 422,
    "no_text_layer": 422,
}
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_FROM_ENV: Any = object()

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


# --------------------------------------------------------------------------- request models


class SubmitText(BaseModel):
    text: str = Field(description="the report: plain text, Markdown or HTML")
    filename: str | None = Field(default=None, description="the original file name; its suffix tells HTML from text")


class Span(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ReviewDecision(BaseModel):
    action: Literal["accept", "correct", "skip"]
    value: Any = Field(
        default=None,
        description="correct: the right value (null: the report does not state "
        "it); accept: optionally the value being accepted",
    )
    evidence: Span | None = Field(default=None, description="correct: character offsets into the text")
    reviewer: str = Field(min_length=1, max_length=100)


# --------------------------------------------------------------------------- ASGI guard


class Guard:
    """Request size limit (413, also for chunked bodies) and security headers on every response."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(
        self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _plain_error(send_with_headers, 400, "Content-Length is not a number")
                return
            if int(length) > self.max_bytes:
                await _plain_error(send_with_headers, 413, self._too_large())
                return
            await self.app(scope, receive, send_with_headers)
            return
        # no Content-Length (chunked): read the body up to the limit before the app sees it
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _plain_error(send_with_headers, 413, self._too_large())
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> dict:
            return replay.pop() if replay else await receive()

        await self.app(scope, replay_receive, send_with_headers)

    def _too_large(self) -> str:
        return f"request body larger than {self.max_bytes:,} bytes"


async def _plain_error(send: Callable[[dict], Awaitable[None]], status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- helpers


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """In-memory multipart parsing (the body is already size-limited), so no upload touches the disk."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(400, "multipart body without a boundary")
    parts: dict[str, tuple[str | None, bytes]] = {}
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state.update(headers={}, field=b"", value=b"", data=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["value"]
        state.update(field=b"", value=b"")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["data"] += data[start:end]

    def on_part_end() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name")
        if name is not None:
            filename = disposition.get(b"filename")
            parts[name.decode("utf-8", "replace")] = (
                filename.decode("utf-8", "replace") if filename is not None else None,
                bytes(state["data"]),
            )

    parser = MultipartParser(
        boundary,
        {  # type: ignore[arg-type]
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise HTTPException(400, f"malformed multipart body: {exc}") from None
    return parts


def _validation_message(errors: list[Any]) -> str:
    lines = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        lines.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(lines)


def _result_json(result: Result) -> dict[str, Any]:
    return result.contract()


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.query_params.get("format") == "html"


# --------------------------------------------------------------------------- the app


def create_app(
    data_dir: Path | str,
    *,
    workers: int = 2,
    llm: Assistant | None = None,
    token: str | None = _FROM_ENV,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """The service over ``data_dir``; ``workers`` extraction threads (0: submissions only queue)."""
    store = Store(data_dir)
    pool = Workers(store, workers, llm)
    if token is _FROM_ENV:
        token = os.environ.get("NIANBAO_TOKEN") or None
    if not token:
        log.warning("NIANBAO_TOKEN is not set: the service is read-only (submissions and reviews get 403)")
    pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    pages.filters["show"] = _show_value

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        if workers:
            pool.start()
        yield
        await run_in_threadpool(pool.stop)
        store.close()

    app = FastAPI(
        title="nianbao",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Structured metrics from 政府信息公开工作年度报告, with a review workflow.",
    )
    app.state.store, app.state.workers, app.state.token = store, pool, token
    app.add_middleware(Guard, max_bytes=max_bytes)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.include_router(pdf_pages.router(store))

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(**context), status_code=status)

    # ------------------------------------------------------------------ errors

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse({"detail": _validation_message(errors)}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    def require_token(request: Request) -> None:
        expected = request.app.state.token
        if not expected:
            raise HTTPException(403, "writes are disabled: the service was started without NIANBAO_TOKEN")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise HTTPException(
                401,
                "missing or wrong bearer token (Authorization: Bearer <NIANBAO_TOKEN>)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    # ------------------------------------------------------------------ reports

    submit_body = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": SubmitText.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    }

    @app.post(
        "/reports",
        status_code=202,
        dependencies=[Depends(require_token)],
        openapi_extra=submit_body,
        summary="Submit a report (answers at once; extraction runs in the background)",
    )
    async def submit(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        if content_type.startswith("application/json"):
            try:
                payload = SubmitText.model_validate_json(body)
            except ValidationError as exc:
                errors = exc.errors()
                status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
                raise HTTPException(status, _validation_message(list(errors))) from None
            if not payload.text.strip():
                raise HTTPException(400, "text is empty")
            data, filename = payload.text.encode("utf-8"), payload.filename
        elif content_type.startswith("multipart/form-data"):
            parts = parse_multipart(body, content_type)
            if "file" not in parts:
                raise HTTPException(400, "the multipart upload needs a field named 'file'")
            filename, data = parts["file"]
        else:
            raise HTTPException(
                415, 'send application/json {"text", "filename"} or multipart/form-data with a \'file\' field'
            )
        submission = await run_in_threadpool(_submit, store, data, filename)
        pool.wake()
        return JSONResponse(
            {"id": submission.id, "status": submission.status, "duplicate": not submission.created},
            status_code=202 if submission.created else 200,
        )

    @app.get("/reports", summary="List reports")
    def list_reports(
        issuer: str | None = None,
        year: int | None = None,
        template: Literal["gb2021", "gb2019", "legacy"] | None = None,
        has_review: bool | None = None,
        status: Literal["queued", "running", "done", "failed"] | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        reports, total = store.list_reports(
            issuer=issuer,
            year=year,
            template=template,
            has_review=has_review,
            status=status,
            limit=limit,
            offset=offset,
        )
        return {"total": total, "reports": reports}

    @app.get("/reports/{report_id}", summary="Status and extraction result of one report")
    def get_report(report_id: str, include_text: bool = False) -> dict[str, Any]:
        info = store.report(report_id)
        info["result"] = None
        try:
            result, text = store.result(report_id)
        except StoreError:  # queued, running, or failed before any result
            return info
        if include_text:
            result = result.model_copy(update={"text": text})
        info["result"] = _result_json(result)
        return info

    @app.get("/reports/{report_id}/export", summary="The reviewed result (decisions applied, checks re-run)")
    def export(report_id: str, include_text: bool = False) -> JSONResponse:
        reviewed, text = store.reviewed(report_id)
        if include_text:
            reviewed = reviewed.model_copy(update={"text": text})
        return JSONResponse(
            _result_json(reviewed), headers={"Content-Disposition": f'attachment; filename="{report_id}.reviewed.json"'}
        )

    @app.get("/reports/{report_id}/decisions", summary="Every review decision on a report")
    def decisions(report_id: str) -> dict[str, Any]:
        store.report(report_id)
        return {"report": report_id, "decisions": [d.as_json() for d in store.decisions(report_id)]}

    # ------------------------------------------------------------------ review

    @app.get("/review", summary="The review queue (JSON; the HTML page when Accept asks for text/html)")
    def review(
        request: Request, limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0), report: str | None = None
    ) -> Any:
        items, total = store.review_queue(limit=limit, offset=offset, report_id=report)
        if not wants_html(request):
            return {"total": total, "items": items}
        reports, report_total = store.list_reports(limit=50)
        return render(
            "review.html",
            items=items,
            total=total,
            reports=reports,
            report_total=report_total,
            counts=store.job_counts(),
            limit=limit,
            offset=offset,
        )

    @app.post(
        "/review/{report_id}/{key}",
        dependencies=[Depends(require_token)],
        summary="Accept, correct or skip one field; the report's checks are re-run",
    )
    def decide(report_id: str, key: str, decision: ReviewDecision) -> dict[str, Any]:
        if decision.action == "correct" and "value" not in decision.model_fields_set:
            raise HTTPException(422, "correct needs a value (null: the report does not state this key)")
        evidence = (decision.evidence.start, decision.evidence.end) if decision.evidence else None
        expected = decision.value if decision.action == "accept" else None
        reviewed = store.decide(
            report_id,
            key,
            decision.action,
            reviewer=decision.reviewer,
            value=decision.value,
            evidence=evidence,
            expected=expected,
        )
        field = reviewed.fields.get(key)
        return {
            "report": report_id,
            "key": key,
            "action": decision.action,
            "field": field.model_dump(mode="json", exclude_none=True) if field else None,
            "checks": [c.model_dump() for c in reviewed.checks if key in c.keys],
            "failed_checks": sum(c.status == "fail" for c in reviewed.checks),
            "pending_review": store.report(report_id)["pending_review"],
        }

    # ------------------------------------------------------------------ pages

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/review", status_code=303)

    @app.get("/reports/{report_id}/view", response_class=HTMLResponse, summary="The HTML review page of a report")
    def view(report_id: str, key: str | None = None) -> HTMLResponse:
        try:
            info = store.report(report_id)
        except NotFound as exc:
            return render("error.html", status=404, message=str(exc))
        try:
            reviewed, text = store.reviewed(report_id)
        except StoreError:
            return render("pending.html", info=info)
        context = report_page(info, reviewed, text, store.decisions(report_id), key)
        return render("report.html", **context)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"ok": True, "jobs": store.job_counts(), "read_only": not app.state.token}

    return app


def _submit(store: Store, data: bytes, filename: str | None) -> Any:
    """Reject unreadable input with the ingest error; known bytes skip the (repeat) check."""
    if not store.find_by_sha(hashlib.sha256(data).hexdigest()):
        try:
            read_bytes(data, filename)
        except IngestError as exc:
            raise HTTPException(INGEST_STATUS.get(exc.code, 400), f"{exc.code}: {exc}") from None
    return store.submit(data, filename)


# --------------------------------------------------------------------------- the report page model


def _show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def report_page(
    info: dict[str, Any], reviewed: Result, text: str, decisions: list[Any], selected: str | None
) -> dict[str, Any]:
    """Everything report.html shows: rows grouped by section, the selected key, failed checks."""
    pending = {key: reason for key, _, reason in pending_items(reviewed)}
    settled, skipped = effective_decisions(decisions)
    history: dict[str, list[Any]] = {}
    for decision in decisions:
        history.setdefault(decision.key, []).append(decision)
    checks_by_key: dict[str, list[Any]] = {}
    for check in reviewed.checks:
        for key in check.keys:
            checks_by_key.setdefault(key, []).append(check)
    unresolved = {key: item for item in reviewed.unresolved for key in item.keys}
    keys = [key for key in FIELD_TYPES if key in reviewed.fields or key in pending]
    rows = []
    for key in keys:
        field = reviewed.fields.get(key)
        item = unresolved.get(key) if field is None else None
        options = []
        if item is not None:  # the values this key takes in the splits the extractor could not choose from
            index = item.keys.index(key)
            options = list(dict.fromkeys(split[index] for split in item.candidates if index < len(split)))
        rows.append(
            {
                "unresolved": item,
                "options": options,
                "key": key,
                "short": key.split(".", 1)[1],
                "kind": FIELD_TYPES[key],
                "field": field,
                "value": field.value if field else None,
                "pending": key in pending,
                "skipped": key in skipped,
                "reason": pending.get(key) or (field.reason if field else None),
                "decided": settled.get(key),
                "history": history.get(key, []),
                "checks": checks_by_key.get(key, []),
                "failed": [c.id for c in checks_by_key.get(key, []) if c.status == "fail"],
            }
        )
    sections = [(section, [row for row in rows if row["key"].split(".", 1)[0] == section]) for section in SECTIONS]
    if selected not in keys:
        selected = next((row["key"] for row in rows if row["pending"]), keys[0] if keys else None)
    return {
        "info": info,
        "result": reviewed,
        "text": text,
        "sections": [s for s in sections if s[1]],
        "selected": selected,
        "failed_checks": [c for c in reviewed.checks if c.status == "fail"],
        "pending_count": len(pending),
        "field_count": len(reviewed.fields),
    }


@contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread (tests, benchmarks); yields the base URL."""
    import uvicorn

    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="nianbao-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def serve(host: str, port: int, data_dir: Path, workers: int, llm: Assistant | None) -> None:
    """``nianbao serve``: uvicorn in this process (one process per data directory)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(data_dir, workers=workers, llm=llm)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise SystemExit(f"error: cannot open the data directory {data_dir}: {exc}") from None
    uvicorn.run(app, host=host, port=port, log_level="info")
