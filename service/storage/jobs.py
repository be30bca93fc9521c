"""The job queue: one row per extraction, claimed by workers under a lease.

- ``claim`` takes the oldest job that is queued or whose lease has expired (its worker died or hung),
  in one statement: ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL,
  so concurrent workers never wait on each other's rows; on SQLite the same statement runs inside
  ``BEGIN IMMEDIATE``, which lets one writer in at a time.
- Each claim adds one to ``attempts``, and (``id``, ``attempts``) is the claim's ticket: ``finish`` and
  ``fail`` change the job only while it is still running under that ticket. A worker whose lease expired
  and whose job was claimed again finds its ticket void (``LeaseLost``) and its transaction, result
  included, is rolled back, so every job is finished exactly once.
- ``finish`` writes the result, the review queue rows and the job's ``done`` in one transaction.
- A job whose lease expired ``MAX_ATTEMPTS`` times is failed instead of claimed again (a report that
  kills its worker must not kill every worker in turn).
Lease times are the workers' clocks (POSIX seconds): machines sharing a database keep them in step (NTP).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, String, and_, cast, func, literal, or_, select

import service.storage.decisions as stored_decisions
import service.storage.results as stored_results
from service.schema import Result
from service.storage.engine import Database
from service.storage.errors import LeaseLost
from service.storage.reports import now
from service.storage.schema import jobs

MAX_ATTEMPTS = 3
"""A job whose worker died this many times is failed rather than claimed again (a poison report)."""
LEASE_SECONDS = 120.0
"""How long a claim holds without renewal; workers renew at a third of it while they extract."""


@dataclass(frozen=True)
class Job:
    id: int
    report_id: str
    attempts: int


def _held(job: Job):
    return and_(jobs.c.id == job.id, jobs.c.state == "running", jobs.c.attempts == job.attempts)


class Jobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, worker: str, lease_seconds: float = LEASE_SECONDS) -> Job | None:
        """Atomically take the oldest claimable job, or None when there is none."""
        moment = time.time()
        with self.db.write() as conn:
            self._fail_poisoned(conn, moment)
            claimable = (
                select(jobs.c.id)
                .where(or_(jobs.c.state == "queued", and_(jobs.c.state == "running", jobs.c.lease_until < moment)))
                .order_by(jobs.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            row = conn.execute(
                jobs.update()
                .where(jobs.c.id == claimable)
                .values(
                    state="running",
                    attempts=jobs.c.attempts + 1,
                    worker=worker[:200],
                    started_at=now(),
                    lease_until=moment + lease_seconds,
                )
                .returning(jobs.c.id, jobs.c.report_id, jobs.c.attempts)
            ).first()
        return Job(row.id, row.report_id, row.attempts) if row else None

    @staticmethod
    def _fail_poisoned(conn: Connection, moment: float) -> None:
        message = literal("the worker stopped while extracting this report ") + cast(jobs.c.attempts, String)
        conn.execute(
            jobs.update()
            .where(jobs.c.state == "running", jobs.c.lease_until < moment, jobs.c.attempts >= MAX_ATTEMPTS)
            .values(state="failed", finished_at=now(), error=message + literal(" times"), lease_until=None)
        )

    def renew(self, job: Job, lease_seconds: float = LEASE_SECONDS) -> bool:
        """Extend the lease of a job this worker still holds; False when it lost it."""
        with self.db.write() as conn:
            changed = conn.execute(
                jobs.update().where(_held(job)).values(lease_until=time.time() + lease_seconds).returning(jobs.c.id)
            ).first()
        return changed is not None

    def finish(self, job: Job, result: Result) -> None:
        """Mark the job done and store its result, in one transaction; LeaseLost if it is no longer ours."""
        row = stored_results.result_row(job.report_id, result)  # the CPU work before the write lock
        prepared = stored_decisions.prepare(self.db, job.report_id, result)
        with self.db.write() as conn:
            done = conn.execute(
                jobs.update()
                .where(_held(job))
                .values(state="done", finished_at=now(), error=None, lease_until=None)
                .returning(jobs.c.id)
            ).first()
            if done is None:
                raise LeaseLost(f"job {job.id} (attempt {job.attempts}) is no longer held by this worker")
            stored_results.save(conn, self.db, row)
            stored_decisions.refresh(conn, job.report_id, prepared)

    def fail(self, job: Job, error: str) -> None:
        with self.db.write() as conn:
            failed = conn.execute(
                jobs.update()
                .where(_held(job))
                .values(state="failed", finished_at=now(), error=error[:2000], lease_until=None)
                .returning(jobs.c.id)
            ).first()
            if failed is None:
                raise LeaseLost(f"job {job.id} (attempt {job.attempts}) is no longer held by this worker")

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state)).all()
        return {state: 0 for state in ("queued", "running", "done", "failed")} | {state: n for state, n in rows}

    def idle(self) -> bool:
        """Nothing left to claim, now or later: no job queued or running."""
        counts = self.counts()
        return counts["queued"] == 0 and counts["running"] == 0
