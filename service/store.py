"""SQLite persistence for the service: submitted reports, extraction jobs, results and review decisions.

Everything lives in one SQLite file under the data directory (``<data-dir>/nianbao.db``, WAL mode);
uploaded bytes are stored in the database, so no upload is ever written as a file. Every statement is
parameterised. The schema grows only through the ``MIGRATIONS`` list, applied in order and recorded in
``schema_version``.

Review model: the extractor's result is stored as it came out; decisions are appended to ``decisions``
(never updated) and the *reviewed* result is computed from both (``apply_decisions``), so the
machine's answer and every human judgement stay on record. After each decision the report's checks
are re-run and its review queue rows are rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from service.checks import identities_for, run_checks
from service.pipeline import mark_failed_checks, release_fixed_checks
from service.reconcile import same_value
from service.schema import FIELD_TYPES, Candidate, Evidence, FieldValue, Result, coerce_value

DB_NAME = "nianbao.db"
MAX_ATTEMPTS = 3
"""A job whose worker died this many times is failed rather than re-queued (a poison report)."""

Action = Literal["accept", "correct", "skip"]
JobState = Literal["queued", "running", "done", "failed"]

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        filename TEXT,
        size INTEGER NOT NULL,
        content BLOB NOT NULL,
        submitted_at TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id TEXT NOT NULL REFERENCES reports(id),
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        worker TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
    );
    CREATE INDEX jobs_by_state ON jobs(state, id);
    CREATE INDEX jobs_by_report ON jobs(report_id, id);
    CREATE UNIQUE INDEX jobs_one_active ON jobs(report_id) WHERE state IN ('queued', 'running');
    CREATE TABLE results (
        report_id TEXT PRIMARY KEY REFERENCES reports(id),
        result TEXT NOT NULL,
        text TEXT NOT NULL,
        template TEXT,
        issuer TEXT,
        year INTEGER,
        pending INTEGER NOT NULL DEFAULT 0,
        extracted_at TEXT NOT NULL
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id TEXT NOT NULL REFERENCES reports(id),
        key TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accept', 'correct', 'skip')),
        value TEXT,
        evidence_start INTEGER,
        evidence_end INTEGER,
        previous TEXT,
        reviewer TEXT NOT NULL,
        decided_at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_report ON decisions(report_id, id);
    CREATE TABLE review_queue (
        report_id TEXT NOT NULL REFERENCES reports(id),
        key TEXT NOT NULL,
        value TEXT,
        confidence REAL NOT NULL,
        source TEXT,
        reason TEXT,
        skipped INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (report_id, key)
    );
    CREATE INDEX review_queue_order ON review_queue(skipped, confidence, report_id, key);
    """,
]


class StoreError(Exception):
    """A request the store refuses; ``status`` is the HTTP status the API answers with."""

    status = 400


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class Invalid(StoreError):
    status = 422


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


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Job:
    id: int
    report_id: str
    attempts: int


@dataclass(frozen=True)
class Decision:
    id: int
    report_id: str
    key: str
    action: Action
    value: Any
    evidence: tuple[int, int] | None
    previous: Any
    reviewer: str
    decided_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "action": self.action,
            "value": self.value,
            "evidence": {"start": self.evidence[0], "end": self.evidence[1]} if self.evidence else None,
            "previous": self.previous,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True)
class Submission:
    id: str
    created: bool
    status: JobState


# --------------------------------------------------------------------------- applying decisions


def effective_decisions(decisions: Sequence[Decision]) -> tuple[dict[str, Decision], set[str]]:
    """The last accept/correct per key, and the keys whose latest word is a skip."""
    settled: dict[str, Decision] = {}
    skipped: set[str] = set()
    for decision in sorted(decisions, key=lambda d: d.id):
        if decision.action == "skip":
            if decision.key not in settled:
                skipped.add(decision.key)
        else:
            settled[decision.key] = decision
            skipped.discard(decision.key)
    return settled, skipped


def apply_decisions(result: Result, text: str, decisions: Sequence[Decision]) -> Result:
    """The reviewed result: human values applied, checks re-run, fields of failed identities in review.

    - accept: the value stays, now confident (1.0) and out of review — only while the extractor still
      gives the value that was accepted (a re-extraction that changed it voids the accept);
    - correct: the human value replaces the extractor's (source "human"); the extractor's value is
      kept among the candidates; a correction to ``None`` removes the key (the report does not state it);
    - skip: nothing changes; the field stays in review, at the end of the queue.
    Decided fields are never sent back to review by a failed identity: when every value of an identity
    was confirmed by a person and it still fails, the report itself is inconsistent.
    """
    reviewed = result.model_copy(deep=True)
    settled, _ = effective_decisions(decisions)
    applied: set[str] = set()
    for key, decision in settled.items():
        field = reviewed.fields.get(key)
        if decision.action == "accept":
            if field is None or not same_value(key, field.value, decision.value):
                continue
            field.review, field.confidence, field.reason = False, 1.0, None
        elif decision.value is None:
            reviewed.fields.pop(key, None)
        else:
            candidates = list(field.candidates or []) if field else []
            if field is not None and not any(same_value(key, c.value, field.value) for c in candidates):
                candidates.insert(
                    0,
                    Candidate(
                        value=field.value, source=field.source, evidence=field.evidence, note="the extractor's value"
                    ),
                )
            evidence = None
            if decision.evidence:
                start, end = decision.evidence
                evidence = Evidence(start=start, end=end, quote=text[start:end])
            reviewed.fields[key] = FieldValue(
                value=decision.value,
                confidence=1.0,
                review=False,
                source="human",
                evidence=evidence,
                candidates=candidates or None,
            )
        applied.add(key)
    reviewed.fields = {key: reviewed.fields[key] for key in FIELD_TYPES if key in reviewed.fields}

    template_field = reviewed.fields.get("meta.template")
    if template_field and template_field.value in ("gb2021", "gb2019", "legacy"):
        reviewed.template = template_field.value
    identity_ids = {identity.id for identity in identities_for(reviewed.template)}
    conflicts = [check for check in result.checks if check.id not in identity_ids and not set(check.keys) <= applied]
    values = {key: field.value for key, field in reviewed.fields.items()}
    waived = {check.id: check.message for check in result.checks if check.waived}
    reviewed.checks = conflicts + run_checks(values, reviewed.template, waived)
    undecided = {k: f for k, f in reviewed.fields.items() if k not in applied}
    release_fixed_checks(undecided, reviewed.checks)
    mark_failed_checks(undecided, reviewed.checks)

    remaining = []
    for item in reviewed.unresolved:
        keys = [key for key in item.keys if key not in applied]
        if keys:
            remaining.append(item.model_copy(update={"keys": keys}))
    reviewed.unresolved = remaining
    return reviewed


def pending_items(reviewed: Result) -> list[tuple[str, FieldValue | None, str | None]]:
    """What still needs a person: fields in review, and unresolved keys nobody has decided."""
    items: list[tuple[str, FieldValue | None, str | None]] = [
        (key, field, field.reason) for key, field in reviewed.fields.items() if field.review
    ]
    seen = {key for key, _, _ in items}
    for unresolved in reviewed.unresolved:
        for key in unresolved.keys:
            if key not in seen and key not in reviewed.fields:
                items.append((key, None, f"unresolved: {unresolved.reason}"))
                seen.add(key)
    return items


# --------------------------------------------------------------------------- the store


class _Connection:
    """Holds one thread's connection (sqlite3 connections cannot be weakly referenced)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class Store:
    """One SQLite database; safe to share between threads (one connection per thread)."""

    def __init__(self, data_dir: Path | str, db_path: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = Path(db_path) if db_path else self.data_dir / DB_NAME
        self._local = threading.local()
        # weak: a connection dies with its thread (the API's thread pool retires idle threads)
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._migrate()

    # ------------------------------------------------------------------ connections and schema

    def _conn(self) -> sqlite3.Connection:
        holder = getattr(self._local, "holder", None)
        if holder is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            holder = self._local.holder = _Connection(conn)
            with self._lock:
                self._connections.add(holder)
        return holder.conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of deadlocking."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > len(MIGRATIONS):
                raise RuntimeError(
                    f"{self.path} has schema version {current}, newer than this code ({len(MIGRATIONS)})"
                )
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, now()))

    def schema_version(self) -> int:
        return self._conn().execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for holder in list(self._connections):
                holder.conn.close()
            self._connections = weakref.WeakSet()
        self._local = threading.local()

    # ------------------------------------------------------------------ reports and jobs

    def find_by_sha(self, sha256: str) -> str | None:
        row = self._conn().execute("SELECT id FROM reports WHERE sha256 = ?", (sha256,)).fetchone()
        return row["id"] if row else None

    def submit(self, data: bytes, filename: str | None) -> Submission:
        """Store the bytes and queue a job; the same bytes again return the same report.

        Submitting a report whose last extraction failed queues it again (a retry).
        """
        sha = hashlib.sha256(data).hexdigest()
        report_id = report_id_for(sha)
        with self._write() as conn:
            inserted = (
                conn.execute(
                    "INSERT OR IGNORE INTO reports (id, sha256, filename, size, content, submitted_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (report_id, sha, clean_filename(filename), len(data), data, now()),
                ).rowcount
                == 1
            )
            if not inserted:
                stored = conn.execute("SELECT sha256 FROM reports WHERE id = ?", (report_id,)).fetchone()
                if stored["sha256"] != sha:  # pragma: no cover - a 64-bit prefix collision
                    raise Conflict(f"report id {report_id} is taken by other content")
            state = self._state(conn, report_id)
            if state in (None, "failed"):
                conn.execute(
                    "INSERT INTO jobs (report_id, state, created_at) VALUES (?, 'queued', ?)", (report_id, now())
                )
                state = "queued"
        return Submission(report_id, inserted, state)

    @staticmethod
    def _state(conn: sqlite3.Connection, report_id: str) -> JobState | None:
        row = conn.execute(
            "SELECT state FROM jobs WHERE report_id = ? ORDER BY id DESC LIMIT 1", (report_id,)
        ).fetchone()
        return row["state"] if row else None

    def content(self, report_id: str) -> tuple[bytes, str | None]:
        row = self._conn().execute("SELECT content, filename FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None:
            raise NotFound(f"no report {report_id!r}")
        return bytes(row["content"]), row["filename"]

    def claim_job(self, worker: str) -> Job | None:
        """Atomically take the oldest queued job."""
        with self._write() as conn:
            row = conn.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = ?, started_at = ? "
                "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1) "
                "RETURNING id, report_id, attempts",
                (worker, now()),
            ).fetchone()
        return Job(row["id"], row["report_id"], row["attempts"]) if row else None

    def requeue_interrupted(self) -> int:
        """At start-up: jobs left running by a stopped process run again (failed after MAX_ATTEMPTS)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET state = 'failed', finished_at = ?, "
                "error = 'the worker stopped while extracting this report ' || attempts || ' times' "
                "WHERE state = 'running' AND attempts >= ?",
                (now(), MAX_ATTEMPTS),
            )
            return conn.execute("UPDATE jobs SET state = 'queued', worker = NULL WHERE state = 'running'").rowcount

    def finish_job(self, job: Job, result: Result) -> None:
        text = result.text or ""
        stored = result.model_copy(update={"text": None})
        with self._write() as conn:
            conn.execute(
                "INSERT INTO results (report_id, result, text, template, issuer, year, extracted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO UPDATE SET result = excluded.result, "
                "text = excluded.text, template = excluded.template, issuer = excluded.issuer, "
                "year = excluded.year, extracted_at = excluded.extracted_at",
                (
                    job.report_id,
                    stored.model_dump_json(),
                    text,
                    result.template,
                    _plain(result, "meta.issuer"),
                    _plain(result, "meta.year"),
                    now(),
                ),
            )
            self._refresh(conn, job.report_id)
            conn.execute("UPDATE jobs SET state = 'done', finished_at = ?, error = NULL WHERE id = ?", (now(), job.id))

    def fail_job(self, job: Job, error: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
                (now(), error[:2000], job.id),
            )

    def job_counts(self) -> dict[str, int]:
        rows = self._conn().execute("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").fetchall()
        return {state: 0 for state in ("queued", "running", "done", "failed")} | {r["state"]: r["n"] for r in rows}

    # ------------------------------------------------------------------ reading reports

    def report(self, report_id: str) -> dict[str, Any]:
        """Status, error and metadata of one report (no result)."""
        row = (
            self._conn()
            .execute(
                "SELECT r.id, r.sha256, r.filename, r.size, r.submitted_at, j.state, j.error, j.finished_at, "
                "res.template, res.issuer, res.year, res.pending, "
                "(SELECT COUNT(*) FROM decisions d WHERE d.report_id = r.id) AS decisions "
                "FROM reports r LEFT JOIN results res ON res.report_id = r.id "
                "LEFT JOIN jobs j ON j.id = (SELECT MAX(id) FROM jobs WHERE report_id = r.id) WHERE r.id = ?",
                (report_id,),
            )
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no report {report_id!r}")
        return _report_row(row)

    def list_reports(
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
        where, params = [], []
        if issuer:
            where.append("res.issuer LIKE ? ESCAPE '\\'")
            params.append("%" + re.sub(r"([%_\\])", r"\\\1", issuer) + "%")
        if year is not None:
            where.append("res.year = ?")
            params.append(year)
        if template:
            where.append("res.template = ?")
            params.append(template)
        if has_review is not None:
            where.append("res.pending > 0" if has_review else "res.pending = 0")
        if status:
            where.append("j.state = ?")
            params.append(status)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        base = (
            "FROM reports r LEFT JOIN results res ON res.report_id = r.id "
            "LEFT JOIN jobs j ON j.id = (SELECT MAX(id) FROM jobs WHERE report_id = r.id) " + clause
        )
        conn = self._conn()
        total = conn.execute("SELECT COUNT(*) " + base, params).fetchone()[0]
        rows = conn.execute(
            "SELECT r.id, r.sha256, r.filename, r.size, r.submitted_at, j.state, j.error, j.finished_at, "
            "res.template, res.issuer, res.year, res.pending, "
            "(SELECT COUNT(*) FROM decisions d WHERE d.report_id = r.id) AS decisions "
            + base
            + " ORDER BY r.submitted_at DESC, r.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [_report_row(row) for row in rows], total

    def result(self, report_id: str) -> tuple[Result, str]:
        """The extractor's result (as it came out) and the document text."""
        row = self._conn().execute("SELECT result, text FROM results WHERE report_id = ?", (report_id,)).fetchone()
        if row is None:
            self.report(report_id)  # raises NotFound for an unknown id
            raise Conflict(f"report {report_id} has no result yet ({self.report(report_id)['status']})")
        return Result.model_validate_json(row["result"]), row["text"]

    def decisions(self, report_id: str) -> list[Decision]:
        rows = self._conn().execute("SELECT * FROM decisions WHERE report_id = ? ORDER BY id", (report_id,)).fetchall()
        return [_decision(row) for row in rows]

    def reviewed(self, report_id: str) -> tuple[Result, str]:
        """The result with every decision applied and the checks re-run."""
        result, text = self.result(report_id)
        return apply_decisions(result, text, self.decisions(report_id)), text

    def review_queue(
        self, *, limit: int = 50, offset: int = 0, report_id: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Fields waiting for a person across reports: least confident first, skipped ones last."""
        clause, params = ("WHERE q.report_id = ?", [report_id]) if report_id else ("", [])
        conn = self._conn()
        total = conn.execute("SELECT COUNT(*) FROM review_queue q " + clause, params).fetchone()[0]
        rows = conn.execute(
            "SELECT q.report_id, q.key, q.value, q.confidence, q.source, q.reason, q.skipped, r.filename, "
            "res.issuer, res.year, res.template FROM review_queue q JOIN reports r ON r.id = q.report_id "
            "JOIN results res ON res.report_id = q.report_id "
            + clause
            + " ORDER BY q.skipped, q.confidence, r.submitted_at, q.report_id, q.key LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        items = [
            {
                "report": row["report_id"],
                "key": row["key"],
                "value": json.loads(row["value"]) if row["value"] is not None else None,
                "confidence": row["confidence"],
                "source": row["source"],
                "reason": row["reason"],
                "skipped": bool(row["skipped"]),
                "filename": row["filename"],
                "issuer": row["issuer"],
                "year": row["year"],
                "template": row["template"],
            }
            for row in rows
        ]
        return items, total

    # ------------------------------------------------------------------ decisions

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
        with self._write() as conn:
            row = conn.execute("SELECT result, text FROM results WHERE report_id = ?", (report_id,)).fetchone()
            if row is None:
                if conn.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone() is None:
                    raise NotFound(f"no report {report_id!r}")
                raise Conflict(f"report {report_id} has no result yet ({self._state(conn, report_id)})")
            result, text = Result.model_validate_json(row["result"]), row["text"]
            before = apply_decisions(
                result,
                text,
                [
                    _decision(r)
                    for r in conn.execute("SELECT * FROM decisions WHERE report_id = ? ORDER BY id", (report_id,))
                ],
            )
            current = before.fields.get(key)
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
                if evidence is not None:
                    start, end = evidence
                    if value is None:
                        raise Invalid("evidence makes no sense for removing a value")
                    if not 0 <= start < end <= len(text):
                        raise Invalid(
                            f"evidence must satisfy 0 <= start < end <= {len(text)} "
                            f"(the text length), got {start}..{end}"
                        )
            if action != "correct" and evidence is not None:
                raise Invalid("evidence is only given with correct")
            conn.execute(
                "INSERT INTO decisions (report_id, key, action, value, evidence_start, evidence_end, previous, "
                "reviewer, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report_id,
                    key,
                    action,
                    json.dumps(stored_value, ensure_ascii=False),
                    evidence[0] if evidence else None,
                    evidence[1] if evidence else None,
                    json.dumps(current.value if current else None, ensure_ascii=False),
                    reviewer,
                    now(),
                ),
            )
            return self._refresh(conn, report_id)

    def _refresh(self, conn: sqlite3.Connection, report_id: str) -> Result:
        """Rebuild a report's queue rows and pending count from its reviewed result."""
        row = conn.execute("SELECT result, text FROM results WHERE report_id = ?", (report_id,)).fetchone()
        decisions = [
            _decision(r) for r in conn.execute("SELECT * FROM decisions WHERE report_id = ? ORDER BY id", (report_id,))
        ]
        reviewed = apply_decisions(Result.model_validate_json(row["result"]), row["text"], decisions)
        _, skipped = effective_decisions(decisions)
        items = pending_items(reviewed)
        conn.execute("DELETE FROM review_queue WHERE report_id = ?", (report_id,))
        conn.executemany(
            "INSERT INTO review_queue (report_id, key, value, confidence, source, reason, skipped) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    report_id,
                    key,
                    json.dumps(field.value, ensure_ascii=False) if field else None,
                    field.confidence if field else 0.0,
                    field.source if field else None,
                    reason,
                    int(key in skipped),
                )
                for key, field, reason in items
            ],
        )
        conn.execute(
            "UPDATE results SET pending = ?, issuer = ?, year = ?, template = ? WHERE report_id = ?",
            (len(items), _plain(reviewed, "meta.issuer"), _plain(reviewed, "meta.year"), reviewed.template, report_id),
        )
        return reviewed

    # ------------------------------------------------------------------ gold export

    def export_gold(self, out_dir: Path | str) -> list[Path]:
        """Write every fully reviewed report as a GOLD.md file; returns the files written.

        A report is exported when a person has made at least one accept/correct decision on it and
        nothing is left in its review queue. ``fields`` is the reviewed result: the values people
        accepted or corrected, plus the values the extractor was sure of (not in review), which the
        reviewer saw and let stand. ``notes`` record every decision (who, when, what the extractor
        said) and every identity that still fails after review (the report's own figures disagree).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        rows = (
            self._conn()
            .execute(
                "SELECT r.id, r.filename FROM reports r JOIN results res ON res.report_id = r.id "
                "WHERE res.pending = 0 AND EXISTS (SELECT 1 FROM decisions d WHERE d.report_id = r.id "
                "AND d.action IN ('accept', 'correct')) ORDER BY r.submitted_at, r.id"
            )
            .fetchall()
        )
        written: list[Path] = []
        used: set[str] = set()
        for row in rows:
            reviewed, _ = self.reviewed(row["id"])
            decisions = self.decisions(row["id"])
            if pending_items(reviewed):  # pragma: no cover - pending is kept in step with decisions
                continue
            name = _gold_name(row["filename"], row["id"], used)
            used.add(name)
            gold = {
                "report": name,
                "source": row["filename"] or row["id"],
                "fields": {key: field.value for key, field in reviewed.fields.items()},
                "notes": _gold_notes(reviewed, decisions),
            }
            if not gold["notes"]:
                del gold["notes"]
            path = out / f"{name}.json"
            path.write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(path)
        return written


# --------------------------------------------------------------------------- helpers


def _plain(result: Result, key: str) -> Any:
    field = result.fields.get(key)
    return field.value if field else None


def _report_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "sha256": row["sha256"],
        "filename": row["filename"],
        "size": row["size"],
        "submitted_at": row["submitted_at"],
        "status": row["state"] or "queued",
        "error": row["error"],
        "finished_at": row["finished_at"],
        "template": row["template"],
        "issuer": row["issuer"],
        "year": row["year"],
        "pending_review": row["pending"],
        "decisions": row["decisions"],
    }


def _decision(row: sqlite3.Row) -> Decision:
    evidence = (row["evidence_start"], row["evidence_end"]) if row["evidence_start"] is not None else None
    return Decision(
        row["id"],
        row["report_id"],
        row["key"],
        row["action"],
        json.loads(row["value"]) if row["value"] is not None else None,
        evidence,
        json.loads(row["previous"]) if row["previous"] is not None else None,
        row["reviewer"],
        row["decided_at"],
    )


def _gold_name(filename: str | None, report_id: str, used: set[str]) -> str:
    """A safe file stem: the submitted file's stem when it is usable and unique, else the report id."""
    stem = re.sub(r"[^\w.-]+", "-", Path(filename).stem if filename else "").strip(".-")[:100]
    name = stem or report_id
    return f"{name}-{report_id[:8]}" if name in used else name


def _gold_notes(reviewed: Result, decisions: Sequence[Decision]) -> dict[str, str]:
    settled, _ = effective_decisions(decisions)
    notes: dict[str, str] = {}
    for key, decision in settled.items():
        who = f"{decision.reviewer} at {decision.decided_at}"
        if decision.action == "accept":
            notes[key] = f"accepted by {who}"
        elif decision.value is None:
            notes[key] = f"removed by {who}: the report does not state it (extractor said {decision.previous!r})"
        else:
            said = "no value" if decision.previous is None else repr(decision.previous)
            notes[key] = f"corrected by {who} (extractor said {said})"
    for check in reviewed.checks:
        if check.status == "fail" and check.keys:
            line = f"{check.id} fails after review ({check.message}): the report's own figures disagree"
            key = check.keys[0]
            notes[key] = f"{notes[key]}; {line}" if key in notes else line
    return notes
