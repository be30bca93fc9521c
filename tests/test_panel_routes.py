"""The panel pages over real HTTP: issuers, one issuer, search, the audit and its downloads."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS
from openpyxl import load_workbook

from service.api import create_app, running

PANEL_DATA = Path(__file__).parent / "data" / "panel"
TOKEN = "panel-token"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[httpx.Client]:
    data_dir = tmp_path_factory.mktemp("panel-service")
    paths = [*sorted(PANEL_DATA.glob("*.txt")), CORPUS / "pingtan-2022.txt", CORPUS / "pingtan-county-2011.txt"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with (
        running(create_app(data_dir, workers=2, token=TOKEN)) as base,
        httpx.Client(base_url=base, headers=auth, timeout=30) as c,
    ):
        ids = [c.post("/reports", files={"file": (p.name, p.read_bytes())}).json()["id"] for p in paths]
        deadline = time.monotonic() + 30
        while any(c.get(f"/reports/{i}").json()["status"] != "done" for i in ids):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield c


def test_issuers_lists_bodies_and_searches_by_name_and_year(client: httpx.Client) -> None:
    body = client.get("/issuers").json()
    assert [r["issuer"] for r in body["issuers"]] == ["平潭县", "平潭综合实验区"]
    zone = body["issuers"][1]
    assert zone["years"] == [2020, 2021, 2022, 2023, 2024]
    assert zone["ambiguous"] == ["平潭县 and 平潭综合实验区 share the stem 平潭"]
    assert [r["issuer"] for r in client.get("/issuers", params={"q": "平潭县人民政府"}).json()["issuers"]] == ["平潭县"]
    assert [r["issuer"] for r in client.get("/issuers", params={"year": 2011}).json()["issuers"]] == ["平潭县"]
    assert client.get("/issuers", params={"year": 1800}).status_code == 422
    page = client.get("/issuers", params={"q": "平潭"}, headers=HTML)
    assert page.status_code == 200 and "/issuers/%E5%B9%B3" in page.text


def test_issuer_page_has_years_checks_charts_and_report_links(client: httpx.Client) -> None:
    data = client.get("/issuers/平潭综合实验区").json()
    assert data["years"]["2021"]["link"].endswith("/view")
    check = next(c for c in data["checks"] if c["name"] == "Y-carried[natural_person]" and c["years"] == [2021, 2022])
    assert check["status"] == "pass"
    assert all(e["link"].startswith("/reports/") for e in check["evidence"])
    page = client.get("/issuers/平潭综合实验区", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and "<script>" not in page.text.split("</main>")[0]
    assert data["years"]["2021"]["link"] in page.text
    svg = client.get("/issuers/平潭综合实验区/received.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and 'data-value="218"' in svg.text
    assert client.get("/issuers/nobody").status_code == 404
    assert client.get("/issuers/nobody", headers=HTML).status_code == 404


def test_audit_sorts_and_downloads(client: httpx.Client) -> None:
    rows = client.get("/audit", params={"sort": "year", "desc": "false"}).json()["rows"]
    assert [r["year"] for r in rows] == sorted(r["year"] for r in rows)
    assert len(rows) == 6  # 2011 county, 2020–2024 zone
    page = client.get("/audit", params={"sort": "review"}, headers=HTML)
    assert page.status_code == 200 and "review ▼" in page.text
    csv_text = client.get("/audit.csv").text
    assert csv_text.lstrip("\ufeff").startswith("report,issuer,year,template")
    book = load_workbook(io.BytesIO(client.get("/audit.xlsx").content))
    assert book.sheetnames[0] == "audit" and "requests" in book.sheetnames and "cross-year" in book.sheetnames
    assert book["audit"].max_row == 7


def test_a_review_decision_shows_in_the_panel(client: httpx.Client) -> None:
    report = client.get("/issuers/平潭综合实验区").json()["years"]["2024"]["report"]
    response = client.post(
        f"/review/{report}/requests.received", json={"action": "correct", "value": 219, "reviewer": "test"}
    )
    assert response.status_code == 200, response.text
    years = client.get("/issuers/平潭综合实验区").json()["years"]
    assert years["2024"]["metrics"]["requests.received"] == {"value": 219, "review": False}
    assert years["2023"]["metrics"]["requests.received"]["value"] == 81  # the others as extracted


def test_pages_escape_what_reports_say() -> None:
    from service.routes.deps import render

    hostile = "<script>alert(1)</script>区"
    row = {"issuer": hostile, "names": [hostile], "years": [2021], "missing_years": [], "ambiguous": [hostile],
           "checks": {"pass": 0, "fail": 0, "skip": 0}, "link": ""}  # fmt: skip
    html = render("issuers.html", rows=[row], q='"><b>', year=None, unplaced=[]).body.decode()
    assert "<script>alert" not in html and '"><b>' not in html
    assert "&lt;script&gt;" in html
