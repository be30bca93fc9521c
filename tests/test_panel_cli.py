"""``nianbao compare`` and ``nianbao export`` (and the export flags of ``nianbao batch``) on real reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import CORPUS
from openpyxl import load_workbook
from typer.testing import CliRunner

from service.cli import app

PANEL_DATA = Path(__file__).parent / "data" / "panel"
runner = CliRunner()


def test_compare_json_gives_years_and_checks_per_issuer(shared_dir: Path) -> None:
    result = runner.invoke(app, ["compare", str(CORPUS / "pingtan-2022.txt"), str(PANEL_DATA), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [pingtan] = data["issuers"]
    assert pingtan["issuer"] == "平潭综合实验区"
    assert list(pingtan["years"]) == ["2020", "2021", "2022", "2023", "2024"]
    # 2023: 一、本年新收政府信息公开申请数量801000081 — 自然人 80, 商业企业 1, 总计 81
    assert pingtan["years"]["2023"]["metrics"]["requests.received"]["value"] == 81
    assert pingtan["years"]["2023"]["template"] == "gb2021"
    check = next(c for c in pingtan["checks"] if c["name"] == "Y-carried[total]" and c["years"] == [2021, 2022])
    assert check["status"] == "pass" and set(check) >= {"name", "status", "years", "values"}


def test_compare_table_shows_the_year_table_and_hints(shared_dir: Path) -> None:
    result = runner.invoke(app, ["compare", str(PANEL_DATA), str(CORPUS / "pingtan-2022.txt")])
    assert result.exit_code == 0, result.output
    assert "平潭综合实验区 — 5 reports, 2020–2024" in result.output
    assert "Y-in_force[normative] 2021→2022" in result.output  # rich markup must not eat the brackets
    assert "requests.received" in result.output


def test_compare_exits_1_on_a_broken_identity(tmp_path: Path) -> None:
    from service.batch import extract_file

    records = [extract_file(PANEL_DATA / "pingtan-2021.txt", None), extract_file(PANEL_DATA / "pingtan-2023.txt", None)]
    # a hand-edited 2022 line: claims 5 requests carried over where 2021 carried forward 1
    later = json.loads(json.dumps(records[0]))
    later["report"] = "edited-2022"
    later["result"]["fields"]["meta.year"]["value"] = 2022
    later["result"]["fields"]["requests.carried_over"]["value"] = 5
    batch = tmp_path / "results.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*records, later]), encoding="utf-8")
    result = runner.invoke(app, ["compare", str(batch)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "Y-carried[total] 2021→2022" in result.output


def test_compare_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_batch_writes_long_csv_and_workbook(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("pingtan-2023.txt", "pingtan-2024.txt"):
        (reports / name).write_bytes((PANEL_DATA / name).read_bytes())
    long_csv, xlsx, audit_csv = tmp_path / "long.csv", tmp_path / "out.xlsx", tmp_path / "audit.csv"
    out = str(tmp_path / "r.jsonl")
    result = runner.invoke(
        app,
        ["batch", str(reports), "--out", out, "--long", str(long_csv), "--xlsx", str(xlsx), "--audit", str(audit_csv)],
    )
    assert result.exit_code == 0, result.output
    with long_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # 2024: 一、本年新收政府信息公开申请数量21710000218 (总计 218)
    assert {(r["report"], r["value"]) for r in rows if r["key"] == "requests.received"} == {
        ("pingtan-2023", "81"),
        ("pingtan-2024", "218"),
    }
    assert {"audit", "requests", "cross-year"} <= set(load_workbook(xlsx).sheetnames)
    with audit_csv.open(encoding="utf-8-sig", newline="") as fh:
        audited = {r["report"]: r for r in csv.DictReader(fh)}
    # table 四, 复议后起诉: 2023 prints …10102 (维持 1 … 总计 2), 2024 prints …1324019 (维持 13 … 总计 19):
    # 维持 1 → 13 is more than tenfold, 总计 2 → 19 (9.5×) and 新收申请 81 → 218 are not
    jumps = audited["pingtan-2024"]["jumps"].split("; ")
    assert "litigation.after_review.upheld 1→13" in jumps
    assert not any(j.startswith(("litigation.after_review.total", "requests.received")) for j in jumps)


def test_export_needs_an_output() -> None:
    result = runner.invoke(app, ["export", str(PANEL_DATA)])
    assert result.exit_code == 2 and "--long" in result.output


def test_export_writes_parquet_from_report_files(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "long.parquet"
    result = runner.invoke(app, ["export", str(PANEL_DATA / "pingtan-2021.txt"), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    # 2021: 四、结转下年度继续办理1000001 (总计 1)
    assert next(r for r in rows if r["key"] == "requests.carried_forward")["value_number"] == 1.0
