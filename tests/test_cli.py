"""The ``nianbao`` command: output formats, exit codes, and clear errors for bad input."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from conftest import SHARED
from typer.testing import CliRunner

from service.cli import app
from service.ingest import read_path
from service.pipeline import extract
from service.schema import Result

ROOT = Path(__file__).resolve().parent.parent

REPORT = SHARED / "corpus" / "pingtan-2022.txt"
runner = CliRunner()

CONSISTENT = (
    "某区2017年度政府信息公开工作报告\n统 计 指 标\n单位\n统计数\n（一）收到申请数\n件\n5\n"
    "1.当面申请数\n件\n3\n2.传真申请数\n件\n0\n3.网络申请数\n件\n2\n4.信函申请数\n件\n0\n"
    "5.其他形式申请数\n件\n0\n填表日期：2018年1月5日\n"
)
INCONSISTENT = CONSISTENT.replace("件\n5\n", "件\n6\n")  # 3 + 0 + 2 + 0 + 0 channels for 6 requests


def json_documents(output: str) -> list[dict]:
    """Every JSON object printed one after another."""
    decoder, position, found = json.JSONDecoder(), 0, []
    while output[position:].strip():
        while output[position].isspace():
            position += 1
        document, position = decoder.raw_decode(output, position)
        found.append(document)
    return found


def assert_clean_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error" in result.stderr
    message = "".join(result.stderr.split())  # rich wraps long lines
    for word in words:
        assert "".join(word.split()) in message, (word, result.stderr)


def test_extract_json_is_the_result_contract() -> None:
    result = runner.invoke(app, ["extract", str(REPORT), "--format", "json"])
    assert result.exit_code == 0, result.output
    (printed,) = json_documents(result.stdout)
    parsed = Result.model_validate(printed)
    expected = extract(read_path(REPORT))
    assert parsed.report.id == "pingtan-2022" and parsed.template == "gb2021"
    assert parsed.values() == expected.values()
    assert parsed.review_keys() == expected.review_keys()
    assert "text" not in printed


def test_extract_json_with_text() -> None:
    result = runner.invoke(app, ["extract", str(REPORT), "-f", "json", "--with-text"])
    assert result.exit_code == 0
    (printed,) = json_documents(result.stdout)
    text = printed["text"]
    for field in printed["fields"].values():
        evidence = field["evidence"]
        assert text[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_extract_several_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(CONSISTENT, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(tmp_path / "a.txt"), str(REPORT), "--format", "json"])
    assert result.exit_code == 0
    assert [d["report"]["id"] for d in json_documents(result.stdout)] == ["a", "pingtan-2022"]


def test_extract_table_format() -> None:
    result = runner.invoke(app, ["extract", str(REPORT)])
    assert result.exit_code == 0, result.output
    expected = extract(read_path(REPORT))
    assert f"pingtan-2022 — template gb2021 — {len(expected.fields)} fields" in result.stdout
    assert "requests.received" in result.stdout
    assert "failed checks: X-text table 74, prose 75" in result.stdout  # listed under the table


def test_table_format_keeps_review_flags_when_piped() -> None:
    result = runner.invoke(app, ["extract", str(REPORT)])
    assert "REVIEW" in result.stdout
    assert "0.99" in result.stdout


def test_check_exit_codes(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(CONSISTENT, encoding="utf-8")
    bad.write_text(INCONSISTENT, encoding="utf-8")

    passed = runner.invoke(app, ["check", str(good)])
    assert passed.exit_code == 0, passed.output
    assert "0 fail" in passed.stdout and "L-channels" not in passed.stdout

    failed = runner.invoke(app, ["check", str(bad)])
    assert failed.exit_code == 1, failed.output
    assert "1 fail" in failed.stdout and "L-channels" in failed.stdout and "6" in failed.stdout


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert_clean_error(runner.invoke(app, ["extract", str(path)]), "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n \t\n", encoding="utf-8")
    assert_clean_error(runner.invoke(app, ["extract", str(path), "--format", "json"]), "no readable text")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 20)
    assert_clean_error(runner.invoke(app, ["extract", str(path)]), "binary")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert_clean_error(runner.invoke(app, ["extract", str(path)]), "nope.txt", "does not exist")
    assert_clean_error(runner.invoke(app, ["check", str(path)]), "does not exist")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    assert_clean_error(runner.invoke(app, ["extract", str(tmp_path)]), "directory")


def test_unknown_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["extract", str(REPORT), "--format", "xml"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_installed_command() -> None:
    """The console script itself, as a user runs it."""
    command = ROOT / ".venv" / "bin" / "nianbao"
    if not command.exists():
        pytest.skip("console script not installed")
    done = subprocess.run(
        [str(command), "extract", str(REPORT), "--format", "json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert Result.model_validate_json(done.stdout).report.id == "pingtan-2022"
    missing = subprocess.run(
        [str(command), "extract", "/nonexistent/report.txt"], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.skipif(importlib.util.find_spec("service.batch") is None, reason="service/batch.py not written yet")
def test_batch_not_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text(CONSISTENT, encoding="utf-8")
    assert_clean_error(runner.invoke(app, ["batch", str(path)]), "not a directory")


@pytest.mark.skipif(importlib.util.find_spec("service.batch") is None, reason="service/batch.py not written yet")
def test_batch_exit_codes(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "good.txt").write_text(CONSISTENT, encoding="utf-8")
    (reports / "bad.txt").write_text(INCONSISTENT, encoding="utf-8")
    out, table = tmp_path / "results.jsonl", tmp_path / "results.csv"
    result = runner.invoke(app, ["batch", str(reports), "--out", str(out), "--csv", str(table)])
    assert result.exit_code == 0, result.output  # failed checks are results, not failures
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["report"] for line in lines) == ["bad", "good"]
    assert {line["report"]: line["result"]["fields"]["requests.received"]["value"] for line in lines} == {
        "bad": 6,
        "good": 5,
    }
    assert len(table.read_text(encoding="utf-8").splitlines()) == 3  # header + two reports

    (reports / "empty.txt").write_bytes(b"")
    again = runner.invoke(app, ["batch", str(reports), "--out", str(out)])
    assert again.exit_code == 3  # one report failed
    assert "Traceback" not in again.output


def test_model_flags_reach_the_model_client_over_real_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``nianbao --model M --base-url URL extract FILE --llm`` talks to that server and records the model."""
    from openai_stub import OpenAIStub, Reply

    for name in ("NIANBAO_MODEL", "OPENAI_BASE_URL", "NIANBAO_LLM_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("NIANBAO_LLM_CACHE", str(tmp_path / "cache"))
    report = tmp_path / "r.txt"
    report.write_text("某县2017年政府信息公开工作年度报告\n全年共收到依申请公开信息3件。\n", encoding="utf-8")
    with OpenAIStub() as stub:
        stub.queue(*[Reply.items()] * 4)
        result = runner.invoke(
            app,
            [
                "--model",
                "flag-model",
                "--base-url",
                stub.base_url,
                "--llm-mode",
                "json",
                "extract",
                str(report),
                "--format",
                "json",
                "--llm",
            ],
        )
        assert result.exit_code == 0, result.output
        assert stub.requests and all(request["model"] == "flag-model" for request in stub.requests)
    provenance = json.loads(result.stdout)["provenance"]
    assert provenance["model"] == "flag-model" and provenance["llm"]["mode"] == "json"


def test_llm_without_a_model_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NIANBAO_MODEL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    report = tmp_path / "r.txt"
    report.write_text("全年共收到依申请公开信息3件。", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(report), "--llm"])
    assert result.exit_code == 2 and "NIANBAO_MODEL" in result.output


def test_a_bad_database_url_is_a_usage_error(tmp_path: Path) -> None:
    for command in (["worker", "--drain"], ["export-gold", "--out", str(tmp_path / "gold")], ["serve"]):
        result = runner.invoke(app, [*command, "--database", "mysql://nowhere/x"])
        assert result.exit_code == 2, result.output
        assert "unsupported database" in result.output and "Traceback" not in result.output


def test_an_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["worker", "--drain", "--database", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2 and "cannot open the database" in result.output


def test_worker_drains_the_queue_of_a_data_directory(tmp_path: Path) -> None:
    from service.storage import Store, database_url

    store = Store(database_url(None, tmp_path))
    report = store.reports.submit(REPORT.read_bytes(), REPORT.name).id
    store.close()
    result = runner.invoke(app, ["worker", "--data-dir", str(tmp_path), "--processes", "1", "--drain"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) finished" in result.output
    store = Store(database_url(None, tmp_path))
    assert store.reports.report(report)["status"] == "done"
    store.close()


PDF_DIR = Path(__file__).resolve().parent / "data" / "pdf"
GOLD_REPORTS = Path(__file__).resolve().parents[1] / "gold" / "reports"


def test_extract_a_pdf_gives_evidence_with_page_and_box() -> None:
    result = runner.invoke(app, ["extract", str(GOLD_REPORTS / "hongze-district-2023.pdf"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["provenance"]["input"] == {"format": "pdf", "pages": 5, "pages_read": 5}
    evidence = data["fields"]["meta.year"]["evidence"]
    assert evidence["page"] == 1 and len(evidence["bbox"]) == 4


@pytest.mark.parametrize(
    ("name", "words"), [("made-scanned.pdf", ("no text layer", "OCR")), ("made-encrypted.pdf", ("encrypted",))]
)
def test_extract_a_bad_pdf_is_a_clean_error(name: str, words: tuple[str, ...]) -> None:
    assert_clean_error(runner.invoke(app, ["extract", str(PDF_DIR / name)]), *words)
    assert_clean_error(runner.invoke(app, ["check", str(PDF_DIR / name)]), *words)
