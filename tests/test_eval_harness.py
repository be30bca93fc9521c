"""The eval harness end to end on a temp dir: two tiny reports, their gold, fake extractors.

The reports are read with the real ``service.ingest.read_path``; only the extractor is a stand-in,
so the scores are known in advance.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from eval.harness import main
from service.core import Evidence
from service.schema import FieldValue, Provenance, ReportInfo, Result

GOLD = {
    "alpha-2017": {
        "source": "alpha-2017.txt",
        "text": "某区2017年政府信息公开工作年度报告\n全年收到申请数23件，行政复议3件。\n",
        "fields": {"meta.year": 2017, "meta.template": "legacy", "requests.received": 23, "review.total": 3},
    },
    "beta-2022": {
        "source": "beta-2022.md",
        "text": "# 某县2022年政府信息公开工作年度报告\n\n本年新收政府信息公开申请数量 74 件。收费 1.5 万元。\n",
        "fields": {"meta.year": 2022, "meta.template": "gb2021", "requests.received": 74, "fees.collected": 1.5},
    },
}


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    gold_dir, report_dir, out_dir = tmp_path / "gold", tmp_path / "reports", tmp_path / "out"
    gold_dir.mkdir()
    report_dir.mkdir()
    for report_id, case in GOLD.items():
        (report_dir / case["source"]).write_text(case["text"], encoding="utf-8")
        gold = {"report": report_id, "source": case["source"], "fields": case["fields"]}
        (gold_dir / f"{report_id}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return gold_dir, report_dir, out_dir


def result_for(document, values: dict, review: bool = False) -> Result:
    """A Result whose fields quote the whole document (the harness does not inspect evidence)."""
    quote = document.text
    fields = {
        key: FieldValue(
            value=value,
            confidence=0.9,
            review=review,
            source="table",
            evidence=Evidence(start=0, end=len(quote), quote=quote),
        )
        for key, value in values.items()
    }
    return Result(
        report=ReportInfo(id=document.id, sha256=document.sha256, chars=len(quote)),
        template=None,
        fields=fields,
        provenance=Provenance(extractor="fake"),
    )


def nothing(document) -> Result:
    return result_for(document, {})


def echo(document) -> Result:
    return result_for(document, GOLD[document.id]["fields"])


def run(argv: list[str], extractor=None, factory=None) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=250, color_system=None)
    factory = factory or (lambda llm: extractor)
    code = main(argv, extractor_factory=factory, console=console)
    return code, buffer.getvalue()


def args(dirs, *extra: str) -> list[str]:
    gold_dir, report_dir, out_dir = dirs
    return ["--gold", str(gold_dir), "--reports", str(report_dir), "--out", str(out_dir), *extra]


def summary(out_dir: Path, index: int = 0) -> dict:
    return json.loads((out_dir / "eval.json").read_text(encoding="utf-8"))["runs"][index]["summary"]


def test_extractor_that_emits_nothing_scores_recall_zero(dirs):
    code, output = run(args(dirs), nothing)
    assert code == 0
    result = summary(dirs[2])
    assert result["recall"] == 0.0
    assert result["f1"] == 0.0
    assert result["precision"] is None  # nothing predicted: n/a, not a crash
    assert result["missed"] == 8 and result["gold"] == 8 and result["reports"] == 2
    assert "n/a" in output
    assert "missed" in output and "requests.received" in output


def test_extractor_that_echoes_gold_scores_one(dirs):
    code, output = run(args(dirs, "--min-f1", "0.99", "--min-auto-precision", "1"), echo)
    assert code == 0
    result = summary(dirs[2])
    assert (result["f1"], result["precision"], result["recall"]) == (1.0, 1.0, 1.0)
    assert result["auto_accept_precision"] == 1.0 and result["review_load"] == 0.0
    assert result["catch_rate"] is None  # no errors to catch
    assert "F1 1.000" in output
    document = json.loads((dirs[2] / "eval.json").read_text(encoding="utf-8"))
    assert set(document["runs"][0]["by_template"]) == {"legacy", "gb2021"}
    assert document["runs"][0]["timing"]["reports_timed"] == 2
    assert document["runs"][0]["problems"] == []
    assert "| alpha-2017 |" in (dirs[2] / "eval.md").read_text(encoding="utf-8")


def test_wrong_and_spurious_fields_are_listed_with_values_and_evidence(dirs):
    def sloppy(document):
        values = dict(GOLD[document.id]["fields"])
        if document.id == "alpha-2017":
            values["review.total"] = 4  # wrong, in review
            values["complaints.total"] = 0  # spurious, in review
            return result_for(document, values, review=True)
        values["fees.collected"] = 1.506  # outside the 0.005 tolerance
        return result_for(document, values)

    code, output = run(args(dirs, "--min-catch-rate", "0.9"), sloppy)
    assert code == 1  # 2 of the 3 errors were in review: catch rate 0.667
    assert "catch_rate 0.667 < --min-catch-rate 0.9" in output
    run_json = json.loads((dirs[2] / "eval.json").read_text(encoding="utf-8"))["runs"][0]
    problems = {(p["report"], p["key"]): p for p in run_json["problems"]}
    assert set(problems) == {
        ("alpha-2017", "review.total"),
        ("alpha-2017", "complaints.total"),
        ("beta-2022", "fees.collected"),
    }
    wrong = problems[("alpha-2017", "review.total")]
    assert (wrong["outcome"], wrong["predicted"], wrong["gold"], wrong["review"]) == ("wrong", 4, 3, True)
    assert "行政复议3件" in wrong["quote"]
    assert run_json["by_section"]["review"]["wrong"] == 1
    markdown = (dirs[2] / "eval.md").read_text(encoding="utf-8")
    assert "| alpha-2017 | complaints.total | spurious | 0 |" in markdown


def test_threshold_below_gives_exit_one_and_names_it(dirs):
    code, output = run(args(dirs, "--min-f1", "0.5"), nothing)
    assert code == 1
    assert "f1 0.000 < --min-f1 0.5" in output


def test_required_metric_that_is_na_fails_the_gate(dirs):
    code, output = run(args(dirs, "--min-auto-precision", "0.9"), nothing)
    assert code == 1  # nothing auto-accepted is not "precision fine"
    assert "auto_accept_precision is n/a; --min-auto-precision 0.9 requires a value" in output


def test_catch_rate_na_is_noted_not_failed(dirs):
    code, output = run(args(dirs, "--min-catch-rate", "0.9"), echo)
    assert code == 0  # no errors: nothing to catch
    assert "catch_rate is n/a" in output and "not checked" in output


def test_review_load_above_ceiling_fails(dirs):
    def all_in_review(document):
        return result_for(document, GOLD[document.id]["fields"], review=True)

    code, output = run(args(dirs, "--max-review-load", "0.2"), all_in_review)
    assert code == 1
    assert "review_load 1.000 > --max-review-load 0.2" in output


def test_macro_f1_is_the_mean_of_report_f1(dirs):
    def half(document):  # alpha all right, beta nothing: micro 4/8 gold found, macro (1 + 0) / 2
        return echo(document) if document.id == "alpha-2017" else nothing(document)

    code, output = run(args(dirs, "--min-macro-f1", "0.6"), half)
    assert code == 1
    result = summary(dirs[2])
    assert result["macro_f1"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx(2 * 4 / (2 * 4 + 4))
    assert "macro_f1 0.500 < --min-macro-f1 0.6" in output


def test_second_form_of_a_report_is_a_format_check_not_headline(dirs):
    gold_dir, report_dir, out_dir = dirs
    page = {"report": "alpha-2017-page", "source": "alpha-2017-page.html", "same_as": "alpha-2017"}
    page["fields"] = GOLD["alpha-2017"]["fields"]
    (gold_dir / "alpha-2017-page.json").write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    html = "<html><body><h1>某区2017年政府信息公开工作年度报告</h1><p>全年收到申请数23件，行政复议3件。</p></body>"
    (report_dir / "alpha-2017-page.html").write_text(html, encoding="utf-8")

    def page_misses(document):
        if document.id == "alpha-2017-page":
            return nothing(document)
        return echo(document)

    code, output = run(args(dirs, "--min-f1", "0.99", "--min-format-f1", "0.5"), page_misses)
    assert code == 1  # the headline is perfect; the format check is not
    document = json.loads((out_dir / "eval.json").read_text(encoding="utf-8"))["runs"][0]
    assert document["summary"]["f1"] == 1.0 and document["summary"]["gold"] == 8  # alpha counted once
    assert document["summary"]["reports"] == 2 and document["summary"]["format_checks"] == 1
    assert document["by_report"]["alpha-2017-page"]["format_check_of"] == "alpha-2017"
    assert document["by_form"]["html"]["missed"] == 4
    assert "format_check_f1 0.000 < --min-format-f1 0.5" in output


@pytest.mark.parametrize("which", ["gold", "reports"])
def test_missing_directory_gives_exit_two(dirs, tmp_path, which):
    argv = args(dirs)
    argv[argv.index(f"--{which}") + 1] = str(tmp_path / "nowhere")
    code, output = run(argv, echo)
    assert code == 2
    assert "not found" in output and "nowhere" in output
    assert "Traceback" not in output


def test_bad_arguments_give_exit_two(dirs, capsys):
    assert run(args(dirs, "--min-f1", "1.5"), echo)[0] == 2
    assert run(args(dirs, "--no-such-option"), echo)[0] == 2
    assert run(["--gold", str(dirs[0])], echo)[0] == 2  # --reports is required
    assert "usage:" in capsys.readouterr().err


def test_broken_gold_file_gives_exit_two(dirs):
    (dirs[0] / "broken.json").write_text("{not json", encoding="utf-8")
    code, output = run(args(dirs), echo)
    assert code == 2 and "broken.json" in output


def test_crashing_extractor_and_missing_report_are_errors_not_stops(dirs):
    (dirs[1] / "beta-2022.md").unlink()
    gamma = {"report": "gamma-2018", "source": "gamma-2018.txt", "fields": {"review.total": 1}}
    (dirs[0] / "gamma-2018.json").write_text(json.dumps(gamma), encoding="utf-8")
    (dirs[1] / "gamma-2018.txt").write_text("某县2018年报告，行政复议1件。", encoding="utf-8")

    def fragile(document):
        if document.id == "gamma-2018":
            raise RuntimeError("table decoder exploded")
        return echo(document)

    code, output = run(args(dirs), fragile)
    assert code == 0
    run_json = json.loads((dirs[2] / "eval.json").read_text(encoding="utf-8"))["runs"][0]
    errors = {e["report"]: e["error"] for e in run_json["report_errors"]}
    assert errors["gamma-2018"] == "extract: RuntimeError: table decoder exploded"
    assert errors["beta-2022"].startswith("not found")
    assert run_json["summary"]["correct"] == 4  # alpha still scored
    assert run_json["summary"]["missed"] == 5  # beta's 4 + gamma's 1
    assert "table decoder exploded" in output


def test_unreadable_report_is_an_ingest_error(dirs):
    (dirs[1] / "alpha-2017.txt").write_bytes(b"")
    code, _ = run(args(dirs), echo)
    assert code == 0
    run_json = json.loads((dirs[2] / "eval.json").read_text(encoding="utf-8"))["runs"][0]
    errors = {e["report"]: e["error"] for e in run_json["report_errors"]}
    assert errors["alpha-2017"].startswith("ingest: IngestError[empty]")
    assert run_json["by_report"]["alpha-2017"]["missed"] == 4


def test_report_found_by_stem_when_source_is_stale(dirs):
    gold_path = dirs[0] / "alpha-2017.json"
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    gold["source"] = "alpha-2017.html"  # not there; alpha-2017.txt is
    gold_path.write_text(json.dumps(gold), encoding="utf-8")
    code, _ = run(args(dirs), echo)
    assert code == 0
    assert summary(dirs[2])["f1"] == 1.0


def test_json_flag_prints_parseable_json(dirs):
    code, output = run(args(dirs, "--json"), echo)
    assert code == 0
    assert json.loads(output)["runs"][0]["summary"]["f1"] == 1.0


def test_compare_llm_runs_both_side_by_side(dirs, monkeypatch):
    model = object()
    monkeypatch.setattr("eval.harness._build_llm", lambda: model)  # no model server in quick tests
    code, output = run(
        args(dirs, "--compare-llm", "--min-f1", "0.9"), factory=lambda llm: echo if llm is model else nothing
    )
    assert code == 0  # the threshold applies to the model run
    document = json.loads((dirs[2] / "eval.json").read_text(encoding="utf-8"))
    assert [r["label"] for r in document["runs"]] == ["rules", "llm"]
    assert document["runs"][0]["summary"]["recall"] == 0.0
    assert document["runs"][1]["summary"]["recall"] == 1.0
    assert "side by side" in output


def test_llm_without_a_client_is_a_clear_error(dirs, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_client(name, *args, **kwargs):
        if name == "service.llm.client":
            raise ImportError("No module named 'service.llm.client'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_client)
    code, output = run(args(dirs, "--llm"), echo)
    assert code == 2
    assert "--llm needs service.llm.client.from_env" in output


def test_a_pdf_report_source_is_found_and_read(tmp_path: Path):
    """A gold file may name a .pdf source: the harness reads it with the PDF converter (real extractor)."""
    from service.pipeline import extract

    pdf = Path(__file__).resolve().parents[1] / "gold" / "reports" / "hongze-district-2023.pdf"
    gold_dir, report_dir, out_dir = tmp_path / "gold", tmp_path / "reports", tmp_path / "out"
    gold_dir.mkdir()
    report_dir.mkdir()
    (report_dir / "hongze-2023.pdf").write_bytes(pdf.read_bytes())
    fields = {"meta.year": 2023, "active.licensing.decisions": 550, "active.penalty.decisions": 4119}  # read off page 2
    gold = {"report": "hongze-2023", "source": "hongze-2023.pdf", "fields": fields}
    (gold_dir / "hongze-2023.json").write_text(json.dumps(gold), encoding="utf-8")
    code, _ = run(args((gold_dir, report_dir, out_dir)), extract)
    assert code == 0
    result = summary(out_dir)
    assert result["reports"] == 1 and result["gold"] == 3 and result["recall"] == 1.0
