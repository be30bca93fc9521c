"""Results grouped by issuer and year: the year-by-year table and the cross-year checks of each body.

A year with more than one report (the .txt and the web page of one report, or a re-upload) keeps one,
the one with fewest fields in review, and lists the others; the ``compare`` JSON, the issuer pages, the
audit and the exports all read this one structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.panel.crossyear import YearCheck, check_years
from service.panel.issuers import Ambiguity, group
from service.panel.sources import Entry

# The metrics of the year table: what a reader of a panel compares first.
MAIN_METRICS: tuple[tuple[str, str], ...] = (
    ("active.total", "主动公开"),
    ("active.normative.in_force", "规范性文件 现行有效"),
    ("requests.received", "新收申请"),
    ("requests.carried_over", "上年结转"),
    ("requests.granted", "予以公开"),
    ("requests.partial", "部分公开"),
    ("requests.not_held", "不掌握"),
    ("requests.processed_total", "办理总计"),
    ("requests.carried_forward", "结转下年"),
    ("review.total", "行政复议"),
    ("litigation.direct.total", "直接起诉"),
    ("litigation.after_review.total", "复议后起诉"),
    ("litigation.total", "行政诉讼"),
)


@dataclass
class IssuerPanel:
    key: str
    names: set[str]
    by_year: dict[int, Entry]
    duplicates: dict[int, list[Entry]] = field(default_factory=dict)
    checks: list[YearCheck] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(self.by_year)

    @property
    def missing_years(self) -> list[int]:
        years = self.years
        return [y for y in range(years[0], years[-1] + 1) if y not in self.by_year] if years else []

    def value(self, year: int, key: str) -> Any:
        found = self.by_year[year].result.fields.get(key)
        return found.value if found else None

    def year_json(self, year: int) -> dict[str, Any]:
        entry = self.by_year[year]
        metrics = {}
        for key, _label in MAIN_METRICS:
            found = entry.result.fields.get(key)
            if found is not None:
                metrics[key] = {"value": found.value, "review": found.review}
        data: dict[str, Any] = {
            "report": entry.report,
            "issuer": entry.issuer,
            "template": entry.result.template,
            "metrics": metrics,
            "review": len(entry.result.review_keys()),
            "failed_checks": [c.id for c in entry.result.checks if c.status == "fail"],
        }
        if entry.link:
            data["link"] = entry.link
        if year in self.duplicates:
            data["also"] = [e.report for e in self.duplicates[year]]
        return data

    def as_json(self) -> dict[str, Any]:
        return {
            "issuer": self.key,
            "names": sorted(self.names),
            "years": {str(year): self.year_json(year) for year in self.years},
            "missing_years": self.missing_years,
            "checks": [c.as_json() for c in self.checks],
            "ambiguous": [{"keys": list(a.keys), "reason": a.reason} for a in self.ambiguous],
        }

    def check_grid(self) -> tuple[list[str], list[tuple[int, int]], dict[tuple[str, tuple[int, int]], YearCheck]]:
        """The checks as a grid: identity names (rows) × year pairs (columns) → the check."""
        names = list(dict.fromkeys(c.name for c in self.checks))
        pairs = sorted({c.years for c in self.checks})
        return names, pairs, {(c.name, c.years): c for c in self.checks}

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in ("pass", "fail", "skip")}


@dataclass
class Panel:
    issuers: list[IssuerPanel]
    unplaced: list[Entry]
    ambiguous: list[Ambiguity]

    def get(self, key: str) -> IssuerPanel | None:
        return next((p for p in self.issuers if p.key == key), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "issuers": [p.as_json() for p in self.issuers],
            "unplaced": [e.report for e in self.unplaced],
            "ambiguous": [{"keys": list(a.keys), "reason": a.reason} for a in self.ambiguous],
        }


def build_panel(entries: list[Entry]) -> Panel:
    """Group entries by issuer key and year and evaluate the cross-year identities of each issuer.

    Entries without an issuer or a year cannot be placed; they are listed, not guessed."""
    placed = [e for e in entries if e.issuer and e.year]
    unplaced = [e for e in entries if not (e.issuer and e.year)]
    keys, ambiguous = group(sorted({e.issuer for e in placed if e.issuer}))
    grouped: dict[str, dict[int, list[Entry]]] = {}
    for entry in placed:
        grouped.setdefault(keys[entry.issuer], {}).setdefault(entry.year, []).append(entry)  # type: ignore[index]
    panels = []
    for key in sorted(grouped):
        by_year: dict[int, Entry] = {}
        duplicates: dict[int, list[Entry]] = {}
        for year, found in grouped[key].items():
            ranked = sorted(found, key=lambda e: (len(e.result.review_keys()), -len(e.result.fields), e.report))
            by_year[year] = ranked[0]
            if len(ranked) > 1:
                duplicates[year] = ranked[1:]
        names = {e.issuer for found in grouped[key].values() for e in found if e.issuer}
        panel = IssuerPanel(key, names, dict(sorted(by_year.items())), duplicates)
        panel.checks = check_years(panel.by_year)
        panel.ambiguous = [a for a in ambiguous if key in a.keys]
        panels.append(panel)
    return Panel(panels, unplaced, ambiguous)
