"""Metrics stated in running prose: the lexicon's wordings, zero statements, and the numbers to leave alone."""

from __future__ import annotations

import pytest

from service.anchors import prose
from service.core import Document, Findings
from service.ingest import read_bytes
from service.pipeline import extract


def doc(text: str) -> Document:
    return read_bytes(text.encode("utf-8"), "report.txt")


def find(text: str, template: str | None = None) -> tuple[Document, Findings]:
    document = doc(text)
    return document, prose.find(document, template)


def values(findings: Findings) -> dict[str, object]:
    keys = [f.key for f in findings.found]
    assert len(keys) == len(set(keys)), f"a key was emitted twice: {keys}"
    return {f.key: f.value for f in findings.found}


def found(findings: Findings, key: str):
    (item,) = [f for f in findings.found if f.key == key]
    return item


def test_evidence_is_the_text_span() -> None:
    document, findings = find("2017年，全年共收到依申请公开信息3件，其中同意公开2件，同意部分公开1件，不同意公开1件。")
    assert findings.found
    for item in findings.found:
        quote = document.text[item.start : item.end]
        assert str(item.value) in quote
        assert item.source == "prose"


def test_requests_and_the_three_answers_are_told_apart() -> None:
    _, findings = find("2017年，全年共收到依申请公开信息3件，其中同意公开2件，同意部分公开1件，不同意公开1件。")
    assert values(findings) == {
        "requests.received": 3,
        "requests.granted": 2,
        "requests.partial": 1,
        "requests.refused": 1,
    }
    assert found(findings, "requests.granted").how == "label-exact"


def test_answer_wordings_with_shu_and_dafu() -> None:
    _, findings = find("同意公开答复数5件，同意部分公开答复数4件，不同意公开答复数3件。")
    assert values(findings) == {"requests.granted": 5, "requests.partial": 4, "requests.refused": 3}


def test_request_channels_share_their_numbers_only_where_allowed() -> None:
    _, findings = find("本年度收到政府信息公开申请20件，其中网络申请14件，信函申请4件，当面申请2件。")
    assert values(findings) == {
        "requests.received": 20,
        "requests.channel.online": 14,
        "requests.channel.letter": 4,
        "requests.channel.in_person": 2,
    }
    assert found(findings, "requests.received").how == "label-exact"
    # 收到网上申请32件 states both the total and the online channel
    _, findings = find("全年收到网上申请32件。")
    assert values(findings) == {"requests.received": 32, "requests.channel.online": 32}


def test_approximate_count() -> None:
    _, findings = find("全年召开新闻发布会10余次，发布政策解读12篇。")
    conferences = found(findings, "response.press_conferences")
    assert (conferences.value, conferences.approximate) == (10, True)
    interpretations = found(findings, "response.interpretations")
    assert (interpretations.value, interpretations.approximate) == (12, False)


def test_chinese_numerals() -> None:
    _, findings = find("收到申请三件，同意公开两件。")
    assert values(findings) == {"requests.received": 3, "requests.granted": 2}


def test_other_labels() -> None:
    _, findings = find(
        "全年主动公开政府信息4156条，其中公开规范性文件11件。2017年全区共设立44个便民查阅点。"
        "专职人员3人，兼职人员5人，接受培训120人次。"
    )
    assert values(findings) == {
        "active.total": 4156,
        "active.normative_docs": 11,
        "capacity.reading_points": 44,
        "capacity.staff_full_time": 3,
        "capacity.staff_part_time": 5,
        "training.trainees": 120,
    }


def test_fee_in_yuan_becomes_wan() -> None:
    _, findings = find("收取信息处理费共计380元。")
    assert values(findings) == {"fees.collected": pytest.approx(0.038)}


def test_refusal_reason_in_brackets() -> None:
    _, findings = find("共受理依申请公开3件，不同意公开答复数2件(涉及个人隐私)。")
    got = values(findings)
    assert got["requests.refused"] == 2 and got["requests.refused_reason.privacy"] == 2


# --------------------------------------------------------------------------- zero statements


@pytest.mark.parametrize(
    ("sentence", "key", "zero"),
    [
        ("2017年，未发生政府信息公开的收费及减免情况。", "fees.collected", 0.0),
        ("2022年，无收取信息处理费情况。", "fees.collected", 0.0),
        ("本机关均未收取任何费用。", "fees.collected", 0.0),
        ("本年度未出现行政诉讼情况。", "litigation.total", 0),
        ("全年没有行政复议案件。", "review.total", 0),
    ],
)
def test_zero_statements(sentence: str, key: str, zero: float) -> None:
    document, findings = find(sentence)
    assert values(findings) == {key: zero}
    item = found(findings, key)
    assert type(item.value) is type(zero)
    assert item.how == "label-loose" and "zero" in item.note
    assert document.text[item.start : item.end] in sentence


def test_zero_statement_speaks_only_of_its_own_metric() -> None:
    _, findings = find("2017年，未发生政府信息公开的收费及减免情况。本年度收到政府信息公开申请5件。")
    assert values(findings) == {"fees.collected": 0.0, "requests.received": 5}


def test_a_stated_count_beats_a_zero_word_for_the_same_key() -> None:
    _, findings = find("本年度行政复议2件，无行政复议被纠错。")
    assert values(findings) == {"review.total": 2}


# --------------------------------------------------------------------------- how sure


def test_stock_figures_are_not_this_years() -> None:
    """截至 a date before year end, 近3年, 历年 count a stock, not the year: such figures are dropped;
    截至12月31日 is the year itself; a 累计 without 全年 is kept but loose."""
    for text in (
        "截至12月15日，共收到政府信息公开申请21件。",
        "近3年共受理信息公开申请2件。",
        "历年累计主动公开政府信息805条。",
    ):
        assert values(find(text)[1]) == {}, text
    _, findings = find("截至2024年12月31日，共收到政府信息公开申请21件。")
    assert found(findings, "requests.received").how == "label-exact"
    _, findings = find("累计主动公开政府信息805条。")
    assert found(findings, "active.total").how == "label-loose"
    _, findings = find("全年共收到政府信息公开申请21件。")
    assert found(findings, "requests.received").how == "label-exact"


def test_service_applications_are_not_disclosure_requests() -> None:
    _, findings = find("区县已入驻审批服务部门和单位13个，开设窗口26个，共受理申请121510件。")
    assert "requests.received" not in values(findings)


def test_sub_scope_figures_are_not_the_whole_body() -> None:
    _, findings = find("全区主动公开政府信息2026条，县直各单位主动公开政府信息2475条。")
    assert values(findings) == {"active.total": 2026}


def test_zero_statements_in_many_wordings() -> None:
    cases = {
        "我局在2011年度未收到申请公开政府信息情况。": {"requests.received": 0},
        "2015年未收到有关政府信息公开申请。": {"requests.received": 0},
        "2015年度未向公民、法人或其他组织收取任何费用。": {"fees.collected": 0.0},
        "无收费及减免情况。": {"fees.collected": 0.0},
        "本机关未收取信息公开处理费。": {"fees.collected": 0.0},
        "没有发生因政府信息公开申请的行政复议、行政诉讼和行政申诉。": {"review.total": 0, "litigation.total": 0},
        "未收到有关政府信息公开行政复议申请。": {"review.total": 0},
        "我局没有从事政府信息公开工作的全职人员，兼职人员1人。": {
            "capacity.staff_full_time": 0,
            "capacity.staff_part_time": 1,
        },
        "全年未发生因依申请公开被行政复议纠错的情况。": {},
    }
    for text, expected in cases.items():
        assert values(find(text)[1]) == expected, text


def test_line_break_inside_a_sentence() -> None:
    text = "2017年，全年共收到政府信息公开\n申请3件，其中同意公\n开2件。\n二、行政复议"
    document, findings = find(text)
    assert values(findings) == {"requests.received": 3, "requests.granted": 2}
    for item in findings.found:
        quote = document.text[item.start : item.end]
        assert "\n" in quote and quote.endswith("件")
    assert (
        document.text[found(findings, "requests.granted").start : found(findings, "requests.granted").end]
        == "同意公\n开2件"
    )


def test_joined_view_removes_only_breaks_inside_a_sentence() -> None:
    text = "同意公\n开2件。\n二、收到申请：\n3件\n| 表 |"
    view, to_text = prose.joined_view(text)
    # only the break between 公 and 开 goes; after 。 or ： and before a table row the line break stays
    assert view == "同意公开2件。\n二、收到申请：\n3件\n| 表 |"
    assert [to_text(i) for i in range(len(view))] == [i for i in range(len(text)) if i != 3]


# --------------------------------------------------------------------------- leave these alone


@pytest.mark.parametrize(
    "sentence",
    [
        "根据《条例》第3条规定，2017年本机关认真落实各项要求。",
        "联系电话：0431-84651234，邮编：350400。",
        "网上办理占40.2%，办结率100%。",
        "2018年将进一步加强培训。",
        "| 收到申请 | 3件 |\n| 同意公开 | 2件 |",  # a table line is the table finders' business
    ],
)
def test_unrelated_numbers_are_not_picked_up(sentence: str) -> None:
    _, findings = find(sentence)
    assert findings.found == []


def test_year_next_to_a_label_is_not_the_count() -> None:
    _, findings = find("2017年收到依申请公开3件，办结率100%。")
    assert values(findings) == {"requests.received": 3}


def test_wrong_unit_is_not_a_count() -> None:
    _, findings = find("专职人员3件。收到政府信息公开申请5万元。")
    assert findings.found == []


def test_deadline_in_working_days_is_not_a_request_count() -> None:
    _, findings = find("本机关严格按照《条例》规定，自收到申请之日起15个工作日内予以答复。")
    assert "requests.received" not in values(findings)


def test_a_counting_rule_in_a_table_label_is_not_a_figure() -> None:
    _, findings = find("(一) 回应公众关注热点或重大舆情数\n\n(不同方式回应同一热点或舆情计1次)\n\n次\n\n0\n")
    assert "response.hot_topics" not in values(findings)


def test_section_six_fee_figures_of_the_2021_template() -> None:
    _, findings = find("本年度发出收费通知2件，收费通知总金额600元，实际收取总金额380元。", "gb2021")
    assert values(findings) == {
        "fees.notices": 2,
        "fees.notices_amount": pytest.approx(0.06),
        "fees.collected": pytest.approx(0.038),
    }


def test_table_two_figures_in_prose_only_for_the_template_that_holds_them() -> None:
    text = "集中公开现行有效行政规范性文件698件，本年度制发的规范性文件88件。"
    gb2021 = {f.key: f.value for f in prose.find(doc(text), "gb2021").found}
    assert gb2021["active.normative.in_force"] == 698 and gb2021["active.normative.issued"] == 88
    legacy = {f.key for f in prose.find(doc(text), "legacy").found}
    assert not any(key.startswith("active.normative.") for key in legacy)  # not legacy keys: never emitted


def test_a_table_three_row_label_is_not_a_statement_of_zero() -> None:
    """无正当理由逾期不补正…政府信息公开申请 is the label of a table-三 row (its cells follow), not 无…申请."""
    text = (
        "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量 18 1 0 0 0 0 19 "
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0 "
        "四、结转下年度继续办理 0 0 0 0 0 0 0 四、政府信息公开行政复议、行政诉讼情况"
    )
    document = read_bytes(text.encode("utf-8"), "r.txt")
    assert not [f for f in prose.find(document, "gb2021").found if f.key == "requests.received"]
    # the same words in a legacy report's prose still state a zero
    assert [f.value for f in prose.find(read_bytes("本年度无政府信息公开申请。".encode(), "r.txt")).found] == [0]


def test_a_daily_average_is_not_the_years_count() -> None:
    document = read_bytes("“某某发布”微信公众号日均发布信息3条以上，全年发布信息800多条。".encode(), "r.txt")
    assert 3 not in [f.value for f in prose.find(document).found if f.key == "active.channels.wechat"]


def test_a_figure_said_of_two_channels_goes_to_review() -> None:
    """微信公众号、政务微博发布政务信息1378条 is the two channels together, not the microblog's count."""
    joint = read_bytes("全年通过“某某”微信公众号、政务微博发布政务信息1378条。".encode(), "r.txt")
    found = [f for f in prose.find(joint).found if f.key.startswith("active.channels.")]
    assert found and all(f.how == "label-loose" for f in found)
    apart = read_bytes("通过政务微博公开政务信息152条(新浪微博),通过政务微信公开政务信息305条。".encode(), "r.txt")
    got = {f.key: (f.value, f.how) for f in prose.find(apart).found}
    assert got["active.channels.wechat"] == (305, "label-exact")


def test_fee_collected_named_with_the_regulation_s_words() -> None:
    text = "2023 年，区政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 0 元。"
    result = extract(read_bytes(text.encode(), "x.txt"))
    assert result.fields["fees.collected"].value == 0
    assert result.fields["fees.collected"].evidence.quote.endswith("0 元")


@pytest.mark.parametrize(
    ("sentence", "key", "number"),
    [
        ("全年通过门户网站发布各类政务信息4464条。", "active.channels.website", 4464),
        ("河北人社微信公众号共推送图文消息1600条。", "active.channels.wechat", 1600),
        ("公开省人大代表建议和省政协委员提案复文112条。", "active.proposals_results", 112),
    ],
)
def test_channel_and_proposal_wordings(sentence: str, key: str, number: int) -> None:
    assert values(find(sentence)[1])[key] == number


def test_a_departments_own_channel_goes_to_review() -> None:
    """In a region's report, 教育局网站 is one department's site: its figure may not be the report's own."""
    _, findings = find("积极通过教育局网站共公开各类信息880余条。")
    website = found(findings, "active.channels.website")
    assert website.value == 880 and website.how == "label-loose"
    _, findings = find("通过政府门户网站公开各类信息880条。")
    assert found(findings, "active.channels.website").how == "label-exact"


def test_a_street_office_naming_itself_is_not_a_sub_scope() -> None:
    """街道 marks a part of a county's figure (各街道), but 东湖街道办事处 is the body itself."""
    assert values(find("2023年，东湖街道办事处主动公开政府信息47条。")[1])["active.total"] == 47
    assert "active.total" not in values(find("2023年，各街道主动公开政府信息47条。")[1])


@pytest.mark.parametrize(
    ("sentence", "template", "key", "number"),
    [
        ("全年通过门户网站、微信公众号、微博等渠道公开各类信息1812条。", None, "active.total", 1812),
        ("及时发布和更新各类信息,共发布信息532条。", None, "active.total", 532),
        ("2013年度我镇在主动公开政府信息件数为123件。", None, "active.total", 123),
        ("2022年,我区共处理依申请公开政府信息81件,已全部办结。", "gb2021", "requests.processed_total", 81),
        ("接收政府信息公开申请件共4件。", "gb2021", "requests.received", 4),
        ("向区政府提交政府信息公开190件。", "gb2021", "requests.received", 190),
        ("顺延至下一年答复2件。", "gb2021", "requests.carried_forward", 2),
        ("其中行政规范性文件13件。", None, "active.normative_docs", 13),
        ("建议提案复文14件。", None, "active.proposals_results", 14),
        ("为3个查询中心配齐资料。", None, "capacity.reading_points", 3),
        ("我镇没有接到群众主动要求公开政府信息的申请。", None, "requests.received", 0),
        ("今年没有行政复议和诉讼案件发生。", None, "litigation.total", 0),
    ],
)
def test_more_wordings_from_many_provinces(sentence: str, template: str | None, key: str, number: int) -> None:
    assert values(find(sentence, template)[1])[key] == number


@pytest.mark.parametrize(
    ("sentence", "key"),
    [
        ("政府会议、会议解读类信息50条。", "response.interpretations"),  # a kind of content
        ("利用门户网站主动公开政府信息88条、规范性文件2条、政务动态类信息421条。", "active.channels.website"),
        ("全年通过区政府门户网站“政府信息公开专栏”发布主动公开信息183条。", "active.total"),  # one channel
    ],
)
def test_readings_a_person_should_confirm_go_to_review(sentence: str, key: str) -> None:
    assert found(find(sentence)[1], key).how == "label-loose"
