"""The identities of FIELDS.md, in one place: the table solver, the result checks and the gold
validator all evaluate these same definitions.

An identity says ``total == sum(parts)``. It passes or fails when every key is present, and is skipped
otherwise — except that parts already adding up to more than the total is a failure in any case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.core import Check
from service.schema import APPLICANT_COLUMNS, FIELD_TYPES
from service.templates.national import TABLE_FOUR_BLOCKS, TABLE_FOUR_CELLS
from service.templates.registry import TEMPLATES, spec_for


def t3_rows(template: str) -> tuple[str, ...]:
    """Table 三 row keys (after ``requests.``) in printed order for a national template."""
    return spec_for(template).table_three_rows


T3_COLUMN_PREFIXES = ("requests.", *tuple(f"requests.by_applicant.{c}." for c in APPLICANT_COLUMNS))
# Table 四 is the same in both national templates.
T4_BLOCKS = tuple(block.key for block in TABLE_FOUR_BLOCKS)
T4_CELLS = tuple(cell.key for cell in TABLE_FOUR_CELLS)


@dataclass(frozen=True)
class Identity:
    id: str
    total: tuple[str, ...]
    parts: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.total + self.parts


def _t3_identities(template: str) -> list[Identity]:
    found: list[Identity] = []
    outcome_rows = t3_rows(template)[2:-2]
    for prefix in T3_COLUMN_PREFIXES:
        col = prefix.rstrip(".").removeprefix("requests").lstrip(".") or "总计"
        found.append(
            Identity(
                f"T3-balance[{col}]",
                (prefix + "received", prefix + "carried_over"),
                (prefix + "processed_total", prefix + "carried_forward"),
            )
        )
        found.append(
            Identity(f"T3-outcomes[{col}]", (prefix + "processed_total",), tuple(prefix + row for row in outcome_rows))
        )
    for row in t3_rows(template):
        found.append(
            Identity(
                f"T3-columns[{row}]",
                ("requests." + row,),
                tuple(f"requests.by_applicant.{c}.{row}" for c in APPLICANT_COLUMNS),
            )
        )
    return found


def _t4_identities() -> list[Identity]:
    return [
        Identity(f"T4-blocks[{block}]", (f"{block}.total",), tuple(f"{block}.{cell}" for cell in T4_CELLS[:-1]))
        for block in T4_BLOCKS
    ]


LEGACY_REFUSED = tuple(
    f"requests.refused_reason.{name}"
    for name in ("state_secret", "commercial_secret", "privacy", "security_stability", "not_gov_info", "other_law")
)

LEGACY_IDENTITIES = [
    Identity(
        "L-channels",
        ("requests.received",),
        tuple(f"requests.channel.{c}" for c in ("in_person", "fax", "online", "letter", "other")),
    ),
    Identity("L-completed", ("requests.completed",), ("requests.completed_on_time", "requests.completed_extended")),
    Identity(
        "L-answers",
        ("requests.answered",),
        tuple(
            "requests." + k
            for k in (
                "already_public",
                "granted",
                "partial",
                "refused",
                "not_held",
                "not_exist",
                "unclear",
                "other_route",
            )
        ),
    ),
    Identity("L-refused", ("requests.refused",), LEGACY_REFUSED),
    Identity("L-review[review]", ("review.total",), ("review.upheld", "review.corrected", "review.other")),
    Identity(
        "L-review[litigation]", ("litigation.total",), ("litigation.upheld", "litigation.corrected", "litigation.other")
    ),
]
STAFF_IDENTITY = Identity("L-staff", ("capacity.staff",), ("capacity.staff_full_time", "capacity.staff_part_time"))


def identities_for(template: str | None) -> list[Identity]:
    """The identities that apply to a report written in ``template``."""
    spec = spec_for(template)
    if spec.is_national:
        return [*_t3_identities(spec.name), *_t4_identities(), STAFF_IDENTITY]
    return [*LEGACY_IDENTITIES, STAFF_IDENTITY]


for _identity in [i for name in TEMPLATES for i in identities_for(name)]:
    assert all(key in FIELD_TYPES for key in _identity.keys), _identity


def evaluate(identity: Identity, values: Mapping[str, float | int]) -> Check:
    present = [key for key in identity.keys if isinstance(values.get(key), (int, float))]
    total = sum(values[k] for k in identity.total if k in present)
    parts = sum(values[k] for k in identity.parts if k in present)
    all_total = all(k in present for k in identity.total)
    if len(present) == len(identity.keys):
        ok = abs(total - parts) < 1e-6
        return Check(
            id=identity.id,
            status="pass" if ok else "fail",
            keys=list(identity.keys),
            message="" if ok else f"{_fmt(total)} ≠ {_fmt(parts)} (sum of parts)",
        )
    if all_total and present and parts > total + 1e-6:
        return Check(
            id=identity.id, status="fail", keys=present, message=f"parts already sum to {_fmt(parts)} > {_fmt(total)}"
        )
    return Check(
        id=identity.id,
        status="skip",
        keys=list(identity.keys),
        message=f"{len(identity.keys) - len(present)} of {len(identity.keys)} values absent",
    )


def run_checks(
    values: Mapping[str, object], template: str | None, waived: Mapping[str, str] | None = None
) -> list[Check]:
    """Evaluate every identity for ``template`` on plain values; ``waived`` identities (id → reason, e.g. the
    table prints a channel row that has no key) are reported as skipped."""
    numeric = {k: v for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    checks = []
    for identity in identities_for(template):
        if waived and identity.id in waived:
            checks.append(
                Check(id=identity.id, status="skip", keys=list(identity.keys), message=waived[identity.id], waived=True)
            )
        else:
            checks.append(evaluate(identity, numeric))
    return checks


def identity_violations(values: Mapping[str, object], template: str | None) -> list[Check]:
    """Only the failed identities (used by the gold validator)."""
    return [check for check in run_checks(values, template) if check.status == "fail"]


def keys_in_failed(checks: Iterable[Check]) -> set[str]:
    return {key for check in checks if check.status == "fail" for key in check.keys}


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
