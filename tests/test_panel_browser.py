"""The issuer pages in headless Chromium: search, the year table, the inline SVG charts, the audit.

Needs Debian's ``chromium`` and ``playwright`` (extra ``browser``); run with ``pytest -m browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS
from test_web_browser import TOKEN, browser, new_page, submit  # noqa: F401  (the browser fixture)

from service.api import create_app, running

pytestmark = pytest.mark.browser

PANEL_DATA = Path(__file__).parent / "data" / "panel"
SCREENSHOT = Path("/tmp/nianbao-issuer-page.png")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(create_app(tmp_path_factory.mktemp("panel-browser"), workers=2, token=TOKEN)) as base:
        for path in [*sorted(PANEL_DATA.glob("*.txt")), CORPUS / "pingtan-2022.txt", CORPUS / "pingtan-2019.txt"]:
            submit(base, path)
        yield base


def test_issuer_page_in_the_browser(service: str, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, outside, problems = new_page(browser, service)
    page.goto(f"{service}/issuers")
    page.fill("input[name=q]", "平潭")
    page.fill("input[name=year]", "2021")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/issuers?q=*")
    rows = page.locator("#issuers tbody tr")
    assert rows.count() == 1
    rows.locator("a").first.click()
    page.wait_for_url("**/issuers/*")
    assert page.locator("h1").inner_text().startswith("平潭综合实验区")

    # the year table: 2019–2024 side by side; 2024 received 218 (一、本年新收…21710000218)
    headers = page.locator("#years thead th").all_inner_texts()
    assert headers[1:] == ["2019", "2020", "2021", "2022", "2023", "2024"]
    received = page.locator('#years tr[data-key="requests.received"] td[data-year="2024"]')
    assert received.inner_text().startswith("218")

    # the charts are inline SVG, drawn and visible, one bar per year with a figure
    chart = page.locator("#chart-received svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    bars = page.locator("#chart-received svg rect.bar")
    assert bars.count() == 6
    heights = {b.get_attribute("data-year"): float(b.get_attribute("height")) for b in bars.all()}
    assert max(heights, key=heights.get) == "2024"  # 218 requests, the most of the six years
    bar_2024 = page.locator('#chart-received svg rect.bar[data-year="2024"]')
    assert bar_2024.bounding_box()["height"] > 50  # really rendered, not only in the markup
    assert page.locator("#chart-outcomes svg rect.bar").count() >= 6

    # cross-year checks, and the link from a year to its report's review page
    assert page.locator('#checks tr[data-check="Y-carried[total]"][data-years="2021-2022"] td').nth(2).inner_text() == (
        "pass"
    )
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.locator("#years tbody tr").first.locator("a").first.click()
    page.wait_for_url("**/reports/*/view")

    # the audit sorts by a clicked column
    page.goto(f"{service}/audit")
    page.click("#audit thead a:text('year')")
    page.wait_for_url("**/audit?sort=year*")
    years = [int(y) for y in page.locator("#audit tbody td:nth-child(3)").all_inner_texts()]
    assert years == sorted(years, reverse=True)
    assert outside == [], f"the page loaded external resources: {outside}"
    assert problems == []
    page.close()
