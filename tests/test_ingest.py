"""service.ingest: decoding, HTML tables, page chrome, bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import CORPUS, GOLD, SEEDS

from service.core import Document
from service.ingest import MAX_BYTES, IngestError, read_bytes, read_path, strip_chrome

DATA = Path(__file__).resolve().parent / "data" / "ingest"

REPORT = (
    "平潭综合实验区2019年政府信息公开工作年度报告\n"
    "一、总体情况\n"
    "2019年，我区政府信息公开单位共公布政府信息2599条，收到政府信息公开申请23件，予以公开7件。\n"
    "陈喆同志负责政府信息公开工作。\n"  # 喆 is in GBK but not in GB2312
)
REPORT_TRADITIONAL = (
    "臺北市政府資訊公開工作年度報告\n"
    "本年度主動公開政府資訊共計2599條，收到申請23件，予以公開7件，部分公開1件。\n"
    "民眾可透過網站查詢相關資料。\n"
)


def lines(doc: Document) -> list[str]:
    return doc.text.split("\n")


def table_rows(doc: Document) -> list[list[str]]:
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines(doc) if ln.startswith("| ")]


def row_starting(doc: Document, label: str) -> list[str]:
    found = [row for row in table_rows(doc) if row[0] == label]
    assert len(found) == 1, f"expected one row {label!r}, found {len(found)}"
    return found[0]


# --------------------------------------------------------------------------- decoding and identity


def test_utf8_text_document_fields() -> None:
    data = REPORT.encode("utf-8")
    doc = read_bytes(data, filename="reports/pingtan-2019.txt")
    assert doc.text == REPORT.rstrip("\n")
    assert doc.kind == "text"
    assert doc.encoding == "utf-8"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.id == "pingtan-2019"
    assert doc.filename == "pingtan-2019.txt"


def test_id_prefers_report_id_then_file_name_then_hash() -> None:
    data = REPORT.encode()
    assert read_bytes(data, filename="x.txt", report_id="my-report").id == "my-report"
    assert read_bytes(data, filename="pingtan-2019-page.html").id == "pingtan-2019-page"
    assert read_bytes(data).id == hashlib.sha256(data).hexdigest()[:12]


def test_utf8_bom_is_detected_and_removed() -> None:
    doc = read_bytes(b"\xef\xbb\xbf" + REPORT.encode("utf-8"))
    assert doc.encoding == "utf-8-sig"
    assert doc.text.startswith("平潭综合实验区")
    assert "\ufeff" not in doc.text


def test_gbk_bytes_decode_as_gb18030() -> None:
    data = REPORT.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = read_bytes(data, filename="report.txt")
    assert doc.encoding == "gb18030"
    assert doc.text == REPORT.rstrip("\n")


def test_big5_bytes_decode() -> None:
    doc = read_bytes(REPORT_TRADITIONAL.encode("big5"))
    assert doc.encoding in {"big5", "cp950", "big5hkscs"}
    assert doc.text == REPORT_TRADITIONAL.rstrip("\n")


@pytest.mark.parametrize(
    ("text", "codec"),
    [("政府信息公开", "gbk"), ("报告", "gbk"), ("年度報告", "big5"), ("臺灣", "big5"), ("資訊公開", "big5")],
)
def test_short_chinese_inputs_are_not_misread(text: str, codec: str) -> None:
    """charset-normalizer alone reads short GBK bytes as UTF-16 or Korean; the result must be right."""
    assert read_bytes(text.encode(codec)).text == text


def test_html_declared_gb2312_with_gbk_only_character() -> None:
    page = '<html><head><meta charset="gb2312"><title>年报</title></head><body><p>陈喆负责。</p></body></html>'
    doc = read_bytes(page.encode("gbk"), filename="page.htm")
    assert doc.encoding == "gb18030"
    assert "陈喆负责。" in lines(doc)


def test_line_ends_and_odd_spaces_are_normalised() -> None:
    raw = "标题: 年报\r\n\u3000\u3000根据《条例》\u00a0规定。\r\n\r\n\r\n\r\n二、主动公开\u200b情况\r"
    doc = read_bytes(raw.encode())
    assert doc.text == "标题: 年报\n根据《条例》 规定。\n\n二、主动公开情况"


def test_a_few_damaged_bytes_do_not_make_a_report_binary() -> None:
    utf8 = bytearray((CORPUS / "pingtan-2019.txt").read_bytes())
    utf8[5000], utf8[9000] = 0xFF, 0xC3
    doc = read_bytes(bytes(utf8))
    assert doc.encoding == "utf-8" and 1 <= doc.text.count("\ufffd") <= 6
    gbk = bytearray((CORPUS / "pingtan-2019.txt").read_text(encoding="utf-8").encode("gb18030"))
    gbk[5001] = 0xFF
    doc = read_bytes(bytes(gbk))
    assert doc.encoding == "gb18030" and doc.text.count("\ufffd") == 1
    assert "共公布政府信息2599条" in doc.text


def test_truncated_utf8_drops_only_the_cut_character() -> None:
    data = "二、上年结转".encode()
    assert read_bytes(data[:-1]).text == "二、上年结"


# --------------------------------------------------------------------------- kind


def test_kind_from_name_and_content() -> None:
    assert read_bytes(b"# title\n\ntext", filename="a.md").kind == "markdown"
    assert read_bytes(b"<p>text</p>", filename="a.HTML").kind == "html"
    assert read_bytes(b"  <div><p>text</p></div>").kind == "html"
    assert read_bytes(b"<!DOCTYPE html><html><body>x</body></html>", filename="page.txt").kind == "html"
    late_tag = ("正文" * 600 + "<div>").encode()
    assert read_bytes(late_tag, filename="a.txt").kind == "text"


# --------------------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def fixture_page() -> Document:
    return read_path(DATA / "report-page.html")


def test_html_header_lines_from_title_and_pubdate(fixture_page: Document) -> None:
    assert lines(fixture_page)[:2] == [
        "标题: 测试县2022年政府信息公开工作年度报告_政府信息公开年报_测试县人民政府",
        "发布时间: 2023-01-20 10:00",
    ]
    assert "发布时间：2023-01-20 来源：测试县人民政府办公室" in lines(fixture_page)


def test_html_rowspan_colspan_expanded(fixture_page: Document) -> None:
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    rows = [ln for ln in lines(fixture_page) if ln.startswith("| ")]
    org = " | ".join(["法人或其他组织"] * 5)
    assert rows[:7] == [
        f"| {note} | {note} | {note} | " + " | ".join(["申请人情况"] * 7) + " |",
        f"| {note} | {note} | {note} | 自然人 | {org} | 总计 |",
        f"| {note} | {note} | {note} | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "| 一、本年新收政府信息公开申请数量 | 一、本年新收政府信息公开申请数量 | 一、本年新收政府信息公开申请数量 "
        "| 12 | 3 |  | 0 |  | 0 | 15 |",
        "| 三、本年度办理结果 | （一）予以公开 | （一）予以公开 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |",
        "| 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| 三、本年度办理结果 | （三）不予公开 | 2.其他法律行政法规禁止公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
    ]


def test_html_layout_tables_and_one_column_tables_are_text(fixture_page: Document) -> None:
    text = lines(fixture_page)
    # the inner table of a layout table is data; its pipe is escaped so the row still splits right
    assert "| 甲｜乙 | 丙 |" in text
    # the layout table's prose cell and a one-column table come out as plain lines
    i = text.index("四、政府信息公开行政复议、行政诉讼情况")
    assert text[i : i + 6] == [
        "四、政府信息公开行政复议、行政诉讼情况",
        "本年度未发生行政复议案件。",
        "五、存在的主要问题及改进情况",
        "专职人员不足。",
        "测试县人民政府办公室",
        "2023年1月20日",
    ]
    assert text[-1] == "2023年1月20日"  # the footer, link box and download stub are gone


def test_html_inline_text_and_hidden_parts(fixture_page: Document) -> None:
    text = fixture_page.text
    assert "2022年，全县主动公开政府信息1234条，其中规范性文件12件。" in lines(fixture_page)
    for gone in ("隐藏的文字", "var menu", "color: red", "网站首页", "当前位置", "字号", "版权所有", "ICP备"):
        assert gone not in text


def test_truncated_html_still_gives_text() -> None:
    page = (CORPUS / "pingtan-2019-page.html").read_bytes()
    cut = page.index("二、上年结转".encode())
    for end in (cut, cut + 7, cut - 40):  # in a cell, inside a UTF-8 character, inside a tag
        doc = read_bytes(page[:end], filename="cut.html")
        assert "今年，我区政府信息公开单位共公布政府信息2599条" in doc.text
        assert row_starting(doc, "一、本年新收政府信息公开申请数量")[3:] == ["23", "0", "0", "0", "0", "0", "23"]


def test_deeply_nested_and_huge_spans_do_not_break() -> None:
    deep = ("<div>" * 3000 + "正文内容" + "</div>" * 3000).encode()
    assert read_bytes(deep, filename="deep.html").text == "正文内容"
    nested = ("<table><tr><td>" * 200 + "单元格" + "</td></tr></table>" * 200).encode()
    assert read_bytes(nested, filename="nested.html").text == "单元格"
    spans = b'<table><tr><td rowspan="99999" colspan="99999">a</td><td>b</td></tr><tr><td>c</td></tr></table>'
    rows = read_bytes(spans, filename="spans.html").text.split("\n")
    assert len(rows) == 2 and all(len(r) < 1000 for r in rows)


def test_markdown_tables_kept_and_embedded_html_tables_converted() -> None:
    md = (CORPUS / "shuyang-county-2025.md").read_bytes()
    doc = read_bytes(md, filename="shuyang-county-2025.md")
    assert "| 规章 | 0 | 0 | 0 |" in lines(doc)
    assert "|---|---|---|---|" in lines(doc)  # delimiter rows and "-" cells are table structure
    assert "| - | - | - | - | - |" in lines(doc)
    mixed = (
        "## 三、收到和处理申请情况\n"
        "<table><tr><td colspan=2>申请人</td></tr><tr><td>自然人</td><td>5</td></tr></table>\n完。"
    )
    assert read_bytes(mixed.encode(), filename="m.md").text == (
        "## 三、收到和处理申请情况\n| 申请人 | 申请人 |\n| 自然人 | 5 |\n完。"
    )


# --------------------------------------------------------------------------- the real Pingtan pages


@pytest.fixture(scope="module", params=["pingtan-2019-page", "pingtan-2022-page"])
def real_page(request: pytest.FixtureRequest) -> tuple[Document, dict]:
    doc = read_path(CORPUS / f"{request.param}.html")
    gold = json.loads((GOLD / f"{request.param}.json").read_text(encoding="utf-8"))["fields"]
    return doc, gold


APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org"]


def test_real_page_table_three_matches_gold(real_page: tuple[Document, dict]) -> None:
    doc, gold = real_page
    for label, key in [
        ("一、本年新收政府信息公开申请数量", "received"),
        ("二、上年结转政府信息公开申请数量", "carried_over"),
    ]:
        row = row_starting(doc, label)
        assert row[:3] == [label] * 3  # colspan=3 repeated into each slot
        want = [gold[f"requests.by_applicant.{a}.{key}"] for a in APPLICANTS] + [gold[f"requests.{key}"]]
        assert [int(c) for c in row[3:]] == want
    granted = [r for r in table_rows(doc) if r[1] == "（一）予以公开"]
    assert len(granted) == 1
    assert granted[0][0] == "三、本年度办理结果"  # rowspan repeated down
    assert [int(c) for c in granted[0][3:]] == [gold[f"requests.by_applicant.{a}.granted"] for a in APPLICANTS] + [
        gold["requests.granted"]
    ]
    # every row of table 三 below the header has 3 label slots and 7 numbers
    block = [r for r in table_rows(doc) if len(r) == 10]
    assert len(block) >= 20
    assert all(c.isdigit() for r in block[3:] for c in r[3:])


def test_real_page_table_four_matches_gold(real_page: tuple[Document, dict]) -> None:
    doc, gold = real_page
    numbers = [r for r in table_rows(doc) if len(r) == 15 and all(c.isdigit() for c in r)]
    assert len(numbers) == 1
    keys = [f"review.{k}" for k in ("upheld", "corrected", "other", "pending", "total")]
    for scope in ("direct", "after_review"):
        keys += [f"litigation.{scope}.{k}" for k in ("upheld", "corrected", "other", "pending", "total")]
    assert [int(c) for c in numbers[0]] == [gold[k] for k in keys]


def test_real_page_header_and_no_site_chrome(real_page: tuple[Document, dict]) -> None:
    doc, gold = real_page
    first = lines(doc)[:2]
    assert first[0].startswith("标题: 平潭综合实验区") and f"{gold['meta.year']}年度" in first[0]
    assert first[1].startswith(f"发布时间: {gold['meta.publish_date']}")
    for chrome in ("网站首页", "友情链接", "版权所有", "闽ICP备", "网站标识码", "主办单位", "当前位置", "长者模式"):
        assert not any(ln.startswith(chrome) for ln in lines(doc)), chrome
    assert "六、其他需要报告的事项" in lines(doc)


def test_pingtan_2022_page_keeps_content_that_mentions_chrome_words() -> None:
    doc = read_path(CORPUS / "pingtan-2022-page.html")
    assert "政府网站首页显眼位置" in doc.text
    assert row_starting(doc, "行政规范性文件") == ["行政规范性文件", "88", "55", "698"]


def test_pingtan_2019_page_table_two_rows() -> None:
    doc = read_path(CORPUS / "pingtan-2019-page.html")
    assert row_starting(doc, "规范性文件") == ["规范性文件", "89", "89", "89"]
    assert row_starting(doc, "行政许可") == ["行政许可", "396", "0", "181"]
    assert row_starting(doc, "政府集中采购") == ["政府集中采购", "135", "75394432.52元", "75394432.52元"]
    assert "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |" in lines(doc)


# --------------------------------------------------------------------------- page chrome


def test_chrome_lines_removed_content_lines_kept() -> None:
    doc = read_path(DATA / "chrome.txt")
    assert lines(doc) == [
        "发布日期：2023-01-20 浏览次数：",  # a 发布日期 line is always kept
        "",
        "测试县2022年政府信息公开工作年度报告",
        "一、总体情况",
        "2022年，全县通过政府网站主动公开政府信息1234条，网站访问量56万次。",
        "政务公开",  # a menu word alone, amid content, is not a menu
        "政务公开工作领导小组办公室设在县政府办公室，联系我们请拨打12345。",
        "四、政府信息公开情况统计表",
        "指标名称",
        "计量单位",
        "本年度",
        "历年累计",
        "主动公开信息数",
        "条",
        "1234",
        "-",  # an absent cell in a one-cell-per-line table
        "附件1：测试县2022年政府信息公开情况统计表",
        "测试县人民政府办公室",
        "2023年1月20日",
    ]


def test_menu_words_run_together_with_no_separator_are_chrome() -> None:
    """A PDF of a web page, or a page's text, can run a menu's words together: still chrome."""
    text = (
        "长者模式退出长者模式无障碍浏览\n登录登录注册注册你好， 注销\n"
        "政府信息公开领导之窗政府机构要闻政府会议最新文件\n"
        "某县2022年政府信息公开工作年度报告\n政务公开工作有序推进，主动公开信息12条。\n"
    )
    assert strip_chrome(text).split("\n") == [
        "某县2022年政府信息公开工作年度报告",
        "政务公开工作有序推进，主动公开信息12条。",
    ]


def test_chrome_in_real_seeds() -> None:
    erdao = read_path(SEEDS / "erdao-district-2017.txt")
    assert lines(erdao)[0] == "二道区人民政府2017年度政府信息公开工作报告"
    assert "网站首页" not in erdao.text and "首页 > 区政府信息公开目录" not in erdao.text
    assert lines(erdao)[-1] == "联系电话:89197997 填表日期:2017年12月29日"  # "返回" dropped
    assert "  个" not in erdao.text and "\n个\n" in erdao.text  # table unit cells stay

    chuxiong = read_path(SEEDS / "chuxiong-prefecture-2017.txt")
    assert "索引号" not in chuxiong.text and "您当前所在的位置" not in chuxiong.text
    assert "主题词: 发布日期:2018-01-08 09:06:51 文  号:" in lines(chuxiong)

    daoli = read_path(SEEDS / "daoli-district-2018.txt")
    assert lines(daoli)[-2:] == ["道里区政务公开工作领导小组办公室", "2019年1月7日"]

    dingyuan = read_path(SEEDS / "dingyuan-county-2017.txt")
    assert "【字体:打印" not in dingyuan.text and "扫一扫" not in dingyuan.text
    assert "发布时间:2018-02-28 00:00 来源:定远县数据资源局" in lines(dingyuan)


def test_crawler_header_kept_verbatim() -> None:
    raw = (CORPUS / "pingtan-2018.txt").read_text(encoding="utf-8").split("\n")
    doc = read_path(CORPUS / "pingtan-2018.txt")
    header_end = next(i for i, ln in enumerate(raw) if "正文" in ln and ln.startswith("==="))
    assert lines(doc)[: header_end + 1] == [ln.strip() for ln in raw[: header_end + 1]]
    assert lines(doc)[2] == "文号:"  # even the empty 文号 of the header


def test_strip_chrome_never_removes_a_long_line() -> None:
    long_line = (
        "当前位置： 首页政务公开 平潭综合实验区2013年政府信息公开工作年度报告 " + "本报告主要根据条例编制。" * 20
    )
    assert strip_chrome(long_line) == long_line


# --------------------------------------------------------------------------- bad input


def test_empty_input() -> None:
    for data in (b"", b"  \r\n\t\n"):
        with pytest.raises(IngestError) as err:
            read_bytes(data)
        assert err.value.code == "empty"
        assert "empty" in str(err.value) or "no readable text" in str(err.value)


def test_html_without_text_is_empty() -> None:
    with pytest.raises(IngestError) as err:
        read_bytes(b"<html><head><script>var a=1;</script></head><body> </body></html>", filename="a.html")
    assert err.value.code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,  # NUL bytes
        bytes(range(1, 32)) * 200,  # control characters, no NUL
        bytes([0x80 + (i * 37) % 0x7F for i in range(4000)]) + b"\x01\x02\x03" * 400,  # undecodable noise
    ],
)
def test_binary_input(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        read_bytes(data, filename="report.txt")
    assert err.value.code == "binary"
    assert "binary" in str(err.value) or "not text" in str(err.value)


def test_too_large_bytes() -> None:
    with pytest.raises(IngestError) as err:
        read_bytes(b"a" * (MAX_BYTES + 1))
    assert err.value.code == "too_large"
    assert f"{MAX_BYTES:,}" in str(err.value)


def test_too_large_file_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: a read would find NUL bytes and say "binary" instead
    with pytest.raises(IngestError) as err:
        read_path(big)
    assert err.value.code == "too_large"


def test_missing_or_unreadable_path(tmp_path: Path) -> None:
    for path in (tmp_path / "nope.txt", tmp_path):
        with pytest.raises(IngestError) as err:
            read_path(path)
        assert err.value.code == "unreadable"
        assert str(path) in str(err.value)


def test_read_path_matches_read_bytes() -> None:
    path = CORPUS / "pingtan-2022.txt"
    assert read_path(path) == read_bytes(path.read_bytes(), filename=path.name)


def test_ten_megabyte_text_completes() -> None:
    """Linear time: a 10 MB report must simply finish (no timing assertion, CI machines vary)."""
    unit = (CORPUS / "pingtan-2019.txt").read_text(encoding="utf-8") + (SEEDS / "erdao-district-2017.txt").read_text(
        encoding="utf-8"
    )
    data = (unit * (10_000_000 // len(unit.encode()) + 1)).encode()
    assert len(data) >= 10_000_000
    doc = read_bytes(data, filename="big.txt")
    assert doc.text.count("二道区人民政府2017年度政府信息公开工作报告") >= 100


def test_pdf_page_footers_are_dropped_but_table_cells_stay() -> None:
    text = "行政事业性收费 0\n— 4 —\n第 3 页 共 8 页\n- 12 -\n| 规章 | 0 | - |\n-\n"
    lines = read_bytes(text.encode("utf-8"), "x.md").text.splitlines()
    assert lines == ["行政事业性收费 0", "| 规章 | 0 | - |", "-"]
