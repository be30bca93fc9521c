"""Quote grounding: where a model's quote is in the text, and whether that text states the value."""

from __future__ import annotations

import pytest

from service.core import Found
from service.llm.grounding import Grounder, Rejected, normalise

TEXT = (
    "2017年，本机关共受理政府信息公开申请２３件，其中当面申请5件，网上申请18件。"
    "全年未发生行政复议。依申请公开收费共计5394432.52元。本年度共举办培训班十二期，培训1.2万人次。"
    "一、本年新收政府信息公开申请数量 713000074 二、上年结转"
)


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder(TEXT)


def test_normalise_keeps_offsets_back_to_the_text() -> None:
    norm, index = normalise("申请 ２３件，共计")
    assert norm == "申请23件,共计"
    assert index == [0, 1, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize(
    ("key", "value", "quote", "how", "span"),
    [
        ("requests.received", 23, "共受理政府信息公开申请２３件", "llm-exact", "共受理政府信息公开申请２３件"),
        ("requests.received", 23, "共受理政府信息公开申请23件", "llm-normalised", "共受理政府信息公开申请２３件"),
        ("requests.received", 23, "“共受理 政府信息公开申请23件,”", "llm-normalised", "共受理政府信息公开申请２３件"),
        (
            "requests.received",
            23,
            "本机关共受理了政府信息公开申请23件",
            "llm-fuzzy",
            "本机关共受理政府信息公开申请２３件",
        ),
        ("requests.channel.online", 18, "网上申请18件", "llm-exact", "网上申请18件"),
        ("review.total", 0, "全年未发生行政复议", "llm-exact", "全年未发生行政复议"),
        ("fees.collected", 539.443252, "收费共计5394432.52元", "llm-exact", "收费共计5394432.52元"),
        ("training.sessions", 12, "举办培训班十二期", "llm-exact", "举办培训班十二期"),
        ("training.trainees", 12000, "培训1.2万人次", "llm-exact", "培训1.2万人次"),
    ],
)
def test_grounded(grounder: Grounder, key: str, value: object, quote: str, how: str, span: str) -> None:
    found = grounder.ground(key, value, quote)
    assert isinstance(found, Found), found
    assert found.how == how and found.source == "llm"
    assert TEXT[found.start : found.end] == span
    assert found.extra["quote"] == quote


@pytest.mark.parametrize(
    ("key", "value", "quote", "reason"),
    [
        # a hallucinated number with a real quote
        ("requests.received", 24, "共受理政府信息公开申请２３件", "the quoted text does not contain the value"),
        # a quote with the hallucinated number in it: found fuzzily, but the text there says 23
        ("requests.received", 25, "共受理政府信息公开申请25件", "the quoted text does not contain the value"),
        # a quote that is nowhere in the text
        ("capacity.staff", 8, "配备专职工作人员8名", "quote not found in the report text"),
        # too short to match approximately
        ("requests.channel.in_person", 5, "当面5件", "quote not found in the report text"),
        # 0 needs a zero word or a 0 in the quoted text
        ("requests.channel.fax", 0, "网上申请18件", "the quoted text does not contain the value"),
        # a cell cut out of a glued run of digits is a plausibility guess
        ("requests.received", 74, "本年新收政府信息公开申请数量 713000074", "glued table cells"),
        ("requests.received", 23, "", "quote not found in the report text"),
    ],
)
def test_rejected(grounder: Grounder, key: str, value: object, quote: str, reason: str) -> None:
    rejected = grounder.ground(key, value, quote)
    assert isinstance(rejected, Rejected)
    assert reason in rejected.reason
    assert rejected.as_dict()["key"] == key


def test_prefers_the_occurrence_inside_the_windows_shown() -> None:
    text = "收到申请3件。" + "无关内容" * 50 + "收到申请3件。"
    second = text.rindex("收到申请3件")
    found = Grounder(text).ground("requests.received", 3, "收到申请3件", [(second - 5, len(text))])
    assert isinstance(found, Found) and found.start == second


def test_fuzzy_search_stays_inside_the_windows() -> None:
    text = "甲" * 100 + "本机关共受理政府信息公开申请23件" + "乙" * 100
    near_elsewhere = [(0, 50)]
    assert isinstance(
        Grounder(text).ground("requests.received", 23, "本机关共受理了政府信息公开申请23件", near_elsewhere), Rejected
    )


def test_approximate_figure_is_marked() -> None:
    found = Grounder("全年共回应舆情10余次。").ground("response.hot_topics", 10, "回应舆情10余次")
    assert isinstance(found, Found) and found.approximate


def test_signed_change_matches_its_magnitude() -> None:
    found = Grounder("行政许可 上一年项目数量 20 本年增/减 -3").ground("active.licensing.change", -3, "本年增/减 -3")
    assert isinstance(found, Found)


def test_a_real_number_quoted_for_the_wrong_metric_is_rejected(grounder: Grounder) -> None:
    wrong = grounder.ground("capacity.staff", 18, "网上申请18件")
    assert isinstance(wrong, Rejected) and wrong.reason == "the passage does not name the metric"
    right = grounder.ground("requests.channel.online", 18, "网上申请18件")
    assert isinstance(right, Found) and right.how == "llm-exact" and right.extra["names_metric"] is True


def test_the_metric_may_be_named_just_before_the_quote() -> None:
    found = Grounder("本年度共举办各类培训班，合计6期。").ground("training.sessions", 6, "合计6期")
    assert isinstance(found, Found) and found.how == "llm-exact"


def test_a_count_read_off_a_date_is_rejected() -> None:
    grounder = Grounder("本报告所列数据的统计期限为2019年1月1日至2019年12月31日。全年共收到申请31件。")
    dated = grounder.ground("requests.received", 2019, "统计期限为2019年1月1日")
    assert isinstance(dated, Rejected)
    assert isinstance(grounder.ground("requests.received", 31, "全年共收到申请31件"), Found)
