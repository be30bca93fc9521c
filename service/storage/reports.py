"""Submitted reports: their bytes (kept in the database, never written as files) and their status.

A report's id is a prefix of its content hash, so the same bytes submitted twice are one report.
A submission and the job that extracts it are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Row, func, select

from service.storage.engine import Database
from service.storage.errors import Conflict, NotFound
from service.storage.schema import decisions, jobs, reports, results

JobState = Literal["queued", "running", "done", "failed"]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def report_id_for(sha256: str) -> str:
    """Report ids are content hashes: the same bytes are the same report."""
    return sha256[:16]


def clean_filename(name: str | None) -> str | None:
    """The last path component, without control characters; only ever stored, never used as a path."""
    if not name:
        return None
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or None


@dataclass(frozen=True)
class Submission:
    id: str
    created: bool
    status: JobState


def latest_state(conn: Connection, report_id: str) -> JobState | None:
    """The state of the report's newest job (None before any)."""
    return conn.execute(
        select(jobs.c.state).where(jobs.c.report_id == report_id).order_by(jobs.c.id.desc()).limit(1)
    ).scalar()


_latest_job = select(func.max(jobs.c.id)).where(jobs.c.report_id == reports.c.id).correlate(reports).scalar_subquery()
_decision_count = (
    select(func.count()).select_from(decisions).where(decisions.c.report_id == reports.c.id).correlate(reports)
).scalar_subquery()
_report_columns = select(
    reports.c.id,
    reports.c.sha256,
    reports.c.filename,
    reports.c.size,
    reports.c.submitted_at,
    jobs.c.state,
    jobs.c.error,
    jobs.c.finished_at,
    results.c.template,
    results.c.issuer,
    results.c.year,
    results.c.pending,
    _decision_count.label("decisions"),
).select_from(reports.outerjoin(results, results.c.report_id == reports.c.id).outerjoin(jobs, jobs.c.id == _latest_job))


def _report_row(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "sha256": row.sha256,
        "filename": row.filename,
        "size": row.size,
        "submitted_at": row.submitted_at,
        "status": row.state or "queued",
        "error": row.error,
        "finished_at": row.finished_at,
        "template": row.template,
        "issuer": row.issuer,
        "year": row.year,
        "pending_review": row.pending,
        "decisions": row.decisions,
    }


class Reports:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find_by_sha(self, sha256: str) -> str | None:
        with self.db.read() as conn:
            return conn.execute(select(reports.c.id).where(reports.c.sha256 == sha256)).scalar()

    def submit(self, data: bytes, filename: str | None) -> Submission:
        """Store the bytes and queue a job; the same bytes again return the same report.

        Submitting a report whose last extraction failed queues it again (a retry).
        """
        sha = hashlib.sha256(data).hexdigest()
        report_id = report_id_for(sha)
        row = {
            "id": report_id,
            "sha256": sha,
            "filename": clean_filename(filename),
            "size": len(data),
            "content": data,
            "submitted_at": now(),
        }
        with self.db.write() as conn:
            inserted = (
                conn.execute(
                    self.db.insert(reports).values(row).on_conflict_do_nothing().returning(reports.c.id)
                ).first()
                is not None
            )
            # lock the report row: a concurrent submission of the same bytes waits here (PostgreSQL)
            stored = conn.execute(select(reports.c.sha256).where(reports.c.id == report_id).with_for_update()).scalar()
            if stored != sha:  # pragma: no cover - a 64-bit prefix collision
                raise Conflict(f"report id {report_id} is taken by other content")
            state = latest_state(conn, report_id)
            if state in (None, "failed"):
                conn.execute(jobs.insert().values(report_id=report_id, state="queued", created_at=now()))
                state = "queued"
        return Submission(report_id, inserted, state)

    def content(self, report_id: str) -> tuple[bytes, str | None]:
        with self.db.read() as conn:
            row = conn.execute(select(reports.c.content, reports.c.filename).where(reports.c.id == report_id)).first()
        if row is None:
            raise NotFound(f"no report {report_id!r}")
        return bytes(row.content), row.filename

    def report(self, report_id: str) -> dict[str, Any]:
        """Status, error and metadata of one report (no result)."""
        with self.db.read() as conn:
            row = conn.execute(_report_columns.where(reports.c.id == report_id)).first()
        if row is None:
            raise NotFound(f"no report {report_id!r}")
        return _report_row(row)

    def list(
        self,
        *,
        issuer: str | None = None,
        year: int | None = None,
        template: str | None = None,
        has_review: bool | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first; ``issuer`` is a substring (wildcards in it match literally)."""
        where = []
        if issuer:
            where.append(results.c.issuer.contains(issuer, autoescape=True))
        if year is not None:
            where.append(results.c.year == year)
        if template:
            where.append(results.c.template == template)
        if has_review is not None:
            where.append(results.c.pending > 0 if has_review else results.c.pending == 0)
        if status:
            where.append(jobs.c.state == status)
        query = _report_columns.where(*where)
        with self.db.read() as conn:
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(
                query.order_by(reports.c.submitted_at.desc(), reports.c.id).limit(limit).offset(offset)
            ).all()
        return [_report_row(row) for row in rows], total
