"""What one eval run holds: the gold files read, one scored report each, and the run's scoreboards.

Its own module so that the harness (which fills runs) and the report renderers (which read them)
both import it and never each other.

**Each report once in the headline.** The same report may be labelled in two input forms (a plain-text
copy and the web page it came from). Counting both would count its labels twice and let one report's
tables dominate the micro-average. So a gold file that is a second form of another says so with
``"same_as": "<report-id>"``; when it does not, a gold file whose fields are identical to an earlier
file's (same title, same values) is treated the same way. The first form is scored in the headline
(micro, macro, per template); the second is a *format check* beside it: its own F1, shown per report
and per source form, never added to the headline.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from eval.score import FieldOutcome, Scoreboard, Stats, breakdown, scoreboard, summarize

# Source form by file suffix: what the harness reports "per source form".
FORMS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def source_form(source: str | None) -> str:
    if not source:
        return "unknown"
    return FORMS.get(Path(source).suffix.lower(), "other")


@dataclass(frozen=True)
class Gold:
    report: str
    source: str | None
    fields: dict[str, Any]
    path: Path
    same_as: str | None = None  # declared: this file is a second form of that report

    @property
    def template(self) -> str | None:
        template = self.fields.get("meta.template")
        return template if isinstance(template, str) else None


def second_forms(golds: list[Gold]) -> dict[str, str]:
    """report id → the report it is a second form of (declared ``same_as``, else identical fields)."""
    ids = {g.report for g in golds}
    firsts: dict[str, str] = {}  # a canonical rendering of the fields → the first report carrying them
    seconds: dict[str, str] = {}
    for gold in golds:
        if gold.same_as and gold.same_as in ids and gold.same_as != gold.report:
            seconds[gold.report] = gold.same_as
            continue
        fingerprint = repr(sorted(gold.fields.items(), key=lambda kv: kv[0]))
        if fingerprint in firsts:
            seconds[gold.report] = firsts[fingerprint]
        else:
            firsts[fingerprint] = gold.report
    return seconds


@dataclass
class ReportRun:
    report: str
    template: str
    source: str | None
    outcomes: list[FieldOutcome]
    ms: float | None = None
    error: str | None = None  # "stage: message" when the report could not be extracted
    llm: dict[str, Any] | None = None  # the model's usage for this report (provenance.llm), with --llm
    format_check_of: str | None = None  # a second form of this report: scored beside, not in, the headline

    @property
    def form(self) -> str:
        return source_form(self.source)

    @cached_property
    def stats(self) -> Stats:
        return summarize(self.outcomes)


@dataclass
class Run:
    label: str
    reports: list[ReportRun] = field(default_factory=list)

    @property
    def headline_reports(self) -> list[ReportRun]:
        return [r for r in self.reports if r.format_check_of is None]

    @property
    def format_checks(self) -> list[ReportRun]:
        return [r for r in self.reports if r.format_check_of is not None]

    @property
    def outcomes(self) -> list[FieldOutcome]:
        """The headline's outcomes: each report once."""
        return [o for r in self.headline_reports for o in r.outcomes]

    @cached_property
    def board(self) -> Scoreboard:
        """Overall, per template and per section over the headline; per report over every form."""
        board = scoreboard(self.outcomes)
        board.by_report = {r.report: r.stats for r in self.reports}  # every report a row, even an empty one
        return board

    @cached_property
    def by_form(self) -> dict[str, Stats]:
        """Per source form over every report, second forms included: how well each form is read."""
        everything = [o for r in self.reports for o in r.outcomes]
        form_of = {r.report: r.form for r in self.reports}
        return dict(sorted(breakdown(everything, lambda o: form_of[o.report]).items()))

    @cached_property
    def macro_f1(self) -> float | None:
        """Mean of the per-report F1 over the headline reports (None when no report has an F1)."""
        scores = [r.stats.f1 for r in self.headline_reports if r.stats.f1 is not None]
        return statistics.fmean(scores) if scores else None

    @cached_property
    def format_check_f1(self) -> float | None:
        """The lowest F1 of any second form (None when there is none)."""
        scores = [r.stats.f1 for r in self.format_checks]
        if not scores:
            return None
        return min(0.0 if s is None else s for s in scores)

    @property
    def timings(self) -> list[float]:
        return [r.ms for r in self.reports if r.ms is not None]

    @property
    def errors(self) -> list[ReportRun]:
        return [r for r in self.reports if r.error]

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.timings) if self.timings else None

    @property
    def total_ms(self) -> float:
        return sum(self.timings)
