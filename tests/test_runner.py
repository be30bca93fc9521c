"""Worker processes running the real pipeline on real reports, on both engines: the queue loses nothing,
finishes nothing twice, and a killed worker's job is finished by another once its lease runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS
from sqlalchemy import func, select

from service.runner import WorkerPool, WorkerSettings
from service.schema import Result
from service.storage import Store
from service.storage.schema import jobs, results


def wait_for(store: Store, report_ids: list[str], timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        states = {rid: store.reports.report(rid)["status"] for rid in report_ids}
        if all(s in ("done", "failed") for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def unique_copies(n: int) -> list[tuple[str, bytes]]:
    """``n`` distinct real reports: the seed texts with a numbered line added (so none is deduplicated)."""
    seeds = sorted(SEEDS.glob("*.txt"))
    return [
        (f"{seeds[i % len(seeds)].stem}-{i}.txt", seeds[i % len(seeds)].read_bytes() + f"\n（第{i}份）\n".encode())
        for i in range(n)
    ]


def test_workers_extract_real_reports_and_record_bad_ones(database: str) -> None:
    store = Store(database)
    good = store.reports.submit((CORPUS / "pingtan-2022.txt").read_bytes(), "pingtan-2022.txt").id
    binary = store.reports.submit(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "picture.txt").id
    pool = WorkerPool(WorkerSettings(database, poll_seconds=0.05), 2)
    pool.start()
    try:
        states = wait_for(store, [good, binary])
    finally:
        pool.stop()
    assert states == {good: "done", binary: "failed"}
    assert store.reports.report(binary)["error"].startswith("binary:")
    result, text = store.results.result(good)
    assert isinstance(result, Result) and result.report.id == good
    assert result.template == "gb2021" and result.fields
    for field in result.fields.values():  # evidence offsets refer to the stored text
        if field.evidence:
            assert text[field.evidence.start : field.evidence.end] == field.evidence.quote
    store.close()


def test_a_job_whose_worker_died_is_finished_after_its_lease(database: str) -> None:
    names = ["erdao-district-2017.txt", "daoli-district-2018.txt", "dingyuan-county-2017.txt"]
    store = Store(database)
    ids = [store.reports.submit((SEEDS / name).read_bytes(), name).id for name in names]
    store.jobs.claim("a worker that dies", lease_seconds=0.5)  # first job left 'running', the others 'queued'
    store.close()  # the process stops

    store = Store(database)
    pool = WorkerPool(WorkerSettings(database, poll_seconds=0.05), 2)
    pool.start()
    try:
        states = wait_for(store, ids)
    finally:
        pool.stop()
    assert states == dict.fromkeys(ids, "done")
    assert store.jobs.counts() == {"queued": 0, "running": 0, "done": 3, "failed": 0}
    store.close()


def test_stop_lets_the_current_report_finish(database: str) -> None:
    store = Store(database)
    pool = WorkerPool(WorkerSettings(database, poll_seconds=0.05), 1)
    pool.start()
    report = store.reports.submit((SEEDS / "erdao-district-2017.txt").read_bytes(), "erdao.txt").id
    pool.wake()
    assert wait_for(store, [report])[report] == "done"
    pool.stop()
    assert store.jobs.counts()["running"] == 0 and pool.finished.value == 1
    store.close()


def test_a_thousand_jobs_through_four_worker_processes(database: str) -> None:
    """``nianbao worker --processes 4 --drain``: every job done once, one result each, none claimed twice."""
    store = Store(database)
    copies = unique_copies(1000)
    ids = {store.reports.submit(data, name).id for name, data in copies}
    assert len(ids) == 1000
    worker = subprocess.run(
        [sys.executable, "-m", "service.cli", "worker", "--database", database, "--processes", "4", "--drain"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "1000 job(s) finished" in worker.stderr
    assert store.jobs.counts() == {"queued": 0, "running": 0, "done": 1000, "failed": 0}
    with store.db.read() as conn:
        attempts = conn.execute(select(jobs.c.attempts, func.count()).group_by(jobs.c.attempts)).all()
        per_report = conn.execute(select(jobs.c.report_id, func.count()).group_by(jobs.c.report_id)).all()
        stored = set(conn.execute(select(results.c.report_id)).scalars())
        workers = set(conn.execute(select(jobs.c.worker)).scalars())
    assert attempts == [(1, 1000)]  # no job was claimed twice
    assert len(per_report) == 1000 and {n for _, n in per_report} == {1}
    assert stored == ids
    assert len(workers) == 4  # all four processes took part
    store.close()


def test_a_worker_killed_mid_job_leaves_its_job_to_another(database: str) -> None:
    """SIGKILL while extracting: the job stays running until its lease expires, then the next worker
    claims it (attempt 2) and finishes it; nothing from the dead worker is stored."""
    store = Store(database)
    big = b"\n\n".join([(SEEDS / "erdao-district-2017.txt").read_bytes()] * 600)  # ~7 MB: about 2 s to extract
    report = store.reports.submit(big, "big.txt").id
    doomed = WorkerPool(WorkerSettings(database, lease_seconds=1.0, poll_seconds=0.02), 1)
    doomed.start()
    deadline = time.monotonic() + 60
    while store.reports.report(report)["status"] != "running":
        assert time.monotonic() < deadline, "the worker never claimed the job"
        time.sleep(0.01)
    time.sleep(0.2)  # well inside the extraction
    os.kill(doomed.pids[0], signal.SIGKILL)
    doomed.join()
    assert store.reports.report(report)["status"] == "running"
    with store.db.read() as conn:
        first_worker = conn.execute(select(jobs.c.worker)).scalar_one()

    rescuer = WorkerPool(WorkerSettings(database, lease_seconds=1.0, poll_seconds=0.05), 1)
    rescuer.start()
    try:
        assert wait_for(store, [report], timeout=120)[report] == "done"
    finally:
        rescuer.stop()
    with store.db.read() as conn:
        job = conn.execute(select(jobs)).one()
    assert job.attempts == 2 and job.worker != first_worker
    assert rescuer.finished.value == 1
    assert store.results.result(report)[0].report.id == report
    store.close()


@pytest.mark.parametrize("jobs_flag", [1, 2])
def test_batch_in_processes_gives_the_same_lines(tmp_path: Path, jobs_flag: int) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("erdao-district-2017.txt", "daoli-district-2018.txt", "dingyuan-county-2017.txt"):
        (folder / name).write_bytes((SEEDS / name).read_bytes())
    (folder / "bad.txt").write_bytes(b"")
    out = tmp_path / f"out-{jobs_flag}.jsonl"
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "batch", str(folder), "--out", str(out), "--jobs", str(jobs_flag)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 3, run.stderr  # the empty file failed, the others did not
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and sum('"result"' in line for line in lines) == 3
