"""The panel's adapter onto the store, on both engines: every finished report once, even while more finish."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from service.ingest import read_bytes
from service.panel import stored
from service.pipeline import extract
from service.storage import Store


def finish_one(store: Store, name: str, data: bytes) -> str:
    """Submit a report and extract it in this process, as a worker would."""
    report_id = store.reports.submit(data, name).id
    job = store.jobs.claim("test")
    assert job is not None and job.report_id == report_id
    store.jobs.finish(job, extract(read_bytes(data, name, report_id), None, include_text=True))
    return report_id


def test_reports_finished_while_paging_are_not_read_twice(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(database)
    seed = sorted(SEEDS.glob("*.txt"))[0]
    first = [finish_one(store, f"r{i}.txt", seed.read_bytes() + f"\n（第{i}份）\n".encode()) for i in range(3)]
    monkeypatch.setattr(stored, "PAGE", 1)
    seen = []
    for report_id, _result, _name in stored.stored_results(store):
        seen.append(report_id)
        if len(seen) == 1:  # a newer report finishes after the first page was read: every later page shifts
            finish_one(store, "late.txt", seed.read_bytes() + "\n（迟到）\n".encode())
    store.close()
    assert len(seen) == len(set(seen)), seen
    assert set(first) <= set(seen)
