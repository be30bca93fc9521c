"""Where a panel's results come from: report files, directories of them, or ``nianbao batch`` JSON lines.

Every source becomes a list of ``Entry`` (one report's result and where it came from). Reading stays
here, at the edge; the rest of the package works on entries only. Bad input raises ``SourceError``
with a message for the user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from service.batch import SUFFIXES, report_files
from service.ingest import IngestError, read_path
from service.pipeline import extract
from service.schema import Result

JSONL_SUFFIXES = (".jsonl", ".ndjson")


class SourceError(Exception):
    """A path that cannot be read as reports or results."""


@dataclass(frozen=True)
class Entry:
    """One report's result; ``link`` is its review page when it lives in the service's store, ``label``
    its file name there."""

    report: str
    result: Result
    link: str | None = None
    label: str | None = None

    @property
    def name(self) -> str:
        """What to show for the report: its file name where known, else its id."""
        return self.label or self.report

    @property
    def issuer(self) -> str | None:
        field = self.result.fields.get("meta.issuer")
        return field.value if field else None

    @property
    def year(self) -> int | None:
        field = self.result.fields.get("meta.year")
        return field.value if field else None


def read_jsonl(path: Path) -> list[Entry]:
    """The result lines of a ``nianbao batch`` output (error lines are skipped: they have no result)."""
    entries: list[Entry] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise SourceError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(record, dict) or "result" not in record:
            continue
        try:
            result = Result.model_validate(record["result"])
        except ValidationError as exc:
            raise SourceError(f"{path}:{number}: not a nianbao result ({exc.error_count()} problems)") from None
        entries.append(Entry(str(record.get("report") or result.report.id), result))
    return entries


def read_report(path: Path) -> Entry:
    try:
        document = read_path(path)
    except IngestError as exc:
        raise SourceError(f"{path}: {exc}") from None
    return Entry(path.stem, extract(document))


def read_paths(paths: list[Path]) -> list[Entry]:
    """Report files, directories (their report files and JSON lines) and batch JSON lines, in order."""
    entries: list[Entry] = []
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or directory")
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix.lower() in JSONL_SUFFIXES:
                    entries.extend(read_jsonl(child))
            entries.extend(read_report(child) for child in report_files(path))
        elif path.suffix.lower() in JSONL_SUFFIXES:
            entries.extend(read_jsonl(path))
        elif path.is_file() and path.suffix.lower() in SUFFIXES:
            entries.append(read_report(path))
        else:
            raise SourceError(f"{path}: not a report ({', '.join(SUFFIXES)}), a directory or a batch .jsonl")
    return entries
