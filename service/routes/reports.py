"""Reports: submit (bytes or text), list, read one, export the reviewed result, list its decisions.

- ``POST /reports`` (token) — JSON ``{"text", "filename"}`` or multipart field ``file``; answers at once
  with ``{"id", "status", "duplicate"}`` (202 for a new report, 200 for bytes already submitted).
- ``GET /reports`` — list, filters ``issuer`` (substring), ``year``, ``template``, ``has_review``, ``status``.
- ``GET /reports/{id}`` — ``{"status", "error", "result", ...}``; ``result`` is the extractor's output.
- ``GET /reports/{id}/export`` — the reviewed result (decisions applied, checks re-run).
- ``GET /reports/{id}/decisions`` — every decision on the report, oldest first.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from service.ingest import IngestError, read_bytes
from service.routes.deps import MAX_OFFSET, StoreDep, require_token
from service.schema import Template
from service.storage import Store, StoreError, Submission
from service.storage.decisions import YEARS

router = APIRouter()

INGEST_STATUS = {
    "empty": 400,
    "binary": 415,
    "too_large": 413,
    "unreadable": 422,
    "encrypted": 422,
    "corrupt_pdf": 422,
    "no_text_layer": 422,
}


class SubmitText(BaseModel):
    text: str = Field(description="the report: plain text, Markdown or HTML")
    filename: str | None = Field(default=None, description="the original file name; its suffix tells HTML from text")


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


def validation_message(errors: list[Any]) -> str:
    lines = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        lines.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(lines)


SUBMIT_BODY = {
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


def _submit(store: Store, data: bytes, filename: str | None) -> Submission:
    """Reject unreadable input with the ingest error; known bytes skip the (repeat) check."""
    if not store.reports.find_by_sha(hashlib.sha256(data).hexdigest()):
        try:
            read_bytes(data, filename)
        except IngestError as exc:
            raise HTTPException(INGEST_STATUS.get(exc.code, 400), f"{exc.code}: {exc}") from None
    return store.reports.submit(data, filename)


@router.post(
    "/reports",
    status_code=202,
    dependencies=[Depends(require_token)],
    openapi_extra=SUBMIT_BODY,
    summary="Submit a report (answers at once; extraction runs in the background)",
)
async def submit(request: Request, store: StoreDep) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json"):
        try:
            payload = SubmitText.model_validate_json(body)
        except ValidationError as exc:
            errors = exc.errors()
            status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
            raise HTTPException(status, validation_message(list(errors))) from None
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
    if request.app.state.workers is not None:
        request.app.state.workers.wake()
    return JSONResponse(
        {"id": submission.id, "status": submission.status, "duplicate": not submission.created},
        status_code=202 if submission.created else 200,
    )


@router.get("/reports", summary="List reports")
def list_reports(
    store: StoreDep,
    issuer: str | None = None,
    year: int | None = Query(None, ge=YEARS.start, le=YEARS.stop - 1),
    template: Template | None = None,
    has_review: bool | None = None,
    status: Literal["queued", "running", "done", "failed"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    reports, total = store.reports.list(
        issuer=issuer, year=year, template=template, has_review=has_review, status=status, limit=limit, offset=offset
    )
    return {"total": total, "reports": reports}


@router.get("/reports/{report_id}", summary="Status and extraction result of one report")
def get_report(report_id: str, store: StoreDep, include_text: bool = False) -> dict[str, Any]:
    info = store.reports.report(report_id)
    info["result"] = None
    try:
        result, text = store.results.result(report_id)
    except StoreError:  # queued, running, or failed before any result
        return info
    if include_text:
        result = result.model_copy(update={"text": text})
    info["result"] = result.contract()
    return info


@router.get("/reports/{report_id}/export", summary="The reviewed result (decisions applied, checks re-run)")
def export(report_id: str, store: StoreDep, include_text: bool = False) -> JSONResponse:
    reviewed, text = store.decisions.reviewed(report_id)
    if include_text:
        reviewed = reviewed.model_copy(update={"text": text})
    return JSONResponse(
        reviewed.contract(), headers={"Content-Disposition": f'attachment; filename="{report_id}.reviewed.json"'}
    )


@router.get("/reports/{report_id}/decisions", summary="Every review decision on a report")
def decisions(report_id: str, store: StoreDep) -> dict[str, Any]:
    store.reports.report(report_id)
    return {"report": report_id, "decisions": [d.as_json() for d in store.decisions.history(report_id)]}
