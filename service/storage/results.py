"""Extraction results: the extractor's output as it came out, and the document text its evidence points into."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from service.schema import Result
from service.storage.engine import Database
from service.storage.errors import Conflict
from service.storage.reports import Reports, now
from service.storage.schema import results


def plain_value(result: Result, key: str) -> Any:
    field = result.fields.get(key)
    return field.value if field else None


def result_row(report_id: str, result: Result) -> dict[str, Any]:
    """The ``results`` row of a result (the text is stored beside it, not inside the JSON)."""
    return {
        "report_id": report_id,
        "result": result.model_copy(update={"text": None}).model_dump_json(),
        "text": result.text or "",
        "template": result.template,
        "issuer": plain_value(result, "meta.issuer"),
        "year": plain_value(result, "meta.year"),
        "extracted_at": now(),
    }


def save(conn: Connection, db: Database, row: dict[str, Any]) -> None:
    """Insert or replace a report's result row."""
    statement = db.insert(results).values(row)
    replace = {name: statement.excluded[name] for name in row if name != "report_id"}
    conn.execute(statement.on_conflict_do_update(index_elements=["report_id"], set_=replace))


def load(conn: Connection, report_id: str, *, lock: bool = False) -> tuple[Result, str] | None:
    """The stored result and text; ``lock`` holds the row until the transaction ends (PostgreSQL)."""
    query = select(results.c.result, results.c.text).where(results.c.report_id == report_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return (Result.model_validate_json(row.result), row.text) if row else None


class Results:
    def __init__(self, db: Database, reports: Reports) -> None:
        self.db = db
        self.reports = reports

    def result(self, report_id: str) -> tuple[Result, str]:
        """The extractor's result (as it came out) and the document text."""
        with self.db.read() as conn:
            stored = load(conn, report_id)
        if stored is None:
            status = self.reports.report(report_id)["status"]  # raises NotFound for an unknown id
            raise Conflict(f"report {report_id} has no result yet ({status})")
        return stored
