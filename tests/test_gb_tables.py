"""Tables 二, 三 and 四 of the national templates, in the shapes PDF/HTML conversion leaves them in.

Every expected value is computed from a small table written out below (or read off the printed run),
never copied from the extractor's output. The hand-made tables satisfy every FIELDS.md identity; the
flattened text is glued the way /work/shared/corpus/pingtan-2022.txt is (label, digits, next label).
"""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS

from service.anchors import gb_tables, prose
from service.checks import run_checks
from service.core import Document, Findings
from service.ingest import read_bytes
from service.pipeline import extract, stated_in_prose

COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")

# Table 三 rows (FIELDS.md order) with the labels the gb2021 report prints before each row's digits.
GB2021_ROWS: list[tuple[str, str]] = [
    ("received", "一、本年新收政府信息公开申请数量 "),
    ("carried_over", "二、上年结转政府信息公开申请数量 "),
    ("granted", "三、本年度办理结果 （一）予以公开 "),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形） "),
    ("refused_reason.state_secret", "（三）不予公开 1.属于国家秘密"),
    ("refused_reason.prohibited_by_law", "2.其他法律行政法规禁止公开 "),
    ("refused_reason.security_stability", "3.危及“三安全一稳定” "),
    ("refused_reason.third_party_rights", "4.保护第三方合法权益 "),
    ("refused_reason.internal_affairs", "5.属于三类内部事务信息 "),
    ("refused_reason.process_info", "6.属于四类过程性信息 "),
    ("refused_reason.enforcement_files", "7.属于行政执法案卷 "),
    ("refused_reason.query_matters", "8.属于行政查询事项 "),
    ("not_held", "（四）无法提供 1.本机关不掌握相关政府信息 "),
    ("needs_creation", "2.没有现成信息需要另行制作 "),
    ("unclear", "3.补正后申请内容仍不明确 "),
    ("not_processed.complaint", "（五）不予处理 1.信访举报投诉类申请 "),
    ("not_processed.duplicate", "2.重复申请 "),
    ("not_processed.publication", "3.要求提供公开出版物 "),
    ("not_processed.excessive", "4.无正当理由大量反复申请 "),
    ("not_processed.confirmation", "5.要求行政机关确认或重新出具已获取信息 "),
    (
        "other_handling.no_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 ",
    ),
    ("other_handling.unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 "),
    ("other_handling.other", "3.其他 "),
    ("processed_total", "（七）总计 "),
    ("carried_forward", "四、结转下年度继续办理 "),
]
GB2019_ROWS: list[tuple[str, str]] = [
    *GB2021_ROWS[:20],
    ("other_handling.total", "（六）其他处理"),
    *GB2021_ROWS[23:],
]
T3_HEAD = (
    "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    " 申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他 "
)
T4_HEADING = "四、政府信息公开行政复议、行政诉讼情况"

# Natural persons: 12 new + 1 carried = 13 processed (5+2+1+3+1+1) + 0 carried forward.
# Commercial firms: 3 new = 3 processed (2 granted + 1 not held).
SMALL_TABLE = {
    "natural_person": {
        "received": 12,
        "carried_over": 1,
        "granted": 5,
        "partial": 2,
        "refused_reason.process_info": 1,
        "not_held": 3,
        "unclear": 1,
        "other_handling.no_correction": 1,
        "processed_total": 13,
    },
    "commercial": {"received": 3, "granted": 2, "not_held": 1, "processed_total": 3},
}
# The pingtan-2019 figures: 23 new requests from natural persons, all processed.
GB2019_TABLE = {
    "natural_person": {
        "received": 23,
        "granted": 7,
        "partial": 1,
        "not_held": 7,
        "unclear": 5,
        "not_processed.duplicate": 3,
        "processed_total": 23,
    },
}


def doc(text: str, name: str = "report.txt") -> Document:
    return read_bytes(text.encode("utf-8"), name)


def table_rows(rows: list[tuple[str, str]], columns: dict[str, dict[str, int]]) -> list[list[int]]:
    """Each row: the six applicant cells, then the 总计 column as their sum."""
    table = []
    for row, _label in rows:
        cells = [columns.get(column, {}).get(row, 0) for column in COLUMNS]
        table.append([*cells, sum(cells)])
    return table


def expected_values(rows: list[tuple[str, str]], table: list[list[int]]) -> dict[str, int]:
    values = {}
    for (row, _label), cells in zip(rows, table, strict=True):
        for column, value in zip(COLUMNS, cells[:6], strict=True):
            values[f"requests.by_applicant.{column}.{row}"] = value
        values[f"requests.{row}"] = cells[6]
    return values


def glued_text(rows: list[tuple[str, str]], table: list[list[int]], printed: dict[int, str] | None = None) -> str:
    """Table 三 flattened as PDF conversion leaves it: each label followed by its row's digits, no spaces."""
    printed = printed or {}
    body = "".join(
        label + printed.get(i, "".join(map(str, cells)))
        for i, ((_row, label), cells) in enumerate(zip(rows, table, strict=True))
    )
    return T3_HEAD + body + " " + T4_HEADING


def pipe_text(rows: list[tuple[str, str]], table: list[list[int]], blank: set[tuple[int, int]] = frozenset()) -> str:
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r, ((_row, label), cells) in enumerate(zip(rows, table, strict=True)):
        printed = ["" if (r, c) in blank else str(v) for c, v in enumerate(cells)]
        lines.append(f"| {label.strip()} | " + " | ".join(printed) + " |")
    lines.append(T4_HEADING)
    return "\n".join(lines)


def by_key(findings: Findings) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for found in findings.found:
        grouped.setdefault(found.key, []).append(found)
    return grouped


def single_values(findings: Findings) -> dict[str, object]:
    grouped = by_key(findings)
    assert all(len(items) == 1 for items in grouped.values()), "a key was emitted twice"
    return {key: items[0].value for key, items in grouped.items()}


def test_hand_made_tables_satisfy_the_identities() -> None:
    """The fixtures themselves: if this fails, the other table-三 tests prove nothing."""
    for rows, columns, template in ((GB2021_ROWS, SMALL_TABLE, "gb2021"), (GB2019_ROWS, GB2019_TABLE, "gb2019")):
        values = expected_values(rows, table_rows(rows, columns))
        checks = run_checks(values, template)
        assert [c.id for c in checks if c.status == "fail"] == []
        assert sum(c.status == "pass" for c in checks) >= 20


# --------------------------------------------------------------------------- table 三


def test_flattened_table_three_with_glued_runs() -> None:
    table = table_rows(GB2021_ROWS, SMALL_TABLE)
    text = glued_text(GB2021_ROWS, table)
    assert "123000015二、上年结转" in text and "（七）总计 133000016四、" in text  # glued like the real report
    document = doc(text)
    findings = gb_tables.find_table_three(document, "gb2021")

    assert findings.warnings == []
    assert single_values(findings) == expected_values(GB2021_ROWS, table)
    assert {f.how for f in findings.found} == {"table-identity"}
    for found in findings.found:
        quote = document.text[found.start : found.end]
        row = GB2021_ROWS[found.extra["row"]]
        assert "".join(map(str, table[found.extra["row"]])) in quote
        label = re.sub(r"^.*\d[.．]", "", row[1].strip())  # the enumerator digit ends the previous run
        assert label[-6:] in quote  # the row's own label is part of the evidence


def wrapped_text(rows: list[tuple[str, str]], table: list[list[int]], width: int = 7) -> str:
    """Table 三 as a PDF text layer gives a Word table: each label wrapped over lines of ``width``
    characters (the cell's width), the row's numbers on a line of their own, spaced."""
    lines = [T3_HEAD]
    for (_row, label), cells in zip(rows, table, strict=True):
        label = label.strip()
        lines += [label[i : i + width] for i in range(0, len(label), width)]
        lines.append(" ".join(map(str, cells)))
    return "\n".join([*lines, T4_HEADING])


def test_table_three_with_labels_wrapped_over_lines_as_a_pdf_prints_them() -> None:
    table = table_rows(GB2021_ROWS, SMALL_TABLE)
    text = wrapped_text(GB2021_ROWS, table)
    assert "一、本年新收政\n府信息公开申请\n数量\n12 3 0 0 0 0 15" in text  # the first row's label is broken
    document = doc(text)
    assert extract(document).template == "gb2021"
    findings = gb_tables.find_table_three(document, "gb2021")
    assert single_values(findings) == expected_values(GB2021_ROWS, table)


def test_pipe_table_three_reads_the_same_values() -> None:
    table = table_rows(GB2021_ROWS, SMALL_TABLE)
    document = doc(pipe_text(GB2021_ROWS, table), "report.md")
    findings = gb_tables.find_table_three(document, "gb2021")
    assert single_values(findings) == expected_values(GB2021_ROWS, table)
    received = by_key(findings)["requests.by_applicant.natural_person.received"][0]
    assert document.text[received.start : received.end].endswith("| 12 | 3 | 0 | 0 | 0 | 0 | 15")


def test_pipe_table_blank_total_cell_is_absent_not_zero() -> None:
    table = table_rows(GB2021_ROWS, SMALL_TABLE)
    last = len(GB2021_ROWS) - 1  # 结转下年度继续办理, printed with an empty 总计 cell
    document = doc(pipe_text(GB2021_ROWS, table, blank={(last, 6)}), "report.md")
    assert "| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 |  |" in document.text
    values = single_values(gb_tables.find_table_three(document, "gb2021"))

    assert "requests.carried_forward" not in values
    expected = expected_values(GB2021_ROWS, table)
    del expected["requests.carried_forward"]
    assert values == expected


def test_runs_with_stray_spaces_gb2019() -> None:
    table = table_rows(GB2019_ROWS, GB2019_TABLE)
    # the spacing pingtan-2019.txt prints: a space inside a run, and one run split into odd pieces
    printed = {0: "230 000023", 21: "23 0 00 0 023", 22: " 0 0 00 00 0"}
    assert "".join(printed[0].split()) == "".join(map(str, table[0]))
    assert "".join(printed[21].split()) == "".join(map(str, table[21]))
    text = glued_text(GB2019_ROWS, table, printed)
    values = single_values(gb_tables.find_table_three(doc(text), "gb2019"))

    assert [values[f"requests.by_applicant.{c}.received"] for c in COLUMNS] + [values["requests.received"]] == [
        23,
        0,
        0,
        0,
        0,
        0,
        23,
    ]
    assert values == expected_values(GB2019_ROWS, table)


AMBIGUOUS_TABLE = {"natural_person": {"received": 11, "granted": 11, "processed_total": 11}}
# Each of the three non-zero rows prints as "110000011": (11,0,0,0,0,0,11) or (1,10,0,0,0,0,11). Reading
# all three rows the same way satisfies every identity either way, so the text cannot tell them apart.
AMBIGUOUS_CELLS = {
    f"requests.by_applicant.{column}.{row}": options
    for row in ("received", "granted", "processed_total")
    for column, options in (("natural_person", [1, 11]), ("commercial", [0, 10]))
}


def ambiguous_document() -> Document:
    table = table_rows(GB2021_ROWS, AMBIGUOUS_TABLE)
    text = "某区2022年政府信息公开工作年度报告\n" + glued_text(GB2021_ROWS, table)
    assert text.count("110000011") == 3
    return doc(text)


def test_ambiguous_runs_are_marked_not_silently_chosen() -> None:
    findings = gb_tables.find_table_three(ambiguous_document(), "gb2021")
    grouped = by_key(findings)
    for key, options in AMBIGUOUS_CELLS.items():
        (found,) = grouped[key]
        assert found.how == "table-split"
        assert found.extra["ambiguous"] == options
        assert "2 readings" in found.note and str(options) in found.note
        assert found.value in options
    # the cells every reading agrees on stay confirmed
    assert grouped["requests.received"][0].value == 11
    assert grouped["requests.received"][0].how == "table-identity"
    assert grouped["requests.by_applicant.research.received"][0].value == 0


def test_ambiguous_cells_reach_review_in_the_result() -> None:
    result = extract(ambiguous_document())
    for key in AMBIGUOUS_CELLS:
        field = result.fields[key]
        assert field.review, key
        assert field.reason and "readings" in field.reason


def test_table_three_that_no_reading_satisfies_is_read_row_by_row_into_review() -> None:
    table = table_rows(GB2021_ROWS, SMALL_TABLE)
    # 予以公开 printed as 5,2,0,0,0,0,8: seven single digits, one split only, and 5+2 != 8
    text = glued_text(GB2021_ROWS, table, {2: "5200008"})
    findings = gb_tables.find_table_three(doc(text), "gb2021")
    assert len(findings.warnings) == 1 and "row by row" in findings.warnings[0]
    expected = expected_values(GB2021_ROWS, table)
    got = single_values(findings)
    assert not any(key.endswith(".granted") for key in got)  # the broken row is left out
    assert got == {key: value for key, value in expected.items() if not key.endswith(".granted")}
    assert {item.how for item in findings.found} == {"label-loose"}  # every cell goes to review


def test_table_three_with_a_row_left_out_still_gives_its_other_rows() -> None:
    rows = [row for row in GB2021_ROWS if row[0] != "carried_over"]
    table = table_rows(rows, SMALL_TABLE)
    findings = gb_tables.find_table_three(doc(glued_text(rows, table)), "gb2021")
    got = single_values(findings)
    assert got["requests.received"] == 15 and got["requests.processed_total"] == 16
    assert not any(key.endswith("carried_over") for key in got)


def test_no_table_three_no_findings() -> None:
    findings = gb_tables.find_table_three(doc("全年收到申请3件。"), "gb2021")
    assert findings.found == [] and findings.warnings == [] and findings.unresolved == []


# --------------------------------------------------------------------------- table 四

T4_TEXT = (
    T4_HEADING + " 行政复议 行政诉讼 结果维持结果纠正其他结果尚未审结总计 未经复议直接起诉 复议后起诉 "
    "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计 {cells} "
    "五、存在的主要问题及改进情况 2023年，我区将继续改进。"
)
T4_KEYS = [
    f"{block}.{cell}"
    for block in ("review", "litigation.direct", "litigation.after_review")
    for cell in ("upheld", "corrected", "other", "pending", "total")
]
# review: 0 upheld, 1 corrected, 1 other, 0 pending → 2; direct suits: 1 upheld → 1; after review: none
T4_CELLS = [0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    "printed", [" ".join(map(str, T4_CELLS)), "".join(map(str, T4_CELLS))], ids=["15-numbers", "one-run"]
)
def test_table_four(printed: str) -> None:
    findings = gb_tables.find_table_four(doc(T4_TEXT.format(cells=printed)), "gb2021")
    assert single_values(findings) == dict(zip(T4_KEYS, T4_CELLS, strict=True))
    assert {f.how for f in findings.found} == {"table-identity"}


def test_table_four_run_with_a_two_digit_cell() -> None:
    # review: 10 upheld + 2 corrected = 12; 17 digits for 15 cells, and only 10,2,0,0,12 balances the block
    cells = [10, 2, 0, 0, 12] + [0] * 10
    findings = gb_tables.find_table_four(doc(T4_TEXT.format(cells="".join(map(str, cells)))), "gb2021")
    assert single_values(findings) == dict(zip(T4_KEYS, cells, strict=True))


def test_table_four_whose_own_totals_break_reaches_review_as_printed() -> None:
    # a real PDF prints 复议 10 | 1 | 0 | 0 | 总计 0: fifteen numbers apart, the report's total wrong
    cells = [10, 1, 0, 0, 0] + [0] * 5 + [5, 0, 0, 0, 0]
    text = T4_TEXT.format(cells=" ".join(map(str, cells)))
    findings = gb_tables.find_table_four(doc(text), "gb2021")
    assert single_values(findings) == dict(zip(T4_KEYS, cells, strict=True))
    result = extract(doc(text))
    failed = {check.id for check in result.checks if check.status == "fail"}
    assert {"T4-blocks[review]", "T4-blocks[litigation.after_review]"} <= failed
    assert all(result.fields[key].review for key in T4_KEYS if key.startswith(("review.", "litigation.after")))


def test_table_four_with_too_few_numbers_is_not_read_by_position() -> None:
    cells = [10, 1, 0, 0, 0] + [0] * 5 + [5, 0, 0, 0]  # 14 numbers for 15 cells, no reading balances
    findings = gb_tables.find_table_four(doc(T4_TEXT.format(cells=" ".join(map(str, cells)))), "gb2021")
    assert findings.found == []
    assert any("do not decode into 15 cells" in warning for warning in findings.warnings)


# --------------------------------------------------------------------------- table 二

T2_GB2021 = (
    "二、主动公开政府信息情况第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
    "规章000行政规范性文件8855698第二十条第（五）项信息内容本年处理决定数量行政许可10690"
    "第二十条第（六）项信息内容本年处理决定数量行政处罚2113行政强制0"
    "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费9116.36 "
    "三、收到和处理政府信息公开申请情况"
)


def test_table_two_single_cell_rows() -> None:
    findings = gb_tables.find_table_two(doc(T2_GB2021), "gb2021")
    values = single_values(findings)
    assert values["active.licensing.decisions"] == 10690
    assert values["active.penalty.decisions"] == 2113
    assert values["active.coercion.decisions"] == 0
    assert values["active.fees.amount"] == pytest.approx(9116.36)
    assert isinstance(values["active.fees.amount"], float)
    # "规章000": three cells and three digits, one split only
    assert [values[f"active.rules.{c}"] for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    licensing = by_key(findings)["active.licensing.decisions"][0]
    assert T2_GB2021[licensing.start : licensing.end] == "行政许可10690"


def test_glued_table_two_run_without_prose_is_unresolved() -> None:
    document = doc(T2_GB2021)
    findings = gb_tables.find_table_two(document, "gb2021")
    assert not any(f.key.startswith("active.normative.") for f in findings.found)
    (item,) = findings.unresolved
    assert item.keys == ["active.normative.issued", "active.normative.repealed", "active.normative.in_force"]
    assert [88, 55, 698] in item.candidates and [8, 855, 698] in item.candidates
    assert all("".join(map(str, c)) == "8855698" for c in item.candidates)
    assert item.evidence.quote == document.text[item.evidence.start : item.evidence.end]
    assert "8855698" in item.evidence.quote and "8855698" in item.reason


def test_glued_table_two_run_settled_by_prose() -> None:
    text = "设立规范性文件库，集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。"
    document = doc(text + T2_GB2021)
    stated = stated_in_prose(prose.find(document, "gb2021"))
    assert stated == {"active.normative.in_force": {698}, "active.normative.issued": {88}}
    findings = gb_tables.find_table_two(document, "gb2021", stated)
    values = single_values(findings)
    # 制发 88 and 现行有效 698 leave one split of 8855698: 88 | 55 | 698
    assert [values[f"active.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [88, 55, 698]
    assert findings.unresolved == []
    assert all("prose" in f.note for f in findings.found if f.key.startswith("active.normative."))


def test_prose_that_leaves_several_splits_does_not_settle() -> None:
    # only 现行有效 698: 8|855|698, 88|55|698 and 885|5|698 all remain
    document = doc("现行有效行政规范性文件698件。" + T2_GB2021)
    findings = gb_tables.find_table_two(document, "gb2021", stated_in_prose(prose.find(document, "gb2021")))
    assert not any(f.key.startswith("active.normative.") for f in findings.found)
    assert len(findings.unresolved) == 1


def test_merged_colspan_cells_count_once() -> None:
    text = "\n".join(
        [
            "二、主动公开政府信息情况",
            "第二十条第（一）项",
            "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
            "|---|---|---|---|",
            "| 规章 | 0 | 0 | 0 |",
            "| 规范性文件 | 13 | 0 | 55 |",
            "| 第二十条第（五）项 | | | |",
            "| 信息内容 | 本年处理决定数量 | | |",
            "| 行政许可 | 10690 | 10690 | 10690 |",
            "| 行政处罚 | 2113 | 2113 | 2113 |",
            "| 行政强制 | 0 | 0 | 0 |",
            "三、收到和处理政府信息公开申请情况",
        ]
    )
    findings = gb_tables.find_table_two(doc(text, "report.md"), "gb2021")
    values = single_values(findings)
    assert values["active.licensing.decisions"] == 10690
    assert values["active.penalty.decisions"] == 2113
    assert values["active.coercion.decisions"] == 0
    # a three-column row is three different cells, not a repeated merge
    assert [values[f"active.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [13, 0, 55]
    assert findings.warnings == []


GB2019_T2 = (
    "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章 0 0 0 "
    "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可 39 -6 181 行政处罚 264 －8 430 "
    "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购 {procurement}三、收到"
)


def test_procurement_amount_in_yuan_becomes_wan() -> None:
    findings = gb_tables.find_table_two(doc(GB2019_T2.format(procurement="135 75394432.52元")), "gb2019")
    values = single_values(findings)
    assert values["active.procurement.items"] == 135
    assert values["active.procurement.amount"] == pytest.approx(7539.443252)  # 75394432.52 元 / 10000


def test_procurement_amount_in_wan_is_kept() -> None:
    values = single_values(gb_tables.find_table_two(doc(GB2019_T2.format(procurement="3 56.5万元")), "gb2019"))
    assert values["active.procurement.items"] == 3
    assert values["active.procurement.amount"] == pytest.approx(56.5)


def test_negative_change_column_gb2019() -> None:
    values = single_values(gb_tables.find_table_two(doc(GB2019_T2.format(procurement="3 56.5万元")), "gb2019"))
    assert [values[f"active.licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [39, -6, 181]
    assert [values[f"active.penalty.{c}"] for c in ("prev_items", "change", "decisions")] == [264, -8, 430]


def test_glued_procurement_run_is_unresolved_with_the_true_split_among_candidates() -> None:
    findings = gb_tables.find_table_two(doc(GB2019_T2.format(procurement="13575394432.52元")), "gb2019")
    assert not any(f.key.startswith("active.procurement.") for f in findings.found)
    (item,) = findings.unresolved
    assert item.keys == ["active.procurement.items", "active.procurement.amount"]
    assert any(c[0] == 135 and c[1] == pytest.approx(7539.443252) for c in item.candidates)


# --------------------------------------------------------------------------- a real report


def test_pingtan_2022_tables() -> None:
    """Values read by eye off /work/shared/corpus/pingtan-2022.txt."""
    document = read_bytes((CORPUS / "pingtan-2022.txt").read_bytes(), "pingtan-2022.txt")
    values = single_values(gb_tables.find(document, "gb2021", stated_in_prose(prose.find(document, "gb2021"))))
    # "一、本年新收政府信息公开申请数量 713000074": 71 natural persons + 3 firms = 74
    assert values["requests.by_applicant.natural_person.received"] == 71
    assert values["requests.by_applicant.commercial.received"] == 3
    assert values["requests.received"] == 74
    # "（七）总计 723000075" and "1.本机关不掌握相关政府信息 370000037"
    assert values["requests.processed_total"] == 75
    assert values["requests.not_held"] == 37
    # table 四 "0 1 1 0 2 1 0 0 0 1 0 0 0 0 0"
    assert values["review.total"] == 2 and values["review.corrected"] == 1 and values["review.other"] == 1
    assert values["litigation.direct.total"] == 1 and values["litigation.after_review.total"] == 0
    # table 二: 规范性文件 8855698, settled by 制发…88件 and 现行有效…698件 in the prose
    assert [values[f"active.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [88, 55, 698]
    assert values["active.licensing.decisions"] == 10690


def test_table_three_with_the_other_templates_rows_still_decodes() -> None:
    """A report detected as gb2021 (its table 二 headers) whose table 三 keeps the one-row （六）其他处理."""
    table = table_rows(GB2019_ROWS, GB2019_TABLE)
    findings = gb_tables.find_table_three(doc(glued_text(GB2019_ROWS, table)), "gb2021")
    assert single_values(findings) == expected_values(GB2019_ROWS, table)
    assert any("gb2019" in warning for warning in findings.warnings)


def test_html_table_three_with_blank_cells_and_blank_rows() -> None:
    """HTML tables leave empty cells empty and repeat merged label cells; a blank cell is absent, a row of
    blanks is still a row."""
    table = table_rows(GB2019_ROWS, GB2019_TABLE)
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "| （本列数据的勾稽关系为：…） |" + " 申请人情况 |" * 7,
        "| （本列数据的勾稽关系为：…） | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
    ]
    for (_row, label), cells in zip(GB2019_ROWS, table, strict=True):
        printed = ["" if value == 0 else str(value) for value in cells]
        lines.append(f"| 三、本年度办理结果 | {label.strip()} | " + " | ".join(printed) + " |")
    lines.append(T4_HEADING)
    got = single_values(gb_tables.find_table_three(doc("\n".join(lines)), "gb2019"))
    expected = {key: value for key, value in expected_values(GB2019_ROWS, table).items() if value != 0}
    assert got == expected


def test_table_two_merged_cells_follow_the_header_row() -> None:
    text = (
        "第二十条第（一）项\n"
        "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 本年新公开数量 | 对外公开总数量 |\n"
        "| 规章 | 13 | 13 | 13 | 524 |\n"
        "| 信息内容 | 采购项目数量 | 采购项目数量 | 采购总金额 | 采购总金额 |\n"
        "| 政府集中采购 | 6 | 6 | 251000元 | 251000元 |\n"
        "三、收到和处理政府信息公开申请情况"
    )
    got = single_values(gb_tables.find_table_two(doc(text), "gb2019"))
    assert got == {
        "active.rules.new_made": 13,
        "active.rules.new_published": 13,
        "active.rules.total_published": 524,
        "active.procurement.items": 6,
        "active.procurement.amount": pytest.approx(25.1),
    }


def test_glued_row_with_a_negative_change_lists_its_readings() -> None:
    """行政处罚2648-18538: 上一年项目数量 2648, then 本年增/减 and 处理决定数量 glued after the minus sign."""
    text = (
        "第二十条第（一）项 第二十条第（六）项 信息内容上一年项目数量本年增/减处理决定数量行政处罚2648-18538 三、收到"
    )
    findings = gb_tables.find_table_two(doc(text), "gb2019")
    assert findings.found == []
    [item] = findings.unresolved
    assert item.keys == ["active.penalty.prev_items", "active.penalty.change", "active.penalty.decisions"]
    assert [2648, -18, 538] in item.candidates and [2648, -1, 8538] in item.candidates
    assert all(candidate[0] == 2648 for candidate in item.candidates)


def test_pipe_row_missing_a_cell_is_unresolved_not_guessed() -> None:
    text = (
        "第二十条第（一）项\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 规章 | 22 | 235 |\n"
        "三、收到和处理政府信息公开申请情况"
    )
    findings = gb_tables.find_table_two(doc(text), "gb2021")
    assert findings.found == [] and findings.unresolved[0].keys[0] == "active.rules.issued"


def test_table_three_with_rows_printed_without_cells_is_confirmed_when_the_identities_hold() -> None:
    """One cell per line, and the rows with nothing to report printed as a bare label (blank, not 0): the
    rows cannot be counted off in order, but each label's cells decode alone and every identity holds
    with the blank rows adding nothing."""
    table = table_rows(GB2019_ROWS, GB2019_TABLE)
    keep = {"received", "carried_over", "processed_total", "carried_forward"}
    lines = [T3_HEAD]
    printed_rows = set()
    for (row, label), cells in zip(GB2019_ROWS, table, strict=True):
        lines.append(label.strip())
        if any(cells) or row in keep:
            lines.extend(str(v) for v in cells)
            printed_rows.add(row)
    findings = gb_tables.find_table_three(doc("\n\n".join([*lines, T4_HEADING])), "gb2019")
    printed_keys = {
        f"requests.{prefix}{row}" for row in printed_rows for prefix in ("", *(f"by_applicant.{c}." for c in COLUMNS))
    }
    expected = {k: v for k, v in expected_values(GB2019_ROWS, table).items() if k in printed_keys}
    assert single_values(findings) == expected
    assert {f.how for f in findings.found} == {"table-identity"}


def test_rows_without_cells_do_not_confirm_a_table_that_breaks_an_identity() -> None:
    table = table_rows(GB2019_ROWS, GB2019_TABLE)
    lines = [T3_HEAD]
    for (row, label), cells in zip(GB2019_ROWS, table, strict=True):
        lines.append(label.strip())
        if row in ("received", "granted", "processed_total"):  # the not_held/unclear/duplicate rows left out
            lines.extend(str(v) for v in cells)
    findings = gb_tables.find_table_three(doc("\n\n".join([*lines, T4_HEADING])), "gb2019")
    assert findings.found and {f.how for f in findings.found} == {"label-loose"}


def test_a_glued_table_two_run_is_not_split_by_counting_when_the_table_prints_blank_cells() -> None:
    """规章 printed with no cells shows the table leaves cells blank, so 规范性文件222 may be 22 and 2 with a
    blank as well as 2, 2, 2: the run goes to review. The same run in a table without blank rows is settled."""
    head = "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
    tail = "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可97182179三、收到和处理"
    blank = gb_tables.find_table_two(doc(head + "规章规范性文件222" + tail), "gb2019")
    assert not any(f.key.startswith("active.normative.") for f in blank.found)
    assert any(u.keys[0] == "active.normative.new_made" and [2, 2, 2] in u.candidates for u in blank.unresolved)
    full = gb_tables.find_table_two(doc(head + "规章000规范性文件222" + tail), "gb2019")
    assert single_values(full)["active.normative.new_made"] == 2


def test_an_amount_printed_without_any_unit_goes_to_review() -> None:
    """采购总金额 22 / 256146 with no 元 or 万元 in the cell or its header: 万元 would be a guess."""
    text = (
        "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章 0 0 0 "
        "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费 21 0 "
        "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购 22 256146 三、收到和处理"
    )
    findings = by_key(gb_tables.find_table_two(doc(text), "gb2019"))
    assert findings["active.procurement.items"][0].how == "table-cell"
    assert findings["active.procurement.amount"][0].how == "label-loose"
    with_unit = by_key(gb_tables.find_table_two(doc(text.replace("256146", "256146万元")), "gb2019"))
    assert with_unit["active.procurement.amount"][0].how == "table-cell"


def test_table_two_row_spanning_other_slots_than_its_header() -> None:
    """The header spans 本年增/减 over two slots, the row spans 上一年项目数量 instead (a real Shanghai page):
    the header's repeat is not the row's, so the row's own repeat decides. A footnote row below is no cell."""
    text = (
        "第二十条第（一）项\n第二十条第（五）项\n"
        "| 信息内容 | 上一年项目数量 | 本年增/减 | 本年增/减 | 处理决定数量 |\n"
        "| 行政许可 | 893 | 893 | -183 | 12854581 |\n"
        "| 行政处罚 | 4309 | 4309 | +3 | 1910752 |\n"
        "| 信息内容 | 采购项目数量 | 采购项目数量 | 采购总金额 | 采购总金额 |\n"
        "| 政府集中采购 | 47 | 47 | 27225290916元 | 27225290916元 |\n"
        "| [1]该项内对外公开总数量为现行有效的数量。 |  |  |  |  |\n"
        "三、收到和处理政府信息公开申请情况"
    )
    got = single_values(gb_tables.find_table_two(doc(text, "r.md"), "gb2019"))
    assert [got[f"active.licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [893, -183, 12854581]
    assert [got[f"active.penalty.{c}"] for c in ("prev_items", "change", "decisions")] == [4309, 3, 1910752]
    assert got["active.procurement.items"] == 47
    assert got["active.procurement.amount"] == pytest.approx(2722529.0916)


def test_table_two_row_whose_repeats_can_be_read_two_ways_is_unresolved() -> None:
    """5 | 5 | 7 | 7 for three columns: 5, 5, 7 or 5, 7, 7 — nothing says which cell spans two slots."""
    text = (
        "第二十条第（一）项\n第二十条第（五）项\n| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
        "| 行政许可 | 5 | 5 | 7 | 7 |\n三、收到"
    )
    findings = gb_tables.find_table_two(doc(text, "r.md"), "gb2019")
    assert not findings.found and findings.unresolved
