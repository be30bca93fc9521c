"""From a database URL to an upgraded SQLAlchemy engine, and the two kinds of transaction the store uses.

- ``sqlite:///path/nianbao.db`` (the default, ``<data-dir>/nianbao.db``): WAL mode, a 30 s busy timeout,
  foreign keys on. Write transactions start with ``BEGIN IMMEDIATE``, so concurrent writers (threads or
  processes) queue for the lock instead of failing half-way with "database is locked".
- ``postgresql://user@host/db`` (psycopg 3): read-committed transactions; rows that must not change
  under a transaction are locked with ``SELECT … FOR UPDATE`` by the repositories.

Opening a database runs the Alembic migrations up to the newest (under a lock, so two servers starting
at once do not both migrate). A SQLite file made by the hand-written migrations of nianbao 0.1
(``schema_version`` 1, no ``alembic_version``) is stamped as revision 0001 first and upgraded in place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DB_NAME = "nianbao.db"
ENV_URL = "NIANBAO_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
LEGACY_REVISION = "0001"
"""The Alembic revision that builds exactly the schema of the hand-written migration 1."""


def database_url(database: str | None = None, data_dir: Path | str | None = None) -> str:
    """The URL to open: ``database``, else ``$NIANBAO_DATABASE_URL``, else SQLite in ``data_dir``."""
    url = database or os.environ.get(ENV_URL)
    if not url:
        folder = Path(data_dir or "nianbao-data")
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / DB_NAME}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"not a database URL: {url!r} (expected sqlite:///path or postgresql://…)") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername == "sqlite":
        return url
    raise ValueError(f"unsupported database {parsed.drivername!r}: use sqlite:///path or postgresql://…")


def shown(url: str) -> str:
    """The URL for messages and logs: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


class Database:
    """One engine and its transactions; safe to share between threads, opened anew in each process."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine: Engine = _engine(url)
        self.dialect = self.engine.dialect.name
        self.insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        """The dialect's INSERT, which knows ``ON CONFLICT`` on both engines."""
        if migrate:
            self.upgrade()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent view; never blocks writers)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: commits when the block ends, rolls back when it raises."""
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            yield conn

    def upgrade(self) -> None:
        """Bring the schema to the newest revision; refuse a database made by newer code."""
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(7046151)"))  # one migrator at a time
            tables = set(inspect(conn).get_table_names())
            config = _alembic_config(conn)
            if "alembic_version" not in tables and "schema_version" in tables:
                legacy = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
                if legacy != 1:
                    raise RuntimeError(
                        f"{shown(self.url)} has hand-written schema version {legacy}; this code knows only 1"
                    )
                command.stamp(config, LEGACY_REVISION)
                tables.add("alembic_version")
            current = None
            if "alembic_version" in tables:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
            if current is not None and current not in known:
                raise RuntimeError(f"{shown(self.url)} has schema revision {current}, newer than this code")
            try:
                command.upgrade(config, "head")
            except CommandError as exc:  # pragma: no cover - a broken migration history
                raise RuntimeError(f"cannot migrate {shown(self.url)}: {exc}") from None

    def revision(self) -> str | None:
        with self.read() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine
