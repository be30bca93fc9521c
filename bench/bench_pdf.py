"""Benchmark the PDF reader: ``python bench/bench_pdf.py [PDF_DIR ...] [--runs N]``.

A measurement, not a test. Pinned to one core (``sched_setaffinity``), ``time.perf_counter``, warm-ups
first, the garbage collector paused inside each timed call. Every PDF is cut into one-page PDFs
(pypdfium2 ``import_pages``), and each page is timed alone through ``service.ingest.read_bytes`` and
through read + ``extract``; a page is a *table* page when most of its lines hold three or more numbers,
else a *text* page. Reports ms per page (median, p95) for each kind, and whole files end to end.

Default PDFs: ``tests/data/pdf/*.pdf`` that read (the real Hongze report, the generated layout PDF).
Pass more directories, e.g. ``eval/out/rendered/inputs`` after ``python -m eval.rendered``. Results go to
``bench/out/bench_pdf.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from service.ingest import IngestError, read_bytes  # noqa: E402
from service.pipeline import extract  # noqa: E402

_NUMBERS = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def pages_of(data: bytes) -> list[bytes]:
    """Each page of a PDF as a PDF of its own."""
    source = pdfium.PdfDocument(data)
    out = []
    try:
        for n in range(len(source)):
            single = pdfium.PdfDocument.new()
            single.import_pages(source, [n])
            buffer = io.BytesIO()
            single.save(buffer)
            single.close()
            out.append(buffer.getvalue())
    finally:
        source.close()
    return out


def kind_of(text: str) -> str:
    lines = [line for line in text.split("\n") if line.strip()]
    rows = sum(len(_NUMBERS.findall(line)) >= 3 for line in lines)
    return "tables" if lines and rows * 2 >= len(lines) * 0.6 else "text"


def timed(fn: Any, runs: int) -> list[float]:
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        gc.enable()
    return times


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    files = sorted((ROOT / "tests" / "data" / "pdf").glob("*.pdf"))
    for directory in args.dirs:
        files += sorted(directory.glob("*.pdf"))
    per_page: dict[str, dict[str, list[float]]] = {
        "text": {"read": [], "extract": []},
        "tables": {"read": [], "extract": []},
    }
    whole: list[dict[str, Any]] = []
    for path in files:
        data = path.read_bytes()
        try:
            document = read_bytes(data, path.name)
        except IngestError:
            continue  # the bad-input fixtures
        pages = document.info["pages"]
        read = timed(lambda data=data, name=path.name: read_bytes(data, name), args.runs)
        both = timed(lambda data=data, name=path.name: extract(read_bytes(data, name)), args.runs)
        whole.append(
            {"file": path.name, "pages": pages, "read_ms_per_page": round(statistics.median(read) / pages, 2),
             "read_extract_ms_per_page": round(statistics.median(both) / pages, 2)}
        )  # fmt: skip
        for page in pages_of(data):
            try:
                single = read_bytes(page, "page.pdf")
            except IngestError:
                continue  # a page with no text layer
            kind = kind_of(single.text)
            per_page[kind]["read"].append(statistics.median(timed(lambda page=page: read_bytes(page, "p.pdf"), 5)))
            per_page[kind]["extract"].append(
                statistics.median(timed(lambda page=page: extract(read_bytes(page, "p.pdf")), 5))
            )
    summary = {
        kind: {step: stats(values) for step, values in steps.items() if values} for kind, steps in per_page.items()
    }
    out = {"pages": summary, "files": whole, "runs": args.runs, "python": sys.version.split()[0], "core": "one"}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "bench_pdf.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print("per page (one page alone, ms): kind  step  n  median  p95")
    for kind, steps in summary.items():
        for step, s in steps.items():
            print(f"  {kind:6} {step:8} {s['n']:4} {s['median_ms']:7.2f} {s['p95_ms']:7.2f}")
    print("whole files (ms per page): read, read+extract")
    for row in whole:
        read, both = row["read_ms_per_page"], row["read_extract_ms_per_page"]
        print(f"  {row['file']:40} {row['pages']:3} p  {read:6.2f}  {both:6.2f}")


if __name__ == "__main__":
    main()
