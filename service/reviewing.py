"""Applying review decisions to a result: what a person said, on top of what the extractor found.

The extractor's result is stored as it came out; decisions are appended (never updated) and the
*reviewed* result is computed from both (``apply_decisions``), so the machine's answer and every human
judgement stay on record. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from service.checks import identities_for, run_checks
from service.pipeline import mark_failed_checks, release_fixed_checks
from service.reconcile import same_value
from service.schema import FIELD_TYPES, Candidate, Evidence, FieldValue, Result

Action = Literal["accept", "correct", "skip"]


@dataclass(frozen=True)
class Decision:
    id: int
    report_id: str
    key: str
    action: Action
    value: Any
    evidence: tuple[int, int] | None
    previous: Any
    reviewer: str
    decided_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "action": self.action,
            "value": self.value,
            "evidence": {"start": self.evidence[0], "end": self.evidence[1]} if self.evidence else None,
            "previous": self.previous,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at,
        }


def effective_decisions(decisions: Sequence[Decision]) -> tuple[dict[str, Decision], set[str]]:
    """The last accept/correct per key, and the keys whose latest word is a skip."""
    settled: dict[str, Decision] = {}
    skipped: set[str] = set()
    for decision in sorted(decisions, key=lambda d: d.id):
        if decision.action == "skip":
            if decision.key not in settled:
                skipped.add(decision.key)
        else:
            settled[decision.key] = decision
            skipped.discard(decision.key)
    return settled, skipped


def apply_decisions(result: Result, text: str, decisions: Sequence[Decision]) -> Result:
    """The reviewed result: human values applied, checks re-run, fields of failed identities in review.

    - accept: the value stays, now confident (1.0) and out of review — only while the extractor still
      gives the value that was accepted (a re-extraction that changed it voids the accept);
    - correct: the human value replaces the extractor's (source "human"); the extractor's value is
      kept among the candidates; a correction to ``None`` removes the key (the report does not state it);
    - skip: nothing changes; the field stays in review, at the end of the queue.
    Decided fields are never sent back to review by a failed identity: when every value of an identity
    was confirmed by a person and it still fails, the report itself is inconsistent.
    """
    reviewed = result.model_copy(deep=True)
    settled, _ = effective_decisions(decisions)
    applied: set[str] = set()
    for key, decision in settled.items():
        field = reviewed.fields.get(key)
        if decision.action == "accept":
            if field is None or not same_value(key, field.value, decision.value):
                continue
            field.review, field.confidence, field.reason = False, 1.0, None
        elif decision.value is None:
            reviewed.fields.pop(key, None)
        else:
            candidates = list(field.candidates or []) if field else []
            if field is not None and not any(same_value(key, c.value, field.value) for c in candidates):
                candidates.insert(
                    0,
                    Candidate(
                        value=field.value, source=field.source, evidence=field.evidence, note="the extractor's value"
                    ),
                )
            evidence = None
            if decision.evidence:
                start, end = decision.evidence
                evidence = Evidence(start=start, end=end, quote=text[start:end])
            reviewed.fields[key] = FieldValue(
                value=decision.value,
                confidence=1.0,
                review=False,
                source="human",
                evidence=evidence,
                candidates=candidates or None,
            )
        applied.add(key)
    reviewed.fields = {key: reviewed.fields[key] for key in FIELD_TYPES if key in reviewed.fields}

    template_field = reviewed.fields.get("meta.template")
    if template_field and template_field.value in ("gb2021", "gb2019", "legacy"):
        reviewed.template = template_field.value
    identity_ids = {identity.id for identity in identities_for(reviewed.template)}
    conflicts = [check for check in result.checks if check.id not in identity_ids and not set(check.keys) <= applied]
    values = {key: field.value for key, field in reviewed.fields.items()}
    waived = {check.id: check.message for check in result.checks if check.waived}
    reviewed.checks = conflicts + run_checks(values, reviewed.template, waived)
    undecided = {k: f for k, f in reviewed.fields.items() if k not in applied}
    release_fixed_checks(undecided, reviewed.checks)
    mark_failed_checks(undecided, reviewed.checks)

    remaining = []
    for item in reviewed.unresolved:
        keys = [key for key in item.keys if key not in applied]
        if keys:
            remaining.append(item.model_copy(update={"keys": keys}))
    reviewed.unresolved = remaining
    return reviewed


def pending_items(reviewed: Result) -> list[tuple[str, FieldValue | None, str | None]]:
    """What still needs a person: fields in review, and unresolved keys nobody has decided."""
    items: list[tuple[str, FieldValue | None, str | None]] = [
        (key, field, field.reason) for key, field in reviewed.fields.items() if field.review
    ]
    seen = {key for key, _, _ in items}
    for unresolved in reviewed.unresolved:
        for key in unresolved.keys:
            if key not in seen and key not in reviewed.fields:
                items.append((key, None, f"unresolved: {unresolved.reason}"))
                seen.add(key)
    return items
