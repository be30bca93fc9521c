"""Gold export: every fully reviewed report as a GOLD.md file, so people's review becomes eval data."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from service.reviewing import Decision, effective_decisions, pending_items
from service.schema import Result
from service.storage.decisions import Decisions
from service.storage.engine import Database
from service.storage.schema import decisions, reports, results


class ReviewedStore(Protocol):
    """What the export reads: the database and the decisions (a ``Store``; named here, not imported, so the
    package ``service.storage`` and this module do not import each other)."""

    db: Database
    decisions: Decisions


def export_gold(store: ReviewedStore, out_dir: Path | str) -> list[Path]:
    """Write every fully reviewed report as a GOLD.md file; returns the files written.

    A report is exported when a person has made at least one accept/correct decision on it and
    nothing is left in its review queue. ``fields`` is the reviewed result: the values people
    accepted or corrected, plus the values the extractor was sure of (not in review), which the
    reviewer saw and let stand. ``notes`` record every decision (who, when, what the extractor
    said) and every identity that still fails after review (the report's own figures disagree).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reviewed_by_person = select(decisions.c.id).where(
        decisions.c.report_id == reports.c.id, decisions.c.action.in_(("accept", "correct"))
    )
    query = (
        select(reports.c.id, reports.c.filename)
        .join(results, results.c.report_id == reports.c.id)
        .where(results.c.pending == 0, reviewed_by_person.exists())
        .order_by(reports.c.submitted_at, reports.c.id)
    )
    with store.db.read() as conn:
        rows = conn.execute(query).all()
    written: list[Path] = []
    used: set[str] = set()
    for row in rows:
        reviewed, _ = store.decisions.reviewed(row.id)
        decided = store.decisions.history(row.id)
        if pending_items(reviewed):  # pragma: no cover - pending is kept in step with decisions
            continue
        name = _gold_name(row.filename, row.id, used)
        used.add(name)
        gold = {
            "report": name,
            "source": row.filename or row.id,
            "fields": {key: field.value for key, field in reviewed.fields.items()},
            "notes": _gold_notes(reviewed, decided),
        }
        if not gold["notes"]:
            del gold["notes"]
        path = out / f"{name}.json"
        path.write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _gold_name(filename: str | None, report_id: str, used: set[str]) -> str:
    """A safe file stem: the submitted file's stem when it is usable and unique, else the report id."""
    stem = re.sub(r"[^\w.-]+", "-", Path(filename).stem if filename else "").strip(".-")[:100]
    name = stem or report_id
    return f"{name}-{report_id[:8]}" if name in used else name


def _gold_notes(reviewed: Result, decisions: Sequence[Decision]) -> dict[str, str]:
    settled, _ = effective_decisions(decisions)
    notes: dict[str, str] = {}
    for key, decision in settled.items():
        who = f"{decision.reviewer} at {decision.decided_at}"
        if decision.action == "accept":
            notes[key] = f"accepted by {who}"
        elif decision.value is None:
            notes[key] = f"removed by {who}: the report does not state it (extractor said {decision.previous!r})"
        else:
            said = "no value" if decision.previous is None else repr(decision.previous)
            notes[key] = f"corrected by {who} (extractor said {said})"
    for check in reviewed.checks:
        if check.status == "fail" and check.keys:
            line = f"{check.id} fails after review ({check.message}): the report's own figures disagree"
            key = check.keys[0]
            notes[key] = f"{notes[key]}; {line}" if key in notes else line
    return notes
