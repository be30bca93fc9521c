"""service.converters.pdf: reading real and generated PDFs, evidence places, and every bad PDF.

``hongze-district-2023.pdf`` is a real report (gold/reports/SOURCES.md); ``made-*.pdf`` come from
``tests/data/pdf/make.py``. Values asserted below were read off the PDFs' pages, not off the extractor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from service.converters import pdf
from service.converters.pdf import _check_text_layer, _Line
from service.ingest import IngestError, read_bytes, read_path
from service.pipeline import extract

DATA = Path(__file__).resolve().parent / "data" / "pdf"
HONGZE = Path(__file__).resolve().parents[1] / "gold" / "reports" / "hongze-district-2023.pdf"
LAYOUT = DATA / "made-layout.pdf"


def raw_text(path: Path) -> list[str]:
    """pdfium's own text of each page, for comparison with what the reader makes of it."""
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        return [document[n].get_textpage().get_text_range() for n in range(len(document))]
    finally:
        document.close()


def text_in_box(path: Path, page: int, box: tuple[float, float, float, float]) -> str:
    """What pdfium finds inside ``box`` (top-left origin) on ``page``: the evidence box must hold the quote."""
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        handle = document[page - 1]
        height = handle.get_size()[1]
        x0, y0, x1, y1 = box
        return handle.get_textpage().get_text_bounded(x0 - 1, height - y1 - 1, x1 + 1, height - y0 + 1)
    finally:
        document.close()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- reading a real report


def test_a_real_report_reads_as_one_document_without_page_chrome() -> None:
    raw = raw_text(HONGZE)
    assert raw[0].startswith("- 1 -") and "- 3 -" in raw[2]  # the page numbers are in the text layer
    doc = read_path(HONGZE)
    assert doc.kind == "pdf" and doc.encoding == "pdf"
    assert doc.info == {"format": "pdf", "pages": 5, "pages_read": 5} and doc.warnings == ()
    assert not [line for line in doc.text.split("\n") if re.fullmatch(r"-\s*\d+\s*-", line)]
    assert doc.text.startswith("洪泽区人民政府\n2023年政府信息公开工作年度报告")


def test_justification_spaces_between_cjk_characters_are_removed() -> None:
    assert "邮 编 ：" in raw_text(HONGZE)[0]
    text = read_path(HONGZE).text
    assert "邮 编" not in text and "邮编：" in text
    assert "只计这一情形" in text  # "只计这一情 形" inside a table cell


def test_a_word_processors_space_between_chinese_and_a_number_is_removed() -> None:
    assert "2023 年政府信息公开" in raw_text(HONGZE)[0]
    text = read_path(HONGZE).text
    assert "2023 年" not in text and "2023年政府信息公开" in text


def test_a_label_printed_one_character_per_line_is_one_line() -> None:
    assert "\r\n三\r\n、\r\n本\r\n年\r\n度\r\n办\r\n理\r\n结\r\n果\r\n" in "\n".join(raw_text(HONGZE))
    assert "\n三、本年度办理结果\n（一）予以公开 0 0 0 0 0 0 0\n" in read_path(HONGZE).text


def test_table_rows_and_cells_far_apart_keep_their_spaces() -> None:
    text = read_path(HONGZE).text
    assert "\n一、本年新收政府信息公开申请数量 21 0 0 0 0 0 21\n" in text
    assert "\n行政复议 行政诉讼\n" in text  # two header cells, not one word
    assert "\n1.本机关不掌握相关政府信息 10 0 0 0 0 0 10\n" in text


def test_a_real_report_extracts_with_pages_and_boxes() -> None:
    result = extract(read_path(HONGZE))
    assert result.template == "gb2021"
    assert result.provenance.input == {"format": "pdf", "pages": 5, "pages_read": 5}
    received = result.fields["requests.by_applicant.natural_person.received"]
    assert received.value == 21
    assert received.evidence is not None and received.evidence.page == 3
    assert "21" in text_in_box(HONGZE, 3, received.evidence.bbox)
    placed = [f.evidence for f in result.fields.values() if f.evidence is not None]
    assert placed and all(e.page is not None and e.bbox is not None for e in placed)
    for evidence in placed:
        x0, y0, x1, y1 = evidence.bbox
        assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842
        # the box holds the quote's characters: pdfium reads back (part of) the quote from it
        inside = squeeze(text_in_box(HONGZE, evidence.page, evidence.bbox))
        first_line = squeeze(evidence.quote.split("\n")[0])
        assert first_line[:4] in inside, (evidence.quote, inside)


def test_text_input_keeps_the_json_contract_unchanged() -> None:
    result = extract(read_bytes("某县2017年政府信息公开工作年度报告\n共受理申请21件。".encode(), "a.txt"))
    data = result.contract()
    assert "input" not in data["provenance"]
    for field in data["fields"].values():
        assert set(field.get("evidence", {})) <= {"start", "end", "quote"}


# --------------------------------------------------------------------------- layout (generated PDF)


def test_running_header_and_footer_are_dropped_on_every_page() -> None:
    raw = raw_text(LAYOUT)
    assert all("某某县人民政府办公室" in page for page in raw)
    doc = read_path(LAYOUT)
    assert "某某县人民政府办公室" not in doc.text
    assert "- 2 -" not in doc.text and doc.info["pages"] == 3


def test_a_paragraph_wrapped_over_lines_is_one_line_again() -> None:
    raw_first = raw_text(LAYOUT)[0]
    assert "均在法定期限" not in raw_first.split("\r\n")[1]  # the source wraps it
    lines = read_path(LAYOUT).text.split("\n")
    paragraph = next(line for line in lines if line.startswith("2023年，本机关共受理"))
    assert paragraph.endswith("不断提升政务公开的质量和实效。")
    assert paragraph.count("2023年，本机关") == 2  # both sentences, over several source lines


def test_a_table_continued_on_the_next_page_is_joined() -> None:
    doc = read_path(LAYOUT)
    block = "第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可 550"
    at = doc.text.index(block)
    assert doc.layout is not None
    assert doc.layout.locate(at, at + 9)[0] == 1  # the row label is on page 1 …
    end = at + len(block)
    assert doc.layout.locate(end - 3, end)[0] == 2  # … its value on page 2, the header between them gone
    assert "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 0 0 0\n行政规范性文件 3 1 25" in doc.text


def test_every_text_character_maps_to_the_page_character_it_came_from() -> None:
    doc = read_path(LAYOUT)
    assert doc.layout is not None and len(doc.layout.page) == len(doc.text)
    for i, char in enumerate(doc.text):
        if doc.layout.page[i] and char.strip():
            page, box = doc.layout.locate(i, i + 1)
            assert squeeze(text_in_box(LAYOUT, page, box)).count(char), (i, char)
            if i > 300:
                break


# --------------------------------------------------------------------------- bad PDFs


def code_of(data: bytes, name: str = "report.pdf") -> str:
    with pytest.raises(IngestError) as caught:
        read_bytes(data, name)
    assert str(caught.value)  # always a message
    return caught.value.code


def test_an_image_only_pdf_has_no_text_layer() -> None:
    with pytest.raises(IngestError, match="no text layer") as caught:
        read_path(DATA / "made-scanned.pdf")
    assert caught.value.code == "no_text_layer" and "OCR" in str(caught.value)


def test_an_encrypted_pdf_is_refused_clearly() -> None:
    with pytest.raises(IngestError, match="encrypted") as caught:
        read_path(DATA / "made-encrypted.pdf")
    assert caught.value.code == "encrypted"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_a_truncated_pdf_is_corrupt(keep: float) -> None:
    data = HONGZE.read_bytes()
    assert code_of(data[: int(len(data) * keep)]) == "corrupt_pdf"


def test_a_pdf_header_with_junk_after_it_is_corrupt() -> None:
    assert code_of(b"%PDF-1.7\n" + bytes(range(256)) * 40) == "corrupt_pdf"
    assert code_of(b"%PDF-1.4") == "corrupt_pdf"


def test_damaged_content_streams_never_give_an_empty_success() -> None:
    data = bytearray(HONGZE.read_bytes())
    for i in range(4000, len(data), 97):
        data[i] = (data[i] * 7 + 3) % 256
    try:
        doc = read_bytes(bytes(data), "damaged.pdf")
    except IngestError as exc:
        assert exc.code in ("corrupt_pdf", "no_text_layer")
    else:
        assert doc.text.strip()


def test_a_file_named_pdf_that_is_html_is_read_as_html_with_a_warning() -> None:
    page = "<html><body><h1>某县2020年政府信息公开工作年度报告</h1><p>共受理申请21件。</p></body></html>"
    doc = read_bytes(page.encode(), "report.pdf")
    assert doc.kind == "html" and "共受理申请21件" in doc.text
    assert doc.warnings and "named .pdf" in doc.warnings[0]
    assert doc.warnings[0] in extract(doc).warnings


def test_a_file_named_pdf_that_is_binary_says_it_is_not_a_pdf() -> None:
    with pytest.raises(IngestError, match="not a PDF") as caught:
        read_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "scan.pdf")
    assert caught.value.code == "corrupt_pdf"


def test_a_pdf_named_txt_is_still_read_as_a_pdf() -> None:
    assert read_bytes(HONGZE.read_bytes(), "report.txt").kind == "pdf"


@pytest.fixture(scope="module")
def five_hundred_pages() -> bytes:
    fpdf = pytest.importorskip("fpdf")
    document = fpdf.FPDF()
    document.set_font("helvetica", size=10)
    for n in range(500):
        document.add_page()
        document.cell(text=f"Annual report, page {n + 1}: 2023 information disclosure, 21 requests received.")
    return bytes(document.output())


def test_a_pdf_of_500_pages_is_read_up_to_the_cap_and_says_so(five_hundred_pages: bytes) -> None:
    doc = read_bytes(five_hundred_pages, "long.pdf")
    assert doc.info == {"format": "pdf", "pages": 500, "pages_read": pdf.MAX_PAGES, "truncated": "pages"}
    assert "page 300:" in doc.text and "page 301:" not in doc.text
    assert any("500 pages" in w and "first 300" in w for w in doc.warnings)
    assert any("first 300" in w for w in extract(doc).warnings)


def test_the_time_limit_stops_reading_and_says_so(five_hundred_pages: bytes) -> None:
    converted = pdf.convert(five_hundred_pages, max_seconds=0.0)
    assert converted.info["pages_read"] == 1 and converted.info["truncated"] == "time"
    assert any("time limit" in w for w in converted.warnings)


def test_glyph_codes_without_unicode_are_no_text_layer() -> None:
    garbled = [[_Line("(cid:12)(cid:40)(cid:7)" * 20 + "2023", list(range(500)))]]
    with pytest.raises(IngestError, match="no Unicode mapping"):
        _check_text_layer(garbled)
    with pytest.raises(IngestError, match="no text layer"):
        _check_text_layer([[_Line("\ufffd" * 300 + "年度报告" * 10, list(range(340)))]])
    _check_text_layer([[_Line("政府信息公开工作年度报告" * 3, list(range(36)))]])  # readable: no error


def test_page_images_render_and_refuse_missing_pages() -> None:
    png = pdf.render_page(HONGZE.read_bytes(), 3, width=400)
    assert png.startswith(b"\x89PNG")
    with pytest.raises(IngestError, match="no page 9"):
        pdf.render_page(HONGZE.read_bytes(), 9)


@pytest.mark.parametrize("seed", range(12))
def test_mangled_pdfs_give_a_reading_or_an_ingest_error_never_a_crash(seed: int) -> None:
    """Bytes flipped, cut out or inserted anywhere: read, or refused with a code; nothing else escapes."""
    data = bytearray((HONGZE if seed % 2 else LAYOUT).read_bytes())
    step = 1 + seed * 7919 % 5000
    if seed % 3 == 0:
        for i in range(step, len(data), 3001):
            data[i] ^= 0x5A
    elif seed % 3 == 1:
        del data[step : step + 4000]
    else:
        data[step:step] = bytes(range(256)) * 2
    try:
        extract(read_bytes(bytes(data), "mangled.pdf"))
    except IngestError as exc:
        assert exc.code in ("corrupt_pdf", "no_text_layer", "encrypted") and str(exc)
