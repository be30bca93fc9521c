"""Benchmark the HTTP service with the rules-only engine: submissions per second and time to result.

    .venv/bin/python bench/bench_service.py [--reports 200] [--concurrency 8] [--workers 2]

Starts ``nianbao serve`` as a subprocess on a free port over a temp data directory, uploads the corpus
and seed reports (each copy made unique, so none is deduplicated) from ``--concurrency`` threads, and
reads the server's own timestamps (submitted_at → finished_at) for time to result. A second phase
submits reports one at a time to an idle server: the latency a single user sees.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


def shared_dir() -> Path:
    for candidate in (os.environ.get("NIANBAO_SHARED"), REPO.parent / "shared", "/work/shared"):
        if candidate and (Path(candidate) / "corpus").is_dir():
            return Path(candidate)
    raise SystemExit("shared corpus not found (set NIANBAO_SHARED)")


def sources() -> list[Path]:
    shared = shared_dir()
    return sorted(
        p
        for folder in ("corpus", "seeds")
        for p in (shared / folder).iterdir()
        if p.suffix in (".txt", ".md", ".html") and p.name != "SOURCES.md"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*options: str) -> tuple[subprocess.Popen, str]:
    """``nianbao serve`` with ``options`` (its storage and worker flags) on a free port; waits for /healthz."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *options],
        cwd=REPO,
        env=os.environ | {"NIANBAO_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the service did not start")
        time.sleep(0.1)


def payload(path: Path, n: int) -> tuple[str, bytes]:
    data = path.read_bytes()
    mark = f"\n<!-- bench copy {n} -->\n" if path.suffix == ".html" else f"\n（基准测试副本 {n}）\n"
    return f"{path.stem}-{n}{path.suffix}", data + mark.encode("utf-8")


def parse_time(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def wait_all(client: httpx.Client, ids: set[str], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        reports = client.get("/reports", params={"limit": 1000}).json()["reports"]
        mine = [r for r in reports if r["id"] in ids]
        if all(r["status"] in ("done", "failed") for r in mine) and len(mine) == len(ids):
            return mine
        if time.monotonic() > deadline:
            raise SystemExit("reports did not finish in time")
        time.sleep(0.05)


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sequential", type=int, default=20, help="reports for the one-at-a-time phase")
    args = parser.parse_args()
    console = Console()
    files = sources()
    bodies = [payload(files[n % len(files)], n) for n in range(args.reports + args.sequential)]
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        process, base = start_server("--data-dir", tmp, "--workers", str(args.workers))
        try:
            with httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=60,
                limits=httpx.Limits(max_connections=args.concurrency),
            ) as client:

                def submit(item: tuple[str, bytes]) -> str:
                    response = client.post("/reports", files={"file": item})
                    response.raise_for_status()
                    return response.json()["id"]

                # phase 1: a burst of concurrent submissions
                started = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    ids = set(pool.map(submit, bodies[: args.reports]))
                submit_seconds = time.perf_counter() - started
                reports = wait_all(client, ids, timeout=600)
                drain_seconds = time.perf_counter() - started
                burst = [
                    (parse_time(r["finished_at"]) - parse_time(r["submitted_at"])).total_seconds() for r in reports
                ]
                failed = sum(r["status"] == "failed" for r in reports)

                # phase 2: one report at a time on an idle server (client-side wall time)
                single: list[float] = []
                for item in bodies[args.reports :]:
                    t0 = time.perf_counter()
                    report_id = submit(item)
                    while client.get(f"/reports/{report_id}").json()["status"] not in ("done", "failed"):
                        time.sleep(0.005)
                    single.append(time.perf_counter() - t0)
        finally:
            process.terminate()
            process.wait(10)

    table = Table(
        title=f"nianbao service, rules only — {args.reports} reports from {len(files)} files, "
        f"{args.concurrency} client threads, {args.workers} workers, {os.cpu_count()} CPUs"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("submissions/s (burst, answered with an id)", f"{len(ids) / submit_seconds:.0f}")
    table.add_row("reports extracted/s (burst, until all done)", f"{len(ids) / drain_seconds:.1f}")
    p50, p95, worst = quantiles(burst)
    table.add_row(
        "time to result in the burst: p50 / p95 / max", f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {worst * 1000:.0f} ms"
    )
    if single:
        p50, p95, worst = quantiles(single)
        table.add_row(
            "time to result, one at a time: p50 / p95 / max",
            f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {worst * 1000:.0f} ms",
        )
    table.add_row("failed reports", str(failed))
    console.print(table)


if __name__ == "__main__":
    main()
