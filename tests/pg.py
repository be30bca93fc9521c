"""A throwaway PostgreSQL cluster for the ``postgres`` tests: initdb in a temp dir, a free port, stopped after.

PostgreSQL refuses to run as root, so as root the cluster runs as an unprivileged system user
(``nianbao-pg``, created with useradd when missing). Binaries are looked up on PATH and in Debian's
``/usr/lib/postgresql/<version>/bin``. With ``NIANBAO_TEST_POSTGRES_URL`` set, that server is used
instead (the URL of a role that may create databases). Each test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

PG_USER = "nianbao-pg"


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER], check=True)
    return ["runuser", "-u", PG_USER, "--", *argv]


@dataclass
class Cluster:
    admin_url: str
    """A role that may create databases, on the ``postgres`` database."""
    directory: Path | None = None
    pg_ctl: str | None = None
    _names: count = field(default_factory=lambda: count(1))

    def new_database(self) -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        name = f"nianbao_test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.admin_url).set(drivername="postgresql", database=name).render_as_string(False)

    def stop(self) -> None:
        if self.directory is None or self.pg_ctl is None:
            return
        subprocess.run(
            _as_postgres_user([self.pg_ctl, "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def start() -> Cluster:
    """Start a cluster (or use ``$NIANBAO_TEST_POSTGRES_URL``); raises RuntimeError when none can run."""
    if os.environ.get("NIANBAO_TEST_POSTGRES_URL"):
        return Cluster(os.environ["NIANBAO_TEST_POSTGRES_URL"])
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
    os.chmod(directory, 0o755)
    if os.geteuid() == 0:
        _as_postgres_user(["true"])  # creates the user
        shutil.chown(directory, PG_USER)
    data = directory / "data"
    port = _free_port()
    setup = subprocess.run(
        _as_postgres_user([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]),
        capture_output=True,
        text=True,
    )
    if setup.returncode != 0:
        raise RuntimeError(f"initdb failed: {setup.stderr[-2000:]}")
    options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    started = subprocess.run(
        _as_postgres_user([pg_ctl, "-D", str(data), "-l", str(directory / "log"), "-o", options, "-w", "start"]),
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (directory / "log").read_text(errors="replace") if (directory / "log").exists() else ""
        raise RuntimeError(f"postgres did not start: {started.stderr[-1000:]} {log[-2000:]}")
    return Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", directory, pg_ctl)
