"""``run_batch`` over a temp directory of real reports and bad files: output lines, resume, retries."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from conftest import CORPUS, SEEDS
from rich.console import Console

from service.batch import run_batch
from service.schema import Result


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, force_terminal=False), buffer


def make_dir(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(SEEDS / "erdao-district-2017.txt", reports)
    shutil.copy(CORPUS / "pingtan-2022-page.html", reports)
    shutil.copy(CORPUS / "shuyang-county-2025.md", reports)
    (reports / "empty.txt").write_bytes(b"")
    (reports / "picture.htm").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (reports / "notes.pdf").write_bytes(b"%PDF-1.4 not a report type we read")
    (reports / "subdir").mkdir()
    return reports


def test_batch_writes_one_line_per_report_and_survives_bad_files(tmp_path: Path) -> None:
    reports = make_dir(tmp_path)
    out = tmp_path / "out" / "results.jsonl"
    con, buffer = console()
    failures = run_batch(reports, out, None, con)
    assert failures == 2
    records = {r["file"]: r for r in lines(out)}
    assert set(records) == {"empty.txt", "erdao-district-2017.txt", "picture.htm", "pingtan-2022-page.html",
                            "shuyang-county-2025.md"}
    assert records["empty.txt"]["error"].startswith("empty:")
    assert records["picture.htm"]["error"].startswith("binary:")
    good = records["pingtan-2022-page.html"]
    assert good["report"] == "pingtan-2022-page" and len(good["sha256"]) == 64
    result = Result.model_validate(good["result"])
    assert result.report.id == "pingtan-2022-page" and result.template == "gb2021"
    assert Result.model_validate(records["erdao-district-2017.txt"]["result"]).template == "legacy"
    assert "3 extracted, 0 already in" in buffer.getvalue() and "2 failed" in buffer.getvalue()


def test_batch_resumes_and_retries_only_failures(tmp_path: Path) -> None:
    reports = make_dir(tmp_path)
    out = tmp_path / "results.jsonl"
    run_batch(reports, out, None, console()[0])
    first = out.read_text(encoding="utf-8")

    # a second run redoes nothing that succeeded; the two bad files are retried (and fail again)
    con, buffer = console()
    assert run_batch(reports, out, None, con) == 2
    assert "0 extracted, 3 already in" in buffer.getvalue()
    assert len(lines(out)) == 5  # the old error lines were replaced, not repeated

    # fix a bad file, and simulate a run killed while writing its last line
    (reports / "empty.txt").write_bytes((SEEDS / "daoli-district-2018.txt").read_bytes())
    with out.open("a", encoding="utf-8") as fh:
        fh.write('{"report": "torn", "file": "torn.txt", "sha2')
    con, buffer = console()
    assert run_batch(reports, out, None, con) == 1
    records = {r["file"]: r for r in lines(out)}
    assert "result" in records["empty.txt"] and "torn.txt" not in records
    assert "1 extracted, 3 already in" in buffer.getvalue()
    kept = [line for line in first.splitlines() if '"result"' in line]
    assert len(kept) == 3 and all(line in out.read_text(encoding="utf-8") for line in kept)  # untouched


def test_renamed_or_copied_file_is_not_extracted_twice(tmp_path: Path) -> None:
    reports = tmp_path / "r"
    reports.mkdir()
    shutil.copy(SEEDS / "erdao-district-2017.txt", reports / "a.txt")
    out = tmp_path / "results.jsonl"
    run_batch(reports, out, None, console()[0])
    shutil.copy(reports / "a.txt", reports / "b.txt")
    shutil.copy(reports / "a.txt", reports / "c.txt")
    con, buffer = console()
    assert run_batch(reports, out, None, con) == 0
    assert [r["file"] for r in lines(out)] == ["a.txt"]
    assert "0 extracted, 3 already in" in buffer.getvalue()


def test_empty_directory(tmp_path: Path) -> None:
    con, buffer = console()
    assert run_batch(tmp_path, tmp_path / "out.jsonl", None, con) == 0
    assert "0 extracted, 0 already in" in buffer.getvalue()
    assert (tmp_path / "out.jsonl").read_text() == ""
