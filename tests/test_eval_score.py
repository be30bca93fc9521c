"""Scoring on hand-made cases; every expected number below is worked out by hand in the comments."""

from __future__ import annotations

import pytest

from eval.score import (
    Predicted,
    Stats,
    fmt_rate,
    predictions_from_result,
    score_report,
    scoreboard,
    summarize,
    values_equal,
)
from service.core import Evidence
from service.schema import FieldValue, Provenance, ReportInfo, Result


def outcomes_of(gold, predicted, template="legacy"):
    return {o.key: o.outcome for o in score_report("r", gold, predicted, template)}


def test_every_outcome_kind():
    gold = {"requests.received": 23, "review.total": 3, "litigation.total": 1}
    predicted = {
        "requests.received": Predicted(23),  # correct
        "review.total": Predicted(4),  # wrong
        "complaints.total": Predicted(0),  # spurious
    }  # litigation.total: missed
    assert outcomes_of(gold, predicted) == {
        "requests.received": "correct",
        "review.total": "wrong",
        "litigation.total": "missed",
        "complaints.total": "spurious",
    }


def test_outcomes_carry_values_review_and_quote():
    gold = {"review.total": 3, "litigation.total": 1}
    predicted = {"review.total": Predicted(4, review=True, quote="行政复议 4件")}
    by_key = {o.key: o for o in score_report("erdao", gold, predicted, "legacy")}
    wrong, missed = by_key["review.total"], by_key["litigation.total"]
    assert (wrong.predicted, wrong.gold, wrong.review, wrong.quote) == (4, 3, True, "行政复议 4件")
    assert (missed.predicted, missed.gold, missed.review) == (None, 1, None)
    assert wrong.report == "erdao" and wrong.template == "legacy" and wrong.section == "review"


def test_integers_exactly():
    assert values_equal("requests.received", 23, 23)
    assert not values_equal("requests.received", 24, 23)
    assert not values_equal("requests.received", "23", 23)
    assert not values_equal("requests.received", True, 1)
    assert values_equal("active.licensing.change", -3, -3)


def test_money_tolerance():
    gold = 539.443252
    assert values_equal("active.procurement.amount", gold + 0.004, gold)
    assert values_equal("active.procurement.amount", gold - 0.004, gold)
    assert values_equal("fees.collected", 0.005, 0)  # exactly at the limit counts
    assert not values_equal("active.procurement.amount", gold + 0.006, gold)
    assert not values_equal("active.procurement.amount", gold - 0.006, gold)
    assert values_equal("fees.collected", 0, 0.0)


def test_strings_ignore_all_whitespace():
    gold = "平潭综合实验区2019年政府信息公开工作年度报告"
    assert values_equal("meta.title", "平潭综合实验区 2019年\n政府信息公开工作年度报告", gold)
    assert values_equal("meta.title", "平潭综合实验区\u30002019年\t政府信息公开工作年度报告 ", gold)
    assert not values_equal("meta.title", "平潭综合实验区2019年度政府信息公开工作年度报告", gold)


def test_dates():
    assert values_equal("meta.publish_date", "2020-01-20", "2020-01-20")
    assert not values_equal("meta.publish_date", "2020-01-21", "2020-01-20")
    assert not values_equal("meta.publish_date", "2020年1月20日", "2020-01-20")


def test_counts_and_micro_rates():
    # 2 correct, 1 wrong, 1 missed, 1 spurious:
    # precision 2/(2+1+1) = 0.5, recall 2/(2+1+1) = 0.5, F1 = 2·0.5·0.5/(0.5+0.5) = 0.5
    gold = {"requests.received": 23, "requests.granted": 10, "review.total": 3, "litigation.total": 1}
    predicted = {
        "requests.received": Predicted(23),
        "requests.granted": Predicted(10),
        "review.total": Predicted(4),
        "complaints.total": Predicted(0),
    }
    stats = summarize(score_report("r", gold, predicted))
    assert (stats.correct, stats.wrong, stats.missed, stats.spurious) == (2, 1, 1, 1)
    assert (stats.gold, stats.predicted) == (4, 4)
    assert stats.precision == pytest.approx(0.5)
    assert stats.recall == pytest.approx(0.5)
    assert stats.f1 == pytest.approx(0.5)


def test_f1_is_harmonic_mean_when_both_defined():
    # 3 correct, 1 spurious, 2 missed: P = 3/4, R = 3/5, harmonic mean = 2·0.75·0.6/1.35 = 2/3
    stats = Stats(correct=3, spurious=1, missed=2)
    assert stats.f1 == pytest.approx(2 / 3)
    # 3 correct, 2 wrong, 1 spurious: P = 3/6, R = 3/5, harmonic mean = 2·0.5·0.6/1.1 = 6/11
    stats = Stats(correct=3, wrong=2, spurious=1)
    assert stats.f1 == pytest.approx(6 / 11)


def test_review_quality_by_hand():
    # Predicted fields (missed ones have no review flag and are ignored here):
    #   auto (review=False): correct, correct, correct, wrong          → auto-accept precision 3/4
    #   in review:            correct, wrong, spurious                 → review load 3/7
    #   errors (wrong + spurious) = 3, of which in review 2            → catch rate 2/3
    gold = {f"training.{k}": 1 for k in ("meetings", "sessions", "trainees")}
    gold |= {"review.total": 1, "review.upheld": 1, "review.other": 5, "capacity.staff": 2}
    predicted = {
        "training.meetings": Predicted(1),
        "training.sessions": Predicted(1),
        "training.trainees": Predicted(1),
        "review.total": Predicted(9),  # wrong, auto-accepted
        "review.upheld": Predicted(1, review=True),
        "review.other": Predicted(4, review=True),  # wrong, caught
        "complaints.total": Predicted(0, review=True),  # spurious, caught
    }  # capacity.staff missed
    stats = summarize(score_report("r", gold, predicted))
    assert stats.auto_accept_precision == pytest.approx(3 / 4)
    assert stats.review_load == pytest.approx(3 / 7)
    assert stats.catch_rate == pytest.approx(2 / 3)
    assert stats.missed == 1


def test_zero_denominators_are_none_not_errors():
    empty = Stats()
    assert [empty.precision, empty.recall, empty.f1] == [None, None, None]
    assert [empty.auto_accept_precision, empty.review_load, empty.catch_rate] == [None, None, None]
    assert fmt_rate(empty.f1) == "n/a"

    nothing_predicted = summarize(score_report("r", {"review.total": 1}, {}))
    assert nothing_predicted.recall == 0.0
    assert nothing_predicted.precision is None
    assert nothing_predicted.f1 == 0.0
    assert nothing_predicted.review_load is None

    all_in_review_no_errors = summarize(
        score_report("r", {"review.total": 1}, {"review.total": Predicted(1, review=True)})
    )
    assert all_in_review_no_errors.auto_accept_precision is None  # nothing auto-accepted
    assert all_in_review_no_errors.catch_rate is None  # no errors to catch
    assert all_in_review_no_errors.review_load == 1.0

    assert Stats().to_dict()["f1"] is None


def test_breakdowns_by_section_template_and_report():
    a = score_report(
        "a",
        {"meta.year": 2017, "review.total": 3},
        {"meta.year": Predicted(2017), "review.total": Predicted(2)},
        "legacy",
    )
    b = score_report(
        "b", {"requests.received": 74}, {"requests.received": Predicted(74), "review.total": Predicted(0)}, "gb2021"
    )
    board = scoreboard(a + b)
    assert board.overall.correct == 2 and board.overall.wrong == 1 and board.overall.spurious == 1
    assert list(board.by_section) == ["meta", "requests", "review"]  # catalogue order
    assert board.by_section["review"].wrong == 1 and board.by_section["review"].spurious == 1
    assert board.by_section["review"].f1 == 0.0
    assert board.by_template["legacy"].f1 == pytest.approx(0.5)  # 1 correct, 1 wrong: P = R = 1/2
    assert board.by_template["gb2021"].precision == pytest.approx(0.5)
    assert board.by_report["b"].recall == 1.0


def test_missing_template_is_unknown():
    [outcome] = score_report("r", {"review.total": 1}, {}, None)
    assert outcome.template == "unknown"


def test_predictions_from_result_keeps_review_and_evidence():
    text = "行政复议数量 22 件"
    result = Result(
        report=ReportInfo(id="r", sha256="0" * 64, chars=len(text)),
        template="legacy",
        fields={
            "review.total": FieldValue(
                value=22,
                confidence=0.9,
                review=False,
                source="table",
                evidence=Evidence(start=0, end=len(text), quote=text),
            ),
            "capacity.staff": FieldValue(
                value=2,
                confidence=0.5,
                review=True,
                source="derived",
                derived_from=["capacity.staff_full_time", "capacity.staff_part_time"],
            ),
        },
        provenance=Provenance(extractor="test"),
    )
    predicted = predictions_from_result(result)
    assert predicted["review.total"] == Predicted(22, False, text)
    assert predicted["capacity.staff"].review is True
    assert "capacity.staff_full_time" in (predicted["capacity.staff"].quote or "")
