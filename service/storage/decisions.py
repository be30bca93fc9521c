"""Review decisions and the review queue.

Decisions are appended, never updated. After each decision (and after each extraction) the report's
reviewed result is recomputed (``service.reviewing.apply_decisions``) and its rows in ``review_queue``
and its ``pending`` count are rebuilt, in the same transaction, so the queue never disagrees with the
decisions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select

import service.storage.results as stored_results
from service.reconcile import same_value
from service.reviewing import Action, Decision, apply_decisions, effective_decisions, pending_items
from service.schema import FIELD_TYPES, Result, coerce_value
from service.storage.engine import Database
from service.storage.errors import Conflict, Invalid, NotFound
from service.storage.reports import latest_state, now
from service.storage.schema import decisions, reports, results, review_queue


def _decision(row: Row) -> Decision:
    evidence = (row.evidence_start, row.evidence_end) if row.evidence_start is not None else None
    return Decision(
        row.id,
        row.report_id,
        row.key,
        row.action,
        json.loads(row.value) if row.value is not None else None,
        evidence,
        json.loads(row.previous) if row.previous is not None else None,
        row.reviewer,
        row.decided_at,
    )


def history(conn: Connection, report_id: str) -> list[Decision]:
    rows = conn.execute(select(decisions).where(decisions.c.report_id == report_id).order_by(decisions.c.id))
    return [_decision(row) for row in rows]


@dataclass(frozen=True)
class QueueRows:
    """A report's reviewed result and the queue rows it gives, computed from a known set of decisions."""

    reviewed: Result
    rows: list[dict[str, Any]]
    decision_ids: tuple[int, ...]


def queue_rows(report_id: str, result: Result, text: str, decided: list[Decision]) -> QueueRows:
    reviewed = apply_decisions(result, text, decided)
    _, skipped = effective_decisions(decided)
    rows = [
        {
            "report_id": report_id,
            "key": key,
            "value": json.dumps(field.value, ensure_ascii=False) if field else None,
            "confidence": field.confidence if field else 0.0,
            "source": field.source if field else None,
            "reason": reason,
            "skipped": int(key in skipped),
        }
        for key, field, reason in pending_items(reviewed)
    ]
    return QueueRows(reviewed, rows, tuple(d.id for d in decided))


def prepare(db: Database, report_id: str, result: Result) -> QueueRows:
    """The queue rows of a new result, computed outside the write transaction (it is CPU work, and SQLite
    lets one writer in at a time); ``refresh`` uses them if no decision arrived meanwhile."""
    with db.read() as conn:
        decided = history(conn, report_id)
    return queue_rows(report_id, result.model_copy(update={"text": None}), result.text or "", decided)


def refresh(conn: Connection, report_id: str, prepared: QueueRows | None = None) -> Result:
    """Rebuild a report's queue rows and pending count from its reviewed result."""
    decided = history(conn, report_id)
    if prepared is None or prepared.decision_ids != tuple(d.id for d in decided):
        stored = stored_results.load(conn, report_id)
        assert stored is not None, "refresh runs after the result is saved"
        prepared = queue_rows(report_id, *stored, decided)
    reviewed = prepared.reviewed
    conn.execute(review_queue.delete().where(review_queue.c.report_id == report_id))
    if prepared.rows:
        conn.execute(review_queue.insert(), prepared.rows)
    conn.execute(
        results.update()
        .where(results.c.report_id == report_id)
        .values(
            pending=len(prepared.rows),
            issuer=stored_results.plain_value(reviewed, "meta.issuer"),
            year=stored_results.plain_value(reviewed, "meta.year"),
            template=reviewed.template,
        )
    )
    return reviewed


class Decisions:
    def __init__(self, db: Database, results_repo: stored_results.Results) -> None:
        self.db = db
        self.results = results_repo

    def history(self, report_id: str) -> list[Decision]:
        with self.db.read() as conn:
            return history(conn, report_id)

    def reviewed(self, report_id: str) -> tuple[Result, str]:
        """The result with every decision applied and the checks re-run."""
        result, text = self.results.result(report_id)
        return apply_decisions(result, text, self.history(report_id)), text

    def queue(self, *, limit: int = 50, offset: int = 0, report_id: str | None = None) -> tuple[list[dict], int]:
        """Fields waiting for a person across reports: least confident first, skipped ones last."""
        q = review_queue.c
        where = [q.report_id == report_id] if report_id else []
        query = (
            select(
                q.report_id,
                q.key,
                q.value,
                q.confidence,
                q.source,
                q.reason,
                q.skipped,
                reports.c.filename,
                results.c.issuer,
                results.c.year,
                results.c.template,
            )
            .select_from(
                review_queue.join(reports, reports.c.id == q.report_id).join(
                    results, results.c.report_id == q.report_id
                )
            )
            .where(*where)
            .order_by(q.skipped, q.confidence, reports.c.submitted_at, q.report_id, q.key)
            .limit(limit)
            .offset(offset)
        )
        with self.db.read() as conn:
            total = conn.execute(select(func.count()).select_from(review_queue).where(*where)).scalar_one()
            rows = conn.execute(query).all()
        items = [
            {
                "report": row.report_id,
                "key": row.key,
                "value": json.loads(row.value) if row.value is not None else None,
                "confidence": row.confidence,
                "source": row.source,
                "reason": row.reason,
                "skipped": bool(row.skipped),
                "filename": row.filename,
                "issuer": row.issuer,
                "year": row.year,
                "template": row.template,
            }
            for row in rows
        ]
        return items, total

    def decide(
        self,
        report_id: str,
        key: str,
        action: Action,
        *,
        reviewer: str,
        value: Any = None,
        evidence: tuple[int, int] | None = None,
        expected: Any = None,
    ) -> Result:
        """Record one decision and return the reviewed result.

        ``expected`` (accept only) guards against accepting a value that changed since the reviewer saw it.
        Raises NotFound, Conflict or Invalid with a message meant for the reviewer.
        """
        if key not in FIELD_TYPES:
            raise NotFound(f"{key!r} is not a FIELDS.md key")
        if action not in ("accept", "correct", "skip"):
            raise Invalid(f"action must be accept, correct or skip, not {action!r}")
        reviewer = (reviewer or "").strip()
        if not reviewer or len(reviewer) > 100:
            raise Invalid("reviewer must be a name of 1 to 100 characters")
        if "\x00" in reviewer:
            raise Invalid("reviewer contains a NUL character")
        with self.db.write() as conn:
            stored = stored_results.load(conn, report_id, lock=True)  # two reviewers of one report take turns
            if stored is None:
                if conn.execute(select(reports.c.id).where(reports.c.id == report_id)).first() is None:
                    raise NotFound(f"no report {report_id!r}")
                raise Conflict(f"report {report_id} has no result yet ({latest_state(conn, report_id)})")
            result, text = stored
            before = apply_decisions(result, text, history(conn, report_id))
            current = before.fields.get(key)
            stored_value = _checked_value(key, action, current, value, evidence, expected, len(text))
            conn.execute(
                decisions.insert().values(
                    report_id=report_id,
                    key=key,
                    action=action,
                    value=json.dumps(stored_value, ensure_ascii=False),
                    evidence_start=evidence[0] if evidence else None,
                    evidence_end=evidence[1] if evidence else None,
                    previous=json.dumps(current.value if current else None, ensure_ascii=False),
                    reviewer=reviewer,
                    decided_at=now(),
                )
            )
            return refresh(conn, report_id)


LARGEST_INTEGER = 2**53 - 1
"""Integers above this are refused: JSON readers (browsers) lose their last digits, and no count is that large."""
YEARS = range(1, 10_000)
"""``meta.year`` is also a database column (4-byte INTEGER on PostgreSQL): a reviewer gives a calendar year."""


def _check_storable(key: str, value: Any) -> None:
    """Refuse what JSON cannot carry (NaN, Infinity) or the database cannot store, before anything is written."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"{key}: expected a finite number, got {value!r}")
    if isinstance(value, int) and abs(value) > LARGEST_INTEGER:
        raise Invalid(f"{key}: {value} is larger than any count a report states (at most {LARGEST_INTEGER})")
    if isinstance(value, str) and "\x00" in value:
        raise Invalid(f"{key}: the value contains a NUL character")
    if key == "meta.year" and value is not None and value not in YEARS:
        raise Invalid(f"meta.year: expected a calendar year, got {value}")


def _checked_value(
    key: str,
    action: Action,
    current: Any,
    value: Any,
    evidence: tuple[int, int] | None,
    expected: Any,
    text_length: int,
) -> Any:
    """The value a decision records, or the reason it is refused."""
    stored_value: Any = None
    if action == "accept":
        if current is None:
            raise Conflict(f"{key} has no value to accept; use correct to give one")
        if expected is not None and not same_value(key, current.value, expected):
            raise Conflict(f"{key} is now {current.value!r}, not {expected!r}; reload and decide again")
        stored_value = current.value
    elif action == "correct":
        if value is not None:
            try:
                stored_value = coerce_value(key, value)
            except ValueError as exc:
                raise Invalid(str(exc)) from None
            _check_storable(key, stored_value)
        if evidence is not None:
            start, end = evidence
            if value is None:
                raise Invalid("evidence makes no sense for removing a value")
            if not 0 <= start < end <= text_length:
                raise Invalid(
                    f"evidence must satisfy 0 <= start < end <= {text_length} (the text length), got {start}..{end}"
                )
    if action != "correct" and evidence is not None:
        raise Invalid("evidence is only given with correct")
    return stored_value
