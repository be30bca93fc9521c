"""A PDF report's review page in headless Chromium: the evidence's page image loads beside the text, boxed.

Submits the real gold PDF to a real service (SQLite data dir), opens the review page with a field
selected and checks, in the browser, that the page image for the evidence's page loaded and sits
between the field list and the text, and, with Pillow and pypdfium2, that the drawn box covers the
quoted row. Needs Debian's chromium and playwright (``pytest -m browser``), like test_web_browser.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pypdfium2
import pytest
from conftest import REPO
from PIL import Image, ImageChops, ImageStat
from test_web_browser import TOKEN, browser, new_page, submit

from service.api import create_app, running

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the Chromium fixture, shared with test_web_browser.py

HONGZE = REPO / "gold" / "reports" / "hongze-district-2023.pdf"
SCREENSHOT = Path("/tmp/nianbao-pdf-review-page.png")
KEY = "requests.received"  # a table row: its box spans the whole row of table 三


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(create_app(tmp_path_factory.mktemp("pdf-browser"), workers=1, token=TOKEN)) as base:
        yield base


@pytest.fixture(scope="module")
def hongze(service: str) -> tuple[str, dict]:
    report_id = submit(service, HONGZE)
    with httpx.Client(base_url=service) as c:
        return report_id, c.get(f"/reports/{report_id}").json()["result"]


def loaded_image(page, key: str):  # type: ignore[no-untyped-def]
    """The selected field's page image, once the browser has decoded it."""
    img = page.locator(f'.field-detail[data-key="{key}"] figure.pdf-page img')
    assert img.count() == 1 and img.is_visible()
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=15000)
    return img


def text_in_box(pdf: bytes, page_number: int, bbox: list[float]) -> str:
    """What pdfium finds inside ``bbox`` (points from the top-left) on a page, without whitespace."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[page_number - 1]
        height = page.get_height()
        x0, y0, x1, y1 = bbox
        text = page.get_textpage().get_text_bounded(left=x0, bottom=height - y1, right=x1, top=height - y0)
    finally:
        document.close()
    return re.sub(r"\s+", "", text)


def test_the_evidence_page_loads_beside_the_text_with_the_box_on_the_quoted_row(service: str, hongze, browser) -> None:  # type: ignore[no-untyped-def]
    report_id, result = hongze
    evidence = result["fields"][KEY]["evidence"]
    assert evidence["page"] and len(evidence["bbox"]) == 4  # a PDF value carries its page and box

    page, outside, problems = new_page(browser, service)
    page.goto(f"{service}/reports/{report_id}/view?key={KEY}")
    img = loaded_image(page, KEY)

    # the image is the evidence's page with the evidence's box
    src = urlsplit(img.evaluate("img => img.currentSrc"))
    assert src.path == f"/reports/{report_id}/pages/{evidence['page']}.png"
    box = [float(v) for v in parse_qs(src.query)["box"][0].split(",")]
    assert box == evidence["bbox"]
    assert img.evaluate("img => img.naturalWidth") >= 800  # rendered for reading, not a thumbnail
    # shown small beside the text, so it links to itself at full size
    full = page.locator(f'.field-detail[data-key="{KEY}"] figure.pdf-page a')
    assert full.evaluate("a => a.href") == img.evaluate("img => img.currentSrc")

    # a person sees it: inside the window, wide enough to read, between the field list and the text
    shown = img.bounding_box()
    fields, text = page.locator("#fields").bounding_box(), page.locator("#text").bounding_box()
    assert shown and fields and text
    assert shown["width"] >= 300 and shown["height"] >= 300
    assert fields["x"] + fields["width"] <= shown["x"] and shown["x"] + shown["width"] <= text["x"]
    assert 0 <= shown["y"] < page.viewport_size["height"]
    mark = page.locator("mark#evidence")
    assert mark.inner_text() == evidence["quote"] and mark.is_visible()
    page.screenshot(path=str(SCREENSHOT))

    # the box is drawn where the quote is: the boxed PNG differs from the plain one only around the box,
    # and the text pdfium reads inside that box is the quoted row
    with httpx.Client(base_url=service) as c:
        boxed = Image.open(io.BytesIO(c.get(src.path, params={"box": parse_qs(src.query)["box"][0]}).content))
        plain = Image.open(io.BytesIO(c.get(src.path).content))
    pdf = HONGZE.read_bytes()
    boxed, plain = boxed.convert("RGB"), plain.convert("RGB")
    natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert boxed.size == plain.size == tuple(natural)
    scale = plain.width / pypdfium2.PdfDocument(pdf)[evidence["page"] - 1].get_width()
    changed = ImageChops.difference(boxed, plain).getbbox()
    assert changed is not None, "the box is not drawn"
    expected = [v * scale for v in box]
    slack = 8  # pixels: the frame's padding and line width
    assert all(abs(a - b) <= slack for a, b in zip(changed, expected, strict=True)), (changed, expected)
    middle = int((expected[1] + expected[3]) / 2)
    r, g, b = boxed.getpixel((round(expected[0]) - 1, middle))  # on the left edge: the red frame
    assert r > 180 and g < 80 and b < 80, (r, g, b)
    inside = tuple(round(v) for v in expected)
    before, after = (ImageStat.Stat(im.crop(inside)).mean for im in (plain, boxed))
    assert after[2] < before[2] - 40 and after[0] > before[0] - 20  # tinted yellow: blue drops, red stays
    quoted = re.sub(r"\s+", "", evidence["quote"])
    assert quoted in text_in_box(pdf, evidence["page"], [box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1])

    assert outside == [] and problems == []
    page.close()


def test_choosing_another_field_loads_its_own_page(service: str, hongze, browser) -> None:  # type: ignore[no-untyped-def]
    report_id, result = hongze
    first_page = result["fields"][KEY]["evidence"]["page"]
    other = next(
        key
        for key, field in result["fields"].items()
        if (field.get("evidence") or {}).get("page") not in (None, first_page)
    )
    evidence = result["fields"][other]["evidence"]
    page, outside, problems = new_page(browser, service)
    page.goto(f"{service}/reports/{report_id}/view?key={KEY}")
    page.click(f'.row[data-key="{other}"]')  # its detail was hidden, so its lazy image loads only now
    img = loaded_image(page, other)
    assert urlsplit(img.evaluate("img => img.currentSrc")).path == f"/reports/{report_id}/pages/{evidence['page']}.png"
    assert page.locator(f'.field-detail[data-key="{KEY}"]').is_hidden()
    assert outside == [] and problems == []
    page.close()


def test_the_queue_page_links_the_pdf_report_to_its_page_view(service: str, hongze, browser) -> None:  # type: ignore[no-untyped-def]
    """The queue lists fields, not evidence (no images there); its report link opens the page view."""
    report_id, result = hongze
    page, outside, problems = new_page(browser, service)
    page.goto(f"{service}/review")
    assert page.locator("img").count() == 0
    page.click(f'table.reports a[href="/reports/{report_id}/view"]')
    page.wait_for_url(f"**/reports/{report_id}/view")
    selected = page.locator(".row.selected").get_attribute("data-key")
    assert result["fields"][selected]["evidence"]["page"]
    img = loaded_image(page, selected)
    assert f"/pages/{result['fields'][selected]['evidence']['page']}.png?box=" in img.get_attribute("src")
    assert outside == [] and problems == []
    page.close()
