"""Merging candidates from several finders: tables beat prose, disagreements are kept and reviewed."""

from __future__ import annotations

import pytest

from service.confidence import BASE_CONFIDENCE, REVIEW_BELOW, confidence_for, needs_review
from service.core import Found
from service.reconcile import merge, same_value

TEXT = (
    "| 一、本年新收政府信息公开申请数量 | 71 | 3 | 0 | 0 | 0 | 0 | 74 |\n"
    "2022年，全区收到政府信息公开申请75件。全年共收到申请74件。截至年底累计收到申请80件。\n"
    "收取信息处理费共计5394432.52元。"
)


def at(fragment: str, key: str, value: object, source: str, how: str, **extra: object) -> Found:
    """A candidate whose span is ``fragment`` in TEXT."""
    start = TEXT.index(fragment)
    return Found(key, value, start, start + len(fragment), source, how, **extra)  # type: ignore[arg-type]


TABLE_74 = at("| 74", "requests.received", 74, "table", "table-identity")
PROSE_75 = at("收到政府信息公开申请75件", "requests.received", 75, "prose", "label-exact")
PROSE_74 = at("收到申请74件", "requests.received", 74, "prose", "label-exact")
LOOSE_80 = at("累计收到申请80件", "requests.received", 80, "prose", "label-loose", note="a stock figure")


def test_table_beats_prose_and_the_conflict_is_reviewed() -> None:
    fields, conflicts = merge([PROSE_75, TABLE_74], TEXT)
    field = fields["requests.received"]
    assert field.value == 74 and field.source == "table"
    assert field.review and field.confidence <= 0.6
    assert [(c.value, c.source) for c in field.candidates] == [(74, "table"), (75, "prose")]
    assert field.candidates[1].evidence.quote == "收到政府信息公开申请75件"
    assert field.evidence.quote == TEXT[field.evidence.start : field.evidence.end] == "| 74"
    assert field.reason.startswith("X-text") and "74" in field.reason and "75" in field.reason
    (check,) = conflicts
    assert (check.id, check.status, check.keys) == ("X-text", "fail", ["requests.received"])


def test_agreement_between_table_and_prose_raises_confidence() -> None:
    cell = at("| 74", "requests.received", 74, "table", "table-cell")
    fields, conflicts = merge([PROSE_74, cell], TEXT)
    field = fields["requests.received"]
    assert conflicts == []
    assert field.value == 74 and field.source == "table" and not field.review
    assert field.candidates is None
    alone, _ = merge([cell], TEXT)
    assert field.confidence > alone["requests.received"].confidence
    assert field.confidence == pytest.approx(BASE_CONFIDENCE["table-cell"] + 0.05)


def test_two_prose_readings_of_one_source_are_not_independent() -> None:
    again = at("全年共收到申请74件", "requests.received", 74, "prose", "label-exact")
    fields, _ = merge([PROSE_74, again], TEXT)
    assert fields["requests.received"].confidence == BASE_CONFIDENCE["label-exact"]


def test_rival_prose_values_go_to_review() -> None:
    fields, conflicts = merge([LOOSE_80, PROSE_75], TEXT)
    field = fields["requests.received"]
    assert field.value == 75  # an exact label outranks a loose one, whatever their order
    assert field.review and {c.value for c in field.candidates} == {75, 80}
    assert [c.id for c in conflicts] == ["X-prose"]


def test_equally_strong_rivals_keep_the_first_in_the_text_and_review() -> None:
    fields, conflicts = merge([PROSE_74, PROSE_75], TEXT)
    field = fields["requests.received"]
    assert field.value == 75  # 收到…75件 comes first in TEXT
    assert field.review and len(conflicts) == 1


def test_model_disagreeing_with_an_anchor_is_x_model() -> None:
    model = at("收到政府信息公开申请75件", "requests.received", 75, "llm", "llm-exact")
    fields, conflicts = merge([model, TABLE_74], TEXT)
    assert fields["requests.received"].value == 74
    assert [c.id for c in conflicts] == ["X-model"]


def test_loose_value_alone_is_reviewed_with_its_note() -> None:
    fields, conflicts = merge([LOOSE_80], TEXT)
    field = fields["requests.received"]
    assert conflicts == []
    assert field.value == 80 and field.review and field.reason == "a stock figure"
    assert field.confidence == BASE_CONFIDENCE["label-loose"]


def test_confident_value_has_no_reason() -> None:
    fields, _ = merge([TABLE_74], TEXT)
    field = fields["requests.received"]
    assert not field.review and field.reason is None and field.confidence == BASE_CONFIDENCE["table-identity"]


def test_approximate_values_lose_a_little_confidence() -> None:
    approximate = at("收到申请74件", "requests.received", 74, "prose", "label-exact", approximate=True)
    fields, _ = merge([approximate], TEXT)
    field = fields["requests.received"]
    assert field.approximate
    assert field.confidence == pytest.approx(BASE_CONFIDENCE["label-exact"] - 0.05)


def test_wan_values_agree_within_half_a_fen() -> None:
    assert same_value("fees.collected", 539.443252, 539.44)
    assert not same_value("fees.collected", 539.44, 539.45)
    assert not same_value("requests.received", 74, 75)
    assert same_value("meta.title", "某县 2017年 报告", "某县2017年报告")
    exact = at("5394432.52元", "fees.collected", 539.443252, "prose", "label-exact")
    rounded = at("| 74", "fees.collected", 539.44, "table", "table-cell")
    fields, conflicts = merge([exact, rounded], TEXT)
    assert conflicts == [] and fields["fees.collected"].value == 539.44


def test_keys_come_out_in_catalogue_order() -> None:
    fields, _ = merge(
        [
            at("收到申请74件", "requests.received", 74, "prose", "label-exact"),
            at("2022年", "meta.year", 2022, "prose", "header"),
            at("收取信息处理费共计5394432.52元", "fees.collected", 539.443252, "prose", "label-exact"),
        ],
        TEXT,
    )
    assert list(fields) == ["meta.year", "requests.received", "fees.collected"]


def test_confidence_threshold() -> None:
    assert needs_review(REVIEW_BELOW - 0.01) and not needs_review(REVIEW_BELOW)
    assert not needs_review(confidence_for("table-split"))
    assert needs_review(confidence_for("label-loose"))
    assert needs_review(confidence_for("llm-exact"))
    assert confidence_for("table-identity", agreeing_sources=3) <= 0.995


@pytest.mark.parametrize(("other", "agree"), [(1.005, True), (0.995, True), (1.0051, False), (0.9949, False)])
def test_wan_boundary_is_the_one_rule_of_reconcile_and_eval(other: float, agree: bool) -> None:
    """Reconcile and the eval share service.schema.values_equal: 0.005 apart is the same value for both."""
    from eval.score import values_equal as scored_equal
    from service.schema import values_equal

    assert same_value is values_equal and scored_equal is values_equal
    table = at("| 74", "fees.collected", 1.0, "table", "table-cell")
    prose = at("5394432.52元", "fees.collected", other, "prose", "label-exact")
    _, conflicts = merge([table, prose], TEXT)
    assert (conflicts == []) is agree
    assert values_equal("fees.collected", other, 1.0) is agree
