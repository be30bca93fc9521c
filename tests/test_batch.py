"""``run_batch`` over a temp directory of real reports and bad files: output lines, resume, retries;
with the model, over real HTTP against the scripted server of tests/openai_stub.py: bounded
concurrency, token totals, resume without calls."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS
from openai_stub import OpenAIStub, Reply
from rich.console import Console

from service.batch import run_batch
from service.llm.client import LlmAssistant, from_env
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
    (reports / "notes.pdf").write_bytes(b"%PDF-1.4 a PDF header and nothing after it")
    (reports / "subdir").mkdir()
    return reports


def test_batch_writes_one_line_per_report_and_survives_bad_files(tmp_path: Path) -> None:
    reports = make_dir(tmp_path)
    out = tmp_path / "out" / "results.jsonl"
    con, buffer = console()
    failures = run_batch(reports, out, None, con)
    assert failures == 3
    records = {r["file"]: r for r in lines(out)}
    assert set(records) == {
        "empty.txt",
        "erdao-district-2017.txt",
        "notes.pdf",
        "picture.htm",
        "pingtan-2022-page.html",
        "shuyang-county-2025.md",
    }
    assert records["empty.txt"]["error"].startswith("empty:")
    assert records["picture.htm"]["error"].startswith("binary:")
    assert records["notes.pdf"]["error"].startswith("corrupt_pdf:")
    good = records["pingtan-2022-page.html"]
    assert good["report"] == "pingtan-2022-page" and len(good["sha256"]) == 64
    result = Result.model_validate(good["result"])
    assert result.report.id == "pingtan-2022-page" and result.template == "gb2021"
    assert Result.model_validate(records["erdao-district-2017.txt"]["result"]).template == "legacy"
    assert "3 extracted, 0 already in" in buffer.getvalue() and "3 failed" in buffer.getvalue()
    assert "tokens" not in buffer.getvalue()  # no model, no model line


def test_batch_resumes_and_retries_only_failures(tmp_path: Path) -> None:
    reports = make_dir(tmp_path)
    out = tmp_path / "results.jsonl"
    run_batch(reports, out, None, console()[0])
    first = out.read_text(encoding="utf-8")

    # a second run redoes nothing that succeeded; the three bad files are retried (and fail again)
    con, buffer = console()
    assert run_batch(reports, out, None, con) == 3
    assert "0 extracted, 3 already in" in buffer.getvalue()
    assert len(lines(out)) == 6  # the old error lines were replaced, not repeated

    # fix a bad file, and simulate a run killed while writing its last line
    (reports / "empty.txt").write_bytes((SEEDS / "daoli-district-2018.txt").read_bytes())
    with out.open("a", encoding="utf-8") as fh:
        fh.write('{"report": "torn", "file": "torn.txt", "sha2')
    con, buffer = console()
    assert run_batch(reports, out, None, con) == 2
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


def test_concurrency_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_batch(tmp_path, tmp_path / "out.jsonl", None, console()[0], concurrency=0)


# --------------------------------------------------------------------------- with the model, over HTTP

LLM_REPORTS = [
    SEEDS / "anshan-hitech-2018.txt",
    SEEDS / "erdao-district-2017.txt",
    SEEDS / "dingyuan-county-2017.txt",
    CORPUS / "pingtan-2013.txt",
    CORPUS / "pingtan-2022.txt",
]


class SlowModel:
    """A responder that takes ``delay`` seconds per request and records how many overlap; its first
    request gets HTTP 400 (not retried), so one report carries a model error."""

    def __init__(self, delay: float = 0.25) -> None:
        self.delay = delay
        self.in_flight = self.max_in_flight = self.seen = 0
        self.lock = threading.Lock()

    def __call__(self, request: dict) -> Reply:
        with self.lock:
            self.seen += 1
            first = self.seen == 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
        finally:
            with self.lock:
                self.in_flight -= 1
        return Reply.http(400, "scripted bad request") if first else Reply.items()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in LLM_REPORTS:
        shutil.copy(path, reports)
    return reports


def assistant(stub: OpenAIStub, cache: Path) -> LlmAssistant:
    return from_env(
        {
            "NIANBAO_MODEL": "stub-model",
            "OPENAI_BASE_URL": stub.base_url,
            "NIANBAO_LLM_CACHE": str(cache),
            "NIANBAO_LLM_TIMEOUT": "5",
        }
    )


def summary(text: str) -> dict[str, int]:
    match = re.search(
        r"model: ([\d,]+) prompt \+ ([\d,]+) completion tokens(?: \(~[\d,]+ per report\))?, "
        r"(\d+) calls, (\d+) cache hits, (\d+) model errors",
        text,
    )
    assert match, text
    names = ("prompt_tokens", "completion_tokens", "calls", "cache_hits", "errors")
    return {name: int(value.replace(",", "")) for name, value in zip(names, match.groups(), strict=True)}


def sums(records: list[dict]) -> dict[str, int]:
    infos = [r["result"]["provenance"]["llm"] for r in records]
    total = {k: sum(i[k] for i in infos) for k in ("prompt_tokens", "completion_tokens", "calls", "cache_hits")}
    return total | {"errors": sum(len(i["errors"]) for i in infos)}


def test_llm_batch_runs_reports_concurrently_counts_tokens_and_resumes_without_calls(
    tmp_path: Path, model_dir: Path
) -> None:
    out = tmp_path / "results.jsonl"
    slow = SlowModel()
    with OpenAIStub() as stub:
        stub.queue(*[slow] * 100)
        llm = assistant(stub, tmp_path / "cache")
        con, buffer = console()
        assert run_batch(model_dir, out, llm, con, concurrency=3) == 0  # a model error is not a failed report
        records = lines(out)
        assert sorted(r["file"] for r in records) == sorted(p.name for p in LLM_REPORTS)
        assert all("result" in r for r in records)
        assert slow.max_in_flight == 3  # reports overlapped, and never more than asked
        requests_first = len(stub.requests)
        assert requests_first >= len(LLM_REPORTS)

        # the closing line adds up what each result's provenance says, and that is what the server saw
        totals = summary(buffer.getvalue())
        assert totals == sums(records)
        assert totals["calls"] == requests_first and totals["prompt_tokens"] > 0
        assert totals["cache_hits"] == 0 and totals["errors"] == 1
        [failed] = [r for r in records if r["result"]["provenance"]["llm"]["errors"]]
        assert "HTTP 400" in failed["result"]["provenance"]["llm"]["errors"][0]
        assert "5 extracted, 0 already in" in buffer.getvalue()

        # second run: every report is already in the output, so not a single request is made
        first_output = out.read_text(encoding="utf-8")
        con, buffer = console()
        assert run_batch(model_dir, out, llm, con, concurrency=3) == 0
        assert len(stub.requests) == requests_first
        assert "0 extracted, 5 already in" in buffer.getvalue()
        assert summary(buffer.getvalue())["calls"] == 0
        assert out.read_text(encoding="utf-8") == first_output

        # a fresh output file: the disk cache answers everything but the call that failed
        con, buffer = console()
        fresh = tmp_path / "again.jsonl"
        run_batch(model_dir, fresh, llm, con, concurrency=3)
        again = summary(buffer.getvalue())
        assert len(stub.requests) == requests_first + 1
        assert again["calls"] == 1 and again["cache_hits"] == requests_first - 1 and again["errors"] == 0


def test_llm_batch_with_concurrency_one_is_sequential(tmp_path: Path, model_dir: Path) -> None:
    slow = SlowModel(delay=0.02)
    with OpenAIStub() as stub:
        stub.queue(*[slow] * 100)
        con, buffer = console()
        run_batch(model_dir, tmp_path / "out.jsonl", assistant(stub, tmp_path / "cache"), con, concurrency=1)
    assert slow.max_in_flight == 1
    assert [r["file"] for r in lines(tmp_path / "out.jsonl")] == sorted(p.name for p in LLM_REPORTS)
    assert summary(buffer.getvalue())["calls"] == len(stub.requests)
