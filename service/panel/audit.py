"""A batch audited as a whole: per report, what is wrong with it next to its neighbours.

One row per report: the identities it fails within itself, the cross-year identities it takes part in
and breaks, the sections of its template it does not fill, the values that changed by more than a
factor of 10 from the same issuer's previous year, and how much is in review. Rows sort by any column.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from service.panel.panel import Panel
from service.schema import section_of

# The sections each template prints (tables 二, 三, 四 of the national templates).
EXPECTED_SECTIONS = {
    "gb2021": ("active", "requests", "review", "litigation"),
    "gb2019": ("active", "requests", "review", "litigation"),
    "legacy": ("active", "requests"),
}
JUMP_FACTOR = 10
COLUMNS = (
    "report",
    "issuer",
    "year",
    "template",
    "failed_checks",
    "broken_crossyear",
    "missing_sections",
    "jumps",
    "review",
    "same_as",
)


@dataclass
class AuditRow:
    report: str
    issuer: str
    year: int
    template: str
    failed_checks: list[str] = field(default_factory=list)
    broken_crossyear: list[str] = field(default_factory=list)
    missing_sections: list[str] = field(default_factory=list)
    jumps: list[str] = field(default_factory=list)
    review: int = 0
    same_as: str = ""
    link: str | None = None

    def problems(self) -> int:
        return len(self.failed_checks) + len(self.broken_crossyear) + len(self.missing_sections) + len(self.jumps)

    def flat(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("link")
        return {k: "; ".join(v) if isinstance(v, list) else v for k, v in data.items()}


def audit(panel: Panel) -> list[AuditRow]:
    """One row per report; a second report of the same issuer and year (``same_as`` names the one the
    panel uses) gets its own row but takes no part in the cross-year checks."""
    rows: list[AuditRow] = []
    for issuer in panel.issuers:
        for year in issuer.years:
            chosen = issuer.by_year[year]
            for entry in [chosen, *issuer.duplicates.get(year, [])]:
                result = entry.result
                row = AuditRow(entry.name, issuer.key, year, result.template or "", link=entry.link)
                row.failed_checks = sorted({c.id for c in result.checks if c.status == "fail"})
                present = {section_of(key) for key in result.fields}
                expected = EXPECTED_SECTIONS.get(result.template or "", ())
                row.missing_sections = [s for s in expected if s not in present]
                if year - 1 in issuer.by_year:
                    row.jumps = jumps(issuer.by_year[year - 1].result.values(), result.values())
                row.review = len(result.review_keys()) + len(result.unresolved)
                if entry is chosen:
                    row.broken_crossyear = [
                        f"{c.name} {c.years[0]}→{c.years[1]}"
                        for c in issuer.checks
                        if c.status == "fail" and year in c.years
                    ]
                else:
                    row.same_as = chosen.name
                rows.append(row)
    return rows


def jumps(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Keys whose value grew or shrank by more than ``JUMP_FACTOR`` (both years non-zero numbers)."""
    found = []
    for key, now in current.items():
        before = previous.get(key)
        if not _number(now) or not _number(before) or before == 0 or now == 0:
            continue
        ratio = now / before
        if ratio > JUMP_FACTOR or ratio < 1 / JUMP_FACTOR:
            found.append(f"{key} {before}→{now}")
    return found


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def sort_rows(rows: list[AuditRow], column: str, descending: bool = False) -> list[AuditRow]:
    """Lists sort by how many items they hold, the rest by value; unknown columns sort by problems."""
    if column not in COLUMNS:
        return sorted(rows, key=lambda r: (-r.problems(), r.issuer, r.year))

    def key(row: AuditRow) -> Any:
        value = getattr(row, column)
        return len(value) if isinstance(value, list) else value

    return sorted(rows, key=key, reverse=descending)


def write_csv(rows: list[AuditRow], out: TextIO) -> None:
    """The audit as CSV, one row per report, lists joined with "; "."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(row.flat() for row in rows)
