"""Exports researchers read directly: a long CSV, an Excel workbook, Parquet (with the ``parquet`` extra).

Long format is one row per (report, key): ``report, issuer, year, key, value, confidence, review,
source, evidence`` — ``pandas.read_csv`` and R's ``read.csv`` take it as it is, and a panel is one
pivot away. The workbook has one sheet per section of the report (meta, active, requests, review, …;
reports as rows, keys as columns, values in review filled amber), a ``review`` sheet listing every
value in review, every unresolved digit run and both values of each broken cross-year identity, a
``cross-year`` sheet with the checks of ``crossyear``, and the audit first when it is given.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from service.panel.audit import COLUMNS as AUDIT_COLUMNS
from service.panel.audit import AuditRow
from service.panel.panel import Panel
from service.panel.sources import Entry
from service.schema import FIELD_TYPES, SECTIONS, section_of

LONG_COLUMNS = ("report", "issuer", "year", "key", "value", "confidence", "review", "source", "evidence")


class ExportError(Exception):
    """An export that cannot be written (a missing optional package, an unwritable path)."""


def long_rows(entries: list[Entry]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        for key, field in entry.result.fields.items():
            yield {
                "report": entry.report,
                "issuer": entry.issuer or "",
                "year": entry.year if entry.year is not None else "",
                "key": key,
                "value": field.value,
                "confidence": round(field.confidence, 3),
                "review": field.review,
                "source": field.source,
                "evidence": " ".join(field.evidence.quote.split()) if field.evidence else "",
            }


def write_long_csv(entries: list[Entry], path: Path) -> int:
    """The long CSV (UTF-8 with BOM so that Excel opens it in the right encoding too); returns rows."""
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=LONG_COLUMNS)
        writer.writeheader()
        for row in long_rows(entries):
            writer.writerow(row | {"review": "true" if row["review"] else "false"})
            count += 1
    return count


def write_parquet(entries: list[Entry], path: Path) -> int:
    """The long table as Parquet: ``value`` as text plus ``value_number`` (null for text and dates)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet needs pyarrow: pip install 'nianbao[parquet]'") from None
    rows = list(long_rows(entries))
    numbers = [float(r["value"]) if FIELD_TYPES.get(r["key"]) in ("int", "signed", "wan") else None for r in rows]
    table = pa.table(
        {
            "report": pa.array([r["report"] for r in rows], pa.string()),
            "issuer": pa.array([r["issuer"] for r in rows], pa.string()),
            "year": pa.array([r["year"] if r["year"] != "" else None for r in rows], pa.int32()),
            "key": pa.array([r["key"] for r in rows], pa.string()),
            "value": pa.array([str(r["value"]) for r in rows], pa.string()),
            "value_number": pa.array(numbers, pa.float64()),
            "confidence": pa.array([r["confidence"] for r in rows], pa.float64()),
            "review": pa.array([r["review"] for r in rows], pa.bool_()),
            "source": pa.array([r["source"] for r in rows], pa.string()),
            "evidence": pa.array([r["evidence"] for r in rows], pa.string()),
        }
    )
    pq.write_table(table, path)
    return len(rows)


def write_xlsx(
    entries: list[Entry], panel: Panel | None, path: Path | BinaryIO, audit_rows: list[AuditRow] | None = None
) -> None:
    """One sheet per section, a review sheet, the cross-year checks when a panel is given, and the audit
    (first sheet) when its rows are given."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
    except ImportError:
        raise ExportError("the Excel export needs openpyxl: pip install openpyxl") from None
    amber = PatternFill("solid", fgColor="FFE8B0")
    bold = Font(bold=True)
    book = Workbook()
    book.remove(book.active)
    if audit_rows is not None:
        sheet = book.create_sheet("audit")
        sheet.append(list(AUDIT_COLUMNS))
        for row in audit_rows:
            sheet.append(list(row.flat().values()))
            if row.problems():
                sheet.cell(row=sheet.max_row, column=1).fill = amber
    for section in SECTIONS:
        keys = [k for k in FIELD_TYPES if section_of(k) == section and any(k in e.result.fields for e in entries)]
        if not keys:
            continue
        sheet = book.create_sheet(section)
        sheet.append(["report", "issuer", "year", "template", *keys])
        for cell in sheet[1]:
            cell.font = bold
        for entry in entries:
            fields = entry.result.fields
            sheet.append(
                [
                    entry.report,
                    entry.issuer,
                    entry.year,
                    entry.result.template,
                    *(fields[k].value if k in fields else None for k in keys),
                ]
            )
            for column, key in enumerate(keys, start=5):
                if key in fields and fields[key].review:
                    sheet.cell(row=sheet.max_row, column=column).fill = amber
        sheet.freeze_panes = "E2"
    review = book.create_sheet("review")
    review.append(["report", "issuer", "year", "key", "value", "confidence", "reason", "evidence"])
    for entry in entries:
        for key, field in entry.result.fields.items():
            if field.review:
                quote = " ".join(field.evidence.quote.split()) if field.evidence else ""
                review.append(
                    [
                        entry.report,
                        entry.issuer,
                        entry.year,
                        key,
                        _cell(field.value),
                        field.confidence,
                        field.reason,
                        quote,
                    ]
                )
        for item in entry.result.unresolved:
            review.append([entry.report, entry.issuer, entry.year, ", ".join(item.keys), None, 0, item.reason, ""])
    if panel is not None:
        years = book.create_sheet("cross-year")
        years.append(["issuer", "check", "status", "year N-1", "year N", "values", "message", "hint"])
        for issuer in panel.issuers:
            for check in issuer.checks:
                values = "; ".join(f"{k} = {v}" for k, v in check.values.items())
                years.append([issuer.key, check.name, check.status, *check.years, values, check.message, check.hint])
                if check.status != "fail":
                    continue
                years.cell(row=years.max_row, column=3).fill = amber
                # a broken cross-year identity is a review item for each value it ties
                reason = f"{check.name} {check.years[0]}→{check.years[1]} fails: {check.message}"
                for item in check.evidence:
                    row = [item["report"], issuer.key, item["year"], item["key"], item["value"], None, reason]
                    review.append([*row, item.get("quote", "")])
    for sheet in book.worksheets:
        sheet["A1"].font = bold
    try:
        book.save(path)
    except OSError as exc:
        raise ExportError(f"cannot write the workbook: {exc.strerror or exc}") from None


def _cell(value: Any) -> Any:
    return value if isinstance(value, (int, float, str)) or value is None else str(value)
