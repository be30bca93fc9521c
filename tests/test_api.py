"""The HTTP service, served by uvicorn on 127.0.0.1, with real reports: on a SQLite data directory, and on
PostgreSQL with ``-m postgres`` (every test runs on both engines)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, SEEDS
from sqlalchemy import text

from service.api import create_app, running
from service.runner import WorkerPool, WorkerSettings
from service.schema import Result
from service.storage import DB_NAME, Store

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One service for the module; yields its base URL and its database URL."""
    data_dir = tmp_path_factory.mktemp("service")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / DB_NAME}"
    else:
        url = request.getfixturevalue("postgres_cluster").new_database()
    with running(create_app(data_dir, database=url, workers=2, token=TOKEN)) as base:
        yield base, url


def query(url: str, sql: str, **params: object) -> list[tuple]:
    """Rows straight from the database, past the service."""
    store = Store(url, migrate=False)
    try:
        with store.db.read() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        store.close()


@pytest.fixture
def client(server: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], headers=AUTH, timeout=30) as c:
        yield c


def wait_done(client: httpx.Client, report_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/reports/{report_id}").json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def submit_file(client: httpx.Client, path: Path, data: bytes | None = None) -> str:
    response = client.post("/reports", files={"file": (path.name, data or path.read_bytes())})
    assert response.status_code in (200, 202), response.text
    return response.json()["id"]


# --------------------------------------------------------------------------- submitting and reading


def test_openapi_schema_describes_the_service(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {
        "/reports",
        "/reports/{report_id}",
        "/reports/{report_id}/export",
        "/review",
        "/review/{report_id}/{key}",
    } <= set(schema["paths"])
    body = schema["paths"]["/reports"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)


def test_json_submission_answers_at_once_and_extracts_in_the_background(client: httpx.Client) -> None:
    text = (CORPUS / "pingtan-2022.txt").read_text(encoding="utf-8")
    response = client.post("/reports", json={"text": text, "filename": "pingtan-2022.txt"})
    assert response.status_code == 202
    report_id = response.json()["id"]
    assert response.json()["status"] in ("queued", "running", "done")
    body = wait_done(client, report_id)
    assert body["status"] == "done" and body["error"] is None
    result = Result.model_validate(body["result"])
    assert result.report.id == report_id and result.template == "gb2021"
    assert result.report.filename == "pingtan-2022.txt"
    assert result.fields["meta.year"].value == 2022
    assert all(c.status in ("pass", "fail", "skip") for c in result.checks)

    again = client.post("/reports", json={"text": text, "filename": "renamed.txt"})
    assert again.status_code == 200
    assert again.json() == {"id": report_id, "status": "done", "duplicate": True}


def test_multipart_upload_in_gb18030(client: httpx.Client) -> None:
    data = (CORPUS / "pingtan-2019.txt").read_text(encoding="utf-8").encode("gb18030")
    report_id = submit_file(client, Path("pingtan-2019-gbk.txt"), data)
    body = wait_done(client, report_id)
    assert body["status"] == "done"
    assert body["result"]["report"]["encoding"].lower().replace("-", "") in ("gb18030", "gbk", "gb2312")
    with_text = client.get(f"/reports/{report_id}", params={"include_text": True}).json()
    assert "平潭综合实验区" in with_text["result"]["text"]
    assert body["result"]["template"] == "gb2019"


def test_uploads_stay_in_the_database(client: httpx.Client, server: tuple[str, str]) -> None:
    text = (SEEDS / "anshan-hitech-2018.txt").read_bytes()
    response = client.post("/reports", files={"file": ("../../../tmp/evil/../x.txt", text)})
    report_id = response.json()["id"]
    assert wait_done(client, report_id)["filename"] == "x.txt"
    if server[1].startswith("sqlite"):
        data_dir = Path(server[1].removeprefix("sqlite:///")).parent
        assert {p.name for p in data_dir.iterdir()} <= {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"}


def test_html_upload(client: httpx.Client) -> None:
    report_id = submit_file(client, CORPUS / "pingtan-2022-page.html")
    body = wait_done(client, report_id)
    assert body["status"] == "done" and body["result"]["template"] == "gb2021"
    assert "<td" not in client.get(f"/reports/{report_id}", params={"include_text": True}).json()["result"]["text"]


def test_list_and_filters(client: httpx.Client) -> None:
    ids = [submit_file(client, SEEDS / name) for name in ("erdao-district-2017.txt", "daoli-district-2018.txt")]
    for report_id in ids:
        assert wait_done(client, report_id)["status"] == "done"
    listed = client.get("/reports", params={"limit": 1000}).json()
    assert set(ids) <= {r["id"] for r in listed["reports"]} and listed["total"] >= 2
    years = {r["id"]: r["year"] for r in listed["reports"]}
    only_2017 = client.get("/reports", params={"year": 2017}).json()["reports"]
    assert ids[0] in {r["id"] for r in only_2017} and all(r["year"] == 2017 for r in only_2017)
    assert years[ids[1]] == 2018
    legacy = client.get("/reports", params={"template": "legacy"}).json()["reports"]
    assert all(r["template"] == "legacy" for r in legacy) and set(ids) <= {r["id"] for r in legacy}
    for flag in (True, False):
        listed = client.get("/reports", params={"has_review": flag}).json()["reports"]
        assert all((r["pending_review"] > 0) == flag for r in listed)
    issuer = client.get(f"/reports/{ids[0]}").json()["issuer"]
    if issuer:
        assert ids[0] in {r["id"] for r in client.get("/reports", params={"issuer": issuer[:2]}).json()["reports"]}


# --------------------------------------------------------------------------- security and bad input


def test_writes_need_the_token_and_reads_do_not(server: tuple[str, str]) -> None:
    with httpx.Client(base_url=server[0]) as anonymous:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            response = anonymous.post("/reports", json={"text": "x", "filename": "x.txt"}, headers=headers)
            assert response.status_code == 401 and "token" in response.json()["detail"]
            assert response.headers["www-authenticate"] == "Bearer"
            response = anonymous.post(
                "/review/abc/review.total", json={"action": "skip", "reviewer": "x"}, headers=headers
            )
            assert response.status_code == 401
        assert anonymous.get("/reports").status_code == 200
        assert anonymous.get("/review").status_code == 200


def test_without_a_configured_token_the_service_is_read_only(database: str) -> None:
    with running(create_app(database=database, workers=0, token=None)) as base, httpx.Client(base_url=base) as c:
        response = c.post("/reports", json={"text": "x"}, headers=AUTH)
        assert response.status_code == 403 and "NIANBAO_TOKEN" in response.json()["detail"]
        assert c.get("/healthz").json()["read_only"] is True


JSON = {"Content-Type": "application/json"}
BAD_SUBMISSIONS = [
    ("bad json", {"content": b'{"text": "unterminated', "headers": JSON}, 400, "JSON"),
    ("no text", {"json": {"filename": "a.txt"}}, 422, "text"),
    ("text not a string", {"json": {"text": 12}}, 422, "text"),
    ("empty text", {"json": {"text": "  \n "}}, 400, "empty"),
    ("no file field", {"files": {"upload": ("a.txt", b"abc")}}, 400, "'file'"),
    ("binary upload", {"files": {"file": ("a.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)}}, 415, "binary"),
    ("empty upload", {"files": {"file": ("a.txt", b"")}}, 400, "empty"),
    ("other content type", {"content": b"hello", "headers": {"Content-Type": "text/plain"}}, 415, "multipart"),
    (
        "broken multipart",
        {"content": b"--xyz\r\ngarbage", "headers": {"Content-Type": "multipart/form-data; boundary=xyz"}},
        400,
        "file",
    ),
    (
        "multipart without boundary",
        {"content": b"abc", "headers": {"Content-Type": "multipart/form-data"}},
        400,
        "boundary",
    ),
]


@pytest.mark.parametrize(
    ("name", "request_kwargs", "status", "says"), BAD_SUBMISSIONS, ids=[b[0] for b in BAD_SUBMISSIONS]
)
def test_bad_submissions_get_a_clear_4xx(
    client: httpx.Client, name: str, request_kwargs: dict, status: int, says: str
) -> None:
    response = client.post("/reports", **request_kwargs)
    assert response.status_code == status, response.text
    assert says.lower() in response.json()["detail"].lower()


def test_unknown_things_are_404(client: httpx.Client) -> None:
    for path in ("/reports/nope", "/reports/nope/export", "/reports/nope/decisions"):
        response = client.get(path)
        assert response.status_code == 404 and "nope" in response.json()["detail"]
    page = client.get("/reports/nope/view")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    response = client.post("/review/nope/review.total", json={"action": "skip", "reviewer": "ann"})
    assert response.status_code == 404


def test_bad_review_requests_get_a_clear_4xx(client: httpx.Client) -> None:
    report_id = submit_file(client, CORPUS / "pingtan-2022.txt")
    assert wait_done(client, report_id)["status"] == "done"
    url = f"/review/{report_id}"
    cases = [
        (f"{url}/no.such.key", {"json": {"action": "skip", "reviewer": "ann"}}, 404, "not a FIELDS.md key"),
        (f"{url}/meta.year", {"json": {"action": "approve", "reviewer": "ann"}}, 422, "action"),
        (f"{url}/meta.year", {"json": {"action": "accept"}}, 422, "reviewer"),
        (f"{url}/meta.year", {"json": {"action": "correct", "reviewer": "ann"}}, 422, "needs a value"),
        (
            f"{url}/meta.year",
            {"json": {"action": "correct", "value": "2022", "reviewer": "ann"}},
            422,
            "expected an integer",
        ),
        (
            f"{url}/meta.year",
            {"json": {"action": "correct", "value": 2022, "reviewer": "ann", "evidence": {"start": 5, "end": 10**7}}},
            422,
            "text length",
        ),
        (
            f"{url}/meta.year",
            {"json": {"action": "correct", "value": 2022, "reviewer": "ann", "evidence": {"start": -1, "end": 3}}},
            422,
            "start",
        ),
        (f"{url}/meta.year", {"json": {"action": "accept", "value": 1999, "reviewer": "ann"}}, 409, "now 2022"),
        # values JSON or the database cannot hold are refused before anything is written (no 500)
        (f"{url}/meta.year", {"json": {"action": "correct", "value": 10**23, "reviewer": "ann"}}, 422, "larger"),
        (f"{url}/meta.year", {"json": {"action": "correct", "value": 3 * 10**9, "reviewer": "ann"}}, 422, "year"),
        (
            f"{url}/active.fees.amount",
            {"content": b'{"action": "correct", "value": NaN, "reviewer": "ann"}', "headers": JSON},
            422,
            "finite",
        ),
        (
            f"{url}/active.fees.amount",
            {"content": b'{"action": "correct", "value": 1e400, "reviewer": "ann"}', "headers": JSON},
            422,
            "finite",
        ),
        (f"{url}/meta.year", {"content": b"{not json", "headers": JSON}, 400, "json"),
    ]
    for path, request_kwargs, status, says in cases:
        response = client.post(path, **request_kwargs)
        assert response.status_code == status, (path, request_kwargs, response.text)
        assert says.lower() in response.json()["detail"].lower(), response.text
    assert client.get(f"/reports/{report_id}/decisions").json()["decisions"] == []
    assert client.get("/reports", params={"template": "gb1999"}).status_code == 422
    assert client.get("/reports", params={"limit": 0}).status_code == 422


def test_out_of_range_and_nul_inputs_get_a_clear_4xx(client: httpx.Client) -> None:
    """Numbers past what the database takes, and NUL characters (PostgreSQL text cannot hold them), are
    refused with a reason, never a 500, and nothing is stored."""
    report_id = submit_file(client, CORPUS / "pingtan-2022.txt")
    assert wait_done(client, report_id)["status"] == "done"
    big = 10**20
    for path, params in [
        ("/reports", {"year": big}),
        ("/reports", {"offset": big}),
        ("/review", {"offset": big}),
        ("/reports", {"issuer": "平潭\x00"}),
        ("/review", {"report": "\x00"}),
        ("/reports/ab%00cd", {}),
        ("/reports/ab%00cd/view", {}),
    ]:
        response = client.get(path, params=params)
        assert 400 <= response.status_code < 500, (path, params, response.text)
    for body in (
        {"action": "skip", "reviewer": "a\x00nn"},
        {"action": "correct", "value": "平潭\x00", "reviewer": "ann"},
    ):
        response = client.post(f"/review/{report_id}/meta.issuer", json=body)
        assert response.status_code in (400, 422), (body, response.text)
        assert "NUL" in response.json()["detail"], response.text
    assert client.get(f"/reports/{report_id}/decisions").json()["decisions"] == []


def test_request_size_limit_gives_413(database: str) -> None:
    app = create_app(database=database, workers=0, token=TOKEN, max_bytes=2_000)
    with running(app) as base, httpx.Client(base_url=base, headers=AUTH) as c:
        big = "政府信息公开" * 200  # 3,600 bytes of UTF-8
        response = c.post("/reports", json={"text": big, "filename": "big.txt"})
        assert response.status_code == 413 and "2,000 bytes" in response.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold for chunked bodies too
            for _ in range(10):
                yield b"x" * 500

        response = c.post("/reports", content=chunks(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        small = c.post("/reports", json={"text": "政府信息公开年度报告", "filename": "small.txt"})
        assert small.status_code == 202


# --------------------------------------------------------------------------- review


def test_review_queue_decisions_checks_and_export(client: httpx.Client, server: tuple[str, str]) -> None:
    report_id = submit_file(client, CORPUS / "pingtan-2019.txt")
    body = wait_done(client, report_id)
    result = Result.model_validate(body["result"])

    queue = client.get("/review", params={"report": report_id, "limit": 1000}).json()
    assert queue["total"] == len(queue["items"]) > 0
    confidences = [item["confidence"] for item in queue["items"]]
    assert confidences == sorted(confidences)
    everywhere = client.get("/review", params={"limit": 1000}).json()["items"]
    assert [i["confidence"] for i in everywhere if not i["skipped"]] == sorted(
        i["confidence"] for i in everywhere if not i["skipped"]
    )

    # pick an identity that passes and one of its values; a wrong correction must make it fail
    check = next(c for c in result.checks if c.status == "pass")
    target = check.keys[-1]
    old = result.fields[target].value
    accepted = next(key for key in result.fields if key not in check.keys)
    skipped = queue["items"][0]["key"]

    response = client.post(
        f"/review/{report_id}/{accepted}",
        json={"action": "accept", "reviewer": "ann", "value": result.fields[accepted].value},
    )
    assert response.status_code == 200, response.text
    assert response.json()["field"]["review"] is False and response.json()["field"]["confidence"] == 1.0

    response = client.post(
        f"/review/{report_id}/{target}",
        json={"action": "correct", "value": old + 1, "reviewer": "bob", "evidence": {"start": 0, "end": 4}},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["field"]["value"] == old + 1 and answer["field"]["source"] == "human"
    assert (
        answer["field"]["evidence"]["quote"]
        == client.get(f"/reports/{report_id}", params={"include_text": True}).json()["result"]["text"][:4]
    )
    assert any(c["id"] == check.id and c["status"] == "fail" for c in answer["checks"])

    response = client.post(f"/review/{report_id}/{skipped}", json={"action": "skip", "reviewer": "ann"})
    assert response.status_code == 200

    exported = client.get(f"/reports/{report_id}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    reviewed = Result.model_validate(exported.json())
    assert reviewed.fields[target].value == old + 1
    assert next(c for c in reviewed.checks if c.id == check.id).status == "fail"
    in_review = {key for key, f in reviewed.fields.items() if f.review}
    assert set(check.keys) - {target} <= in_review | (set(check.keys) - set(reviewed.fields))
    assert target not in in_review and accepted not in in_review
    # the extractor's own result is unchanged
    assert client.get(f"/reports/{report_id}").json()["result"]["fields"][target]["value"] == old

    decisions = client.get(f"/reports/{report_id}/decisions").json()["decisions"]
    assert [(d["key"], d["action"], d["reviewer"]) for d in decisions] == [
        (accepted, "accept", "ann"),
        (target, "correct", "bob"),
        (skipped, "skip", "ann"),
    ]
    rows = query(server[1], "SELECT key, action, reviewer, decided_at FROM decisions WHERE report_id = :r", r=report_id)
    assert len(rows) == 3 and all(row[3] for row in rows)


def test_report_text_is_rendered_inert(client: httpx.Client) -> None:
    text = (SEEDS / "erdao-district-2017.txt").read_text(encoding="utf-8")
    evil = (
        '<script>window.__pwned = 1</script>\n<img src=x onerror="window.__pwned = 2">\n'
        "<a href=\"javascript:alert(1)\" onclick='alert(1)'>x</a>\n" + text
    )
    report_id = client.post("/reports", json={"text": evil, "filename": "<script>x</script>.txt"}).json()["id"]
    assert wait_done(client, report_id)["status"] == "done"
    for path, headers in ((f"/reports/{report_id}/view", {}), ("/review", {"Accept": "text/html"})):
        page = client.get(path, headers=headers)
        assert page.status_code == 200
        html = page.text
        assert "<script>window" not in html and "<script>x" not in html
        assert "<img src=x" not in html and 'onerror="window' not in html and '<a href="javascript' not in html
        assert "script-src 'self'" in page.headers["content-security-policy"]
    view = client.get(f"/reports/{report_id}/view").text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in view
    assert "&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt;" in view


def test_pages_render(client: httpx.Client) -> None:
    report_id = submit_file(client, CORPUS / "pingtan-2019.txt")
    assert wait_done(client, report_id)["status"] == "done"
    queue = client.get("/review", headers={"Accept": "text/html"})
    assert queue.status_code == 200 and 'id="queue"' in queue.text
    view = client.get(f"/reports/{report_id}/view")
    assert view.status_code == 200 and 'id="text"' in view.text and "field-detail" in view.text
    assert client.get("/static/review.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == "/review"


# --------------------------------------------------------------------------- restart and load


def test_restart_resumes_queued_jobs(database: str) -> None:
    names = ["erdao-district-2017.txt", "dingyuan-county-2017.txt", "anshan-hitech-2018.txt"]
    with (
        running(create_app(database=database, workers=0, token=TOKEN)) as base,
        httpx.Client(base_url=base, headers=AUTH) as c,
    ):
        ids = [submit_file(c, SEEDS / name) for name in names]
        assert {c.get(f"/reports/{i}").json()["status"] for i in ids} == {"queued"}
    with (
        running(create_app(database=database, workers=2, token=TOKEN)) as base,
        httpx.Client(base_url=base, headers=AUTH) as c,
    ):
        assert [wait_done(c, i)["status"] for i in ids] == ["done"] * 3
        assert c.get("/reports").json()["total"] == 3


def test_concurrent_submissions_lose_nothing_and_duplicate_nothing(database: str) -> None:
    base_text = (SEEDS / "erdao-district-2017.txt").read_text(encoding="utf-8")
    texts = [f"{base_text}\n（第{n}份）\n" for n in range(40)]
    with (
        running(create_app(database=database, workers=2, token=TOKEN)) as base,
        httpx.Client(base_url=base, headers=AUTH, timeout=60, limits=httpx.Limits(max_connections=16)) as c,
    ):

        def post(n: int) -> tuple[int, str]:
            response = c.post("/reports", json={"text": texts[n % 40], "filename": f"r{n % 40}.txt"})
            assert response.status_code in (200, 202), response.text
            return n % 40, response.json()["id"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(post, range(60)))  # 40 distinct reports, 20 of them sent twice
        by_text: dict[int, set[str]] = {}
        for n, report_id in answers:
            by_text.setdefault(n, set()).add(report_id)
        assert len(by_text) == 40 and all(len(ids) == 1 for ids in by_text.values())
        ids = {next(iter(v)) for v in by_text.values()}
        assert len(ids) == 40
        assert {wait_done(c, i, timeout=60)["status"] for i in ids} == {"done"}
        listed = c.get("/reports", params={"limit": 1000}).json()
        assert listed["total"] == 40 and {r["id"] for r in listed["reports"]} == ids
    jobs = query(database, "SELECT report_id, COUNT(*) FROM jobs GROUP BY report_id")
    [(results,)] = query(database, "SELECT COUNT(*) FROM results")
    assert len(jobs) == 40 and all(count == 1 for _, count in jobs) and results == 40


# --------------------------------------------------------------------------- servers and workers on one database


def unique_texts(n: int) -> list[str]:
    seeds = sorted(SEEDS.glob("*.txt"))
    return [seeds[i % len(seeds)].read_text(encoding="utf-8") + f"\n（第{i}份）\n" for i in range(n)]


def test_the_service_restarts_while_workers_run(database: str) -> None:
    """Workers in their own processes keep extracting while the server stops and a new one starts."""
    texts = unique_texts(40)
    pool = WorkerPool(WorkerSettings(database, poll_seconds=0.05), 2)
    pool.start()
    try:
        with (
            running(create_app(database=database, workers=0, token=TOKEN)) as base,
            httpx.Client(base_url=base, headers=AUTH, timeout=60) as c,
        ):
            first = [
                c.post("/reports", json={"text": t, "filename": f"a{n}.txt"}).json()["id"]
                for n, t in enumerate(texts[:20])
            ]
        # the server is gone; the workers carry on
        with (
            running(create_app(database=database, workers=0, token=TOKEN)) as base,
            httpx.Client(base_url=base, headers=AUTH, timeout=60) as c,
        ):
            again = c.post("/reports", json={"text": texts[0], "filename": "again.txt"})
            assert again.status_code == 200 and again.json()["id"] == first[0]
            second = [
                c.post("/reports", json={"text": t, "filename": f"b{n}.txt"}).json()["id"]
                for n, t in enumerate(texts[20:])
            ]
            assert {wait_done(c, i, timeout=120)["status"] for i in first + second} == {"done"}
            assert c.get("/reports", params={"limit": 1000}).json()["total"] == 40
    finally:
        pool.stop()
    assert query(database, "SELECT attempts, COUNT(*) FROM jobs GROUP BY attempts") == [(1, 40)]
    assert query(database, "SELECT COUNT(*) FROM results") == [(40,)]


def test_two_servers_share_one_database(database: str, tmp_path: Path) -> None:
    """Submissions through either server are one set of reports; a review through one shows in the other;
    concurrent decisions through both are all kept; export-gold reads the same database."""
    texts = unique_texts(12)
    pool = WorkerPool(WorkerSettings(database, poll_seconds=0.05), 2)
    pool.start()
    try:
        with (
            running(create_app(database=database, workers=0, token=TOKEN)) as base_a,
            running(create_app(database=database, workers=0, token=TOKEN)) as base_b,
            httpx.Client(base_url=base_a, headers=AUTH, timeout=60) as a,
            httpx.Client(base_url=base_b, headers=AUTH, timeout=60) as b,
        ):

            def post(n: int) -> str:
                client = a if n % 2 else b
                response = client.post("/reports", json={"text": texts[n % 12], "filename": f"r{n % 12}.txt"})
                assert response.status_code in (200, 202), response.text
                return response.json()["id"]

            with ThreadPoolExecutor(max_workers=8) as threads:
                ids = list(threads.map(post, range(24)))  # every text through both servers
            assert ids[:12] == ids[12:] and len(set(ids)) == 12
            assert {wait_done(b, i, timeout=120)["status"] for i in set(ids)} == {"done"}

            report_id = ids[0]
            fields = a.get(f"/reports/{report_id}").json()["result"]["fields"]
            keys = [k for k, f in fields.items() if isinstance(f["value"], int)][:6]
            with ThreadPoolExecutor(max_workers=6) as threads:
                answers = list(
                    threads.map(
                        lambda k: (a if keys.index(k) % 2 else b).post(
                            f"/review/{report_id}/{k}", json={"action": "accept", "reviewer": "ann"}
                        ),
                        keys,
                    )
                )
            assert [r.status_code for r in answers] == [200] * len(keys)
            for client in (a, b):
                decided = client.get(f"/reports/{report_id}/decisions").json()["decisions"]
                assert sorted(d["key"] for d in decided) == sorted(keys)
                exported = client.get(f"/reports/{report_id}/export").json()["fields"]
                assert all(exported[k]["confidence"] == 1.0 for k in keys)
            queued = {(i["report"], i["key"]) for i in b.get("/review", params={"limit": 1000}).json()["items"]}
            assert not {(report_id, k) for k in keys} & queued
            for item in b.get("/review", params={"report": report_id, "limit": 1000}).json()["items"]:
                decision = {"action": "accept"} if item["value"] is not None else {"action": "correct", "value": None}
                answer = b.post(f"/review/{report_id}/{item['key']}", json={**decision, "reviewer": "bob"})
                assert answer.status_code == 200, answer.text
            assert a.get(f"/reports/{report_id}").json()["pending_review"] == 0
            listed = a.get("/reports", params={"has_review": "false", "limit": 1000}).json()["reports"]
            reviewed = sorted(r["id"] for r in listed if r["decisions"])  # what export-gold must write
            assert report_id in reviewed
    finally:
        pool.stop()
    gold = tmp_path / "gold"
    export = subprocess.run(
        [sys.executable, "-m", "service.cli", "export-gold", "--database", database, "--out", str(gold)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert export.returncode == 0, export.stderr
    assert f"wrote {len(reviewed)} gold files" in export.stdout
    assert len(list(gold.glob("*.json"))) == len(reviewed)
