"""Migrations: an empty database on either engine, and a SQLite file written by nianbao 0.1's hand-written
schema, upgraded in place with every row kept and the review workflow carrying on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import SEEDS
from sqlalchemy import create_engine, inspect

from service.ingest import read_bytes
from service.pipeline import extract
from service.storage import Store, export_gold

# nianbao 0.1, service/store.py MIGRATIONS[0], verbatim: the schema of every data directory made before Alembic
LEGACY_SCHEMA = """
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
"""
TABLES = ("reports", "jobs", "results", "decisions", "review_queue", "schema_version")


def legacy_data_dir(path: Path) -> Path:
    """A 0.1 data directory: one reviewed report, one queued, one left running by a dead worker, one failed."""
    db = path / "nianbao.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)")
    conn.executescript("BEGIN;" + LEGACY_SCHEMA + "COMMIT;")
    conn.execute("INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00.000Z')")
    seeds = ["erdao-district-2017.txt", "daoli-district-2018.txt", "dingyuan-county-2017.txt"]
    for n, name in enumerate(seeds):
        data = (SEEDS / name).read_bytes()
        conn.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            (f"r{n}", f"{n}" * 64, name, len(data), data, f"2026-01-0{n + 1}T00:00:00.000Z"),
        )
    conn.execute(
        "INSERT INTO reports VALUES ('r3', ?, 'picture.txt', 3, X'00FF00', '2026-01-04T00:00:00.000Z')", ("3" * 64,)
    )
    result = extract(read_bytes((SEEDS / seeds[0]).read_bytes(), seeds[0], "r0"), None, include_text=True)
    conn.execute(
        "INSERT INTO results VALUES ('r0', ?, ?, ?, ?, ?, 1, '2026-01-01T00:00:01.000Z')",
        (result.model_copy(update={"text": None}).model_dump_json(), result.text, result.template, "某区", 2017),
    )
    key, field = next((k, f) for k, f in result.fields.items() if f.evidence and isinstance(f.value, int))
    conn.executemany(
        "INSERT INTO jobs (report_id, state, attempts, worker, error, created_at, started_at, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("r0", "done", 1, "worker-0", None, "2026-01-01T00:00:00.000Z", "t", "2026-01-01T00:00:01.000Z"),
            ("r1", "queued", 0, None, None, "2026-01-02T00:00:00.000Z", None, None),
            ("r2", "running", 1, "worker-1", None, "2026-01-03T00:00:00.000Z", "t", None),
            ("r3", "failed", 1, "worker-0", "binary: not text", "2026-01-04T00:00:00.000Z", "t", "t"),
        ],
    )
    conn.execute(
        "INSERT INTO decisions (report_id, key, action, value, previous, reviewer, decided_at) "
        "VALUES ('r0', ?, 'correct', ?, ?, 'ann', '2026-01-05T00:00:00.000Z')",
        (key, str(field.value + 1), str(field.value)),
    )
    conn.execute("INSERT INTO review_queue VALUES ('r0', 'requests.received', '23', 0.6, 'prose', 'loose', 0)")
    conn.close()
    return db


def dump(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}


def test_an_empty_database_gets_the_whole_schema(database: str) -> None:
    Store(database).close()
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    try:
        found = inspect(engine)
        assert set(TABLES) | {"alembic_version"} <= set(found.get_table_names())
        assert "lease_until" in {c["name"] for c in found.get_columns("jobs")}
    finally:
        engine.dispose()


def test_a_legacy_sqlite_data_directory_is_upgraded_in_place(tmp_path: Path) -> None:
    db = legacy_data_dir(tmp_path)
    before = dump(db)
    store = Store(f"sqlite:///{db}")
    assert store.db.revision() == "0002"
    after = dump(db)
    # every row kept; jobs gained a lease column (last), the schema a version row
    for table in ("reports", "results", "decisions", "review_queue"):
        assert after[table] == before[table], table
    assert [row[:-1] for row in after["jobs"]] == before["jobs"]
    assert [row[-1] for row in after["jobs"]] == [None, None, 0.0, None]  # the dead worker's job: lease expired
    assert [row[0] for row in after["schema_version"]] == [1, 2]

    # the data reads as before and the review workflow carries on
    assert store.reports.report("r0")["decisions"] == 1
    assert store.reports.report("r3")["error"] == "binary: not text"
    [decision] = store.decisions.history("r0")
    assert decision.reviewer == "ann" and decision.action == "correct"
    reviewed, _ = store.decisions.reviewed("r0")
    assert reviewed.fields[decision.key].value == decision.value and reviewed.fields[decision.key].source == "human"
    store.decisions.decide("r0", decision.key, "correct", value=decision.previous, reviewer="bob")
    assert [d.reviewer for d in store.decisions.history("r0")] == ["ann", "bob"]

    # the running job of the dead 0.1 worker is claimed first, then the queued one
    claimed = [store.jobs.claim("new-worker"), store.jobs.claim("new-worker")]
    assert [(job.report_id, job.attempts) for job in claimed] == [("r1", 1), ("r2", 2)] or [
        (job.report_id, job.attempts) for job in claimed
    ] == [("r2", 2), ("r1", 1)]
    assert store.jobs.claim("new-worker") is None
    store.close()
    Store(f"sqlite:///{db}").close()  # opening again migrates nothing
    assert [row[0] for row in dump(db)["schema_version"]] == [1, 2]


def test_the_upgraded_legacy_schema_matches_a_fresh_one(tmp_path: Path) -> None:
    legacy = legacy_data_dir(tmp_path)
    Store(f"sqlite:///{legacy}").close()
    fresh = tmp_path / "fresh" / "nianbao.db"
    Store(f"sqlite:///{fresh}").close()

    def shape(db: Path) -> dict[str, object]:
        engine = create_engine(f"sqlite:///{db}")
        found = inspect(engine)
        result = {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
                found.get_pk_constraint(table)["constrained_columns"],
            )
            for table in TABLES
        }
        engine.dispose()
        return result

    legacy_shape, fresh_shape = shape(legacy), shape(fresh)
    for table in TABLES:
        legacy_columns, fresh_columns = legacy_shape[table][0], fresh_shape[table][0]
        primary = set(legacy_shape[table][2])
        assert normalise(legacy_columns, primary) == normalise(fresh_columns, primary), table
        assert legacy_shape[table][1:] == fresh_shape[table][1:], table


def normalise(columns: list[tuple[str, str, bool]], primary: set[str]) -> list[tuple[str, str, bool]]:
    """0.1 wrote REAL where Alembic writes FLOAT (one SQLite storage class), and its TEXT primary keys lacked
    NOT NULL (SQLite allows NULL there; no 0.1 row has one, every insert gave the key)."""
    return [(name, kind.replace("REAL", "FLOAT"), null and name not in primary) for name, kind, null in columns]


def test_a_database_from_a_newer_hand_written_schema_is_refused(tmp_path: Path) -> None:
    db = legacy_data_dir(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_version VALUES (2, 'later')")
    before = dump(db)
    with pytest.raises(RuntimeError, match="hand-written schema version 2"):
        Store(f"sqlite:///{db}")
    assert dump(db) == before  # refused before anything changed


def test_gold_export_works_on_an_upgraded_directory(tmp_path: Path) -> None:
    db = legacy_data_dir(tmp_path)
    store = Store(f"sqlite:///{db}")
    reviewed, _ = store.decisions.reviewed("r0")
    for key, field in reviewed.fields.items():
        if field.review:
            store.decisions.decide("r0", key, "accept", reviewer="ann")
    store.decisions.decide("r0", "requests.received", "skip", reviewer="ann")  # clears the hand-put row
    if store.reports.report("r0")["pending_review"]:
        for item in store.decisions.queue(report_id="r0", limit=1000)[0]:
            store.decisions.decide("r0", item["key"], "correct", value=None, reviewer="ann")
    written = export_gold(store, tmp_path / "gold")
    assert [p.stem for p in written] == ["erdao-district-2017"]
    store.close()
