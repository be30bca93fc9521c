"""The ``nianbao`` command: extract, check, batch, compare, export, eval, serve, worker, export-gold.

Exit codes: 0 ok; 1 the command ran but found problems (failed checks, eval below threshold);
2 bad input or usage (unreadable file, empty file, wrong flags); 3 some reports in a batch failed.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from service.ingest import IngestError, read_path
from service.pipeline import Assistant, extract
from service.schema import FIELD_TYPES, Result

if TYPE_CHECKING:
    from service.panel.panel import Panel
    from service.panel.sources import Entry

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Turn 政府信息公开工作年度报告 into verified metrics."
)
out = Console(width=None if sys.stdout.isatty() else 220)
err = Console(stderr=True)

LlmFlag = Annotated[
    bool,
    typer.Option(
        "--llm",
        help="ask an OpenAI-compatible model for what the anchors "
        "cannot settle (OPENAI_BASE_URL, OPENAI_API_KEY, NIANBAO_MODEL)",
    ),
]


@app.callback()
def configure_model(
    model: Annotated[str | None, typer.Option("--model", help="model name for --llm (else NIANBAO_MODEL)")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (else OPENAI_BASE_URL)"
        ),
    ] = None,
    llm_mode: Annotated[
        str | None,
        typer.Option(
            "--llm-mode", help="instructor mode: tools | json | json_schema | md_json (else NIANBAO_LLM_MODE)"
        ),
    ] = None,
) -> None:
    """Flags given before the command override the environment the model client reads."""
    for name, value in (("NIANBAO_MODEL", model), ("OPENAI_BASE_URL", base_url), ("NIANBAO_LLM_MODE", llm_mode)):
        if value:
            os.environ[name] = value


def _assistant(use_llm: bool) -> Assistant | None:
    if not use_llm:
        return None
    from service.llm.client import from_env

    try:
        return from_env()
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def _extract_path(path: Path, llm: Assistant | None, include_text: bool = False) -> Result:
    try:
        document = read_path(path)
    except IngestError as exc:
        err.print(f"[red]error:[/] {path}: {exc}")
        raise typer.Exit(2) from None
    return extract(document, llm, include_text=include_text)


def contract_json(result: Result) -> str:
    """The result contract without empty optionals, but always with ``template`` (null when unknown)."""
    return json.dumps(result.contract(), ensure_ascii=False, indent=2)


def print_table(result: Result) -> None:
    table = Table(
        title=f"{result.report.id} — template {result.template or '?'} — {len(result.fields)} fields", show_lines=False
    )
    for column in ("key", "value", "conf", "source", "review"):
        table.add_column(column, no_wrap=True)
    table.add_column("evidence", overflow="fold")
    for key, field in result.fields.items():
        value = f"{field.value}{'≈' if field.approximate else ''}"
        quote = " ".join(field.evidence.quote.split()) if field.evidence else ""
        flag = "[yellow]REVIEW[/]" if field.review else ""
        table.add_row(
            key, value, f"{field.confidence:.2f}", field.source, flag, quote if len(quote) <= 40 else "…" + quote[-39:]
        )
    out.print(table)
    failed = [c for c in result.checks if c.status == "fail"]
    if failed:
        out.print(f"[red]{len(failed)} failed checks:[/] " + "; ".join(f"{c.id} {c.message}" for c in failed))
    for item in result.unresolved:
        out.print(f"[yellow]unresolved[/] {', '.join(item.keys)}: {item.reason} — candidates {item.candidates}")
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/] {warning}")


@app.command("extract")
def extract_cmd(
    paths: Annotated[list[Path], typer.Argument(help="report files (.txt, .md, .html, .pdf)")],
    format: Annotated[Literal["table", "json"], typer.Option("--format", "-f")] = "table",
    with_text: Annotated[bool, typer.Option("--with-text", help="include the document text in JSON")] = False,
    use_llm: LlmFlag = False,
) -> None:
    """Extract metrics from reports and print the result contract."""
    llm = _assistant(use_llm)
    for path in paths:
        result = _extract_path(path, llm, include_text=with_text)
        if format == "json":
            sys.stdout.write(contract_json(result) + "\n")
        else:
            print_table(result)


@app.command("check")
def check_cmd(path: Path, use_llm: LlmFlag = False) -> None:
    """List the identities a report fails (exit 1 if any)."""
    result = _extract_path(path, _assistant(use_llm))
    failed = [c for c in result.checks if c.status == "fail"]
    counts = {s: sum(c.status == s for c in result.checks) for s in ("pass", "fail", "skip")}
    out.print(f"{result.report.id}: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip")
    for check in failed:
        out.print(f"  [red]FAIL[/] {check.id}: {check.message}  keys: {', '.join(check.keys)}")
    raise typer.Exit(1 if failed else 0)


LongOption = Annotated[
    Path | None, typer.Option("--long", help="long CSV: report, issuer, year, key, value, confidence, review, …")
]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Excel workbook: a sheet per section, review flags")]
ParquetOption = Annotated[Path | None, typer.Option("--parquet", help="the long table as Parquet (needs pyarrow)")]
AuditOption = Annotated[
    Path | None, typer.Option("--audit", help="audit CSV: broken identities, missing sections, tenfold jumps")
]


@app.command("batch")
def batch_cmd(
    directory: Path,
    out_path: Annotated[Path, typer.Option("--out", help="JSON lines, one result per report")] = Path("results.jsonl"),
    csv_path: Annotated[Path | None, typer.Option("--csv", help="also write one CSV row per report")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="reports in flight with --llm")] = 4,
    long_path: LongOption = None,
    xlsx_path: XlsxOption = None,
    parquet_path: ParquetOption = None,
    audit_path: AuditOption = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="extraction processes (rules only)")] = 1,
    use_llm: LlmFlag = False,
) -> None:
    """Extract every report in a directory; resumes where a previous run stopped."""
    from service.batch import run_batch

    if not directory.is_dir():
        err.print(f"[red]error:[/] {directory} is not a directory")
        raise typer.Exit(2)
    failures = run_batch(directory, out_path, _assistant(use_llm), console=err, concurrency=concurrency, jobs=jobs)
    if csv_path:
        write_csv(out_path, csv_path)
        err.print(f"wrote {csv_path}")
    if long_path or xlsx_path or parquet_path or audit_path:
        _export([out_path], long_path, xlsx_path, parquet_path, audit_path)
    raise typer.Exit(3 if failures else 0)


def write_csv(results_path: Path, csv_path: Path) -> None:
    """One row per report, one column per FIELDS.md key."""
    with results_path.open(encoding="utf-8") as lines, csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["report", "template", *FIELD_TYPES])
        for line in lines:
            record = json.loads(line)
            if "result" not in record:
                continue
            fields = record["result"]["fields"]
            writer.writerow(
                [
                    record["report"],
                    record["result"].get("template") or "",
                    *(fields[k]["value"] if k in fields else "" for k in FIELD_TYPES),
                ]
            )


def _entries(paths: list[Path]) -> list[Entry]:
    from service.panel.sources import SourceError, read_paths

    try:
        return read_paths(paths)
    except SourceError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def _export(
    paths: list[Path],
    long_path: Path | None,
    xlsx_path: Path | None,
    parquet_path: Path | None,
    audit_path: Path | None,
) -> None:
    from service.panel.audit import audit, sort_rows
    from service.panel.audit import write_csv as write_audit
    from service.panel.exports import ExportError, write_long_csv, write_parquet, write_xlsx
    from service.panel.panel import build_panel

    entries = _entries(paths)
    panel = build_panel(entries)
    rows = sort_rows(audit(panel), "problems")
    try:
        if long_path:
            err.print(f"wrote {long_path}: {write_long_csv(entries, long_path)} rows")
        if parquet_path:
            err.print(f"wrote {parquet_path}: {write_parquet(entries, parquet_path)} rows")
        if xlsx_path:
            write_xlsx(entries, panel, xlsx_path, rows)
            err.print(f"wrote {xlsx_path}")
        if audit_path:
            with audit_path.open("w", newline="", encoding="utf-8-sig") as fh:
                write_audit(rows, fh)
            err.print(f"wrote {audit_path}: {len(rows)} reports, {sum(r.problems() > 0 for r in rows)} with problems")
    except (ExportError, OSError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


@app.command("export")
def export_cmd(
    paths: Annotated[list[Path], typer.Argument(help="report files, directories or batch .jsonl")],
    long_path: LongOption = None,
    xlsx_path: XlsxOption = None,
    parquet_path: ParquetOption = None,
    audit_path: AuditOption = None,
) -> None:
    """Write results as a long CSV, an Excel workbook, Parquet and/or the audit CSV."""
    if not (long_path or xlsx_path or parquet_path or audit_path):
        err.print("[red]error:[/] give at least one of --long, --xlsx, --parquet, --audit")
        raise typer.Exit(2)
    _export(paths, long_path, xlsx_path, parquet_path, audit_path)


@app.command("compare")
def compare_cmd(
    paths: Annotated[list[Path], typer.Argument(help="report files, directories or batch .jsonl")],
    format: Annotated[Literal["table", "json"], typer.Option("--format", "-f")] = "table",
) -> None:
    """Per issuer, the main metrics year by year and the cross-year identities (exit 1 if one fails)."""
    from service.panel.panel import build_panel

    panel = build_panel(_entries(paths))
    if format == "json":
        sys.stdout.write(json.dumps(panel.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_panel(panel)
    failed = any(c.status == "fail" for issuer in panel.issuers for c in issuer.checks)
    raise typer.Exit(1 if failed else 0)


def print_panel(panel: Panel) -> None:
    from service.panel.panel import MAIN_METRICS

    for issuer in panel.issuers:
        years = issuer.years
        title = f"{escape(issuer.key)} — {len(years)} reports, {years[0]}–{years[-1]}"
        if issuer.missing_years:
            title += f" (no report for {', '.join(map(str, issuer.missing_years))})"
        table = Table(title=title)
        table.add_column("metric", no_wrap=True)
        for year in years:
            table.add_column(str(year), justify="right", no_wrap=True)
        table.add_row("template", *(issuer.by_year[y].result.template or "?" for y in years))
        for key, label in MAIN_METRICS:
            cells = []
            for year in years:
                found = issuer.by_year[year].result.fields.get(key)
                cells.append("" if found is None else f"{found.value}{'*' if found.review else ''}")
            if any(cells):
                table.add_row(f"{label} [dim]{key}[/]", *cells)
        out.print(table)
        counts = issuer.counts()
        names, pairs, grid = issuer.check_grid()
        summary = f"cross-year checks: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip"
        if names:
            checks = Table(title=summary)
            checks.add_column("check", no_wrap=True)
            for first, second in pairs:
                checks.add_column(f"{first}→{second}", justify="center", no_wrap=True)
            marks = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "skip": "[dim]skip[/]"}
            for name in names:
                cells = [marks[grid[(name, pair)].status] if (name, pair) in grid else "" for pair in pairs]
                checks.add_row(escape(name), *cells)
            out.print(checks)
        else:
            out.print(f"{summary} (no consecutive years)")
        out.print("* = in review")
        for check in issuer.checks:
            if check.status == "fail":
                line = f"{check.name} {check.years[0]}→{check.years[1]}: {check.message}"
                out.print(f"  [red]FAIL[/] {escape(line)}")
            elif check.status == "skip" and check.hint:
                out.print(
                    f"  [yellow]skip[/] {escape(f'{check.name} {check.years[0]}→{check.years[1]}: {check.hint}')}"
                )
        for ambiguity in issuer.ambiguous:
            out.print(f"  [yellow]not merged:[/] {escape(ambiguity.reason)}")
    if panel.unplaced:
        out.print(f"[yellow]no issuer or year, not placed:[/] {escape(', '.join(e.report for e in panel.unplaced))}")


@app.command("eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def eval_cmd(ctx: typer.Context) -> None:
    """Score the extractor against gold files (same flags as ``python -m eval``)."""
    from eval.__main__ import main

    raise typer.Exit(main(list(ctx.args)))


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="postgresql://user@host/db or sqlite:///path (else NIANBAO_DATABASE_URL, else SQLite in --data-dir)",
    ),
]
DataDirOption = Annotated[Path, typer.Option("--data-dir", help="where the default SQLite database lives")]


def _open_store(database: str | None, data_dir: Path):
    from sqlalchemy.exc import SQLAlchemyError

    from service.storage import Store, database_url

    try:
        return Store(database_url(database, data_dir))
    except (OSError, SQLAlchemyError, RuntimeError, ValueError) as exc:
        err.print(f"[red]error:[/] cannot open the database: {exc}")
        raise typer.Exit(2) from None


@app.command("serve")
def serve_cmd(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: DataDirOption = Path("nianbao-data"),
    database: DatabaseOption = None,
    workers: Annotated[int, typer.Option(min=0, help="extraction processes beside the server (0: none)")] = 2,
    use_llm: LlmFlag = False,
) -> None:
    """Run the HTTP service and the review pages."""
    from service.api import serve

    _assistant(use_llm)  # a missing model setting is an error now, not in every worker later
    _open_store(database, data_dir).close()  # a bad URL or an unreachable database: exit 2 with the reason
    serve(host=host, port=port, data_dir=data_dir, database=database, workers=workers, use_llm=use_llm)


@app.command("worker")
def worker_cmd(
    data_dir: DataDirOption = Path("nianbao-data"),
    database: DatabaseOption = None,
    processes: Annotated[int, typer.Option("--processes", min=1, help="extraction processes")] = os.cpu_count() or 1,
    drain: Annotated[bool, typer.Option("--drain", help="exit once nothing is queued or running")] = False,
    lease: Annotated[float, typer.Option("--lease", min=1, help="seconds a claimed job is held unrenewed")] = 120,
    poll: Annotated[float, typer.Option("--poll", min=0.01, help="seconds between looks at an empty queue")] = 0.5,
    use_llm: LlmFlag = False,
) -> None:
    """Extract queued reports in worker processes (any number of machines may share one database)."""
    from service.runner import WorkerPool, WorkerSettings
    from service.storage.engine import shown

    _assistant(use_llm)
    store = _open_store(database, data_dir)  # migrates the database before the workers open it
    url = store.url
    store.close()
    settings = WorkerSettings(url, use_llm=use_llm, lease_seconds=lease, poll_seconds=poll, drain=drain)
    pool = WorkerPool(settings, processes)

    def terminate(*_: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (systemd, docker stop) stops like Ctrl-C

    signal.signal(signal.SIGTERM, terminate)
    pool.start()
    err.print(f"{processes} worker process(es) on {shown(url)}" + (" until the queue is empty" if drain else ""))
    crashed = 0
    try:
        crashed = pool.join()
    except KeyboardInterrupt:
        err.print("stopping: the current reports finish first")
        pool.stop()
    err.print(f"{pool.finished.value} job(s) finished")
    if crashed:
        err.print(f"[red]error:[/] {crashed} worker process(es) stopped with an error (see the log above)")
        raise typer.Exit(1)


@app.command("export-gold")
def export_gold_cmd(
    data_dir: DataDirOption = Path("nianbao-data"),
    database: DatabaseOption = None,
    out_dir: Annotated[Path, typer.Option("--out")] = Path("gold-reviewed"),
) -> None:
    """Write reviewed reports as gold files (GOLD.md format)."""
    from service.storage import export_gold

    store = _open_store(database, data_dir)
    try:
        written = export_gold(store, out_dir)
    finally:
        store.close()
    out.print(f"wrote {len(written)} gold files to {out_dir}")


if __name__ == "__main__":
    app()
