"""Tables read by their header and label cells (service/anchors/table_layout.py, via gb_tables).

The shapes are the artefacts a Word→HTML export or a site's table editor leaves: an extra empty column,
header cells shifted by one, a header cell repeated by a wrong colspan, an extra column of numbers
(row numbers) that no header names, and the table printed transposed. Expected values come from the
hand-made table of test_gb_tables (which satisfies every identity) or from the hand-labelled gold of
the real page, never from the extractor.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import CORPUS, GOLD
from test_gb_tables import GB2021_ROWS, SMALL_TABLE, T4_HEADING, doc, expected_values, single_values, table_rows

from service.anchors import gb_tables, table_layout
from service.ingest import read_bytes
from service.pipeline import extract

HEADER = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
TABLE = table_rows(GB2021_ROWS, SMALL_TABLE)
EXPECTED = expected_values(GB2021_ROWS, TABLE)


def pipe(header: list[str], rows: list[list[str]]) -> str:
    """Table 三 as ingest renders an HTML table: one ``| … |`` line per row, labels then cells."""
    lines = ["三、收到和处理政府信息公开申请情况", "| 申请人情况 | " + " | ".join(header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append(T4_HEADING)
    return "\n".join(lines)


def data_rows(cells_of=lambda cells: [str(v) for v in cells]) -> list[list[str]]:
    return [[label.strip(), *cells_of(cells)] for (_row, label), cells in zip(GB2021_ROWS, TABLE, strict=True)]


def read_three(text: str):
    return gb_tables.find_table_three(doc(text, "report.md"), "gb2021")


def test_an_empty_column_before_the_data_is_dropped() -> None:
    """Every row has 8 cells for 7 columns (an empty ``<td>`` after the label); the header is not shifted,
    so it sits one cell left of the data it names."""
    findings = read_three(pipe(HEADER, data_rows(lambda cells: ["", *map(str, cells)])))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}
    assert any("left out 1 column" in w for w in findings.warnings)


def test_header_shifted_by_one_with_a_trailing_empty_column() -> None:
    """The header row starts one cell late (an empty header cell), the data rows end with an empty cell."""
    findings = read_three(pipe(["", *HEADER], data_rows(lambda cells: [*map(str, cells), ""])))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


@pytest.mark.parametrize("repeat", ["", "same"], ids=["empty-under-repeat", "value-repeated"])
def test_a_header_cell_repeated_by_a_colspan_error_is_merged(repeat: str) -> None:
    header = ["自然人", "自然人", *HEADER[1:]]

    def cells_of(cells: list[int]) -> list[str]:
        return [str(cells[0]), str(cells[0]) if repeat else "", *map(str, cells[1:])]

    findings = read_three(pipe(header, data_rows(cells_of)))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


def test_an_unlabelled_column_of_numbers_is_dropped_because_the_identities_hold_without_it() -> None:
    """A column of row numbers with no header cell: only leaving it out balances every row and column."""
    rows = [[*row, str(n)] for n, row in enumerate(data_rows(), start=1)]
    findings = read_three(pipe(HEADER, rows))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


def test_without_any_header_an_extra_zero_column_is_ambiguous_and_goes_to_review() -> None:
    """No header names the columns (数据1…数据8) and a column of zeros precedes the data: leaving out that
    column or a genuine zero column both satisfy the identities, so nothing is auto-accepted."""
    header = [f"数据{i}" for i in range(1, 9)]
    text = pipe(header, data_rows(lambda cells: ["0", *map(str, cells)]))
    findings = read_three(text)
    assert findings.found and {f.how for f in findings.found} == {"table-layout"}
    marked = text.replace("三、收到", "（国办公开办函〔2021〕30号）本年制发件数 本年废止件数\n三、收到")
    result = extract(doc(marked, "r.md"))
    t3 = {k: f for k, f in result.fields.items() if k.startswith("requests.")}
    assert t3 and all(f.review for f in t3.values())
    ambiguous = [f for f in t3.values() if len(f.candidates or []) > 1]
    assert ambiguous, "the other readings are offered as candidates"


def test_with_a_header_the_same_extra_zero_column_is_settled_by_it() -> None:
    findings = read_three(pipe(["序号", *HEADER], data_rows(lambda cells: ["0", *map(str, cells)])))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


def test_a_transposed_table_three_is_read() -> None:
    """Applicant types as rows, the template's rows as columns."""
    header = [label.strip() for _row, label in GB2021_ROWS]
    rows = [[name, *(str(TABLE[r][c]) for r in range(len(GB2021_ROWS)))] for c, name in enumerate(HEADER)]
    lines = ["三、收到和处理政府信息公开申请情况", "| 申请人情况 | " + " | ".join(header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows] + [T4_HEADING]
    findings = read_three("\n".join(lines))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}
    assert any("transposed" in w for w in findings.warnings)


def test_a_mapping_the_identities_reject_goes_to_review() -> None:
    """One cell misprinted (总计 of a row off by one): no mapping satisfies the identities, so the cells are
    placed by their labels and sent to review rather than read row by row into the wrong columns."""
    rows = data_rows(lambda cells: ["", *map(str, cells)])
    rows[0][-1] = str(int(rows[0][-1]) + 1)
    findings = read_three(pipe(HEADER, rows))
    values = single_values(findings)
    assert (
        values["requests.by_applicant.natural_person.received"]
        == EXPECTED["requests.by_applicant.natural_person.received"]
    )
    assert {f.how for f in findings.found} == {"table-layout"}


# --------------------------------------------------------------------------- table 四

T4_KEYS = [f"{b}.{c}" for b in gb_tables.T4_BLOCKS for c in gb_tables.T4_CELLS]
T4_VALUES = [0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
T4_HEADER = [
    "| 行政复议 | 行政复议 | 行政复议 | 行政复议 | 行政复议 | " + " | ".join(["行政诉讼"] * 10) + " |",
    "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | "
    + " | ".join(["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5)
    + " |",
    "| " + " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3) + " |",
]


def test_table_four_with_an_extra_empty_column() -> None:
    cells = [str(v) for v in T4_VALUES]
    text = "\n".join([T4_HEADING, *T4_HEADER, "| " + " | ".join(["", *cells]) + " |", "五、存在的主要问题及改进情况"])
    findings = gb_tables.find_table_four(doc(text, "r.md"), "gb2021")
    assert single_values(findings) == dict(zip(T4_KEYS, T4_VALUES, strict=True))
    assert {f.how for f in findings.found} == {"table-identity"}


def test_table_four_as_three_block_rows() -> None:
    lines = [T4_HEADING, "| 类别 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |"]
    for name, block in zip(("行政复议", "行政诉讼 未经复议直接起诉", "行政诉讼 复议后起诉"), range(3), strict=True):
        lines.append(f"| {name} | " + " | ".join(str(v) for v in T4_VALUES[block * 5 : block * 5 + 5]) + " |")
    lines.append("五、存在的主要问题及改进情况")
    findings = gb_tables.find_table_four(doc("\n".join(lines), "r.md"), "gb2021")
    assert single_values(findings) == dict(zip(T4_KEYS, T4_VALUES, strict=True))


# --------------------------------------------------------------------------- the real page, Word artefacts added

TD = re.compile(r"<td\b[^>]*>.*?</td>", re.S)


def _cell_text(td: str) -> str:
    return re.sub(r"&nbsp;|\s", "", re.sub(r"<[^>]+>", "", td))


def with_extra_column(html: str, cell: str = "&nbsp;") -> str:
    """An extra ``<td>`` (empty, or a 0) before the first number of every row of the page's template tables
    (the Word export artefact of issue 8): headers stay where they were, so they sit one cell off the data."""

    def row(match: re.Match[str]) -> str:
        tr = match.group()
        for td in TD.finditer(tr):
            if _cell_text(td.group()).isdigit():
                return tr[: td.start()] + f"<td>{cell}</td>" + tr[td.start() :]
        return tr

    at = html.find("本年新收")
    start, end = html.rfind("<table", 0, at), html.find("</table>", at)
    return html[:start] + re.sub(r"<tr\b.*?</tr>", row, html[start:end], flags=re.S) + html[end:]


@pytest.mark.parametrize("cell", ["&nbsp;", "0"], ids=["empty", "zeros"])
def test_real_page_with_an_extra_column_in_table_three(cell: str) -> None:
    path = CORPUS / "pingtan-2022-page.html"
    if not path.exists():
        pytest.skip("shared corpus not found")
    html = with_extra_column(path.read_text("utf-8"), cell)
    document = read_bytes(html.encode("utf-8"), "pingtan-2022-page.html")
    shown = "  " if cell == "&nbsp;" else " 0 "
    assert f"| 一、本年新收政府信息公开申请数量 |{shown}| 71 |" in document.text  # the artefact is there
    gold = json.loads((GOLD / "pingtan-2022-page.json").read_text("utf-8"))["fields"]
    result = extract(document)
    table_keys = [k for k in gold if k.startswith(("requests.", "review.", "litigation."))]
    assert {k: result.fields[k].value for k in table_keys if k in result.fields} == {k: gold[k] for k in table_keys}
    assert sum(result.fields[k].review for k in table_keys) <= 2


def test_grid_keeps_the_header_rows_above_the_start() -> None:
    text = pipe(HEADER, data_rows())
    start = text.index("| 一、本年新收")
    grid = table_layout.pipe_grid(text, start, len(text))
    assert grid[0][1].text == "自然人"


def ragged(extra: list[str]) -> str:
    """A dropped rowspan: rows under 三、本年度办理结果 print two label cells, the others one, so the grid's
    columns do not line up (the header row with them); ``extra`` cells precede every row's data."""
    rows = []
    for (_row, label), cells in zip(GB2021_ROWS, TABLE, strict=True):
        head = label.strip().split(" ", 1)  # 三、本年度办理结果 （一）予以公开 → two cells
        rows.append([*head, *extra, *map(str, cells)])
    return "\n".join(["三、收到和处理政府信息公开申请情况", *("| " + " | ".join(r) + " |" for r in rows), T4_HEADING])


def test_ragged_rows_are_read_by_each_rows_cells_after_its_labels() -> None:
    findings = read_three(ragged([]))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


def test_ragged_rows_with_an_extra_column_go_to_review() -> None:
    """With the header unusable, an extra empty column and a column of zeros cannot be told apart (a real
    applicant column may be blank all the way down): the identities hold either way, so review."""
    findings = read_three(ragged([""]))
    assert findings.found and {f.how for f in findings.found} == {"table-layout"}
    assert any(f.extra.get("ambiguous") for f in findings.found)


def test_an_extra_column_of_zeros_under_a_header_shifted_by_one_is_dropped() -> None:
    """The header row names seven columns starting at the first data cell, but every row prints an extra
    0 there: read with the header one cell to the right, that column is unlabelled, and only leaving it
    out makes the identities hold."""
    findings = read_three(pipe(HEADER, data_rows(lambda cells: ["0", *map(str, cells)])))
    assert single_values(findings) == EXPECTED
    assert {f.how for f in findings.found} == {"table-identity"}


def test_dash_and_slash_cells_are_blank_not_labels() -> None:
    """A site that prints — or / for an empty cell: the cells after it are still the row's data."""
    findings = read_three(pipe(HEADER, data_rows(lambda cells: [str(v) if v else "—" for v in cells])))
    values = single_values(findings)
    assert values == {k: v for k, v in EXPECTED.items() if v}  # a dash is absent (GOLD rule 2), never 0
    assert {f.how for f in findings.found} == {"table-identity"}


def test_when_nothing_holds_the_reading_shown_for_review_follows_the_header() -> None:
    """Header shifted one cell right, an empty cell after every row, and the report's own totals off by one
    in a row: no mapping satisfies the identities; the one offered for review is the header-aligned one
    that leaves out the empty column, not one that drops printed numbers."""
    rows = data_rows(lambda cells: [*map(str, cells), ""])
    rows[0][7] = str(int(rows[0][7]) + 1)  # 总计 of 本年新收 misprinted
    findings = read_three(pipe(["", *HEADER], rows))
    values = single_values(findings)
    expected = {**EXPECTED, "requests.received": EXPECTED["requests.received"] + 1}
    assert values == expected
    assert {f.how for f in findings.found} == {"table-layout"}
