"""Merge candidates from every finder (tables, prose, header, model) into one value per key.

Tables win over prose, anchors win over the model, and any disagreement is kept as candidates and
sent to review: nothing is settled silently.
"""

from __future__ import annotations

from collections import defaultdict

from service.confidence import confidence_for, needs_review
from service.core import Check, Evidence, Found
from service.schema import FIELD_TYPES, Candidate, FieldValue, values_equal

SOURCE_RANK = {"human": 0, "table": 1, "header": 2, "prose": 3, "llm": 4, "derived": 5}
HOW_RANK = [
    "table-identity",
    "table-cell",
    "table-split",
    "table-layout",
    "header",
    "label-exact",
    "label-loose",
    "llm-exact",
    "llm-normalised",
    "llm-fuzzy",
]


same_value = values_equal  # the one equality rule (service.schema); store.py imports it by this name


def evidence_of(found: Found, text: str) -> Evidence:
    return Evidence(start=found.start, end=found.end, quote=text[found.start : found.end])


def _rank(found: Found) -> tuple[int, int, int]:
    return (SOURCE_RANK[found.source], HOW_RANK.index(found.how), found.start)


def merge(candidates: list[Found], text: str) -> tuple[dict[str, FieldValue], list[Check]]:
    """One FieldValue per key, plus an X-text / X-model check for every key whose finders disagree."""
    by_key: dict[str, list[Found]] = defaultdict(list)
    for found in candidates:
        by_key[found.key].append(found)

    fields: dict[str, FieldValue] = {}
    conflicts: list[Check] = []
    for key in [k for k in FIELD_TYPES if k in by_key]:
        ranked = sorted(by_key[key], key=_rank)
        best = ranked[0]
        agreeing = [f for f in ranked if same_value(key, f.value, best.value)]
        rivals = [f for f in ranked if not same_value(key, f.value, best.value)]
        sources = {f.source for f in agreeing}
        confidence = confidence_for(best.how, approximate=best.approximate, agreeing_sources=len(sources))
        field = FieldValue(
            value=best.value,
            approximate=best.approximate,
            confidence=confidence,
            review=needs_review(confidence),
            source=best.source,
            evidence=evidence_of(best, text),
            reason=best.note if needs_review(confidence) else None,
        )
        if best.extra.get("ambiguous"):
            field.review = True
            field.confidence = min(field.confidence, 0.5)
            field.reason = best.note
            field.candidates = [
                Candidate(value=v, source=best.source, evidence=evidence_of(best, text), note=best.how)
                for v in best.extra["ambiguous"]
            ]
        if rivals:
            field.candidates = [
                Candidate(value=f.value, source=f.source, evidence=evidence_of(f, text), note=f.how)
                for f in [best, *rivals]
            ]
            field.review = True
            field.confidence = min(field.confidence, 0.6)
            check_id = "X-model" if best.source != "llm" and rivals[0].source == "llm" else "X-text"
            if check_id == "X-text" and {best.source, rivals[0].source} == {"prose"}:
                check_id = "X-prose"
            field.reason = f"{check_id}: {best.source} says {best.value}, {rivals[0].source} says {rivals[0].value}"
            conflicts.append(
                Check(
                    id=check_id,
                    status="fail",
                    keys=[key],
                    message=f"{best.source} {best.value}, {rivals[0].source} {rivals[0].value}",
                )
            )
        fields[key] = field
    return fields, conflicts
