"""The FIELDS.md identities on hand-made values: every family passes, fails and skips as documented."""

from __future__ import annotations

import pytest

from service.checks import identities_for, identity_violations, keys_in_failed, run_checks, t3_rows
from service.core import Check
from service.schema import FIELD_TYPES

# Table 三 rows in FIELDS.md order, written out here rather than taken from the module under test.
OUTCOMES_COMMON = [
    "granted",
    "partial",
    *(
        f"refused_reason.{r}"
        for r in (
            "state_secret",
            "prohibited_by_law",
            "security_stability",
            "third_party_rights",
            "internal_affairs",
            "process_info",
            "enforcement_files",
            "query_matters",
        )
    ),
    "not_held",
    "needs_creation",
    "unclear",
    *(f"not_processed.{r}" for r in ("complaint", "duplicate", "publication", "excessive", "confirmation")),
]
OUTCOMES = {
    "gb2021": [*OUTCOMES_COMMON, "other_handling.no_correction", "other_handling.unpaid", "other_handling.other"],
    "gb2019": [*OUTCOMES_COMMON, "other_handling.total"],
}
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")


def by_id(checks: list[Check], check_id: str) -> Check:
    (check,) = [c for c in checks if c.id == check_id]
    return check


def status(values: dict, template: str | None, check_id: str) -> str:
    return by_id(run_checks(values, template), check_id).status


def test_table_three_rows_follow_the_catalogue() -> None:
    for template, outcomes in OUTCOMES.items():
        assert list(t3_rows(template)) == ["received", "carried_over", *outcomes, "processed_total", "carried_forward"]


def test_every_identity_uses_known_keys_and_ids_are_unique() -> None:
    for template in ("gb2021", "gb2019", "legacy", None):
        identities = identities_for(template)
        assert len({i.id for i in identities}) == len(identities)
        assert all(key in FIELD_TYPES for i in identities for key in i.keys)


def test_identity_families_per_template() -> None:
    gb = {i.id.split("[")[0] for i in identities_for("gb2021")}
    legacy = {i.id.split("[")[0] for i in identities_for("legacy")}
    assert gb == {"T3-balance", "T3-outcomes", "T3-columns", "T4-blocks", "L-staff"}
    assert legacy == {"L-channels", "L-completed", "L-answers", "L-refused", "L-review", "L-staff"}
    # seven columns (six applicants + 总计) for balance and outcomes, one column identity per row
    assert sum(i.id.startswith("T3-balance[") for i in identities_for("gb2021")) == 7
    assert sum(i.id.startswith("T3-columns[") for i in identities_for("gb2021")) == 25
    assert sum(i.id.startswith("T3-columns[") for i in identities_for("gb2019")) == 23


# --------------------------------------------------------------------------- table 三


def test_t3_balance() -> None:
    base = {
        "requests.received": 74,
        "requests.carried_over": 1,
        "requests.processed_total": 75,
        "requests.carried_forward": 0,
    }
    assert status(base, "gb2021", "T3-balance[总计]") == "pass"
    assert status({**base, "requests.carried_forward": 2}, "gb2021", "T3-balance[总计]") == "fail"
    skipped = dict(base)
    del skipped["requests.carried_forward"]
    assert status(skipped, "gb2021", "T3-balance[总计]") == "skip"
    # an applicant column has its own balance
    person = {k.replace("requests.", "requests.by_applicant.natural_person."): v for k, v in base.items()}
    assert status(person, "gb2021", "T3-balance[by_applicant.natural_person]") == "pass"
    assert status(person, "gb2021", "T3-balance[总计]") == "skip"


@pytest.mark.parametrize("template", ["gb2021", "gb2019"])
def test_t3_outcomes(template: str) -> None:
    outcomes = {f"requests.{row}": 0 for row in OUTCOMES[template]}
    outcomes.update({"requests.granted": 21, "requests.partial": 8, "requests.not_held": 37})
    outcomes[f"requests.{OUTCOMES[template][-1]}"] = 2  # the last 其他处理 row
    values = {**outcomes, "requests.processed_total": 21 + 8 + 37 + 2}
    assert status(values, template, "T3-outcomes[总计]") == "pass"
    assert status({**values, "requests.processed_total": 67}, template, "T3-outcomes[总计]") == "fail"
    missing = dict(values)
    del missing["requests.not_held"]
    assert status(missing, template, "T3-outcomes[总计]") == "skip"


def test_t3_outcomes_rows_differ_between_templates() -> None:
    """gb2019 has one 其他处理 row, gb2021 three: the other template's rows are not part of the sum."""
    values = {f"requests.{row}": 0 for row in OUTCOMES["gb2021"]}
    values.update({"requests.granted": 5, "requests.processed_total": 5})
    assert status(values, "gb2021", "T3-outcomes[总计]") == "pass"
    assert status(values, "gb2019", "T3-outcomes[总计]") == "skip"  # other_handling.total absent


def test_t3_columns() -> None:
    row = {f"requests.by_applicant.{c}.received": v for c, v in zip(COLUMNS, [71, 3, 0, 0, 0, 0], strict=True)}
    assert status({**row, "requests.received": 74}, "gb2021", "T3-columns[received]") == "pass"
    check = by_id(run_checks({**row, "requests.received": 75}, "gb2021"), "T3-columns[received]")
    assert check.status == "fail" and "75" in check.message and "74" in check.message
    assert len(check.keys) == 7
    del row["requests.by_applicant.research.received"]
    assert status({**row, "requests.received": 74}, "gb2021", "T3-columns[received]") == "skip"


def test_parts_exceeding_the_total_fail_even_when_incomplete() -> None:
    values = {"requests.received": 70, "requests.by_applicant.natural_person.received": 71}
    check = by_id(run_checks(values, "gb2021"), "T3-columns[received]")
    assert check.status == "fail"
    assert set(check.keys) == set(values)  # only the keys present are blamed
    assert "71" in check.message and "70" in check.message
    # parts at or below the total: nothing to say yet
    assert status({**values, "requests.received": 71}, "gb2021", "T3-columns[received]") == "skip"


def test_balance_with_parts_over_the_total_fails() -> None:
    values = {"requests.received": 3, "requests.carried_over": 0, "requests.processed_total": 5}
    assert status(values, "gb2021", "T3-balance[总计]") == "fail"


# --------------------------------------------------------------------------- table 四


@pytest.mark.parametrize("block", ["review", "litigation.direct", "litigation.after_review"])
def test_t4_blocks(block: str) -> None:
    cells = {f"{block}.upheld": 3, f"{block}.corrected": 1, f"{block}.other": 0, f"{block}.pending": 2}
    assert status({**cells, f"{block}.total": 6}, "gb2021", f"T4-blocks[{block}]") == "pass"
    assert status({**cells, f"{block}.total": 5}, "gb2019", f"T4-blocks[{block}]") == "fail"
    del cells[f"{block}.pending"]
    assert status({**cells, f"{block}.total": 6}, "gb2021", f"T4-blocks[{block}]") == "skip"
    assert status({**cells, f"{block}.total": 3}, "gb2021", f"T4-blocks[{block}]") == "fail"  # 4 > 3


# --------------------------------------------------------------------------- legacy


LEGACY_CASES = [
    (
        "L-channels",
        "requests.received",
        {
            f"requests.channel.{c}": v
            for c, v in zip(("in_person", "fax", "online", "letter", "other"), [19, 0, 3, 1, 0], strict=True)
        },
    ),
    ("L-completed", "requests.completed", {"requests.completed_on_time": 21, "requests.completed_extended": 1}),
    (
        "L-answers",
        "requests.answered",
        {
            f"requests.{k}": v
            for k, v in zip(
                ("already_public", "granted", "partial", "refused", "not_held", "not_exist", "unclear", "other_route"),
                [0, 10, 0, 2, 5, 4, 1, 0],
                strict=True,
            )
        },
    ),
    (
        "L-refused",
        "requests.refused",
        {
            f"requests.refused_reason.{k}": v
            for k, v in zip(
                ("state_secret", "commercial_secret", "privacy", "security_stability", "not_gov_info", "other_law"),
                [0, 2, 0, 0, 0, 0],
                strict=True,
            )
        },
    ),
    ("L-review[review]", "review.total", {"review.upheld": 15, "review.corrected": 0, "review.other": 6}),
    (
        "L-review[litigation]",
        "litigation.total",
        {"litigation.upheld": 0, "litigation.corrected": 1, "litigation.other": 2},
    ),
    ("L-staff", "capacity.staff", {"capacity.staff_full_time": 3, "capacity.staff_part_time": 5}),
]


@pytest.mark.parametrize(("check_id", "total", "parts"), LEGACY_CASES, ids=[c[0] for c in LEGACY_CASES])
def test_legacy_identities(check_id: str, total: str, parts: dict[str, int]) -> None:
    right = sum(parts.values())
    assert status({**parts, total: right}, "legacy", check_id) == "pass"
    assert status({**parts, total: right + 1}, "legacy", check_id) == "fail"
    first, *_ = parts
    fewer = {k: v for k, v in parts.items() if k != first}
    assert status({**fewer, total: right + 1}, "legacy", check_id) == "skip"
    biggest = max(parts, key=parts.get)
    assert status({biggest: parts[biggest], total: parts[biggest] - 1}, "legacy", check_id) == "fail"
    assert status(parts, "legacy", check_id) == "skip"  # no total, nothing to compare


def test_staff_identity_applies_to_gb_templates_too() -> None:
    values = {"capacity.staff": 7, "capacity.staff_full_time": 3, "capacity.staff_part_time": 5}
    assert status(values, "gb2021", "L-staff") == "fail"
    assert status(values, None, "L-staff") == "fail"


def test_wan_amounts_compare_with_tolerance() -> None:
    values = {"capacity.staff": 0.3, "capacity.staff_full_time": 0.1, "capacity.staff_part_time": 0.2}
    assert status(values, "legacy", "L-staff") == "pass"  # 0.1 + 0.2 != 0.3 in floats


def test_non_numbers_are_absent() -> None:
    values = {"review.total": "3", "review.upheld": True, "review.corrected": 1, "review.other": 1}
    assert status(values, "legacy", "L-review[review]") == "skip"


def test_helpers_list_only_failures() -> None:
    values = {
        "review.total": 3,
        "review.upheld": 1,
        "review.corrected": 1,
        "review.other": 0,
        "capacity.staff": 8,
        "capacity.staff_full_time": 3,
        "capacity.staff_part_time": 5,
    }
    failed = identity_violations(values, "legacy")
    assert [c.id for c in failed] == ["L-review[review]"]
    assert keys_in_failed(run_checks(values, "legacy")) == {
        "review.total",
        "review.upheld",
        "review.corrected",
        "review.other",
    }


def test_a_waived_identity_is_skipped_with_its_reason() -> None:
    values = {"requests.received": 21, "requests.channel.in_person": 18}  # an e-mail row of 3 has no key
    by_id = {c.id: c for c in run_checks(values, "legacy", {"L-channels": "a channel row with no key"})}
    assert (by_id["L-channels"].status, by_id["L-channels"].waived) == ("skip", True)
    assert by_id["L-channels"].message == "a channel row with no key"
    assert not by_id["L-staff"].waived
