"""Job leases: a running job belongs to its worker until ``lease_until``; after that any worker may claim it.

Jobs left running by nianbao 0.1 get an expired lease, so the first worker to look takes them again
(0.1 re-queued them at start-up). ``schema_version`` 2 makes nianbao 0.1 refuse the upgraded file
instead of claiming jobs without leases next to workers that use them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("lease_until", sa.Float))
    op.execute("UPDATE jobs SET lease_until = 0 WHERE state = 'running'")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    op.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES (2, :at)").bindparams(at=stamp))


def downgrade() -> None:
    op.execute("DELETE FROM schema_version WHERE version = 2")
    op.drop_column("jobs", "lease_until")
