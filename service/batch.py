"""``nianbao batch``: extract every report in a directory into JSON lines, resuming where a run stopped.

One line per report file (``*.txt``, ``*.md``, ``*.html``, ``*.htm``, not recursive, in name order):
``{"report", "file", "sha256", "result"}`` or ``{"report", "file", "sha256", "error"}``. A file whose
sha256 already has a result line is skipped, so an interrupted run resumes where it stopped and a
renamed file is not extracted twice. Error lines are dropped and their files retried on the next run,
so the output never holds both an error and a result for one file. A bad file never stops the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.ingest import IngestError, read_bytes
from service.pipeline import Assistant, extract

SUFFIXES = (".txt", ".md", ".html", ".htm")


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
    payload = result.model_dump(mode="json", exclude_none=True)
    payload.setdefault("template", None)
    return record | {"result": payload}


def run_batch(directory: Path, out_path: Path, llm: Assistant | None, console: Console) -> int:
    """Extract the reports of ``directory`` not yet in ``out_path``; returns how many failed this run."""
    files = report_files(directory)
    done = load_done(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    todo = []
    for path in files:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None  # extract_file writes the error line
        if digest not in done:
            todo.append(path)
    skipped = len(files) - len(todo)
    failures = extracted = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with out_path.open("a", encoding="utf-8") as out, Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("extracting", total=len(todo))
        for path in todo:
            bar.update(task, description=escape(path.name[:40]))
            record = extract_file(path, llm)
            if "error" in record:
                failures += 1
                bar.console.print(f"[red]failed[/] {escape(path.name)}: {escape(record['error'])}", highlight=False)
            elif record["sha256"] in done:  # the same bytes under a second name
                bar.advance(task)
                continue
            else:
                done.add(record["sha256"])
                extracted += 1
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            bar.advance(task)
        bar.update(task, description="done")
    console.print(f"{extracted} extracted, {skipped} already in {escape(str(out_path))}, "
                  f"{failures} failed", highlight=False)
    return failures
