"""The tables, as SQLAlchemy Core objects: one schema for SQLite and PostgreSQL.

This is the schema the queries are written against; the migrations in ``migrations/versions`` build
it (and upgrade older databases to it), so a change here comes with a new migration.

Times are ISO-8601 UTC strings with milliseconds (``2026-01-02T03:04:05.678Z``), as the first schema
stored them; they sort as they read. ``jobs.lease_until`` is a POSIX timestamp (seconds) because
workers compare it with their clock.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()

reports = Table(
    "reports",
    metadata,
    Column("id", Text, primary_key=True),
    Column("sha256", Text, nullable=False, unique=True),
    Column("filename", Text),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("submitted_at", Text, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Text, ForeignKey("reports.id"), nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", Text),
    Column("error", Text),
    Column("created_at", Text, nullable=False),
    Column("started_at", Text),
    Column("finished_at", Text),
    Column("lease_until", Float),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="jobs_state"),
    Index("jobs_by_state", "state", "id"),
    Index("jobs_by_report", "report_id", "id"),
    Index(
        "jobs_one_active",
        "report_id",
        unique=True,
        sqlite_where=text("state IN ('queued', 'running')"),
        postgresql_where=text("state IN ('queued', 'running')"),
    ),
    sqlite_autoincrement=True,
)

results = Table(
    "results",
    metadata,
    Column("report_id", Text, ForeignKey("reports.id"), primary_key=True),
    Column("result", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("template", Text),
    Column("issuer", Text),
    Column("year", Integer),
    Column("pending", Integer, nullable=False, server_default="0"),
    Column("extracted_at", Text, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Text, ForeignKey("reports.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("value", Text),
    Column("evidence_start", Integer),
    Column("evidence_end", Integer),
    Column("previous", Text),
    Column("reviewer", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    CheckConstraint("action IN ('accept', 'correct', 'skip')", name="decisions_action"),
    Index("decisions_by_report", "report_id", "id"),
    sqlite_autoincrement=True,
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("report_id", Text, ForeignKey("reports.id"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", Text),
    Column("confidence", Float, nullable=False),
    Column("source", Text),
    Column("reason", Text),
    Column("skipped", Integer, nullable=False, server_default="0"),
    Index("review_queue_order", "skipped", "confidence", "report_id", "key"),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
    Column("applied_at", Text),
)
"""Kept from the hand-written migrations: older nianbao versions read it and refuse a newer database."""
