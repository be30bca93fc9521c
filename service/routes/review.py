"""The review queue and review decisions.

- ``GET /review`` — the review queue, least confident first: JSON, or the HTML page when the client
  asks for ``text/html`` (browsers do).
- ``POST /review/{id}/{key}`` (token) — ``{"action": "accept"|"correct"|"skip", "value", "evidence":
  {"start", "end"}, "reviewer"}``; the report's checks are re-run and the answer carries them.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from service.reviewing import pending_items
from service.routes.deps import MAX_OFFSET, StoreDep, render, require_token, wants_html

router = APIRouter()


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


@router.get("/review", summary="The review queue (JSON; the HTML page when Accept asks for text/html)")
def review(
    request: Request,
    store: StoreDep,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    report: str | None = None,
) -> Any:
    items, total = store.decisions.queue(limit=limit, offset=offset, report_id=report)
    if not wants_html(request):
        return {"total": total, "items": items}
    reports, report_total = store.reports.list(limit=50)
    return render(
        "review.html",
        items=items,
        total=total,
        reports=reports,
        report_total=report_total,
        counts=store.jobs.counts(),
        limit=limit,
        offset=offset,
    )


@router.post(
    "/review/{report_id}/{key}",
    dependencies=[Depends(require_token)],
    summary="Accept, correct or skip one field; the report's checks are re-run",
)
def decide(report_id: str, key: str, decision: ReviewDecision, store: StoreDep) -> dict[str, Any]:
    if decision.action == "correct" and "value" not in decision.model_fields_set:
        raise HTTPException(422, "correct needs a value (null: the report does not state this key)")
    evidence = (decision.evidence.start, decision.evidence.end) if decision.evidence else None
    expected = decision.value if decision.action == "accept" else None
    reviewed = store.decisions.decide(
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
        "pending_review": len(pending_items(reviewed)),  # what the decision's transaction stored as pending
    }
