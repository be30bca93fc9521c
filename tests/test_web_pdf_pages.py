"""service.web.pdf_pages and PDF uploads: the real service on 127.0.0.1 over a temp data directory."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from service.api import create_app, running

TOKEN = "pdf-token"
DATA = Path(__file__).resolve().parent / "data" / "pdf"
HONGZE = Path(__file__).resolve().parents[1] / "gold" / "reports" / "hongze-district-2023.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("pdf-service")
    with running(create_app(data_dir, workers=1, token=TOKEN)) as base:
        yield base, data_dir


@pytest.fixture
def client(server: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
        yield c


def upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/reports", files={"file": (name, data, "application/pdf")})


def done(client: httpx.Client, report_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        body = client.get(f"/reports/{report_id}").json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.fixture(scope="module")
def hongze(server: tuple[str, Path]) -> str:
    with httpx.Client(base_url=server[0], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
        response = upload(c, HONGZE.name, HONGZE.read_bytes())
        assert response.status_code == 202, response.text
        report_id = response.json()["id"]
        assert done(c, report_id)["status"] == "done"
        return report_id


def test_a_pdf_upload_is_extracted_with_pages_and_boxes(client: httpx.Client, hongze: str) -> None:
    result = client.get(f"/reports/{hongze}").json()["result"]
    assert result["template"] == "gb2021"
    evidence = result["fields"]["requests.by_applicant.natural_person.received"]["evidence"]
    assert evidence["page"] == 3 and len(evidence["bbox"]) == 4


def test_the_review_page_shows_the_pdf_page_with_the_box(client: httpx.Client, hongze: str) -> None:
    page = client.get(f"/reports/{hongze}/view", params={"key": "meta.year"}).text
    assert f'src="/reports/{hongze}/pages/1.png?box=' in page
    assert f'href="/reports/{hongze}/pages/1.png?box=' in page  # the small image opens at full size


def test_page_images_are_rendered_cached_and_boxed(client: httpx.Client, hongze: str, server: tuple[str, Path]) -> None:
    plain = client.get(f"/reports/{hongze}/pages/3.png")
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/png"
    assert (server[1] / "pages" / f"{hongze}-3.png").read_bytes() == plain.content  # cached on disk
    box = client.get(f"/reports/{hongze}/pages/3.png", params={"box": "80,100,300,130"})
    assert box.status_code == 200
    before = Image.open(io.BytesIO(plain.content)).convert("RGB")
    after = Image.open(io.BytesIO(box.content)).convert("RGB")
    scale = before.width / 595
    inside = (int(190 * scale), int(115 * scale))
    assert before.size == after.size and before.getpixel(inside) != after.getpixel(inside)  # highlighted
    outside = (int(500 * scale), int(800 * scale))
    assert before.getpixel(outside) == after.getpixel(outside)


def test_page_image_errors_are_4xx(client: httpx.Client, hongze: str) -> None:
    assert client.get(f"/reports/{hongze}/pages/9.png").status_code == 404
    assert client.get(f"/reports/{hongze}/pages/1.png", params={"box": "1,2"}).status_code == 422
    assert client.get("/reports/nosuchreport/pages/1.png").status_code == 404
    text = client.post("/reports", json={"text": "某县2019年政府信息公开工作年度报告\n共受理申请3件。"})
    response = client.get(f"/reports/{text.json()['id']}/pages/1.png")
    assert response.status_code == 404 and "not a PDF" in response.json()["detail"]


@pytest.mark.parametrize(
    ("name", "data", "word"),
    [
        ("scan.pdf", (DATA / "made-scanned.pdf").read_bytes(), "no text layer"),
        ("locked.pdf", (DATA / "made-encrypted.pdf").read_bytes(), "encrypted"),
        ("cut.pdf", HONGZE.read_bytes()[:50_000], "corrupt_pdf"),
        ("picture.pdf", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a PDF"),
    ],
)
def test_bad_pdf_uploads_are_refused_and_nothing_stored_is_lost(
    client: httpx.Client, hongze: str, name: str, data: bytes, word: str
) -> None:
    response = upload(client, name, data)
    assert response.status_code == 422 and word in response.json()["detail"]
    assert client.get(f"/reports/{hongze}").json()["status"] == "done"


def test_a_file_named_pdf_that_is_html_is_accepted_as_html(client: httpx.Client) -> None:
    page = "<html><body><h1>某县2020年政府信息公开工作年度报告</h1><p>全年共受理申请21件。</p></body></html>"
    response = upload(client, "page.pdf", page.encode())
    assert response.status_code == 202
    body = done(client, response.json()["id"])
    assert body["status"] == "done"
    assert any("named .pdf" in w for w in body["result"]["warnings"])
