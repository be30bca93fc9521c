"""Render eval runs three ways — rich tables, JSON (eval.json) and Markdown (eval.md) — from one model.

The JSON is the full record; the console and Markdown show the same numbers and the same list of
wrong, missed and spurious fields.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eval.runs import Run
from eval.score import OUTCOMES, RATE_NAMES, FieldOutcome, Stats, fmt_rate

RATE_LABELS = {
    "f1": "F1",
    "precision": "P",
    "recall": "R",
    "auto_accept_precision": "auto-P",
    "review_load": "review",
    "catch_rate": "catch",
}
COUNT_COLUMNS = ("gold", "predicted", "correct", "wrong", "missed", "spurious")
COUNT_LABELS = {
    "gold": "gold",
    "predicted": "pred",
    "correct": "ok",
    "wrong": "wrong",
    "missed": "miss",
    "spurious": "spur",
}
QUOTE_WIDTH = 60


def _problems(run: Run) -> list[FieldOutcome]:
    """Every form's problems: a format check's misses are as worth reading as the headline's."""
    return [o for r in run.reports for o in r.outcomes if o.outcome != "correct"]


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _short(text: str | None, width: int = QUOTE_WIDTH) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _add_row(table: Table, *cells: str) -> None:
    """Cells hold report text (keys like by_applicant[...], quotes): never read it as rich markup."""
    table.add_row(*(escape(cell) for cell in cells))


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def summary_line(run: Run) -> str:
    s = run.board.overall
    checks = run.format_checks
    return (
        f"[{run.label}] F1 {fmt_rate(s.f1)} (micro) · macro F1 {fmt_rate(run.macro_f1)}"
        f" · precision {fmt_rate(s.precision)}"
        f" · recall {fmt_rate(s.recall)} · auto-accept precision {fmt_rate(s.auto_accept_precision)}"
        f" · review load {fmt_rate(s.review_load)} · error catch rate {fmt_rate(s.catch_rate)}"
        f" · fields {s.gold} gold / {s.predicted} predicted"
        f" · reports {len(run.headline_reports)} ({len(run.errors)} errors)"
        + (f" + {len(checks)} format checks (lowest F1 {fmt_rate(run.format_check_f1)})" if checks else "")
        + f" · extraction median {_ms(run.median_ms)} ms, total {_ms(run.total_ms)} ms"
        + _token_summary(run)
    )


def _token_summary(run: Run) -> str:
    """Model usage over the run: calls and real tokens per report (only when a model ran)."""
    usages = [r.llm for r in run.reports if r.llm]
    if not usages:
        return ""
    prompt = sum(u.get("prompt_tokens") or 0 for u in usages)
    completion = sum(u.get("completion_tokens") or 0 for u in usages)
    calls = sum(u.get("calls") or 0 for u in usages)
    return (
        f" · model {calls} calls, {prompt / len(usages):,.0f} prompt + {completion / len(usages):,.0f}"
        f" completion tokens per report"
    )


# --------------------------------------------------------------------------- JSON


def run_to_json(run: Run) -> dict[str, Any]:
    board = run.board
    by_report = {}
    for r in run.reports:
        by_report[r.report] = {
            "template": r.template,
            "source": r.source,
            "ms": r.ms,
            "error": r.error,
            "llm": r.llm,
            "form": r.form,
            "format_check_of": r.format_check_of,
            **board.by_report[r.report].to_dict(),
        }
    return {
        "label": run.label,
        "summary": {
            **board.overall.to_dict(),
            "macro_f1": run.macro_f1,
            "reports": len(run.headline_reports),
            "format_checks": len(run.format_checks),
            "format_check_f1": run.format_check_f1,
            "failed_reports": len(run.errors),
        },
        "timing": {"median_ms": run.median_ms, "total_ms": run.total_ms, "reports_timed": len(run.timings)},
        "by_template": {name: stats.to_dict() for name, stats in board.by_template.items()},
        "by_form": {name: stats.to_dict() for name, stats in run.by_form.items()},
        "by_section": {name: stats.to_dict() for name, stats in board.by_section.items()},
        "by_report": by_report,
        "problems": [
            {
                "report": o.report,
                "key": o.key,
                "outcome": o.outcome,
                "predicted": o.predicted,
                "gold": o.gold,
                "review": o.review,
                "quote": o.quote,
            }
            for o in _problems(run)
        ],
        "report_errors": [{"report": r.report, "error": r.error} for r in run.errors],
    }


def to_json(runs: Sequence[Run], failures: list[str], notes: list[str]) -> dict[str, Any]:
    return {
        "runs": [run_to_json(run) for run in runs],
        "thresholds": {"applies_to": runs[-1].label, "failed": failures, "notes": notes},
    }


# --------------------------------------------------------------------------- console


def _stats_cells(stats: Stats) -> list[str]:
    counts = stats.to_dict()
    return [str(counts[name]) for name in COUNT_COLUMNS] + [fmt_rate(getattr(stats, n)) for n in RATE_NAMES]


def _stats_table(
    title: str,
    first: str,
    rows: dict[str, Stats],
    extra: dict[str, list[str]] | None = None,
    extra_names: Sequence[str] = (),
) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(first, no_wrap=True)
    for name in extra_names:
        table.add_column(name)
    for name in COUNT_COLUMNS:
        table.add_column(COUNT_LABELS[name], justify="right")
    for name in RATE_NAMES:
        table.add_column(RATE_LABELS[name], justify="right")
    for name, stats in rows.items():
        _add_row(table, name, *(extra or {}).get(name, []), *_stats_cells(stats))
    return table


REPORT_EXTRAS = ("template", "form", "format check of", "ms", "error")


def _report_extras(run: Run, error_width: int | None = 40) -> dict[str, list[str]]:
    return {
        r.report: [
            r.template,
            r.form,
            r.format_check_of or "",
            _ms(r.ms),
            _short(r.error, error_width) if error_width else r.error or "",
        ]
        for r in run.reports
    }


def print_run(console: Console, run: Run) -> None:
    board = run.board
    console.print(escape(summary_line(run)), highlight=False)
    console.print(_stats_table("per template (headline: each report once)", "template", board.by_template))
    console.print(_stats_table("per source form (every form of every report)", "form", run.by_form))
    console.print(_stats_table("per section (headline)", "section", board.by_section))
    console.print(_stats_table("per report", "report", board.by_report, _report_extras(run), REPORT_EXTRAS))
    print_problems(console, run)


def print_problems(console: Console, run: Run) -> None:
    if run.errors:
        errors = Table(title=f"\\[{run.label}] reports that failed (scored as all-missed)", title_justify="left")
        errors.add_column("report")
        errors.add_column("error")
        for r in run.errors:
            _add_row(errors, r.report, r.error or "")
        console.print(errors)
    problems = _problems(run)
    counts = {name: sum(o.outcome == name for o in problems) for name in OUTCOMES if name != "correct"}
    table = Table(
        title=f"\\[{run.label}] problems: " + ", ".join(f"{n} {k}" for k, n in counts.items()),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("report", "key", "outcome", "predicted", "gold", "review", "evidence"):
        table.add_column(name, overflow="fold")  # values are what the reader checks: never cut them
    for o in problems:
        review = "" if o.review is None else ("yes" if o.review else "no")
        _add_row(
            table,
            o.report,
            o.key,
            o.outcome,
            _value(o.predicted) if o.outcome != "missed" else "",
            _value(o.gold) if o.outcome != "spurious" else "",
            review,
            _short(o.quote),
        )
    console.print(table)


def _comparison(runs: Sequence[Run]) -> list[tuple[str, list[str]]]:
    """Rows of (label, one cell per run) comparing the overall rates, section F1s and report F1s."""
    rows: list[tuple[str, list[str]]] = []
    for name in RATE_NAMES:
        rows.append((name, [fmt_rate(getattr(run.board.overall, name)) for run in runs]))
        if name == "f1":
            rows.append(("macro_f1", [fmt_rate(run.macro_f1) for run in runs]))
    rows.append(("median ms", [_ms(run.median_ms) for run in runs]))
    for attribute, prefix in (("by_section", "section"), ("by_report", "report")):
        names = dict.fromkeys(n for run in runs for n in getattr(run.board, attribute))
        for name in names:
            cells = [fmt_rate(getattr(run.board, attribute).get(name, Stats()).f1) for run in runs]
            rows.append((f"F1 {prefix} {name}", cells))
    return rows


def print_runs(console: Console, runs: Sequence[Run]) -> None:
    if len(runs) == 1:
        print_run(console, runs[0])
        return
    for run in runs:
        console.print(escape(summary_line(run)), highlight=False)
    table = Table(title="side by side", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("metric")
    for run in runs:
        table.add_column(run.label, justify="right")
    for label, cells in _comparison(runs):
        _add_row(table, label, *cells)
    console.print(table)
    for run in runs:
        print_problems(console, run)


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_stats(
    first: str, rows: dict[str, Stats], extra: dict[str, list[str]] | None = None, extra_names: Sequence[str] = ()
) -> str:
    header = [first, *extra_names, *COUNT_COLUMNS, *(RATE_LABELS[n] for n in RATE_NAMES)]
    body = [[name, *(extra or {}).get(name, []), *_stats_cells(stats)] for name, stats in rows.items()]
    return _md_table(header, body)


def _md_run(run: Run) -> str:
    board = run.board
    parts = [
        f"## Run: {run.label}\n",
        summary_line(run).replace(" · ", "  \n") + "\n",
        "### Per template (headline: each report once)\n",
        _md_stats("template", board.by_template),
        "### Per source form (every form of every report)\n",
        _md_stats("form", run.by_form),
        "### Per section (headline)\n",
        _md_stats("section", board.by_section),
        "### Per report\n",
        _md_stats("report", board.by_report, _report_extras(run, None), REPORT_EXTRAS),
    ]
    if run.errors:
        parts += [
            "### Reports that failed (scored as all-missed)\n",
            _md_table(["report", "error"], [[r.report, r.error or ""] for r in run.errors]),
        ]
    rows = [
        [
            o.report,
            o.key,
            o.outcome,
            _value(o.predicted) if o.outcome != "missed" else "",
            _value(o.gold) if o.outcome != "spurious" else "",
            "" if o.review is None else ("yes" if o.review else "no"),
            o.quote or "",
        ]
        for o in _problems(run)
    ]
    parts += [
        "### Wrong, missed and spurious fields\n",
        _md_table(["report", "key", "outcome", "predicted", "gold", "review", "evidence"], rows),
    ]
    return "\n".join(parts)


def to_markdown(runs: Sequence[Run], failures: list[str], notes: list[str]) -> str:
    parts = ["# nianbao eval\n"]
    if len(runs) > 1:
        parts += [
            "## Side by side\n",
            _md_table(
                ["metric", *(run.label for run in runs)], [[label, *cells] for label, cells in _comparison(runs)]
            ),
        ]
    if failures or notes:
        parts.append(f"## Thresholds ({runs[-1].label} run)\n")
        parts += [f"- below threshold: {f}" for f in failures] + [f"- note: {n}" for n in notes] + [""]
    parts += [_md_run(run) for run in runs]
    return "\n".join(parts)
