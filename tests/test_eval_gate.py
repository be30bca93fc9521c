"""The accuracy gate of ``.ci/run`` must fail when quality collapses (issue 11's mutation tests).

The real extractor runs on the real gold reports (seeds, corpus and gold/reports); each mutation breaks its output the
way a regression would, and the harness is run with exactly the gate flags ``.ci/run`` uses (read from
that file, so the test and CI cannot drift apart). The unmutated run must pass, or the failures below
would prove nothing.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CORPUS, GOLD, REPO, SEEDS
from rich.console import Console

from eval.gate import LIMITS
from eval.harness import main
from service.pipeline import extract
from service.schema import APPLICANT_COLUMNS, Result

SHIFTED_REPORT = "shuyang-county-2025"  # a gb2021 table 三 with many non-zero cells


def ci_gate_flags() -> list[str]:
    """The ``--min-*`` / ``--max-*`` flags and values of the eval step in ``.ci/run``."""
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    command = next(line for line in script.splitlines() if "-m eval " in line)
    words = shlex.split(command.split(">")[0])
    flags = {limit.flag for limit in LIMITS}
    found = [item for i, word in enumerate(words) if word in flags for item in (word, words[i + 1])]
    assert found, "no gate flags found in .ci/run"
    return found


def run_gate(tmp_path: Path, mutate: Callable[[Result], Result]) -> tuple[int, str, dict]:
    def extractor(document):
        return mutate(extract(document))

    argv = ["--gold", str(GOLD), "--reports", str(SEEDS), "--reports", str(CORPUS), "--reports", str(GOLD / "reports")]
    argv += ["--out", str(tmp_path)]
    buffer = io.StringIO()
    code = main(
        argv + ci_gate_flags(),
        extractor_factory=lambda llm: extractor,
        console=Console(file=buffer, width=250, color_system=None),
    )
    document = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    return code, buffer.getvalue(), document


def _with_fields(result: Result, fields: dict) -> Result:
    return result.model_copy(update={"fields": fields})


def everything_to_review(result: Result) -> Result:
    return _with_fields(result, {k: f.model_copy(update={"review": True}) for k, f in result.fields.items()})


def drop_every_value(result: Result) -> Result:
    return _with_fields(result, {})


def shift_table_three(result: Result) -> Result:
    """Table 三 of one report read one applicant column to the left: each column gets its right neighbour's
    value (the last column's cells are lost), review flags as the extractor set them."""
    if result.report.id != SHIFTED_REPORT:
        return result
    prefix = "requests.by_applicant."
    fields = {k: f for k, f in result.fields.items() if not k.startswith(prefix)}
    for key, field in result.fields.items():
        if not key.startswith(prefix):
            continue
        column, row = key[len(prefix) :].split(".", 1)
        index = APPLICANT_COLUMNS.index(column)
        if index + 1 == len(APPLICANT_COLUMNS):
            continue
        right = result.fields.get(f"{prefix}{APPLICANT_COLUMNS[index + 1]}.{row}")
        if right is not None:
            fields[key] = field.model_copy(update={"value": right.value})
    return _with_fields(result, fields)


@pytest.fixture(autouse=True)
def _corpus(shared_dir):
    """Every test here needs the real reports."""


def test_unmutated_output_passes_the_ci_gate(tmp_path):
    code, output, _ = run_gate(tmp_path, lambda result: result)
    assert code == 0, output


def test_gate_fails_when_every_field_is_sent_to_review(tmp_path):
    code, _, document = run_gate(tmp_path, everything_to_review)
    assert code == 1
    failed = " | ".join(document["thresholds"]["failed"])
    assert "auto_accept_precision is n/a" in failed  # n/a where a value is required
    assert re.search(r"review_load 1\.000 > --max-review-load", failed)


def test_gate_fails_when_every_value_is_dropped(tmp_path):
    code, _, document = run_gate(tmp_path, drop_every_value)
    assert code == 1
    failed = " | ".join(document["thresholds"]["failed"])
    assert "f1 0.000 < --min-f1" in failed
    assert "macro_f1 0.000 < --min-macro-f1" in failed
    assert "auto_accept_precision is n/a" in failed


def test_gate_fails_when_one_table_is_shifted_by_a_column(tmp_path):
    _, _, clean = run_gate(tmp_path, lambda result: result)
    code, _, document = run_gate(tmp_path, shift_table_three)
    shifted = document["runs"][0]["by_report"][SHIFTED_REPORT]
    assert shifted["wrong"] + shifted["missed"] >= 40, "the mutation must really change the table"
    assert code == 1
    failed = " | ".join(document["thresholds"]["failed"])
    assert "macro_f1" in failed or "f1 " in failed
    assert "auto_accept_precision" in failed  # the shifted values were auto-accepted: the gate sees it
    others = {r: s["f1"] for r, s in document["runs"][0]["by_report"].items() if r != SHIFTED_REPORT}
    assert others == {r: s["f1"] for r, s in clean["runs"][0]["by_report"].items() if r != SHIFTED_REPORT}
