"""The first schema: reports, jobs, results, decisions, review queue (the hand-written migration 1 of nianbao 0.1).

A SQLite file made by that code already has these tables; ``Database.upgrade`` stamps it with this
revision instead of running it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),
        sa.Column("filename", sa.Text),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("submitted_at", sa.Text, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Text, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="jobs_state"),
        sqlite_autoincrement=True,
    )
    op.create_index("jobs_by_state", "jobs", ["state", "id"])
    op.create_index("jobs_by_report", "jobs", ["report_id", "id"])
    op.create_index("jobs_one_active", "jobs", ["report_id"], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_table(
        "results",
        sa.Column("report_id", sa.Text, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("template", sa.Text),
        sa.Column("issuer", sa.Text),
        sa.Column("year", sa.Integer),
        sa.Column("pending", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extracted_at", sa.Text, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Text, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("evidence_start", sa.Integer),
        sa.Column("evidence_end", sa.Integer),
        sa.Column("previous", sa.Text),
        sa.Column("reviewer", sa.Text, nullable=False),
        sa.Column("decided_at", sa.Text, nullable=False),
        sa.CheckConstraint("action IN ('accept', 'correct', 'skip')", name="decisions_action"),
        sqlite_autoincrement=True,
    )
    op.create_index("decisions_by_report", "decisions", ["report_id", "id"])
    op.create_table(
        "review_queue",
        sa.Column("report_id", sa.Text, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("review_queue_order", "review_queue", ["skipped", "confidence", "report_id", "key"])
    version = op.create_table(
        "schema_version", sa.Column("version", sa.Integer, nullable=False), sa.Column("applied_at", sa.Text)
    )
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    op.bulk_insert(version, [{"version": 1, "applied_at": stamp}])


def downgrade() -> None:
    for table in ("schema_version", "review_queue", "decisions", "results", "jobs", "reports"):
        op.drop_table(table)
