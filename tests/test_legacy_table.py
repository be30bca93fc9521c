"""The pre-2019 statistics table: one cell per line, and the Fujian variant with glued 本年度/历年累计.

Expected values are read off the hand-made tables below; the shapes copy
/work/shared/seeds/erdao-district-2017.txt (label / unit / value lines) and
/work/shared/corpus/pingtan-county-2011.txt (labels, units and both columns run together).
"""

from __future__ import annotations

import pytest
from conftest import CORPUS, SEEDS

from service.anchors import legacy_table, prose
from service.core import Document, Findings
from service.ingest import read_bytes
from service.pipeline import stated_in_prose


def doc(text: str) -> Document:
    return read_bytes(text.encode("utf-8"), "report.txt")


def values(findings: Findings) -> dict[str, object]:
    keys = [f.key for f in findings.found]
    assert len(keys) == len(set(keys)), "a key was emitted twice"
    return {f.key: f.value for f in findings.found}


def cell_lines(rows: list[tuple[str, str, str]]) -> str:
    """label / unit / value, one per line with blank lines between, as the seeds print them."""
    return "\n\n".join(part for row in rows for part in row)


ONE_CELL_ROWS = [
    ("（一）主动公开政府信息数\n\n（不同渠道和方式公开相同信息计1条）", "条", "4156"),
    ("其中：主动公开规范性文件数", "条", "11"),
    ("2.政府网站公开政府信息数", "条", "2841"),
    ("4.政务微信公开政府信息数", "条", "751"),
    ("（一）收到申请数", "件", "23"),
    ("1.当面申请数", "件", "19"),
    ("2.传真申请数", "件", "0"),
    ("3.网络申请数", "件", "3"),
    ("4.信函申请数", "件", "1"),
    ("（三）申请答复数", "件", "22"),
    ("2.同意公开答复数", "件", "10"),
    ("3.同意部分公开答复数", "件", "0"),
    ("4.不同意公开答复数", "件", "2"),
    ("其中：涉及国家秘密", "件", "0"),
    ("涉及商业秘密", "件", "2"),
    ("四、行政复议数量", "件", "22"),
    ("一)维持具体行政行为数", "件", "15"),
    ("二)被依法纠错数", "件", "0"),
    ("三)其他情形数", "件", "6"),
    ("五、行政诉讼数量", "件", "3"),
    ("一)维持具体行政行为或者驳回原告诉讼请求数", "件", "0"),
    ("二)被依法纠错数", "件", "1"),
    ("三)其他情形数", "件", "2"),
    ("六、举报投诉数量", "件", "4"),
    ("七、依申请公开信息收取的费用", "万元", "1.5"),
    ("八、政府信息公开专项经费", "元", "25000"),
]
ONE_CELL_EXPECTED = {
    "active.total": 4156,
    "active.normative_docs": 11,
    "active.channels.website": 2841,
    "active.channels.wechat": 751,
    "requests.received": 23,
    "requests.channel.in_person": 19,
    "requests.channel.fax": 0,
    "requests.channel.online": 3,
    "requests.channel.letter": 1,
    "requests.answered": 22,
    "requests.granted": 10,
    "requests.partial": 0,
    "requests.refused": 2,
    "requests.refused_reason.state_secret": 0,
    "requests.refused_reason.commercial_secret": 2,
    "review.total": 22,
    "review.upheld": 15,
    "review.corrected": 0,
    "review.other": 6,
    "litigation.total": 3,
    "litigation.upheld": 0,
    "litigation.corrected": 1,
    "litigation.other": 2,
    "complaints.total": 4,
    "fees.collected": 1.5,
    "capacity.budget": 2.5,
}
ONE_CELL_TABLE = (
    "某区2017年度政府信息公开工作报告\n\n政府信息公开情况统计表\n\n（2017年度）\n\n"
    "统 计 指 标\n\n单位\n\n统计数\n\n一、主动公开情况\n\n"
    + cell_lines(ONE_CELL_ROWS)
    + "\n\n填表日期：2018年1月5日\n\n100"
)


def test_one_cell_per_line_table() -> None:
    document = doc(ONE_CELL_TABLE)
    findings = legacy_table.find(document, stated_in_prose(prose.find(document)))
    got = values(findings)
    assert got == pytest.approx(ONE_CELL_EXPECTED)
    assert isinstance(got["fees.collected"], float) and isinstance(got["requests.received"], int)
    assert {f.how for f in findings.found} == {"table-cell"}
    assert findings.unresolved == [] and findings.warnings == []


def test_one_cell_evidence_spans_label_to_value() -> None:
    document = doc(ONE_CELL_TABLE)
    found = {f.key: f for f in legacy_table.find(document, stated_in_prose(prose.find(document))).found}
    website = found["active.channels.website"]
    quote = document.text[website.start : website.end]
    assert "政府网站公开政府信息数" in quote and quote.endswith("2841")
    # the 1 of "计1条" inside the parenthetical and the 2017/2018 of the headers are not cells
    assert 100 not in [f.value for f in found.values()]  # after 填表日期 the table has ended
    assert found["active.total"].value == 4156


def test_block_context_decides_review_or_litigation() -> None:
    """维持/纠错/其他情形 rows belong to the block (行政复议 or 行政诉讼) they are printed under."""
    got = values(legacy_table.find(doc(ONE_CELL_TABLE)))
    assert (got["review.upheld"], got["review.corrected"], got["review.other"]) == (15, 0, 6)
    assert (got["litigation.upheld"], got["litigation.corrected"], got["litigation.other"]) == (0, 1, 2)


@pytest.mark.parametrize("enumerator", ["（三）", "(三)"])
def test_other_outcome_row_after_bracketed_enumerator(enumerator: str) -> None:
    rows = [
        ("四、行政复议数量", "件", "7"),
        ("（一）维持具体行政行为数", "件", "4"),
        ("（二）被依法纠错数", "件", "1"),
        (f"{enumerator}其他情形数", "件", "2"),
    ]
    text = "统 计 指 标\n\n单位\n\n统计数\n\n" + cell_lines(rows) + "\n\n填表日期：2018年1月5日"
    got = values(legacy_table.find(doc(text)))
    assert got == {"review.total": 7, "review.upheld": 4, "review.corrected": 1, "review.other": 2}


def test_seed_erdao_review_and_litigation_blocks() -> None:
    document = read_bytes((SEEDS / "erdao-district-2017.txt").read_bytes(), "erdao-district-2017.txt")
    got = values(legacy_table.find(document, stated_in_prose(prose.find(document))))
    # read off the seed: 行政复议数量 22 (维持 15, 纠错 0, 其他 6); 行政诉讼数量 3 (0, 1, 2)
    assert [got[f"review.{k}"] for k in ("total", "upheld", "corrected", "other")] == [22, 15, 0, 6]
    assert [got[f"litigation.{k}"] for k in ("total", "upheld", "corrected", "other")] == [3, 0, 1, 2]
    assert got["requests.received"] == 23 and got["requests.channel.in_person"] == 19


# --------------------------------------------------------------------------- Fujian: glued two columns

FUJIAN = (
    "附件1：平潭县人民政府2011年政府信息公开情况统计表 指标名称计量单位2011年度历年累计"
    "主动公开信息数条4251516其中：1.网站公开条41815092.政府公报公开条77"
    "受理依申请公开信息总数条00其中：1.当面申请数条00行政复议数条00"
)


def test_fujian_run_left_unresolved_without_anything_to_settle_it() -> None:
    document = doc(FUJIAN)
    findings = legacy_table.find(document, stated_in_prose(prose.find(document)))
    got = values(findings)
    assert "active.total" not in got and "active.channels.website" not in got
    unresolved = {tuple(u.keys): u for u in findings.unresolved}
    # 4251516 → (4, 251516), (42, 51516), (425, 1516): the cumulative column is never below this year's
    assert unresolved[("active.total",)].candidates == [[42], [425]]
    assert unresolved[("active.channels.website",)].candidates == [[4], [41], [418]]
    for item in findings.unresolved:
        assert item.evidence.quote == document.text[item.evidence.start : item.evidence.end]
    # "77" and "00" have one split each: (7, 7) and (0, 0)
    assert got["active.channels.gazette"] == 7
    assert got["requests.received"] == 0 and got["review.total"] == 0


def test_fujian_run_settled_by_prose_then_parent_row() -> None:
    document = doc("2011年全县主动公开政府信息425条。" + FUJIAN)
    findings = legacy_table.find(document, stated_in_prose(prose.find(document)))
    got = values(findings)
    assert got["active.total"] == 425  # the prose states 425条
    # 网站公开 ≤ its parent 主动公开 (425 this year, 1516 in all): only (418, 1509) fits 4181509
    assert got["active.channels.website"] == 418
    assert findings.unresolved == []
    split = next(f for f in findings.found if f.key == "active.channels.website")
    assert split.how == "table-split" and "4181509" in split.note


def test_fujian_prose_number_must_stand_alone() -> None:
    """ "1425条" in the prose is not a statement of 425."""
    findings = legacy_table.find(doc("累计公开信息1425条。" + FUJIAN))
    assert "active.total" not in values(findings)


def test_spaced_two_columns_take_this_year() -> None:
    text = (
        "统计表 指标名称计量单位2016年度历年累计 受理依申请公开信息总数条 12 40 "
        "依申请公开信息收取的费用元 300 900 填报人：张三"
    )
    got = values(legacy_table.find(doc(text)))
    assert got["requests.received"] == 12
    assert got["fees.collected"] == pytest.approx(0.03)  # 300 元


def test_real_fujian_report() -> None:
    document = read_bytes((CORPUS / "pingtan-county-2011.txt").read_bytes(), "pingtan-county-2011.txt")
    got = values(legacy_table.find(document, stated_in_prose(prose.find(document))))
    # the report says 主动公开政府信息425条 before the table; the table prints 4251516 and 4181509
    assert got["active.total"] == 425
    assert got["active.channels.website"] == 418


def test_no_table_no_findings() -> None:
    findings = legacy_table.find(doc("全年收到申请数23件。"))
    assert findings.found == [] and findings.unresolved == []


def test_table_without_a_unit_column() -> None:
    text = (
        "政府信息公开情况统计表\n| 指标名称 | 2016年度 |\n| 主动公开政府信息数 | 4156 |\n| 收到申请数 | 23 |\n"
        "| 政府信息公开专项经费（万元） | 2.5 |\n| 依申请公开信息收取的费用 | 300 |\n填报人：张三"
    )
    got = values(legacy_table.find(doc(text)))
    assert got == {"active.total": 4156, "requests.received": 23, "capacity.budget": 2.5}  # 300: 元 or 万元?


def test_cumulative_column_printed_first_is_read_by_its_header() -> None:
    text = (
        "统计表 指标名称 | 计量单位 | 历年累计 | 2016年度 \n| 受理依申请公开信息总数 | 条 | 40 | 12 |\n"
        "| 依申请公开信息收取的费用 | 元 | 900 | 300 |\n填报人：张三"
    )
    got = values(legacy_table.find(doc(text)))
    assert got["requests.received"] == 12
    assert got["fees.collected"] == pytest.approx(0.03)


def test_a_row_printed_without_its_figure_gives_its_neighbours_number_to_nobody() -> None:
    """A PDF drops a blank cell: ``5.其他方式回应事件数 次 (一)收到申请数 件 23`` — the 23 is the next row's."""
    text = (
        "指标名称 单位 统计数\n（五）回应解读情况\n4.微博微信回应事件数 次 3\n5.其他方式回应事件数 次\n"
        "三、依申请公开情况\n（一）收到申请数 件 23\n1.当面申请数 件\n2.传真申请数 件\n3.网络申请数 件 23\n"
        "填表日期：2018年1月5日"
    )
    got = values(legacy_table.find(doc(text)))
    assert got == {"response.social_media": 3, "requests.received": 23, "requests.channel.online": 23}
