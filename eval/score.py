"""Scoring of predictions against gold, as GOLD.md "Scoring" defines it.

Pure functions on plain values, so the numbers can be checked by hand in tests and the harness,
the CLI and any notebook score exactly the same way.

Zero denominators never raise: a rate whose denominator is 0 is ``None`` (shown as "n/a").
F1 is computed as 2·correct / (2·correct + missed + spurious + 2·wrong), which equals the harmonic
mean of precision and recall whenever both exist, is 0.0 when nothing is correct, and is ``None``
only when there is neither gold nor prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from service.schema import FIELD_TYPES, Result, section_of, values_equal

__all__ = ["values_equal"]  # scoring's equality is the extractor's (service.schema.values_equal)

Outcome = Literal["correct", "missed", "spurious", "wrong"]
OUTCOMES: tuple[Outcome, ...] = ("correct", "missed", "spurious", "wrong")


@dataclass(frozen=True)
class Predicted:
    """What the scorer needs from one predicted field."""

    value: Any
    review: bool = False
    quote: str | None = None


@dataclass(frozen=True)
class FieldOutcome:
    report: str
    template: str
    key: str
    outcome: Outcome
    predicted: Any = None
    gold: Any = None
    review: bool | None = None  # None for missed fields: nothing was predicted
    quote: str | None = None

    @property
    def section(self) -> str:
        return section_of(self.key)


# --------------------------------------------------------------------------- per report


def predictions_from_result(result: Result) -> dict[str, Predicted]:
    """The scorer's view of an extraction result: value, review flag and the evidence to show."""
    predicted: dict[str, Predicted] = {}
    for key, fv in result.fields.items():
        if fv.evidence is not None:
            quote = fv.evidence.quote
        elif fv.derived_from:
            quote = "derived from " + ", ".join(fv.derived_from)
        else:
            quote = None
        predicted[key] = Predicted(fv.value, fv.review, quote)
    return predicted


def score_report(
    report: str,
    gold: Mapping[str, Any],
    predicted: Mapping[str, Predicted],
    template: str | None = None,
) -> list[FieldOutcome]:
    """One outcome per key in the union of gold and predicted keys, in catalogue order."""
    template = template or "unknown"
    order = {key: i for i, key in enumerate(FIELD_TYPES)}
    keys = sorted(set(gold) | set(predicted), key=lambda k: (order.get(k, len(order)), k))
    outcomes = []
    for key in keys:
        pred = predicted.get(key)
        if pred is None:
            outcomes.append(FieldOutcome(report, template, key, "missed", gold=gold[key]))
            continue
        if key not in gold:
            outcome: Outcome = "spurious"
        elif values_equal(key, pred.value, gold[key]):
            outcome = "correct"
        else:
            outcome = "wrong"
        outcomes.append(
            FieldOutcome(report, template, key, outcome, pred.value, gold.get(key), pred.review, pred.quote)
        )
    return outcomes


# --------------------------------------------------------------------------- aggregates


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Stats:
    """Counts of outcomes plus the review counts; every rate is derived, ``None`` when undefined."""

    correct: int = 0
    missed: int = 0
    spurious: int = 0
    wrong: int = 0
    auto: int = 0  # predicted fields not sent to review
    auto_correct: int = 0
    reviewed: int = 0  # predicted fields sent to review
    errors_reviewed: int = 0  # wrong + spurious fields sent to review

    def add(self, outcome: FieldOutcome) -> None:
        setattr(self, outcome.outcome, getattr(self, outcome.outcome) + 1)
        if outcome.outcome == "missed":
            return
        if outcome.review:
            self.reviewed += 1
            if outcome.outcome != "correct":
                self.errors_reviewed += 1
        else:
            self.auto += 1
            if outcome.outcome == "correct":
                self.auto_correct += 1

    @property
    def gold(self) -> int:
        return self.correct + self.missed + self.wrong

    @property
    def predicted(self) -> int:
        return self.correct + self.spurious + self.wrong

    @property
    def errors(self) -> int:
        return self.wrong + self.spurious

    @property
    def precision(self) -> float | None:
        return _ratio(self.correct, self.predicted)

    @property
    def recall(self) -> float | None:
        return _ratio(self.correct, self.gold)

    @property
    def f1(self) -> float | None:
        # = 2PR/(P+R): the denominators of P and R added; a wrong field counts in both.
        return _ratio(2 * self.correct, 2 * self.correct + self.missed + self.spurious + 2 * self.wrong)

    @property
    def auto_accept_precision(self) -> float | None:
        """correct / (correct + wrong + spurious) among the predicted fields *not* in review."""
        return _ratio(self.auto_correct, self.auto)

    @property
    def review_load(self) -> float | None:
        return _ratio(self.reviewed, self.predicted)

    @property
    def catch_rate(self) -> float | None:
        """Share of wrong + spurious fields that were sent to review."""
        return _ratio(self.errors_reviewed, self.errors)

    def to_dict(self) -> dict[str, Any]:
        counts = asdict(self)
        rates = {name: getattr(self, name) for name in RATE_NAMES}
        return {**counts, "gold": self.gold, "predicted": self.predicted, "errors": self.errors, **rates}


RATE_NAMES = ("f1", "precision", "recall", "auto_accept_precision", "review_load", "catch_rate")


def summarize(outcomes: Iterable[FieldOutcome]) -> Stats:
    stats = Stats()
    for outcome in outcomes:
        stats.add(outcome)
    return stats


def breakdown(outcomes: Iterable[FieldOutcome], by: Callable[[FieldOutcome], str]) -> dict[str, Stats]:
    """Stats per group, groups in first-seen order."""
    groups: dict[str, Stats] = {}
    for outcome in outcomes:
        groups.setdefault(by(outcome), Stats()).add(outcome)
    return groups


@dataclass
class Scoreboard:
    """Everything the report shows: the overall stats and the three breakdowns."""

    overall: Stats
    by_template: dict[str, Stats] = field(default_factory=dict)
    by_section: dict[str, Stats] = field(default_factory=dict)
    by_report: dict[str, Stats] = field(default_factory=dict)


def scoreboard(outcomes: list[FieldOutcome]) -> Scoreboard:
    section_order = {name: i for i, name in enumerate(dict.fromkeys(section_of(k) for k in FIELD_TYPES))}
    by_section = breakdown(outcomes, lambda o: o.section)
    by_section = dict(sorted(by_section.items(), key=lambda kv: (section_order.get(kv[0], 99), kv[0])))
    return Scoreboard(
        overall=summarize(outcomes),
        by_template=dict(sorted(breakdown(outcomes, lambda o: o.template).items())),
        by_section=by_section,
        by_report=breakdown(outcomes, lambda o: o.report),
    )


def fmt_rate(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
