"""service.converters.ocr (the optional ``ocr`` extra): a page the test renders to an image itself.

Run by .ci/run (``pytest -m ocr``) after ``pip install -e '.[ocr]'``; skipped where the extra is missing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from service.ingest import read_bytes
from service.pipeline import extract

pytestmark = pytest.mark.ocr
pytest.importorskip("rapidocr_onnxruntime")
fpdf = pytest.importorskip("fpdf")

LAYOUT = Path(__file__).resolve().parent / "data" / "pdf" / "made-layout.pdf"


def scanned_copy(path: Path, page: int) -> bytes:
    """A PDF holding only a picture of ``page`` of ``path``: no text layer at all."""
    source = pdfium.PdfDocument(path.read_bytes())
    try:
        width, height = source[page].get_size()
        image = source[page].render(scale=2).to_pil()
    finally:
        source.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    document = fpdf.FPDF(unit="pt", format=(width, height))
    document.add_page()
    document.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=width, h=height)
    return bytes(document.output())


def test_a_page_without_text_layer_is_read_by_ocr_and_sent_to_review(monkeypatch: pytest.MonkeyPatch) -> None:
    data = scanned_copy(LAYOUT, 0)
    monkeypatch.setenv("NIANBAO_OCR", "off")
    with pytest.raises(Exception, match="no text layer"):
        read_bytes(data, "scan.pdf")
    monkeypatch.delenv("NIANBAO_OCR")
    doc = read_bytes(data, "scan.pdf")
    assert doc.info["ocr_pages"] == [1] and any("OCR" in w for w in doc.warnings)
    text = doc.text.replace(" ", "")
    assert "政府信息公开工作年度报告" in text and "行政规范性文件3125" in text
    result = extract(doc)
    placed = [f for f in result.fields.values() if f.evidence is not None]
    assert placed and all(f.review and f.evidence.page == 1 and f.evidence.bbox for f in placed)
