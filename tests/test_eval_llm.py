"""``python -m eval --compare-llm`` against a hallucinating model on real HTTP (tests/openai_stub.py).

The stub answers every key it is asked, always wrongly: half the answers carry a number that is not in the
quote, half carry a real number from the window for the wrong key. The real pipeline, the real grounding
and the real scorer run on four gold reports (two legacy seeds, a GB-2021 text and a Markdown report).
The issue's promise is that the model never lowers auto-accept precision; what that means here:

- auto-accept precision with the model is not lower than without it;
- no wrong or spurious value is auto-accepted in the model run that was not already auto-accepted in the
  rules-only run (the hallucinations all land in review);
- no field the rules got right is lost or changed (anchor values are never overwritten), and every value
  the rules auto-accepted is still auto-accepted with the same value (a guess never unsettles an anchor).

What the hallucinations may cost, and do: precision, F1 and review load (a grounded but wrong value for
an empty key is a spurious field in review). Those are not asserted either way.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, GOLD, SEEDS
from openai_stub import OpenAIStub, hallucinating
from rich.console import Console

from eval.harness import main
from service.pipeline import extract
from service.schema import Result

REPORTS = ("erdao-district-2017", "daoli-district-2018", "pingtan-2022", "shanghai-kewei-2024")


@pytest.fixture
def gold_subset(tmp_path: Path, shared_dir: Path) -> Path:
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    for report in REPORTS:
        shutil.copy(GOLD / f"{report}.json", gold_dir)
    return gold_dir


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with OpenAIStub() as server:
        server.queue(*[hallucinating] * 200)  # far more than the planned calls; the rest is left unused
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("NIANBAO_MODEL", "stub-hallucinating")
        monkeypatch.setenv("NIANBAO_LLM_MODE", "tools")
        monkeypatch.setenv("NIANBAO_LLM_CACHE", str(tmp_path / "llm-cache"))
        monkeypatch.setenv("NIANBAO_LLM_TIMEOUT", "10")
        monkeypatch.setenv("NIANBAO_LLM_BUDGET", "30")
        yield server


def _problems(run: dict) -> dict[tuple[str, str], dict]:
    return {(p["report"], p["key"]): p for p in run["problems"]}


def _auto_accepted(result: Result) -> dict[str, object]:
    return {key: field.value for key, field in result.fields.items() if not field.review}


def test_hallucinations_cost_no_auto_accept_precision(gold_subset: Path, stub: OpenAIStub, tmp_path: Path) -> None:
    out = tmp_path / "out"
    console = Console(file=io.StringIO(), width=200)
    results: dict[str, dict[str, Result]] = {"rules": {}, "llm": {}}

    def factory(llm: object):  # the real extractor, keeping each result for the field-level checks
        def run(document: object) -> Result:
            result = extract(document, llm)  # type: ignore[arg-type]
            results["rules" if llm is None else "llm"][result.report.id] = result
            return result

        return run

    code = main(
        [
            "--gold",
            str(gold_subset),
            "--reports",
            str(SEEDS),
            "--reports",
            str(CORPUS),
            "--compare-llm",
            "--out",
            str(out),
        ],
        console=console,
        extractor_factory=factory,
    )
    assert code == 0
    printed = console.file.getvalue()
    assert "side by side" in printed and "[rules]" in printed and "[llm]" in printed

    runs = {run["label"]: run for run in json.loads((out / "eval.json").read_text(encoding="utf-8"))["runs"]}
    rules, llm = runs["rules"], runs["llm"]
    for run in (rules, llm):
        assert run["summary"]["reports"] == len(REPORTS)
        assert run["summary"]["failed_reports"] == 0, run["report_errors"]

    # the model step really ran and its hallucinations really reached the results (else nothing is shown)
    assert stub.requests, "the model was never asked"
    assert llm["summary"]["spurious"] > rules["summary"]["spurious"], "no hallucination survived grounding"
    assert llm["summary"]["predicted"] > rules["summary"]["predicted"]
    # the model's cost is reported per report, and only for the model run
    assert all(row["llm"] is None for row in rules["by_report"].values())
    assert sum(row["llm"]["calls"] for row in llm["by_report"].values()) == len(stub.requests)
    assert "prompt +" in printed and "completion tokens per report" in printed

    # the promise: auto-accept precision does not drop ...
    assert llm["summary"]["auto_accept_precision"] >= rules["summary"]["auto_accept_precision"]
    # ... because no new error is auto-accepted: every hallucination that got in is in review
    rules_problems, llm_problems = _problems(rules), _problems(llm)
    auto_errors = {k for k, p in llm_problems.items() if p["outcome"] in ("wrong", "spurious") and not p["review"]}
    rules_auto_errors = {
        k for k, p in rules_problems.items() if p["outcome"] in ("wrong", "spurious") and not p["review"]
    }
    assert auto_errors <= rules_auto_errors, sorted(auto_errors - rules_auto_errors)
    new = {k: p for k, p in llm_problems.items() if k not in rules_problems}
    assert new and all(p["outcome"] == "spurious" and p["review"] for p in new.values()), new
    # (the rules run may have no error at all on these reports: its catch rate is then n/a, and every error
    # of the model run must be caught)
    rules_catch = rules["summary"]["catch_rate"]
    assert llm["summary"]["catch_rate"] >= (1.0 if rules_catch is None else rules_catch)
    # and what the rules got right stays right: a correct anchor value is never lost or overwritten
    lost = {k for k, p in llm_problems.items() if p["outcome"] in ("wrong", "missed") and k not in rules_problems}
    assert not lost, sorted(lost)
    assert llm["summary"]["correct"] >= rules["summary"]["correct"]
    assert llm["summary"]["auto_correct"] >= rules["summary"]["auto_correct"]
    # field by field: what the rules auto-accepted, the model run auto-accepts too, with the same value
    assert results["rules"].keys() == results["llm"].keys() and len(results["llm"]) == len(REPORTS)
    for report, rules_result in results["rules"].items():
        llm_result = results["llm"][report]
        assert llm_result.provenance.llm is not None and not llm_result.provenance.llm.errors, report
        unsettled = {
            key: value
            for key, value in _auto_accepted(rules_result).items()
            if _auto_accepted(llm_result).get(key, object()) != value
        }
        assert not unsettled, (report, unsettled)
