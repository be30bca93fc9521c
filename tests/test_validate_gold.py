"""The gold validator on temp gold files, and on the repository's own gold."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from eval.validate_gold import main, validate_file
from service.checks import identity_violations

REPO_GOLD = Path(__file__).resolve().parents[1] / "gold"

OK = {
    "report": "erdao-district-2017",
    "source": "erdao-district-2017.txt",
    "fields": {
        "meta.title": "二道区人民政府2017年度政府信息公开工作报告",
        "meta.year": 2017,
        "meta.template": "legacy",
        "meta.publish_date": "2018-01-08",
        "requests.received": 23,
        "fees.collected": 0,
        "capacity.budget": 2.5,
        "review.total": 21,
        "review.upheld": 15,
        "review.corrected": 0,
        "review.other": 6,
    },
    "notes": {"meta.title": "the heading is printed twice, identically"},
}


def write(tmp_path: Path, data: dict, name: str | None = None) -> Path:
    path = tmp_path / f"{name or data['report']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, data: dict, name: str | None = None) -> list[tuple[str, str | None, str]]:
    found = validate_file(write(tmp_path, data, name), identity_violations)
    return [(p.level, p.key, p.message) for p in found]


def errors_of(tmp_path, data, name=None):
    return [(key, message) for level, key, message in problems_of(tmp_path, data, name) if level == "error"]


def with_fields(**changes) -> dict:
    data = json.loads(json.dumps(OK))
    data["fields"].update({key.replace("__", "."): value for key, value in changes.items()})
    return data


def test_ok_file_has_no_problems(tmp_path):
    assert problems_of(tmp_path, OK) == []


def test_unknown_key(tmp_path):
    errors = errors_of(tmp_path, with_fields(requests__recieved=23))
    assert errors == [("requests.recieved", "not a FIELDS.md key")]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("requests.received", "23"),
        ("requests.received", -1),
        ("requests.received", 2.5),
        ("meta.publish_date", "2018年1月8日"),
        ("capacity.budget", "2.5"),
        ("meta.title", " "),
    ],
)
def test_wrong_type(tmp_path, key, value):
    data = json.loads(json.dumps(OK))
    data["fields"][key] = value
    errors = errors_of(tmp_path, data)
    assert len(errors) == 1 and errors[0][0] == key and errors[0][1].startswith("bad value")


def test_report_id_must_match_file_name(tmp_path):
    errors = errors_of(tmp_path, OK, name="erdao-2017")
    assert ("report", "'erdao-district-2017' does not match the file name 'erdao-2017'") in errors


def test_missing_top_level_entries(tmp_path):
    errors = errors_of(tmp_path, {"report": "x"}, name="x")
    assert (None, "missing 'source'") in errors and (None, "missing 'fields'") in errors


def test_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    [problem] = validate_file(path, identity_violations)
    assert problem.level == "error" and "not valid JSON" in problem.message


def test_note_on_unknown_key_is_a_warning(tmp_path):
    data = json.loads(json.dumps(OK))
    data["notes"]["requests.recieved"] = "typo"
    assert problems_of(tmp_path, data) == [
        ("warning", "requests.recieved", "note on a key that is not a FIELDS.md key")
    ]


def test_applicant_columns_only_in_gb_templates(tmp_path):
    errors = errors_of(tmp_path, with_fields(requests__by_applicant__natural_person__received=20))
    assert errors == [
        (
            "requests.by_applicant.natural_person.received",
            "applicant columns exist only in the national templates' table 三",
        )
    ]


def test_bad_template_value(tmp_path):
    assert ("meta.template", "'gb2020' is not one of gb2021, gb2019, legacy") in errors_of(
        tmp_path, with_fields(meta__template="gb2020")
    )


def test_unexplained_identity_failure_is_an_error(tmp_path):
    data = with_fields(review__total=22)  # 15 + 0 + 6 = 21
    [(key, message)] = errors_of(tmp_path, data)
    assert key == "review.total" and "L-review[review]" in message and "no note explains it" in message


def test_identity_failure_explained_by_a_note_on_a_key(tmp_path):
    data = with_fields(review__total=22)
    data["notes"]["review.upheld"] = "labelled as printed; the parts do not add up in the source"
    assert errors_of(tmp_path, data) == []


def test_identity_failure_explained_by_a_note_naming_the_check(tmp_path):
    data = with_fields(review__total=22)
    data["notes"]["meta.title"] = "L-review fails in the source: 22 printed, parts add up to 21"
    assert errors_of(tmp_path, data) == []


def test_main_exit_codes(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    write(tmp_path, OK)
    assert main([str(tmp_path)], console) == 0
    write(tmp_path, with_fields(requests__recieved=1), name="other")
    assert main([str(tmp_path)], console) == 1
    output = console.file.getvalue()
    assert "other.json: requests.recieved: not a FIELDS.md key" in output
    assert main([str(tmp_path / "nowhere")], console) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty)], console) == 2


def test_repository_gold_has_no_errors():
    console = Console(file=io.StringIO(), width=300)
    code = main([str(REPO_GOLD)], console)
    assert code == 0, console.file.getvalue()


def test_template_specific_keys_warn(tmp_path):
    legacy = problems_of(tmp_path, with_fields(requests__carried_over=2))
    assert legacy == [
        ("warning", "requests.carried_over", "not a key of the legacy template (a key of gb2021, gb2019)")
    ]
    gb = with_fields(
        meta__template="gb2021", meta__year=2022, active__procurement__items=3, requests__channel__online=1
    )
    del gb["fields"]["review.total"]  # keep T4-blocks out of the way: no total, nothing to check
    assert problems_of(tmp_path, gb) == [
        ("warning", "active.procurement.items", "not a key of the gb2021 template (a key of gb2019)"),
        ("warning", "requests.channel.online", "not a key of the gb2021 template (a key of legacy)"),
    ]


def test_second_form_must_name_an_existing_report(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    write(tmp_path, OK)
    page = {**OK, "report": "erdao-district-2017-page", "source": "erdao-district-2017-page.html"}
    write(tmp_path, {**page, "same_as": "erdao-district-2017"})
    assert main([str(tmp_path)], console) == 0
    write(tmp_path, {**page, "same_as": "no-such-report"})
    assert main([str(tmp_path)], console) == 1
    assert "same_as: no gold file no-such-report.json" in console.file.getvalue()


def test_identical_fields_without_same_as_warn(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    write(tmp_path, OK)
    write(tmp_path, {**OK, "report": "erdao-copy", "source": "erdao-copy.txt"})
    assert main([str(tmp_path)], console) == 0  # a warning: the harness scores it as a format check
    assert "erdao-district-2017.json: same fields as erdao-copy.json without 'same_as'" in console.file.getvalue()
