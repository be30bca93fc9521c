"""Persistence for the service: submitted reports, extraction jobs, results and review decisions.

One interface, two engines: SQLite (the embedded default, ``<data-dir>/nianbao.db``) or PostgreSQL
(``--database postgresql://…`` or ``$NIANBAO_DATABASE_URL``), through SQLAlchemy Core; the schema is
``schema.py`` and grows only through the Alembic migrations in ``migrations/versions``.

    store = Store(database_url(None, data_dir))
    store.reports.submit(data, filename)     # reports.py: bytes, status, listing
    store.jobs.claim("worker-1")             # jobs.py: the queue, leases, finishing
    store.results.result(report_id)          # results.py: the extractor's output
    store.decisions.decide(report_id, ...)   # decisions.py: review decisions and the review queue
    export_gold(store, out_dir)              # gold.py

Uploaded bytes are stored in the database, so no upload is ever written as a file. Every statement is
parameterised.
"""

from __future__ import annotations

from service.storage.decisions import Decisions
from service.storage.engine import DB_NAME, ENV_URL, Database, database_url
from service.storage.errors import Conflict, Invalid, LeaseLost, NotFound, StoreError
from service.storage.gold import export_gold
from service.storage.jobs import LEASE_SECONDS, MAX_ATTEMPTS, Job, Jobs
from service.storage.reports import Reports, Submission, clean_filename
from service.storage.results import Results

__all__ = [
    "DB_NAME",
    "ENV_URL",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "Conflict",
    "Database",
    "Invalid",
    "Job",
    "LeaseLost",
    "NotFound",
    "Store",
    "StoreError",
    "Submission",
    "clean_filename",
    "database_url",
    "export_gold",
]


class Store:
    """The repositories over one database; share it between threads, open one per process."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.db = Database(url, migrate=migrate)
        self.reports = Reports(self.db)
        self.jobs = Jobs(self.db)
        self.results = Results(self.db, self.reports)
        self.decisions = Decisions(self.db, self.results)

    @property
    def url(self) -> str:
        return self.db.url

    def close(self) -> None:
        self.db.close()
