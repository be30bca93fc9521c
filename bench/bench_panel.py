"""Benchmark the panel: building issuers × years and the audit, and the /issuers pages over a store.

    .venv/bin/python bench/bench_panel.py [--issuers 100] [--stored 120]

Phase 1 extracts the six Pingtan reports of 2019–2024 (corpus + tests/data/panel) once and files copies
of them under ``--issuers`` made-up issuer names, then times ``build_panel`` + ``audit`` on the lot.
Phase 2 stores ``--stored`` reports (the same texts under made-up issuers) in a real service and times
``GET /issuers``, ``GET /issuers/{key}`` (HTML) and ``GET /audit.xlsx``: the panel is rebuilt from the
store on every request. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from service.api import create_app, running  # noqa: E402
from service.panel.audit import audit  # noqa: E402
from service.panel.panel import build_panel  # noqa: E402
from service.panel.sources import Entry, read_report  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
FILES = [SHARED / "pingtan-2019.txt", SHARED / "pingtan-2022.txt", *sorted((REPO / "tests/data/panel").glob("*.txt"))]


def renamed(entry: Entry, issuer: str, report: str) -> Entry:
    result = entry.result.model_copy(deep=True)
    result.fields["meta.issuer"] = result.fields["meta.issuer"].model_copy(update={"value": issuer})
    return Entry(report, result)


def median_ms(call, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuers", type=int, default=100)
    parser.add_argument("--stored", type=int, default=120)
    args = parser.parse_args()
    base = [read_report(path) for path in FILES]
    entries = [renamed(e, f"测试{i}县", f"{e.report}-{i}") for i in range(args.issuers) for e in base]
    ms = median_ms(lambda: audit(build_panel(entries)))
    print(f"build_panel + audit, {len(entries)} reports of {args.issuers} issuers: {ms:.0f} ms")

    texts = [path.read_text(encoding="utf-8") for path in FILES]
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running(create_app(data_dir, workers=2, token="t")) as url,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer t"}, timeout=120) as client,
    ):
        ids = []
        for i in range(args.stored):
            text = texts[i % len(texts)].replace("平潭综合实验区", f"测试{i // len(texts)}区")
            ids.append(client.post("/reports", json={"text": text, "filename": f"r{i}.txt"}).json()["id"])
        while client.get("/healthz").json()["jobs"]["done"] < len(ids):
            time.sleep(0.2)
        html = {"Accept": "text/html"}
        for label, path, headers in (
            ("GET /issuers", "/issuers", {}),
            ("GET /issuers/{key} (HTML, charts)", "/issuers/测试0区", html),
            ("GET /audit.xlsx", "/audit.xlsx", {}),
        ):
            ms = median_ms(lambda p=path, h=headers: client.get(p, headers=h).raise_for_status())
            print(f"{label}, {len(ids)} stored reports: {ms:.0f} ms")


if __name__ == "__main__":
    main()
