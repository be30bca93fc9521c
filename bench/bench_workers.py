"""Benchmark the job queue: reports per second with 1, 2, 4 worker processes, on SQLite and on PostgreSQL,
and submissions per second through the HTTP service.

    .venv/bin/python bench/bench_workers.py [--reports 600] [--processes 1 2 4] [--postgres URL | --no-postgres]

For each engine and each process count, on a fresh database: ``nianbao serve --workers 0`` (a subprocess)
takes ``--reports`` uploads from 8 client threads (submissions/s: uploads answered with an id per second of
wall time), then ``nianbao worker --processes N --drain`` extracts them all. Reports/s is the report count
finished while all N processes ran, over that window, read from the jobs table (process start-up and
the ragged end are not counted). The reports are the shared corpus and seed files, each copy made unique so none is
deduplicated. PostgreSQL: ``--postgres URL`` (a database the benchmark may fill), else a throwaway cluster
started like the tests do (tests/pg.py; needs Debian's postgresql). Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bench_service import REPO, TOKEN, payload, sources, start_server
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from service.storage import Store
from service.storage.schema import jobs


def submit_all(base: str, bodies: list[tuple[str, bytes]]) -> float:
    """Upload every body from 8 threads; returns submissions per second."""
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60, limits=httpx.Limits(max_connections=8)
    ) as client:

        def submit(item: tuple[str, bytes]) -> None:
            client.post("/reports", files={"file": item}).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(submit, bodies))
        return len(bodies) / (time.perf_counter() - started)


def stamp(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_workers(url: str, processes: int, expected: int) -> float:
    """Drain the queue with ``processes`` workers; returns reports per second while all of them ran.

    The window is from the moment the last process made its first claim to the moment the first one
    made its last finish (process start-up and the ragged end are not counted)."""
    subprocess.run(
        [sys.executable, "-m", "service.cli", "worker", "--database", url, "--processes", str(processes), "--drain"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    store = Store(url, migrate=False)
    with store.db.read() as conn:
        rows = conn.execute(select(jobs.c.worker, jobs.c.started_at, jobs.c.finished_at).where(jobs.c.state == "done"))
        finished = [(worker, stamp(started), stamp(ended)) for worker, started, ended in rows]
    store.close()
    if len(finished) != expected:
        raise SystemExit(f"{len(finished)} of {expected} jobs done")
    workers = {worker for worker, _, _ in finished}
    start = max(min(s for w, s, _ in finished if w == worker) for worker in workers)
    end = min(max(e for w, _, e in finished if w == worker) for worker in workers)
    inside = sum(start <= e <= end for _, _, e in finished)
    return inside / (end - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=600)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--postgres", help="a PostgreSQL URL to use (its tables are filled and emptied)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every cell; the table shows the median")
    args = parser.parse_args()
    console = Console()
    files = sources()
    bodies = [payload(files[n % len(files)], n) for n in range(args.reports)]

    cluster = None
    engines: list[tuple[str, object]] = [("SQLite", None)]
    if not args.no_postgres:
        if args.postgres:
            engines.append(("PostgreSQL", args.postgres))
        else:
            sys.path.insert(0, str(REPO / "tests"))
            import pg

            cluster = pg.start()
            engines.append(("PostgreSQL", cluster))

    rows = []
    load_before = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
            for engine, source in engines:
                for processes, round_ in [(p, r) for r in range(args.rounds) for p in args.processes]:
                    if source is None:
                        url = f"sqlite:///{Path(tmp) / f'{processes}-{round_}' / 'nianbao.db'}"
                    elif isinstance(source, str):
                        url = source
                        Store(url).close()
                        _empty(url)
                    else:
                        url = source.new_database()  # type: ignore[attr-defined]
                    server, base = start_server("--database", url, "--workers", "0")
                    try:
                        submissions = submit_all(base, bodies)
                    finally:
                        server.terminate()
                        server.wait(10)
                    rate = run_workers(url, processes, len(bodies))
                    rows.append((engine, processes, submissions, rate))
                    console.print(
                        f"{engine}, {processes} process(es): {submissions:.0f} submissions/s, {rate:.1f} reports/s"
                    )
    finally:
        if cluster is not None:
            cluster.stop()

    table = Table(
        title=f"nianbao workers, rules only — {args.reports} reports, nproc {os.cpu_count()}, "
        f"median of {args.rounds} round(s), load average {load_before:.1f} → {os.getloadavg()[0]:.1f}"
    )
    for column in ("engine", "worker processes", "submissions/s (HTTP, 8 clients)", "reports/s", "× one process"):
        table.add_column(column, justify="right")
    cells = {
        (engine, processes): (
            statistics.median(s for e, p, s, _ in rows if (e, p) == (engine, processes)),
            statistics.median(r for e, p, _, r in rows if (e, p) == (engine, processes)),
        )
        for engine, processes, _, _ in rows
    }
    for (engine, processes), (submissions, rate) in cells.items():
        one = cells[(engine, min(args.processes))][1]
        table.add_row(engine, str(processes), f"{submissions:.0f}", f"{rate:.1f}", f"{rate / one:.2f}")
    console.print(table)


def _empty(url: str) -> None:
    """Start a given PostgreSQL database from no reports (the benchmark counts every job in it)."""
    from sqlalchemy import text

    store = Store(url, migrate=False)
    with store.db.write() as conn:
        conn.execute(text("TRUNCATE review_queue, decisions, results, jobs, reports"))
    store.close()


if __name__ == "__main__":
    main()
