"""meta.*: title, issuer, year, publication date and template, from headers, headings and signatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED

from service.anchors import meta
from service.core import Document, Findings
from service.ingest import read_bytes
from service.pipeline import extract

GOLD = Path(__file__).resolve().parent.parent / "gold"

# Enough body that a date at the end sits in the last part of the text, where signatures are looked for.
BODY = "\n".join(["一、概述", "本年度依法推进政府信息公开工作，各项工作有序开展。"] * 8)


def doc(text: str, name: str = "report.txt") -> Document:
    return read_bytes(text.encode("utf-8"), name)


def found(findings: Findings, key: str) -> list:
    return [f for f in findings.found if f.key == key]


def value(findings: Findings, key: str) -> object:
    items = found(findings, key)
    assert len(items) == 1, f"{key}: {len(items)} candidates"
    return items[0].value


def test_crawler_header() -> None:
    text = (
        "标题: 平潭综合实验区2022年度政府信息公开工作年度报告\n发布时间: 2023-02-20 15:07\n文号: \n"
        "==================== 正文 ====================\n本报告根据《条例》编制。\n"
        + BODY
        + "\n平潭综合实验区管委会\n2023年2月18日\n"
    )
    document = doc(text)
    findings = meta.find(document)
    assert value(findings, "meta.title") == "平潭综合实验区2022年度政府信息公开工作年度报告"
    assert found(findings, "meta.title")[0].source == "header"
    assert value(findings, "meta.issuer") == "平潭综合实验区"
    assert value(findings, "meta.year") == 2022
    # the page's 发布时间 wins over the date under the signature
    date = found(findings, "meta.publish_date")
    assert [d.value for d in date] == ["2023-02-20"]
    assert document.text[date[0].start : date[0].end] == "发布时间: 2023-02-20"
    for item in findings.found:
        assert item.end > item.start


def test_body_heading_glued_to_first_paragraph() -> None:
    document = doc(
        "二道区人民政府2017年度政府信息公开工作报告 根据《中华人民共和国政府信息公开条例》的要求，"
        "特向社会公布2017年度本级政府信息公开年度报告。\n" + BODY
    )
    findings = meta.find(document)
    title = found(findings, "meta.title")[0]
    assert title.value == "二道区人民政府2017年度政府信息公开工作报告"
    assert document.text[title.start : title.end] == title.value
    assert value(findings, "meta.issuer") == "二道区人民政府"
    assert value(findings, "meta.year") == 2017


def test_two_line_heading_with_the_year_on_the_first_line() -> None:
    document = doc("平潭县人民政府2011年\n政府信息公开工作年度报告\n根据《条例》要求，现公布本报告。\n" + BODY)
    findings = meta.find(document)
    title = found(findings, "meta.title")[0]
    assert title.value == "平潭县人民政府2011年政府信息公开工作年度报告"
    assert document.text[title.start : title.end] == "平潭县人民政府2011年\n政府信息公开工作年度报告"
    assert value(findings, "meta.issuer") == "平潭县人民政府"


def test_two_line_heading_with_the_year_on_the_second_line() -> None:
    text = "平潭县人民政府\n2011年政府信息公开工作年度报告\n根据《条例》要求，现公布本报告。\n" + BODY
    findings = meta.find(doc(text))
    assert value(findings, "meta.title") == "平潭县人民政府2011年政府信息公开工作年度报告"
    assert value(findings, "meta.issuer") == "平潭县人民政府"


def test_title_without_an_issuer_gives_no_issuer() -> None:
    findings = meta.find(doc("2017年度政府信息公开工作年度报告\n根据《条例》要求，现公布本报告。\n" + BODY))
    assert value(findings, "meta.title") == "2017年度政府信息公开工作年度报告"
    assert found(findings, "meta.issuer") == []


def test_page_title_that_differs_from_the_heading_goes_to_review() -> None:
    text = (
        "标题: 关于公布2017年度政府信息公开工作年度报告的通知\n发布时间: 2018-03-30\n"
        "==================== 正文 ====================\n"
        "某县人民政府2017年度政府信息公开工作年度报告\n根据《条例》要求，现公布本报告。\n" + BODY
    )
    findings = meta.find(doc(text))
    titles = found(findings, "meta.title")
    assert {t.value for t in titles} == {
        "某县人民政府2017年度政府信息公开工作年度报告",
        "关于公布2017年度政府信息公开工作年度报告的通知",
    }
    result = extract(doc(text))
    field = result.fields["meta.title"]
    assert field.value == "某县人民政府2017年度政府信息公开工作年度报告"
    assert field.review and field.candidates and len(field.candidates) == 2


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("signature", "iso", "how"),
    [
        ("二○一二年二月二十日", "2012-02-20", "label-loose"),  # before the year it reports on: review
        ("二〇一八年三月五日", "2018-03-05", "label-exact"),
        ("2018年3月20日", "2018-03-20", "label-exact"),
        ("（2019年1月31日）", "2019-01-31", "label-exact"),
    ],
)
def test_date_under_the_signature(signature: str, iso: str, how: str) -> None:
    """Signed by a body on the line above, and after the report's year: trusted; otherwise review."""
    document = doc("某县2017年政府信息公开工作年度报告\n" + BODY + "\n某县人民政府\n" + signature + "\n")
    findings = meta.find(document)
    (date,) = found(findings, "meta.publish_date")
    assert date.value == iso
    assert date.how == how
    assert document.text[date.start : date.end] in signature


def test_a_closing_date_with_no_signing_body_above_goes_to_review() -> None:
    document = doc("某县2017年政府信息公开工作年度报告\n" + BODY + "\n特此报告。\n2018年3月20日\n")
    (date,) = found(meta.find(document), "meta.publish_date")
    assert date.value == "2018-03-20" and date.how == "label-loose"


@pytest.mark.parametrize("stamp", ["抓取时间", "采集时间", "下载时间", "更新时间", "填表日期"])
def test_a_crawl_or_update_stamp_is_never_the_publish_date(stamp: str) -> None:
    text = f"标题: 某县2017年政府信息公开工作年度报告\n{stamp}: 2024-06-01 10:00\n" + BODY
    assert found(meta.find(doc(text)), "meta.publish_date") == []


def test_the_pages_own_date_outranks_a_crawler_header_that_disagrees() -> None:
    text = (
        "标题: 某县2017年政府信息公开工作年度报告\n发布时间: 2024-06-01 10:00\n"
        "==================== 正文 ====================\n"
        "首页 > 政务公开 > 年报 来源：某县人民政府办公室 发布时间：2018-01-20\n"
        "某县2017年政府信息公开工作年度报告\n根据《条例》编制本报告。\n" + BODY
    )
    result = extract(doc(text))
    field = result.fields["meta.publish_date"]
    assert field.value == "2018-01-20"
    assert field.review and {c.value for c in field.candidates} == {"2018-01-20", "2024-06-01"}


def test_a_publish_date_years_after_the_report_goes_to_review() -> None:
    """The only date printed is a stamp from years later (a re-crawl, a site migration)."""
    text = "标题: 某县2017年政府信息公开工作年度报告\n发布时间: 2024-06-01 10:00\n" + BODY
    result = extract(doc(text))
    field = result.fields["meta.publish_date"]
    assert field.value == "2024-06-01" and field.review


def test_fill_in_date_is_never_the_publish_date() -> None:
    alone = doc("某县2017年政府信息公开工作年度报告\n" + BODY + "\n统计表\n填表日期：\n2018年1月5日\n")
    assert found(meta.find(alone), "meta.publish_date") == []
    after_signature = doc(
        "某县2017年政府信息公开工作年度报告\n"
        + BODY
        + "\n某县人民政府\n2018年3月20日\n统计表\n填表日期：\n2018年1月5日\n"
    )
    assert value(meta.find(after_signature), "meta.publish_date") == "2018-03-20"


def test_a_date_early_in_the_text_is_not_a_signature() -> None:
    document = doc("某县2017年政府信息公开工作年度报告\n2018年3月20日\n" + BODY)
    assert found(meta.find(document), "meta.publish_date") == []


# --------------------------------------------------------------------------- year


def test_year_from_the_statistics_period_when_there_is_no_title() -> None:
    document = doc("本报告所列数据的统计期限自2017年1月1日起至2017年12月31日止。2018年将继续努力。\n" + BODY)
    findings = meta.find(document)
    (year,) = found(findings, "meta.year")
    assert (year.value, year.how) == (2017, "label-exact")
    assert document.text[year.start : year.end] == "2017"


def test_year_falls_back_to_the_first_year_named_and_says_so() -> None:
    findings = meta.find(doc("2016年，本局认真贯彻落实《条例》。2017年将继续努力。\n" + BODY))
    (year,) = found(findings, "meta.year")
    assert (year.value, year.how) == (2016, "label-loose")
    assert "first year" in year.note


# --------------------------------------------------------------------------- template


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ("第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 0 0 0", "gb2021"),
        ("第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量 政府集中采购", "gb2019"),
        ("三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量 3", "gb2021"),
        ("本年新收政府信息公开申请数量 3 …第二十条第（九）项 政府集中采购", "gb2019"),
        ("政府信息公开情况统计表 统 计 指 标 单位 统计数 收到申请数 件 3", "legacy"),
        ("全年收到申请3件。本年新制作数量3件。", "legacy"),  # one gb2019 marker alone is not a template
    ],
)
def test_detect_template(text: str, template: str) -> None:
    assert meta.detect_template(text) == template
    findings = meta.find(doc("某县2018年政府信息公开工作年度报告\n" + text))
    (item,) = found(findings, "meta.template")
    assert item.value == template


def test_a_report_for_2019_on_without_any_table_falls_back_to_its_years_template_in_review() -> None:
    findings = meta.find(doc("某县公安局2020年政府信息公开工作年度报告\n全年收到申请3件。"))
    (item,) = found(findings, "meta.template")
    assert (item.value, item.how) == ("gb2019", "label-loose")
    assert any("body is only" in warning for warning in findings.warnings)


def test_template_evidence_is_a_marker() -> None:
    text = "某县2022年政府信息公开工作年度报告\n第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数"
    document = doc(text)
    (item,) = found(meta.find(document), "meta.template")
    assert document.text[item.start : item.end] in ("本年制发件数", "本年废止件数", "现行有效件数")


REPORTS = sorted(
    p
    for folder in ("corpus", "seeds")
    for p in (SHARED / folder).iterdir()
    if p.suffix in (".txt", ".md", ".html") and p.name != "SOURCES.md"
)


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_meta_of_real_reports_matches_gold(path: Path) -> None:
    gold_file = GOLD / f"{path.stem}.json"
    if not gold_file.exists():
        pytest.skip(f"no gold for {path.name}")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))["fields"]
    findings = meta.find(read_bytes(path.read_bytes(), path.name))
    for key in ("meta.template", "meta.year", "meta.publish_date"):
        if key in gold:
            assert sorted({f.value for f in found(findings, key)}) == [gold[key]], key


def test_heading_inside_a_line_of_page_chrome_wins_over_the_page_title() -> None:
    text = (
        "标题: 平潭县财政局2009年度政府信息公开年度报告\n发布时间: 2010-05-12 00:00\n==== 正文 ====\n"
        "当前位置： 首页政务公开 平潭县财政局2009年度政府信息公开年度报告 来源：平潭县财政局 --> 微信 微博 "
        "相关链接： 平潭综合实验区 2014年度政府信息公开工作年度报告 根据《条例》的要求，现将2014年度政府信息公开"
        "工作年度报告如下。"
    )
    result = extract(read_bytes(text.encode("utf-8"), "x.txt"))
    title = result.fields["meta.title"]
    assert title.value == "平潭综合实验区2014年度政府信息公开工作年度报告"
    assert title.review  # the page calls it something else: a person decides
    assert result.fields["meta.issuer"].value == "平潭综合实验区"


def test_cover_letter_title_is_not_the_report_heading() -> None:
    text = (
        "关于报送《某某区公安局2015年政府信息公开年度报告》的函 区办公室："
        "现将《某某区公安局2015年政府信息公开年度报告》"
        "报送贵处，请审阅。 某某区公安局2016年1月4日 某某区公安局2015年政府信息公开工作报告 根据《条例》和要求，"
        "我局编制了本报告。"
    )
    result = extract(read_bytes(text.encode("utf-8"), "x.txt"))
    assert result.fields["meta.title"].value == "某某区公安局2015年政府信息公开工作报告"
    assert result.fields["meta.issuer"].value == "某某区公安局"


def test_title_year_and_statistics_period_that_disagree_send_the_year_to_review() -> None:
    text = "某县2018年政府信息公开工作年度报告\n本报告所列数据的统计期限自2017年1月1日起至2017年12月31日止。\n" + BODY
    field = extract(doc(text)).fields["meta.year"]
    assert field.review and {c.value for c in field.candidates} == {2017, 2018}


def test_title_year_confirmed_by_the_statistics_period_is_accepted() -> None:
    text = "某县2017年政府信息公开工作年度报告\n本报告所列数据的统计期限自2017年1月1日起至2017年12月31日止。\n" + BODY
    field = extract(doc(text)).fields["meta.year"]
    assert field.value == 2017 and not field.review


def test_a_statistics_table_heading_for_another_year_sends_the_year_to_review() -> None:
    table = "\n政府信息公开情况统计表\n指标名称 计量单位 2016年度 历年累计\n"
    text = "某县2017年政府信息公开工作年度报告\n" + BODY + table
    field = extract(doc(text)).fields["meta.year"]
    assert field.review and {c.value for c in field.candidates} == {2016, 2017}


CSV_EXPORT = (
    "标题,时间,内容,一级类别,来源网站,访问地址\n"
    '某县人民政府2019年政府信息公开工作年度报告,2020年01月16日,"根据《条例》编制。\n'
)


def test_a_crawler_csv_export_gives_the_title_and_its_date_is_only_a_candidate() -> None:
    signed = doc(CSV_EXPORT + BODY + '\n某县人民政府\n2020年1月15日\n",政府信息公开年报,http://x.gov.cn/a.html\n')
    result = extract(signed)
    assert result.fields["meta.title"].value == "某县人民政府2019年政府信息公开工作年度报告"
    date = result.fields["meta.publish_date"]
    assert date.value == "2020-01-15"  # the signature, not the crawler's column
    assert date.review and {c.value for c in date.candidates} == {"2020-01-15", "2020-01-16"}
    unsigned = extract(doc(CSV_EXPORT + BODY + '",政府信息公开年报\n')).fields["meta.publish_date"]
    assert unsigned.value == "2020-01-16" and unsigned.review


def test_a_title_with_spaces_between_issuer_and_year_keeps_the_issuer() -> None:
    findings = meta.find(doc("河北省某某厅  2020年政府信息公开工作年度报告  2020年，我厅坚持公开。\n" + BODY))
    assert value(findings, "meta.title") == "河北省某某厅2020年政府信息公开工作年度报告"
    assert value(findings, "meta.issuer") == "河北省某某厅"


def test_a_signature_naming_another_body_sends_the_issuer_to_review() -> None:
    same = doc("某县2017年政府信息公开工作年度报告\n" + BODY + "\n某县人民政府办公室\n2018年3月20日\n")
    assert not extract(same).fields["meta.issuer"].review
    other = doc("某县2017年政府信息公开工作年度报告\n" + BODY + "\n另一市人民政府\n2018年3月20日\n")
    field = extract(other).fields["meta.issuer"]
    assert field.review and {c.value for c in field.candidates} == {"某县", "另一市人民政府"}


def test_a_bare_date_label_in_the_page_chrome_is_the_publish_date() -> None:
    text = "首页 > 年报\n某县2017年政府信息公开工作年度报告\n日期：2018-01-20 来源：某县\n根据《条例》编制。\n" + BODY
    assert value(meta.find(doc(text)), "meta.publish_date") == "2018-01-20"


def test_a_line_above_a_whole_title_is_not_joined_to_it() -> None:
    """A search box's placeholder above the heading (a PDF of the page keeps it) is not part of the title;
    a heading broken after the issuer still is one title."""
    text = "请输入您要搜索的内容\n某县2017年政府信息公开工作年度报告\n根据《条例》编制。\n" + BODY
    assert value(meta.find(doc(text)), "meta.title") == "某县2017年政府信息公开工作年度报告"
    text = "某县人民政府\n2017年政府信息公开工作年度报告\n根据《条例》编制。\n" + BODY
    assert value(meta.find(doc(text)), "meta.title") == "某县人民政府2017年政府信息公开工作年度报告"


def test_a_time_label_run_into_the_source_field_is_the_publish_date() -> None:
    text = "某县2017年政府信息公开工作年度报告\n来源：某县人民政府时间：2018-01-20 15:22\n根据《条例》编制。\n" + BODY
    assert value(meta.find(doc(text)), "meta.publish_date") == "2018-01-20"


def test_a_bare_time_label_inside_the_body_is_not_the_publish_date() -> None:
    event = "\n（时间：2017-06-01，地点：县政府）\n"
    text = "某县2017年政府信息公开工作年度报告\n根据《条例》编制。\n" + BODY + event + BODY
    assert found(meta.find(doc(text)), "meta.publish_date") == []


def test_every_report_gets_a_template_even_with_no_words_naming_its_kind() -> None:
    wrapped = "某局2013年度信息公开工作\n年度报告\n一、主动公开信息5条。\n"
    assert value(meta.find(doc(wrapped)), "meta.template") == "legacy"
    bare = "某局2013年工作情况\n一、主动公开信息5条。\n"
    template = extract(doc(bare)).fields["meta.template"]
    assert template.value == "legacy" and template.review  # by the year alone: a person confirms


@pytest.mark.parametrize(
    ("sentence", "issuer"),
    [
        ("本报告是根据《条例》要求,由北京市大兴区统计局编制的2016年度政府信息公开年度报告。", "北京市大兴区统计局"),
        ("根据《条例》,现将西安市高陵区人民政府2025年政府信息公开工作年度报告予以公开。", "西安市高陵区人民政府"),
        ("根据《条例》,特公布贵阳市2018年政府信息公开工作年度报告。", "贵阳市"),
    ],
)
def test_without_a_title_the_opening_sentence_names_the_issuer(sentence: str, issuer: str) -> None:
    field = extract(doc(sentence + "\n" + BODY)).fields["meta.issuer"]
    assert field.value == issuer and field.review  # not a heading: a person confirms
    assert found(meta.find(doc("现将我局2018年政府信息公开工作报告如下：\n" + BODY)), "meta.issuer") == []
