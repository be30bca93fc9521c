"""Benchmark the rules-only extractor: ``python bench/bench_extract.py [--runs N] [--quick]``.

A measurement, not a test: it never fails on a number. Three questions, all on one core (the
pipeline is single-threaded; nothing here forks), with ``time.perf_counter``, warm-up runs first
and the garbage collector paused inside each timed call (``--gc`` keeps it running):

1. one real ~20 KB report (corpus/pingtan-2019.txt, 17 KB, GB-2019 template): ingest, extract alone
   and ingest+extract, median and p95 over N runs;
2. every report in /work/shared/corpus and /work/shared/seeds: per-report medians, ingest and extract
   apart (the two 200+ KB HTML pages spend their time in ingest), and the whole set end to end;
3. a 10 MiB input made of whole copies of that report, end to end: it must complete, and how long.

Any report whose median ingest+extract exceeds 50 ms is profiled with cProfile and the top functions
are printed and saved. Results go to bench/out/bench.json (git-ignored).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere, not only with the package installed
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from service.core import Document  # noqa: E402
from service.ingest import IngestError, read_bytes, read_path  # noqa: E402
from service.pipeline import extract  # noqa: E402

CORPUS = Path(os.environ.get("NIANBAO_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"
SEEDS = CORPUS.parent / "seeds"
NOT_REPORTS = {"SOURCES.md", "README.md"}  # notes that sit next to the reports
SINGLE = CORPUS / "pingtan-2019.txt"
BIG_BYTES = 10 * 1024 * 1024
SLOW_MS = 50.0
OUT = ROOT / "bench" / "out" / "bench.json"

T = TypeVar("T")
console = Console(width=None if sys.stdout.isatty() else 120)  # a log file gets the whole table


# =========================================================================== timing


def timed(fn: Callable[[], T], *, pause_gc: bool) -> tuple[float, T]:
    """One call in milliseconds; with ``pause_gc`` the collector neither runs nor carries debt into it."""
    if pause_gc:
        gc.collect()
        gc.disable()
    try:
        start = time.perf_counter()
        value = fn()
        return (time.perf_counter() - start) * 1000, value
    finally:
        if pause_gc:
            gc.enable()


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else ordered[0]
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": p95,
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
        "runs": len(ordered),
    }


def measure(doc_of: Callable[[], Document], runs: int, warmup: int, pause_gc: bool) -> dict[str, Any]:
    """Ingest, extract and both, each timed separately from the same runs; extract uses a fresh document."""
    for _ in range(warmup):
        extract(doc_of())
    ingest_ms, extract_ms, total_ms = [], [], []
    for _ in range(runs):
        t_ingest, doc = timed(doc_of, pause_gc=pause_gc)
        t_extract, _result = timed(lambda d=doc: extract(d), pause_gc=pause_gc)
        ingest_ms.append(t_ingest)
        extract_ms.append(t_extract)
        total_ms.append(t_ingest + t_extract)
    return {"ingest": summary(ingest_ms), "extract": summary(extract_ms), "total": summary(total_ms)}


def measure_end_to_end(doc_of: Callable[[], Document], runs: int, pause_gc: bool) -> dict[str, float]:
    """ingest+extract as one timed call (no gap between the two), for the single-report headline."""
    return summary([timed(lambda: extract(doc_of()), pause_gc=pause_gc)[0] for _ in range(runs)])


def profile(doc_of: Callable[[], Document], top: int = 12) -> list[dict[str, Any]]:
    """cProfile one ingest+extract; the functions with the most own time, with their cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    extract(doc_of())
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (file, line, name), (_cc, calls, own, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({name})",
                "calls": calls,
                "own_ms": own * 1000,
                "cumulative_ms": cum * 1000,
            }
        )
    return sorted(rows, key=lambda r: r["own_ms"], reverse=True)[:top]


def _short(file: str) -> str:
    path = Path(file)
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return path.name if path.suffix else file


# =========================================================================== the three benches


def bench_single(path: Path, runs: int, warmup: int, pause_gc: bool) -> dict[str, Any]:
    doc = read_path(path)
    result = extract(doc)
    stats = measure(lambda: read_path(path), runs, warmup, pause_gc)
    stats["end_to_end"] = measure_end_to_end(lambda: read_path(path), runs, pause_gc)
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "chars": len(doc.text),
        "template": result.template,
        "fields": len(result.fields),
        **stats,
    }


def bench_corpus(paths: list[Path], runs: int, warmup: int, pause_gc: bool) -> dict[str, Any]:
    reports: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    readable: list[Path] = []
    for path in paths:
        try:
            doc = read_path(path)
        except IngestError as exc:
            errors.append({"file": str(path), "error": f"{exc.code}: {exc}"})
            continue
        readable.append(path)
        result = extract(doc)
        stats = measure(lambda p=path: read_path(p), runs, warmup, pause_gc)
        entry: dict[str, Any] = {
            "file": str(path),
            "kind": doc.kind,
            "bytes": path.stat().st_size,
            "chars": len(doc.text),
            "template": result.template,
            "fields": len(result.fields),
            **stats,
        }
        if stats["total"]["median_ms"] > SLOW_MS:
            entry["profile"] = profile(lambda p=path: read_path(p))
        reports.append(entry)

    def whole_set() -> None:
        for path in readable:
            extract(read_path(path))

    whole = summary([timed(whole_set, pause_gc=pause_gc)[0] for _ in range(max(3, runs // 5))])
    medians = [r["total"]["median_ms"] for r in reports]
    return {
        "reports": reports,
        "errors": errors,
        "count": len(reports),
        "per_report_median_ms": statistics.median(medians) if medians else None,
        "sum_of_medians_ms": {
            part: sum(r[part]["median_ms"] for r in reports) for part in ("ingest", "extract", "total")
        },
        "whole_set_sequential": whole,
    }


def bench_big(path: Path, runs: int, pause_gc: bool) -> dict[str, Any]:
    """Whole copies joined by a newline, so no copy is cut inside a UTF-8 character."""
    raw = path.read_bytes().rstrip(b"\n") + b"\n\n"
    data = raw * -(-BIG_BYTES // len(raw))
    rss_before = _max_rss_mb()
    t_ingest_ms, t_extract_ms, t_total_ms = [], [], []
    result = doc = None
    for _ in range(runs):
        t_ingest, doc = timed(
            lambda: read_bytes(data, filename=f"{path.stem}-x{len(data) // len(raw)}.txt"), pause_gc=pause_gc
        )
        t_extract, result = timed(lambda d=doc: extract(d), pause_gc=pause_gc)
        t_ingest_ms.append(t_ingest)
        t_extract_ms.append(t_extract)
        t_total_ms.append(t_ingest + t_extract)
    assert result is not None and doc is not None
    out = {
        "source": str(path),
        "copies": len(data) // len(raw),
        "bytes": len(data),
        "chars": len(doc.text),
        "template": result.template,
        "fields": len(result.fields),
        "checks_failed": sum(c.status == "fail" for c in result.checks),
        "ingest": summary(t_ingest_ms),
        "extract": summary(t_extract_ms),
        "total": summary(t_total_ms),
        "max_rss_mb_before": rss_before,
        "max_rss_mb_after": _max_rss_mb(),
    }
    if out["total"]["median_ms"] > SLOW_MS:
        out["profile"] = profile(lambda: read_bytes(data, filename=f"{path.stem}-big.txt"))
    return out


# =========================================================================== output


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), platform.processor())


def environment(runs: int, warmup: int, pause_gc: bool) -> dict[str, Any]:
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores_allowed": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "processes_used": 1,
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "runs": runs,
        "warmup": warmup,
        "gc_paused_while_timing": pause_gc,
    }


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def print_single(single: dict[str, Any]) -> None:
    table = Table(
        min_width=100,
        title=f"1. one report: {Path(single['file']).name} ({single['bytes']:,} B, "
        f"{single['chars']:,} chars, {single['template']}, {single['fields']} fields)",
    )
    for col in ("step", "median ms", "p95 ms", "min ms", "runs"):
        table.add_column(col, justify="left" if col == "step" else "right")
    for label, key in (
        ("ingest (read_path)", "ingest"),
        ("extract alone", "extract"),
        ("ingest + extract", "end_to_end"),
    ):
        s = single[key]
        table.add_row(label, _ms(s["median_ms"]), _ms(s["p95_ms"]), _ms(s["min_ms"]), str(s["runs"]))
    console.print(table)


def print_corpus(corpus: dict[str, Any]) -> None:
    table = Table(title=f"2. corpus + seeds: {corpus['count']} reports, medians in ms")
    for col in ("report", "kind", "KB", "chars", "tmpl", "fields", "ingest", "extract", "total", "p95"):
        table.add_column(col, justify="left" if col in ("report", "kind", "tmpl") else "right")
    for r in corpus["reports"]:
        slow = r["total"]["median_ms"] > SLOW_MS
        table.add_row(
            Path(r["file"]).name,
            r["kind"],
            f"{r['bytes'] / 1024:.0f}",
            f"{r['chars']:,}",
            r["template"] or "-",
            str(r["fields"]),
            _ms(r["ingest"]["median_ms"]),
            _ms(r["extract"]["median_ms"]),
            _ms(r["total"]["median_ms"]),
            _ms(r["total"]["p95_ms"]),
            style="bold red" if slow else None,
        )
    sums = corpus["sum_of_medians_ms"]
    table.add_section()
    table.add_row(
        "sum of medians", "", "", "", "", "", _ms(sums["ingest"]), _ms(sums["extract"]), _ms(sums["total"]), ""
    )
    console.print(table)
    whole = corpus["whole_set_sequential"]
    console.print(
        f"median per report (ingest+extract): {_ms(corpus['per_report_median_ms'])} ms; "
        f"whole set in one loop: median {_ms(whole['median_ms'])} ms over {whole['runs']} pass(es)"
    )
    for err in corpus["errors"]:
        console.print(f"[yellow]not readable:[/] {err['file']}: {err['error']}")
    for r in corpus["reports"]:
        if "profile" in r:
            print_profile(Path(r["file"]).name, r["profile"])


def print_profile(what: str, rows: list[dict[str, Any]]) -> None:
    console.print(f"[bold]over {SLOW_MS:.0f} ms, cProfile of one run of {what}[/] (most own time first):")
    for row in rows[:8]:
        console.print(
            f"  {row['own_ms']:8.1f} ms own {row['cumulative_ms']:8.1f} ms cum "
            f"{row['calls']:>8} calls  {row['function']}"
        )


def print_big(big: dict[str, Any]) -> None:
    table = Table(
        min_width=100,
        title=f"3. {big['bytes'] / 2**20:.1f} MiB input: {big['copies']} copies of "
        f"{Path(big['source']).name} ({big['chars']:,} chars after ingest)",
    )
    for col in ("step", "median ms", "max ms", "runs"):
        table.add_column(col, justify="left" if col == "step" else "right")
    for label in ("ingest", "extract", "total"):
        s = big[label]
        table.add_row(label, _ms(s["median_ms"]), _ms(s["max_ms"]), str(s["runs"]))
    console.print(table)
    console.print(
        f"completed: template {big['template']}, {big['fields']} fields, "
        f"{big['checks_failed']} failed checks; peak RSS {big['max_rss_mb_after']:.0f} MB "
        f"(was {big['max_rss_mb_before']:.0f} MB before)"
    )
    if "profile" in big:
        print_profile(f"the {big['bytes'] / 2**20:.0f} MiB input", big["profile"])


# =========================================================================== main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="timed runs per measurement (default 50; 5 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="few runs and one pass of the 10 MiB input")
    parser.add_argument("--gc", action="store_true", help="keep the garbage collector running while timing")
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON output (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else (5 if args.quick else 50)
    if runs < 1:
        parser.error("--runs must be at least 1")
    warmup = 1 if args.quick else 3
    pause_gc = not args.gc
    big_runs = 1 if args.quick else 3

    paths = sorted(p for d in (CORPUS, SEEDS) for p in d.iterdir() if p.is_file() and p.name not in NOT_REPORTS)
    if not SINGLE.is_file() or not paths:
        console.print(f"[red]error:[/] reports not found under {CORPUS} and {SEEDS}")
        return 2

    env = environment(runs, warmup, pause_gc)
    console.print(
        f"[dim]{env['cpu']} · Python {env['python']} · one process · runs {runs}, warm-up {warmup}, "
        f"gc {'paused' if pause_gc else 'on'} while timing · commit {env['git_commit']}"
        f"{' (dirty tree)' if env['git_dirty'] else ''}[/]"
    )
    single = bench_single(SINGLE, runs, warmup, pause_gc)
    print_single(single)
    corpus = bench_corpus(paths, runs, warmup, pause_gc)
    print_corpus(corpus)
    big = bench_big(SINGLE, big_runs, pause_gc)
    print_big(big)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"environment": env, "single": single, "corpus": corpus, "big": big}
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"[dim]wrote {args.out}[/]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
