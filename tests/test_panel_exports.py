"""Exports: the long CSV reads back as written, the workbook has a sheet per section with review flags."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from panel_cases import entry

from service.panel.audit import audit
from service.panel.exports import LONG_COLUMNS, write_long_csv, write_parquet, write_xlsx
from service.panel.panel import build_panel


def _entries():  # type: ignore[no-untyped-def]
    return [
        entry(
            "a",
            "某县",
            2021,
            "gb2021",
            {"requests.received": 10, "requests.carried_forward": 2, "fees.collected": 0.5},
            review=("requests.received",),
        ),
        entry("b", "某县", 2022, "gb2021", {"requests.received": 12, "requests.carried_over": 1}),
    ]


def test_long_csv_has_one_row_per_report_and_key(tmp_path: Path) -> None:
    out = tmp_path / "long.csv"
    count = write_long_csv(_entries(), out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert count == len(rows) == 6 + 5
    assert tuple(rows[0]) == LONG_COLUMNS
    received = next(r for r in rows if r["report"] == "a" and r["key"] == "requests.received")
    assert received == received | {"issuer": "某县", "year": "2021", "value": "10", "review": "true"}
    assert received["evidence"] == "requests.received 10"


def test_workbook_has_a_sheet_per_section_review_flags_and_the_cross_year_checks(tmp_path: Path) -> None:
    entries = _entries()
    panel = build_panel(entries)
    out = tmp_path / "panel.xlsx"
    write_xlsx(entries, panel, out, audit(panel))
    book = load_workbook(out)
    assert book.sheetnames == ["audit", "meta", "requests", "fees", "review", "cross-year"]
    sheet = book["requests"]
    header = [c.value for c in sheet[1]]
    column = header.index("requests.received") + 1
    assert [sheet.cell(row=r, column=column).value for r in (2, 3)] == [10, 12]
    assert sheet.cell(row=2, column=column).fill.fgColor.rgb.endswith("FFE8B0")  # in review
    assert sheet.cell(row=3, column=column).fill.fgColor.rgb in ("00000000", None)
    review = [[c.value for c in row] for row in book["review"].iter_rows(min_row=2)]
    # the value in review, then both sides of the broken cross-year identity
    assert [(r[0], r[3]) for r in review] == [
        ("a", "requests.received"),
        ("b", "requests.carried_over"),
        ("a", "requests.carried_forward"),
    ]
    assert review[1][6].startswith("Y-carried[total] 2021→2022 fails")
    checks = [[c.value for c in row] for row in book["cross-year"].iter_rows(min_row=2)]
    failed = [r for r in checks if r[2] == "fail"]
    assert [r[1] for r in failed] == ["Y-carried[total]"]  # 2 carried forward, 1 carried over


def test_parquet_when_pyarrow_is_there(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "long.parquet"
    assert write_parquet(_entries(), out) == 11
    table = pq.read_table(out).to_pylist()
    fee = next(r for r in table if r["key"] == "fees.collected")
    assert fee["value_number"] == 0.5 and fee["year"] == 2021 and fee["review"] is False
    issuer = next(r for r in table if r["key"] == "meta.issuer")
    assert issuer["value"] == "某县" and issuer["value_number"] is None
