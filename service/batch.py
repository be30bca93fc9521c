"""``nianbao batch``: extract every report in a directory into JSON lines, resuming where a run stopped.

One line per report file (``*.txt``, ``*.md``, ``*.html``, ``*.htm``, ``*.pdf``, not recursive; in name order, or in
the order they finish with a model):
``{"report", "file", "sha256", "result"}`` or ``{"report", "file", "sha256", "error"}``. A file whose
sha256 already has a result line is skipped, so an interrupted run resumes where it stopped and a
renamed file is not extracted twice. Error lines are dropped and their files retried on the next run,
so the output never holds both an error and a result for one file. A bad file never stops the run.

With a model (``--llm``) the reports run ``concurrency`` at a time in a thread pool: the time goes into
HTTP waits, and ``LlmAssistant.propose`` is thread-safe. Lines are written by the main thread only, in
the order the reports finish, so they never interleave and a killed run loses at most the reports still
in flight. Rules-only runs are CPU-bound (~5 ms per report), so threads would gain nothing: with
``jobs`` > 1 they run in that many processes instead (``nianbao batch --jobs N``). The progress bar
and the closing lines show the model's tokens, calls, cache hits and
errors, summed from each result's ``provenance.llm``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.ingest import IngestError, read_bytes
from service.pipeline import Assistant, extract

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


def report_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def load_done(out_path: Path) -> set[str]:
    """The sha256 of every result line; rewrites the file without error lines and torn last lines."""
    if not out_path.exists():
        return set()
    kept: list[str] = []
    done: set[str] = set()
    dropped = 0
    with out_path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                dropped += 1
                continue
            if isinstance(record, dict) and "result" in record and isinstance(record.get("sha256"), str):
                done.add(record["sha256"])
                kept.append(line if line.endswith("\n") else line + "\n")
            else:
                dropped += 1
    if dropped:
        temporary = out_path.with_name(out_path.name + ".tmp")
        temporary.write_text("".join(kept), encoding="utf-8")
        os.replace(temporary, out_path)
    return done


def extract_file(path: Path, llm: Assistant | None) -> dict[str, Any]:
    """One output record; every failure becomes an ``error`` line, never an exception."""
    record: dict[str, Any] = {"report": path.stem, "file": path.name}
    try:
        data = path.read_bytes()
    except OSError as exc:
        return record | {"error": f"unreadable: {exc.strerror or exc}"}
    record["sha256"] = hashlib.sha256(data).hexdigest()
    try:
        document = read_bytes(data, path.name, path.stem)
        result = extract(document, llm)
    except IngestError as exc:
        return record | {"error": f"{exc.code}: {exc}"}
    except Exception as exc:
        return record | {"error": f"extraction failed: {type(exc).__name__}: {exc}"}
    return record | {"result": result.contract()}


@dataclass
class LlmTotals:
    """What the model cost this run, summed over the results' ``provenance.llm``."""

    reports: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cache_hits: int = 0
    errors: int = 0

    def add(self, record: dict[str, Any]) -> None:
        info = ((record.get("result") or {}).get("provenance") or {}).get("llm")
        if not isinstance(info, dict):
            return
        self.reports += 1
        self.prompt_tokens += int(info.get("prompt_tokens") or 0)
        self.completion_tokens += int(info.get("completion_tokens") or 0)
        self.calls += int(info.get("calls") or 0)
        self.cache_hits += int(info.get("cache_hits") or 0)
        self.errors += len(info.get("errors") or [])

    def progress(self) -> str:
        return f"{self.prompt_tokens:,}+{self.completion_tokens:,} tokens, {self.calls} calls"

    def summary(self) -> str:
        tokens = self.prompt_tokens + self.completion_tokens
        per_report = f" (~{tokens // self.reports:,} per report)" if self.reports else ""
        return (
            f"model: {self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens{per_report}, "
            f"{self.calls} calls, {self.cache_hits} cache hits, {self.errors} model errors"
        )


def _records(todo: list[Path], llm: Assistant | None, concurrency: int, jobs: int = 1) -> Iterator[dict[str, Any]]:
    """Records in the order they finish: in order when sequential; ``concurrency`` threads with a model;
    ``jobs`` processes without one."""
    pool: Executor
    if llm is not None and concurrency > 1 and len(todo) > 1:
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="nianbao-batch")
    elif llm is None and jobs > 1 and len(todo) > 1:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    else:
        for path in todo:
            yield extract_file(path, llm)
        return
    try:
        futures = [pool.submit(extract_file, path, llm) for path in todo]
        for future in as_completed(futures):
            yield future.result()  # extract_file never raises
    finally:
        # on Ctrl-C (or the consumer stopping) drop what has not started; in-flight reports finish alone
        pool.shutdown(wait=False, cancel_futures=True)


def run_batch(
    directory: Path, out_path: Path, llm: Assistant | None, console: Console, *, concurrency: int = 4, jobs: int = 1
) -> int:
    """Extract the reports of ``directory`` not yet in ``out_path``; returns how many failed this run.

    ``concurrency`` bounds the reports in flight when ``llm`` is given (each may make several calls);
    ``jobs`` is the number of extraction processes without a model."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    files = report_files(directory)
    done = load_done(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    todo: list[Path] = []
    queued: set[str] = set()
    for path in files:
        try:
            digest: str | None = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None  # extract_file writes the error line
        if digest is None:
            todo.append(path)
        elif digest not in done and digest not in queued:  # the same bytes under a second name run once
            queued.add(digest)
            todo.append(path)
    skipped = len(files) - len(todo)
    failures = extracted = 0
    totals = LlmTotals()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with ExitStack() as stack:
        out = stack.enter_context(out_path.open("a", encoding="utf-8"))
        bar = stack.enter_context(Progress(*columns, console=console, transient=False))
        at_once = min(concurrency if llm is not None else jobs, len(todo))
        first = "extracting" if at_once <= 1 else f"extracting, {at_once} at a time"
        task = bar.add_task(first, total=len(todo))
        records = stack.enter_context(closing(_records(todo, llm, concurrency, jobs)))
        for record in records:
            if "error" in record:
                failures += 1
                bar.console.print(
                    f"[red]failed[/] {escape(record['file'])}: {escape(record['error'])}", highlight=False
                )
            elif record["sha256"] in done:  # changed on disk into bytes already extracted
                bar.advance(task)
                continue
            else:
                done.add(record["sha256"])
                extracted += 1
                totals.add(record)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            description = escape(record["file"][:40])
            if llm is not None:
                description = f"{description} · {totals.progress()}"
            bar.update(task, advance=1, description=description)
        bar.update(task, description="done" if llm is None else f"done · {totals.progress()}")
    console.print(
        f"{extracted} extracted, {skipped} already in {escape(str(out_path))}, {failures} failed", highlight=False
    )
    if llm is not None:
        console.print(totals.summary(), highlight=False)
    return failures
