"""Which keys the model is asked about: only what the anchors left empty or in review, and only keys
the report's template can hold.

Three jobs, one prompt each:
- ``prose``: metrics stated in running text (every template);
- ``table``: cells of the national template's tables 二/三/四 that were not decoded or are in review
  (gb2019 / gb2021 only);
- ``conflict``: keys whose finders disagree (the draft keeps the candidates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from service.checks import T4_BLOCKS, T4_CELLS, t3_rows
from service.schema import APPLICANT_COLUMNS, FIELD_TYPES, Result

Job = Literal["prose", "table", "conflict"]
JOBS: tuple[Job, ...] = ("conflict", "table", "prose")

LEGACY_PROSE_KEYS: tuple[str, ...] = tuple(
    key
    for key in FIELD_TYPES
    if key.split(".")[0]
    in ("active", "response", "requests", "review", "litigation", "complaints", "fees", "capacity", "training")
    and not key.startswith(
        (
            "active.rules.",
            "active.normative.",
            "active.licensing.",
            "active.other_services.",
            "active.penalty.",
            "active.coercion.",
            "active.fees.",
            "active.procurement.",
            "requests.by_applicant.",
            "requests.not_processed.",
            "requests.other_handling.",
            "litigation.direct.",
            "litigation.after_review.",
        )
    )
    and key
    not in (
        "requests.carried_over",
        "requests.needs_creation",
        "requests.processed_total",
        "requests.carried_forward",
        "review.pending",
        "litigation.pending",
        "requests.refused_reason.prohibited_by_law",
        "requests.refused_reason.third_party_rights",
        "requests.refused_reason.internal_affairs",
        "requests.refused_reason.process_info",
        "requests.refused_reason.enforcement_files",
        "requests.refused_reason.query_matters",
        "fees.notices",
        "fees.notices_amount",
    )
)
"""Keys a legacy report states in prose or in its statistics table."""

GB_PROSE_KEYS: tuple[str, ...] = (
    *(
        key
        for key in LEGACY_PROSE_KEYS
        if key.startswith(("active.", "response.", "complaints.", "fees.", "capacity.", "training."))
    ),
    "requests.refused",
    "litigation.total",
)
"""Keys a national-template report can only state outside its tables."""


def _cells(rows: tuple[str, ...], columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"active.{row}.{column}" for row in rows for column in columns)


TABLE_TWO: dict[str, tuple[str, ...]] = {
    "gb2021": (
        *_cells(("rules", "normative"), ("issued", "repealed", "in_force")),
        *_cells(("licensing", "penalty", "coercion"), ("decisions",)),
        "active.fees.amount",
    ),
    "gb2019": (
        *_cells(("rules", "normative"), ("new_made", "new_published", "total_published")),
        *_cells(("licensing", "other_services", "penalty", "coercion"), ("prev_items", "change", "decisions")),
        *_cells(("fees",), ("prev_items", "change")),
        *_cells(("procurement",), ("items", "amount")),
    ),
}


def table_keys(template: str) -> tuple[str, ...]:
    """Every cell key of tables 二, 三 and 四 for a national template, in printed order."""
    rows = t3_rows(template)
    three = tuple(f"requests.{row}" for row in rows) + tuple(
        f"requests.by_applicant.{column}.{row}" for column in APPLICANT_COLUMNS for row in rows
    )
    four = tuple(f"{block}.{cell}" for block in T4_BLOCKS for cell in T4_CELLS)
    return TABLE_TWO[template] + three + four


def table_of(key: str) -> str:
    """'二', '三' or '四': the national-template table a cell key belongs to."""
    if key.startswith("active."):
        return "二"
    if key.startswith("requests."):
        return "三"
    return "四"


@dataclass
class Scope:
    """Keys per job, and the keys the template cannot hold (never asked)."""

    keys: dict[Job, list[str]] = field(default_factory=dict)

    def all_keys(self) -> list[str]:
        return [key for job in JOBS for key in self.keys.get(job, [])]


def scope_of(draft: Result) -> Scope:
    """What to ask the model for this draft (see module doc)."""
    template = draft.template or "legacy"
    unresolved = {key for item in draft.unresolved for key in item.keys}

    def disputed(key: str) -> bool:
        field_ = draft.fields.get(key)
        return field_ is not None and bool(field_.candidates) and len(field_.candidates) > 1

    def open_(key: str) -> bool:
        field_ = draft.fields.get(key)
        return (field_ is None or field_.review or key in unresolved) and not disputed(key)

    if template in TABLE_TWO:
        prose_keys, cell_keys = GB_PROSE_KEYS, table_keys(template)
        if template == "gb2021":  # section 六 states the fee notices
            prose_keys += ("fees.notices", "fees.notices_amount")
    else:
        prose_keys, cell_keys = LEGACY_PROSE_KEYS, ()
    holdable = set(prose_keys) | set(cell_keys)
    scope = Scope()
    scope.keys["conflict"] = [key for key in FIELD_TYPES if key in holdable and disputed(key)]
    scope.keys["table"] = [key for key in cell_keys if open_(key)]
    scope.keys["prose"] = [key for key in prose_keys if open_(key) and key not in cell_keys]
    return scope
