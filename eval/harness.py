"""Run the extractor over every gold-labelled report and score it: ``python -m eval``.

The extractor and the reader are parameters so the harness can be tested with a fake extractor and
so ``--llm`` is only a different callable. A report that cannot be found, read or extracted is
scored as all-missed and listed as an error; the run always goes on.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from eval import report
from eval.gate import LIMITS, gate_failures
from eval.runs import Gold, ReportRun, Run, second_forms
from eval.score import predictions_from_result, score_report
from service.schema import LlmProvenance, Result

Extractor = Callable[[Any], Result]
Reader = Callable[[Path], Any]

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
VALIDATE_HINT = "run `python -m eval.validate_gold` for details"


class UsageError(Exception):
    """Bad arguments or inputs the run cannot start with (exit code 2)."""


LLM_USAGE_KEYS = (
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cache_hits",
    "window_tokens_estimate",
    "whole_report_tokens_estimate",
    "errors",
)


# --------------------------------------------------------------------------- inputs


def load_gold(gold_dir: Path) -> list[Gold]:
    """Every ``*.json`` in ``gold_dir``; a malformed file stops the run (the validator says more)."""
    golds = []
    for path in sorted(gold_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"{path}: not readable JSON ({exc}); {VALIDATE_HINT}") from None
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise UsageError(f"{path}: no 'fields' object; {VALIDATE_HINT}")
        source, same_as = data.get("source"), data.get("same_as")
        golds.append(
            Gold(
                str(data.get("report") or path.stem),
                source if isinstance(source, str) else None,
                data["fields"],
                path,
                same_as if isinstance(same_as, str) else None,
            )
        )
    if not golds:
        raise UsageError(f"no gold files (*.json) in {gold_dir}")
    return golds


def find_report(gold: Gold, report_dirs: Sequence[Path]) -> Path | None:
    """The file the gold's ``source`` names; else any file whose stem is the report id."""
    if gold.source:
        for directory in report_dirs:
            candidate = directory / gold.source
            if candidate.is_file():
                return candidate
    for directory in report_dirs:
        matches = sorted(p for p in directory.iterdir() if p.is_file() and p.stem == gold.report)
        if matches:
            return matches[0]
    return None


# --------------------------------------------------------------------------- the run


def _default_reader(path: Path) -> Any:
    from service.ingest import read_path

    return read_path(path)


def _default_extractor(llm: Any = None) -> Extractor:
    try:
        from service.pipeline import extract
    except ImportError as exc:
        raise UsageError(f"the extractor is not available (service.pipeline: {exc})") from None
    if llm is None:
        return extract
    return lambda document: extract(document, llm=llm)


def _error_text(exc: BaseException) -> str:
    message = str(exc).strip()
    code = getattr(exc, "code", None)
    name = f"{type(exc).__name__}[{code}]" if code else type(exc).__name__
    return f"{name}: {message}" if message else name


def run_one(gold: Gold, report_dirs: Sequence[Path], extractor: Extractor, reader: Reader) -> ReportRun:
    path = find_report(gold, report_dirs)
    if path is None:
        wanted = gold.source or f"{gold.report}.*"
        return _failed(gold, None, f"not found: no {wanted} in {', '.join(map(str, report_dirs))}")
    try:
        document = reader(path)
    except Exception as exc:  # any reader failure is an ingest error for this report only
        return _failed(gold, path.name, f"ingest: {_error_text(exc)}")
    started = time.perf_counter()
    try:
        result = extractor(document)
        ms = (time.perf_counter() - started) * 1000
        predicted = predictions_from_result(result)
    except Exception as exc:  # a crashing extractor (or a malformed result) must not stop the run
        return _failed(gold, path.name, f"extract: {_error_text(exc)}")
    predicted_template = result.template or (predicted["meta.template"].value if "meta.template" in predicted else None)
    template = gold.template or (predicted_template if isinstance(predicted_template, str) else None)
    outcomes = score_report(gold.report, gold.fields, predicted, template)
    llm = getattr(getattr(result, "provenance", None), "llm", None)
    usage = llm.model_dump(include=set(LLM_USAGE_KEYS)) if isinstance(llm, LlmProvenance) else None
    return ReportRun(gold.report, template or "unknown", path.name, outcomes, ms, llm=usage)


def _failed(gold: Gold, source: str | None, error: str) -> ReportRun:
    outcomes = score_report(gold.report, gold.fields, {}, gold.template)
    return ReportRun(gold.report, gold.template or "unknown", source, outcomes, None, error)


def run_eval(
    golds: Sequence[Gold],
    report_dirs: Sequence[Path],
    extractor: Extractor,
    reader: Reader = _default_reader,
    label: str = "rules",
) -> Run:
    """Every gold report once; a second form of a report is marked as its format check."""
    seconds = second_forms(list(golds))
    reports = []
    for gold in golds:
        scored = run_one(gold, report_dirs, extractor, reader)
        scored.format_check_of = seconds.get(gold.report)
        reports.append(scored)
    return Run(label, reports)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval", description="Score the extractor against the gold files (GOLD.md, Scoring)."
    )
    parser.add_argument(
        "--gold", type=Path, default=Path("gold"), metavar="DIR", help="gold directory (default: gold/)"
    )
    parser.add_argument(
        "--reports",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="directory of report files; repeat for several",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where eval.json and eval.md go (default: eval/out/)"
    )
    for limit in LIMITS:
        relation = "<" if limit.bound == "min" else ">"
        required = "" if limit.na_passes else " or n/a"
        parser.add_argument(limit.flag, type=float, metavar="X", help=f"exit 1 if {limit.help} {relation} X{required}")
    llm = parser.add_mutually_exclusive_group()
    llm.add_argument("--llm", action="store_true", help="extract with the model (service.llm.client.from_env)")
    llm.add_argument("--compare-llm", action="store_true", help="run rules-only and with the model, side by side")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser


def _build_llm() -> Any:
    try:
        from service.llm.client import from_env
    except ImportError as exc:
        raise UsageError(f"--llm needs service.llm.client.from_env, which is not available ({exc})") from None
    try:
        llm = from_env()
    except Exception as exc:  # misconfiguration of the model is a usage problem, not a crash
        raise UsageError(f"--llm: could not set up the model client: {_error_text(exc)}") from None
    if llm is None:
        raise UsageError("--llm: no model is configured (service.llm.client.from_env returned nothing)")
    return llm


def _check_args(args: argparse.Namespace) -> None:
    if not args.gold.is_dir():
        raise UsageError(f"gold directory not found: {args.gold}")
    for directory in args.reports:
        if not directory.is_dir():
            raise UsageError(f"reports directory not found: {directory}")
    for limit in LIMITS:
        value = getattr(args, limit.option)
        if value is not None and not 0.0 <= value <= 1.0:
            raise UsageError(f"{limit.flag} must be between 0 and 1, got {value}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out is not a directory: {args.out}")


def main(
    argv: list[str] | None = None,
    *,
    extractor_factory: Callable[[Any], Extractor] | None = None,
    reader: Reader = _default_reader,
    console: Console | None = None,
) -> int:
    """Exit codes: 0 ok, 1 a threshold was missed, 2 bad arguments or inputs.

    ``extractor_factory(llm)`` builds the extractor (``llm`` is None for rules-only); the default
    is ``service.pipeline.extract``.
    """
    if console is None:
        console = Console()
        if not console.is_terminal:  # a file or a pipe: do not squeeze the tables into 80 columns
            console = Console(width=220)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage message already
        return int(exc.code or 0)
    try:
        _check_args(args)
        golds = load_gold(args.gold)
        runs: list[Run] = []
        factory = extractor_factory or _default_extractor
        llm = _build_llm() if args.llm or args.compare_llm else None
        if llm is None or args.compare_llm:
            runs.append(run_eval(golds, args.reports, factory(None), reader, "rules"))
        if llm is not None:
            runs.append(run_eval(golds, args.reports, factory(llm), reader, "llm"))
    except UsageError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return 2

    primary = runs[-1]  # the thresholds apply to the model run when there is one
    limits = {limit.option: getattr(args, limit.option) for limit in LIMITS}
    failures, notes = gate_failures(primary, limits)
    document = report.to_json(runs, failures, notes)

    args.out.mkdir(parents=True, exist_ok=True)
    if args.out.resolve() == DEFAULT_OUT:
        (args.out / ".gitignore").write_text("*\n", encoding="utf-8")  # generated output, never committed
    (args.out / "eval.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "eval.md").write_text(report.to_markdown(runs, failures, notes), encoding="utf-8")

    if args.json:
        console.out(json.dumps(document, ensure_ascii=False, indent=2), highlight=False)  # never wrapped
    else:
        report.print_runs(console, runs)
        for note in notes:
            console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
        for failure in failures:
            console.print(f"[bold red]below threshold:[/] {escape(failure)}", highlight=False)
        console.print(escape(f"written: {args.out / 'eval.json'}, {args.out / 'eval.md'}"), highlight=False)
    return 1 if failures else 0
