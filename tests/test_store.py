"""The store on real databases (a SQLite file, and PostgreSQL with ``-m postgres``): migrations, jobs and
leases, decisions, queue, gold export. Every test runs on both engines through the ``database`` fixture."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from eval.validate_gold import validate_file
from service.checks import identity_violations, run_checks
from service.core import Evidence
from service.pipeline import mark_failed_checks
from service.schema import FieldValue, Provenance, ReportInfo, Result, Unresolved
from service.storage import (
    DB_NAME,
    MAX_ATTEMPTS,
    Conflict,
    Invalid,
    LeaseLost,
    NotFound,
    Store,
    clean_filename,
    database_url,
    export_gold,
)

TEXT = (
    "某某区人民政府2017年政府信息公开工作年度报告\n"
    "本年度收到政府信息公开申请23件。\n"
    "行政复议：维持2件，纠错1件，其他2件，合计5件。\n"
    "本年度无行政诉讼。\n"
)


def build(
    report_id: str,
    values: dict[str, object],
    *,
    text: str = TEXT,
    low: tuple[str, ...] = (),
    template: str = "legacy",
    unresolved: list[Unresolved] | None = None,
) -> Result:
    """A result as the pipeline builds it: evidence for every value, checks run, failed identities marked."""
    fields = {}
    for key, value in values.items():
        needle = str(value) if not isinstance(value, str) else value
        start = text.find(needle)
        assert start >= 0 or key == "meta.template", f"{needle} not in text"
        evidence = Evidence(start=start, end=start + len(needle), quote=needle) if start >= 0 else None
        confidence = 0.6 if key in low else 0.93
        fields[key] = FieldValue(
            value=value,
            confidence=confidence,
            review=key in low,
            source="prose",
            evidence=evidence,
            reason="loose wording" if key in low else None,
        )
    checks = run_checks(values, template)
    mark_failed_checks(fields, checks)
    return Result(
        report=ReportInfo(id=report_id, sha256="0" * 64, chars=len(text)),
        template=template,
        fields=fields,
        checks=checks,
        unresolved=unresolved or [],
        provenance=Provenance(extractor="test"),
        text=text,
    )


REVIEW_OK = {
    "meta.year": 2017,
    "requests.received": 23,
    "review.upheld": 2,
    "review.corrected": 1,
    "review.other": 2,
    "review.total": 5,
}


def done_report(store: Store, data: bytes, result_for: dict[str, object], **kwargs: object) -> str:
    """Submit bytes, claim the job and finish it with a hand-built result."""
    submission = store.reports.submit(data, "report.txt")
    job = store.jobs.claim("test")
    assert job is not None and job.report_id == submission.id
    store.jobs.finish(job, build(submission.id, result_for, **kwargs))  # type: ignore[arg-type]
    return submission.id


@pytest.fixture
def store(database: str) -> Store:
    s = Store(database)
    yield s
    s.close()


# --------------------------------------------------------------------------- schema


def test_fresh_database_is_migrated_to_the_newest_revision(database: str) -> None:
    store = Store(database)
    assert store.db.revision() == "0002"
    with store.db.read() as conn:
        versions = [row[0] for row in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))]
    store.close()
    assert versions == [1, 2]  # nianbao 0.1 reads this and refuses the newer schema


def test_sqlite_runs_in_wal_mode_in_the_data_directory(tmp_path: Path) -> None:
    store = Store(database_url(None, tmp_path))
    store.close()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alembic_version", "reports", "jobs", "results", "decisions", "review_queue"} <= tables


def test_reopening_applies_no_migration_twice(database: str) -> None:
    Store(database).close()
    store = Store(database)
    with store.db.read() as conn:
        versions = [row[0] for row in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))]
    store.close()
    assert versions == [1, 2]


def test_a_newer_database_is_refused(database: str) -> None:
    store = Store(database)
    with store.db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(RuntimeError, match="newer than this code"):
        Store(database)


def test_database_url_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    assert database_url(None, tmp_path / "data") == f"sqlite:///{tmp_path / 'data' / DB_NAME}"
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    store = Store(database_url(elsewhere, tmp_path / "data"))
    store.reports.submit(b"report", "a.txt")
    store.close()
    assert (tmp_path / "elsewhere.db").exists() and not (tmp_path / "data" / DB_NAME).exists()
    monkeypatch.setenv("NIANBAO_DATABASE_URL", "postgresql://u:pw@db.example/nianbao")
    assert database_url(None, tmp_path) == "postgresql+psycopg://u:pw@db.example/nianbao"
    assert database_url(elsewhere, tmp_path) == elsewhere  # the flag beats the environment
    with pytest.raises(ValueError, match="unsupported database"):
        database_url("mysql://x/y")
    with pytest.raises(ValueError, match="not a database URL"):
        database_url("not a url")


# --------------------------------------------------------------------------- submissions and jobs


def test_same_bytes_are_the_same_report_with_one_job(store: Store) -> None:
    first = store.reports.submit(b"report text", "a.txt")
    again = store.reports.submit(b"report text", "other-name.txt")
    other = store.reports.submit(b"another report", "a.txt")
    assert first.created and not again.created and other.created
    assert first.id == again.id != other.id
    assert store.jobs.counts()["queued"] == 2
    assert store.reports.report(first.id)["filename"] == "a.txt"


def test_concurrent_submissions_of_the_same_bytes_make_one_report(store: Store) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        ids.append(store.reports.submit(b"same bytes from eight threads", "x.txt").id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert store.jobs.counts()["queued"] == 1
    assert store.reports.list()[1] == 1


def test_claim_is_exclusive_and_in_order(store: Store) -> None:
    a = store.reports.submit(b"a", None).id
    b = store.reports.submit(b"b", None).id
    assert store.jobs.claim("w1").report_id == a
    assert store.jobs.claim("w2").report_id == b
    assert store.jobs.claim("w3") is None
    assert store.reports.report(a)["status"] == "running"


def test_an_expired_lease_is_claimed_again_and_poison_reports_fail(store: Store) -> None:
    report = store.reports.submit(b"a report that kills its worker", "x.txt").id
    first = store.jobs.claim("w1", lease_seconds=0.05)  # the worker dies here
    assert first is not None and first.attempts == 1
    assert store.jobs.claim("w2") is None  # the lease still holds
    for attempt in range(2, MAX_ATTEMPTS + 1):
        time.sleep(0.1)
        job = store.jobs.claim(f"w{attempt}", lease_seconds=0.05)
        assert job is not None and job.report_id == report and job.attempts == attempt
        assert store.reports.report(report)["status"] == "running"
    time.sleep(0.1)
    assert store.jobs.claim("w9") is None
    info = store.reports.report(report)
    assert info["status"] == "failed" and "stopped while extracting this report 3 times" in info["error"]


def test_a_late_worker_cannot_finish_a_job_claimed_again(store: Store) -> None:
    report = store.reports.submit(b"slow", "slow.txt").id
    slow = store.jobs.claim("slow", lease_seconds=0.05)
    time.sleep(0.1)
    fast = store.jobs.claim("fast")
    assert fast is not None and fast.id == slow.id and fast.attempts == 2
    with pytest.raises(LeaseLost):
        store.jobs.finish(slow, build(report, REVIEW_OK))
    with pytest.raises(LeaseLost):
        store.jobs.fail(slow, "too late")
    assert not store.jobs.renew(slow)
    with pytest.raises(Conflict, match="no result yet"):  # the late result was rolled back with the job
        store.results.result(report)
    store.jobs.finish(fast, build(report, REVIEW_OK))
    assert store.reports.report(report)["status"] == "done"
    with pytest.raises(LeaseLost):  # finished exactly once
        store.jobs.finish(fast, build(report, REVIEW_OK))


def test_renewing_keeps_a_lease(store: Store) -> None:
    store.reports.submit(b"long", "long.txt")
    job = store.jobs.claim("w", lease_seconds=0.2)
    for _ in range(3):
        time.sleep(0.1)
        assert store.jobs.renew(job, lease_seconds=0.2)
        assert store.jobs.claim("other") is None


def test_failed_report_is_queued_again_when_resubmitted(store: Store) -> None:
    report = store.reports.submit(b"x", "x.txt").id
    store.jobs.fail(store.jobs.claim("w"), "binary: not text")
    assert store.reports.report(report)["status"] == "failed"
    assert store.reports.report(report)["error"] == "binary: not text"
    again = store.reports.submit(b"x", "x.txt")
    assert again.id == report and not again.created and again.status == "queued"
    assert store.reports.submit(b"x", "x.txt").status == "queued"  # still one active job
    assert store.jobs.counts() == {"queued": 1, "running": 0, "done": 0, "failed": 1}


def test_filenames_are_reduced_to_a_harmless_name() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\x\\report.txt") == "report.txt"
    assert clean_filename("a\x00b\nc.txt") == "abc.txt"
    assert clean_filename("") is None and clean_filename(None) is None
    assert len(clean_filename("x" * 1000) or "") == 200


# --------------------------------------------------------------------------- results and listing


def test_finished_job_stores_result_text_and_queue(store: Store) -> None:
    report = done_report(store, b"r1", REVIEW_OK, low=("requests.received",))
    info = store.reports.report(report)
    assert info["status"] == "done" and info["year"] == 2017 and info["template"] == "legacy"
    assert info["pending_review"] == 1
    result, text = store.results.result(report)
    assert text == TEXT and result.text is None
    assert result.fields["review.total"].value == 5
    items, total = store.decisions.queue()
    assert total == 1 and items[0]["key"] == "requests.received" and items[0]["value"] == 23


def test_list_filters(store: Store) -> None:
    a = done_report(store, b"a", {**REVIEW_OK, "meta.issuer": "某某区人民政府"}, low=("review.other",))
    b = done_report(store, b"b", {"meta.year": 2017, "requests.received": 23, "meta.issuer": "某某区"})
    store.reports.submit(b"c", "c.txt")
    ids = lambda **kw: {r["id"] for r in store.reports.list(**kw)[0]}  # noqa: E731
    assert ids(issuer="某某区") == {a, b}
    assert ids(issuer="人民政府") == {a}
    assert ids(issuer="%") == set()  # LIKE wildcards are matched literally
    assert ids(year=2017) == {a, b} and ids(year=2016) == set()
    assert ids(template="legacy") == {a, b} and ids(template="gb2021") == set()
    assert ids(has_review=True) == {a} and ids(has_review=False) == {b}
    assert len(ids(status="queued")) == 1
    assert store.reports.list(limit=1)[1] == 3 and len(store.reports.list(limit=1)[0]) == 1


def test_unknown_and_unfinished_reports(store: Store) -> None:
    with pytest.raises(NotFound):
        store.reports.report("nope")
    with pytest.raises(NotFound):
        store.results.result("nope")
    queued = store.reports.submit(b"q", "q.txt").id
    with pytest.raises(Conflict, match="no result yet"):
        store.results.result(queued)
    with pytest.raises(Conflict, match="no result yet"):
        store.decisions.decide(queued, "review.total", "skip", reviewer="ann")


# --------------------------------------------------------------------------- decisions


def test_accept_takes_the_field_out_of_review(store: Store) -> None:
    report = done_report(store, b"r", REVIEW_OK, low=("requests.received",))
    reviewed = store.decisions.decide(report, "requests.received", "accept", reviewer="ann")
    field = reviewed.fields["requests.received"]
    assert (field.value, field.review, field.confidence, field.source) == (23, False, 1.0, "prose")
    assert store.decisions.queue()[1] == 0
    assert store.reports.report(report)["pending_review"] == 0
    [decision] = store.decisions.history(report)
    assert (decision.action, decision.value, decision.reviewer) == ("accept", 23, "ann")
    assert decision.decided_at.endswith("Z")


def test_correction_reruns_checks_and_sends_the_identity_to_review(store: Store) -> None:
    report = done_report(store, b"r", REVIEW_OK)
    assert store.reports.report(report)["pending_review"] == 0
    reviewed = store.decisions.decide(
        report,
        "review.other",
        "correct",
        value=3,
        reviewer="bob",
        evidence=(TEXT.find("其他2件"), TEXT.find("其他2件") + 4),
    )
    other = reviewed.fields["review.other"]
    assert (other.value, other.source, other.review, other.confidence) == (3, "human", False, 1.0)
    assert other.evidence.quote == "其他2件"
    assert other.candidates[0].value == 2 and other.candidates[0].source == "prose"
    [check] = [c for c in reviewed.checks if c.id == "L-review[review]"]
    assert check.status == "fail"
    # the human value stays settled; the other values of the broken identity now need a look
    queued = {item["key"] for item in store.decisions.queue()[0]}
    assert queued == {"review.total", "review.upheld", "review.corrected"}

    # a second correction that mends the identity takes them out of review again
    reviewed = store.decisions.decide(report, "review.total", "correct", value=6, reviewer="bob")
    assert [c.status for c in reviewed.checks if c.id == "L-review[review]"] == ["pass"]
    assert store.decisions.queue()[1] == 0
    exported, _ = store.decisions.reviewed(report)
    assert exported.fields["review.total"].value == 6


def test_skip_keeps_the_field_in_review_at_the_end_of_the_queue(store: Store) -> None:
    a = done_report(store, b"a", REVIEW_OK, low=("requests.received",))
    b = done_report(store, b"b", {**REVIEW_OK, "meta.year": 2017}, low=("review.other",), text=TEXT + " ")
    store.decisions.decide(a, "requests.received", "skip", reviewer="ann")
    items, total = store.decisions.queue()
    assert total == 2
    assert [(i["report"], i["skipped"]) for i in items] == [(b, False), (a, True)]
    reviewed, _ = store.decisions.reviewed(a)
    assert reviewed.fields["requests.received"].review is True
    store.decisions.decide(a, "requests.received", "accept", reviewer="ann")
    assert [i["report"] for i in store.decisions.queue()[0]] == [b]


def test_queue_is_least_confident_first_across_reports(store: Store) -> None:
    a = done_report(store, b"a", REVIEW_OK, low=("requests.received",))
    unresolved = Unresolved(
        keys=["litigation.total"],
        candidates=[[0], [1]],
        evidence=Evidence(start=0, end=2, quote=TEXT[:2]),
        reason="two readings",
    )
    b = done_report(store, b"b", {"meta.year": 2017}, unresolved=[unresolved])
    items, _ = store.decisions.queue()
    assert [(i["report"], i["key"], i["confidence"]) for i in items] == [
        (b, "litigation.total", 0.0),
        (a, "requests.received", 0.6),
    ]
    assert items[0]["value"] is None and "two readings" in items[0]["reason"]
    assert [i["key"] for i in store.decisions.queue(report_id=a)[0]] == ["requests.received"]


def test_unresolved_key_is_settled_by_a_correction(store: Store) -> None:
    unresolved = Unresolved(
        keys=["litigation.total", "complaints.total"],
        candidates=[[0, 1], [1, 0]],
        evidence=Evidence(start=0, end=2, quote=TEXT[:2]),
        reason="two readings",
    )
    report = done_report(store, b"u", {"meta.year": 2017}, unresolved=[unresolved])
    with pytest.raises(Conflict, match="no value to accept"):
        store.decisions.decide(report, "litigation.total", "accept", reviewer="ann")
    reviewed = store.decisions.decide(report, "litigation.total", "correct", value=0, reviewer="ann")
    assert reviewed.fields["litigation.total"].value == 0
    assert [u.keys for u in reviewed.unresolved] == [["complaints.total"]]
    assert [i["key"] for i in store.decisions.queue()[0]] == ["complaints.total"]
    store.decisions.decide(report, "complaints.total", "correct", value=None, reviewer="ann")
    assert store.decisions.queue()[1] == 0
    assert "complaints.total" not in store.decisions.reviewed(report)[0].fields


def test_correction_to_none_removes_a_spurious_value(store: Store) -> None:
    report = done_report(store, b"r", REVIEW_OK, low=("requests.received",))
    reviewed = store.decisions.decide(report, "requests.received", "correct", value=None, reviewer="ann")
    assert "requests.received" not in reviewed.fields
    assert store.reports.report(report)["pending_review"] == 0


@pytest.mark.parametrize(
    ("key", "action", "kwargs", "error", "message"),
    [
        ("requests.nonsense", "accept", {}, NotFound, "not a FIELDS.md key"),
        ("review.total", "correct", {"value": "5"}, Invalid, "expected an integer"),
        ("review.total", "correct", {"value": -1}, Invalid, "non-negative"),
        ("review.total", "correct", {"value": True}, Invalid, "expected an integer"),
        ("meta.publish_date", "correct", {"value": "2018-02-30"}, Invalid, "meta.publish_date"),
        ("review.total", "correct", {"value": 5, "evidence": (10, 5)}, Invalid, "start < end"),
        ("review.total", "correct", {"value": 5, "evidence": (0, 10_000)}, Invalid, "text length"),
        ("review.total", "correct", {"value": None, "evidence": (0, 1)}, Invalid, "removing"),
        ("review.total", "accept", {"evidence": (0, 1)}, Invalid, "only given with correct"),
        ("review.total", "accept", {"expected": 4}, Conflict, "is now 5"),
        ("review.total", "accept", {"reviewer": "  "}, Invalid, "reviewer"),
        ("review.total", "reject", {}, Invalid, "accept, correct or skip"),
    ],
)
def test_bad_decisions_are_refused_and_not_recorded(
    store: Store, key: str, action: str, kwargs: dict, error: type[Exception], message: str
) -> None:
    report = done_report(store, b"r", REVIEW_OK)
    kwargs = {"reviewer": "ann", **kwargs}
    with pytest.raises(error, match=message):
        store.decisions.decide(report, key, action, **kwargs)  # type: ignore[arg-type]
    assert store.decisions.history(report) == []
    with pytest.raises(NotFound):
        store.decisions.decide("no-such-report", "review.total", "skip", reviewer="ann")


def test_wan_values_are_stored_as_numbers(store: Store) -> None:
    report = done_report(store, b"r", REVIEW_OK)
    reviewed = store.decisions.decide(report, "fees.collected", "correct", value=3, reviewer="ann")
    assert reviewed.fields["fees.collected"].value == 3.0
    assert isinstance(store.decisions.reviewed(report)[0].fields["fees.collected"].value, float)


# --------------------------------------------------------------------------- gold export


def test_export_gold_writes_only_fully_reviewed_reports(store: Store, tmp_path: Path) -> None:
    untouched = done_report(store, b"a", REVIEW_OK)  # no decision: nobody looked at it
    waiting = done_report(store, b"b", REVIEW_OK, low=("requests.received", "review.other"), text=TEXT + " ")
    reviewed = done_report(
        store, b"c", {**REVIEW_OK, "meta.template": "legacy"}, low=("requests.received",), text=TEXT + "  "
    )
    store.decisions.decide(waiting, "requests.received", "accept", reviewer="ann")
    store.decisions.decide(reviewed, "requests.received", "correct", value=24, reviewer="bob")
    store.decisions.decide(reviewed, "review.other", "accept", reviewer="ann")

    out = tmp_path / "gold"
    written = export_gold(store, out)
    assert [p.name for p in written] == ["report.json"]
    gold = json.loads(written[0].read_text(encoding="utf-8"))
    assert gold["report"] == "report" and gold["source"] == "report.txt"
    assert gold["fields"] == {**REVIEW_OK, "meta.template": "legacy", "requests.received": 24}
    assert gold["notes"]["requests.received"].startswith("corrected by bob at ")
    assert "extractor said 23" in gold["notes"]["requests.received"]
    assert gold["notes"]["review.other"].startswith("accepted by ann at ")
    assert validate_file(written[0], identity_violations) == []
    assert untouched and waiting  # neither was exported


def test_export_gold_explains_an_identity_the_report_itself_breaks(store: Store, tmp_path: Path) -> None:
    values = {**REVIEW_OK, "meta.template": "legacy", "review.total": 6}  # the report prints 2+1+2 = 6
    text = TEXT.replace("合计5件", "合计6件")
    report = done_report(store, b"r", values, text=text)
    assert store.reports.report(report)["pending_review"] == 4
    for key in ("review.total", "review.upheld", "review.corrected", "review.other"):
        store.decisions.decide(report, key, "accept", reviewer="ann")
    [path] = export_gold(store, tmp_path / "gold")
    gold = json.loads(path.read_text(encoding="utf-8"))
    assert "L-review[review] fails after review" in gold["notes"]["review.total"]
    assert [p for p in validate_file(path, identity_violations) if p.level == "error"] == []


def test_export_gold_names_are_safe_and_unique(store: Store, tmp_path: Path) -> None:
    ids = []
    for n, name in enumerate(["../../evil name.txt", "evil name.txt", None]):
        submission = store.reports.submit(f"report {n}".encode(), name)
        store.jobs.finish(store.jobs.claim("w"), build(submission.id, {**REVIEW_OK, "meta.template": "legacy"}))
        store.decisions.decide(submission.id, "review.total", "accept", reviewer="ann")
        ids.append(submission.id)
    out = tmp_path / "gold"
    names = sorted(p.name for p in export_gold(store, out))
    assert names == sorted(["evil-name.json", f"evil-name-{ids[1][:8]}.json", f"{ids[2]}.json"])
    assert {p.parent for p in out.iterdir()} == {out}
    for path in out.iterdir():
        assert [p for p in validate_file(path, identity_violations) if p.level == "error"] == []


def test_connections_of_finished_threads_go_back_to_the_pool(store: Store) -> None:
    def use() -> None:
        store.jobs.counts()

    threads = [threading.Thread(target=use) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.db.engine.pool.checkedout() == 0


def test_a_correction_that_mends_an_identity_failing_at_extraction_releases_its_fields(store: Store) -> None:
    """The extractor's values break L-review (5 ≠ 2 + 1 + 1): all four went to review at extraction. A person
    corrects the one wrong part; the other three leave review with the confidence they were found with."""
    broken = {**REVIEW_OK, "review.other": 1}
    text = TEXT.replace("其他2件", "其他1件")
    report = done_report(store, b"broken", broken, text=text)
    assert {item["key"] for item in store.decisions.queue()[0]} == {
        "review.total",
        "review.upheld",
        "review.corrected",
        "review.other",
    }
    reviewed = store.decisions.decide(report, "review.other", "correct", value=2, reviewer="ann")
    assert [c.status for c in reviewed.checks if c.id == "L-review[review]"] == ["pass"]
    assert store.decisions.queue()[1] == 0
    upheld = reviewed.fields["review.upheld"]
    assert (upheld.review, upheld.confidence, upheld.found_confidence) == (False, 0.93, None)
