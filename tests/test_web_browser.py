"""The review pages end to end in headless Chromium: accept one field, correct another, check the store.

Needs Debian's ``chromium`` (/usr/bin/chromium) and the ``playwright`` package (extra ``browser``);
run with ``pytest -m browser``. A missing browser fails the test instead of skipping it: the marker is
only selected on purpose.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, SEEDS

from service.api import create_app, running
from service.schema import FIELD_TYPES
from service.storage import DB_NAME

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-test-token"
SCREENSHOT = Path("/tmp/nianbao-review-page.png")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("browser-service")
    with running(create_app(data_dir, workers=2, token=TOKEN)) as base:
        yield base, data_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: .venv/bin/pip install -e '.[browser]'")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def submit(base: str, path: Path, text: str | None = None) -> str:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
        if text is None:
            response = c.post("/reports", files={"file": (path.name, path.read_bytes())})
        else:
            response = c.post("/reports", json={"text": text, "filename": path.name})
        report_id = response.json()["id"]
        deadline = time.monotonic() + 30
        while c.get(f"/reports/{report_id}").json()["status"] != "done":
            assert time.monotonic() < deadline, "extraction did not finish"
            time.sleep(0.05)
    return report_id


def new_page(browser, base: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    outside: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    return page, outside, problems


def test_review_in_the_browser_accept_and_correct(service: tuple[str, Path], browser) -> None:  # type: ignore[no-untyped-def]
    base, data_dir = service
    report_id = submit(base, CORPUS / "pingtan-2019.txt")
    with httpx.Client(base_url=base) as c:
        queue = c.get("/review", params={"report": report_id, "limit": 1000}).json()["items"]
        result = c.get(f"/reports/{report_id}").json()["result"]
    # one field with a value to accept, one integer field to correct (an unresolved cell if there is one)
    accept_key = next(i["key"] for i in queue if i["value"] is not None)
    int_keys = [i for i in queue if FIELD_TYPES[i["key"]] == "int" and i["key"] != accept_key]
    correct_item = next((i for i in int_keys if i["value"] is None), None) or int_keys[0]
    correct_key, new_value = correct_item["key"], (correct_item["value"] or 0) + 7

    page, outside, problems = new_page(browser, base)
    page.goto(f"{base}/review")
    assert page.locator("#queue tbody tr").count() == len(queue)
    page.fill("#reviewer", "Ann Reviewer")
    page.fill("#token", TOKEN)
    page.click("#auth button[type=submit]")
    assert page.locator("#flash").inner_text() == "Saved."
    page.keyboard.press("j")  # keyboard: first row, then open it
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reports/{report_id}/view?key=*")

    # the selected field's evidence is highlighted and in view
    selected = page.locator(".row.selected")
    assert selected.count() == 1
    first_key = selected.get_attribute("data-key")
    detail = page.locator(f'.field-detail[data-key="{first_key}"]')
    assert detail.is_visible()
    mark = page.locator("mark#evidence")
    if detail.get_attribute("data-start"):
        assert mark.is_visible() and mark.inner_text()
        assert mark.evaluate(
            "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"
        )

    # j/k move the selection
    page.keyboard.press("j")
    second_key = page.locator(".row.selected").get_attribute("data-key")
    assert second_key != first_key
    page.keyboard.press("k")
    assert page.locator(".row.selected").get_attribute("data-key") == first_key

    # accept: click the row, press a
    page.click(f'.row[data-key="{accept_key}"]')
    quote = result["fields"].get(accept_key, {}).get("evidence", {}).get("quote")
    if quote:
        assert page.locator("mark#evidence").inner_text() == quote
    page.keyboard.press("a")
    page.wait_for_url("**/view?key=*&done=accept")
    assert page.locator(f'.row[data-key="{accept_key}"] .badge.ok').count() == 1

    # correct: select the row, press c, cite some report text as evidence, type the value, Enter
    page.click(f'.row[data-key="{correct_key}"]')
    page.keyboard.press("c")
    form = page.locator(f'.field-detail[data-key="{correct_key}"] form.correct')
    assert form.is_visible()
    page.evaluate("""() => {
        const pre = document.getElementById('text');
        const node = Array.from(pre.childNodes).find(n => n.nodeType === 3 && n.textContent.length > 20);
        const range = document.createRange();
        range.setStart(node, 5); range.setEnd(node, 12);
        const selection = window.getSelection();
        selection.removeAllRanges(); selection.addRange(range);
        pre.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""")
    assert "Evidence:" in form.locator(".picked").inner_text()
    form.locator("input[name=value]").fill(str(new_value))
    form.locator("input[name=value]").press("Enter")
    page.wait_for_url("**/view?key=*&done=correct")
    row = page.locator(f'.row[data-key="{correct_key}"]')
    assert row.locator(".v").inner_text() == str(new_value)

    # a bad value is refused in the page, with a message, and nothing is stored
    page.click(f'.row[data-key="{correct_key}"]')
    page.keyboard.press("c")
    form = page.locator(f'.field-detail[data-key="{correct_key}"] form.correct')
    form.locator("input[name=value]").fill("twelve")
    form.locator("input[name=value]").press("Enter")
    assert "whole number" in page.locator("#flash").inner_text()

    page.screenshot(path=str(SCREENSHOT))
    assert outside == [], f"the page loaded external resources: {outside}"
    assert problems == []

    with sqlite3.connect(data_dir / DB_NAME) as db:
        rows = db.execute(
            "SELECT key, action, value, reviewer, decided_at, evidence_start, evidence_end "
            "FROM decisions WHERE report_id = ? ORDER BY id",
            (report_id,),
        ).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (accept_key, "accept", "Ann Reviewer"),
        (correct_key, "correct", "Ann Reviewer"),
    ]
    assert rows[1][2] == str(new_value) and rows[0][4] and rows[1][4]
    start, end = rows[1][5], rows[1][6]
    assert end - start == 7
    with httpx.Client(base_url=base) as c:
        exported = c.get(f"/reports/{report_id}/export").json()
        text = c.get(f"/reports/{report_id}", params={"include_text": True}).json()["result"]["text"]
    assert exported["fields"][correct_key]["value"] == new_value
    assert exported["fields"][correct_key]["evidence"]["quote"] == text[start:end]
    assert exported["fields"][accept_key]["review"] is False
    page.close()


def test_hostile_report_text_stays_inert_in_the_browser(service: tuple[str, Path], browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = service
    text = (SEEDS / "erdao-district-2017.txt").read_text(encoding="utf-8")
    evil = (
        '<script>window.__pwned = 1; alert(1)</script>\n<img src=x onerror="window.__pwned = 2; alert(2)">\n'
        '<svg onload="window.__pwned = 3"></svg>\n' + text
    )
    report_id = submit(base, Path("<img src=y onerror=alert(3)>.txt"), text=evil)
    page, outside, problems = new_page(browser, base)
    for url in (f"{base}/reports/{report_id}/view", f"{base}/review"):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("img").count() == 0 and page.locator("svg").count() == 0
    page.goto(f"{base}/reports/{report_id}/view")
    assert "<script>window.__pwned" in page.inner_text("#text")  # shown as text, not run
    assert problems == [] and outside == []
    page.close()
