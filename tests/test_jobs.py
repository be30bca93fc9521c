"""Background workers running the real pipeline on real reports, and surviving restarts."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import CORPUS, SEEDS

from service.jobs import Workers
from service.schema import Result
from service.store import Store


def wait_for(store: Store, report_ids: list[str], timeout: float = 30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        states = {rid: store.report(rid)["status"] for rid in report_ids}
        if all(s in ("done", "failed") for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def test_workers_extract_real_reports_and_record_bad_ones(tmp_path: Path) -> None:
    store = Store(tmp_path)
    good = store.submit((CORPUS / "pingtan-2022.txt").read_bytes(), "pingtan-2022.txt").id
    binary = store.submit(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "picture.txt").id
    workers = Workers(store, 2)
    workers.start()
    try:
        workers.wake()
        states = wait_for(store, [good, binary])
    finally:
        workers.stop()
    assert states == {good: "done", binary: "failed"}
    assert store.report(binary)["error"].startswith("binary:")
    result, text = store.result(good)
    assert isinstance(result, Result) and result.report.id == good
    assert result.template == "gb2021" and result.fields
    for field in result.fields.values():  # evidence offsets refer to the stored text
        if field.evidence:
            assert text[field.evidence.start : field.evidence.end] == field.evidence.quote
    store.close()


def test_a_restart_loses_no_queued_or_running_job(tmp_path: Path) -> None:
    names = ["erdao-district-2017.txt", "daoli-district-2018.txt", "dingyuan-county-2017.txt"]
    store = Store(tmp_path)
    ids = [store.submit((SEEDS / name).read_bytes(), name).id for name in names]
    store.claim_job("a worker that dies")  # first job left 'running', the others 'queued'
    store.close()  # the process stops

    store = Store(tmp_path)
    workers = Workers(store, 2)
    workers.start()
    try:
        states = wait_for(store, ids)
    finally:
        workers.stop()
    assert states == dict.fromkeys(ids, "done")
    assert store.job_counts() == {"queued": 0, "running": 0, "done": 3, "failed": 0}
    store.close()


def test_stop_lets_the_current_report_finish(tmp_path: Path) -> None:
    store = Store(tmp_path)
    workers = Workers(store, 1, poll_seconds=0.05)
    workers.start()
    report = store.submit((SEEDS / "erdao-district-2017.txt").read_bytes(), "erdao.txt").id
    workers.wake()
    assert wait_for(store, [report])[report] == "done"
    workers.stop()
    assert store.job_counts()["running"] == 0
    store.close()
