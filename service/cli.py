"""The ``nianbao`` command: extract, check, batch, eval, serve, export-gold.

Exit codes: 0 ok; 1 the command ran but found problems (failed checks, eval below threshold);
2 bad input or usage (unreadable file, empty file, wrong flags); 3 some reports in a batch failed.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from service.ingest import IngestError, read_path
from service.pipeline import Assistant, extract
from service.schema import FIELD_TYPES, Result

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


@app.command("batch")
def batch_cmd(
    directory: Path,
    out_path: Annotated[Path, typer.Option("--out", help="JSON lines, one result per report")] = Path("results.jsonl"),
    csv_path: Annotated[Path | None, typer.Option("--csv", help="also write one CSV row per report")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="reports in flight with --llm")] = 4,
    use_llm: LlmFlag = False,
) -> None:
    """Extract every report in a directory; resumes where a previous run stopped."""
    from service.batch import run_batch

    if not directory.is_dir():
        err.print(f"[red]error:[/] {directory} is not a directory")
        raise typer.Exit(2)
    failures = run_batch(directory, out_path, _assistant(use_llm), console=err, concurrency=concurrency)
    if csv_path:
        write_csv(out_path, csv_path)
        err.print(f"wrote {csv_path}")
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


@app.command("eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def eval_cmd(ctx: typer.Context) -> None:
    """Score the extractor against gold files (same flags as ``python -m eval``)."""
    from eval.__main__ import main

    raise typer.Exit(main(list(ctx.args)))


@app.command("serve")
def serve_cmd(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: Annotated[Path, typer.Option("--data-dir")] = Path("nianbao-data"),
    workers: int = 2,
    use_llm: LlmFlag = False,
) -> None:
    """Run the HTTP service and the review pages."""
    from service.api import serve

    serve(host=host, port=port, data_dir=data_dir, workers=workers, llm=_assistant(use_llm))


@app.command("export-gold")
def export_gold_cmd(
    data_dir: Annotated[Path, typer.Option("--data-dir")] = Path("nianbao-data"),
    out_dir: Annotated[Path, typer.Option("--out")] = Path("gold-reviewed"),
) -> None:
    """Write reviewed reports as gold files (GOLD.md format)."""
    from service.store import Store

    written = Store(data_dir).export_gold(out_dir)
    out.print(f"wrote {len(written)} gold files to {out_dir}")


if __name__ == "__main__":
    app()
