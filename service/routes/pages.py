"""HTML pages: the page of one report (text, fields, evidence, decisions) and the health check.

``GET /reports/{id}/view`` — the HTML page of one report; ``GET /`` redirects to the review queue page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from service.reviewing import effective_decisions, pending_items
from service.routes.deps import StoreDep, render
from service.schema import FIELD_TYPES, SECTIONS, Result
from service.storage import NotFound, StoreError

router = APIRouter()


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/review", status_code=303)


@router.get("/reports/{report_id}/view", response_class=HTMLResponse, summary="The HTML review page of a report")
def view(report_id: str, store: StoreDep, key: str | None = None) -> HTMLResponse:
    try:
        info = store.reports.report(report_id)
    except NotFound as exc:
        return render("error.html", status=404, message=str(exc))
    try:
        reviewed, text = store.decisions.reviewed(report_id)
    except StoreError:
        return render("pending.html", info=info)
    context = report_page(info, reviewed, text, store.decisions.history(report_id), key)
    return render("report.html", **context)


@router.get("/healthz", include_in_schema=False)
def health(request: Request, store: StoreDep) -> dict[str, Any]:
    return {"ok": True, "jobs": store.jobs.counts(), "read_only": not request.app.state.token}


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
