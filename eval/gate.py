"""The accuracy gate: which numbers of a run must reach which limit, and what n/a means for each.

A gate that passes when quality collapses measures nothing, so a required number that is n/a fails:
auto-accept precision is n/a when every field went to review, F1 when nothing was scored. Only the
error catch rate may be n/a (no errors, nothing to catch) without failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from eval.runs import Run


@dataclass(frozen=True)
class Limit:
    option: str  # the argparse dest, e.g. "min_f1"
    name: str  # what the number is called in messages
    read: Callable[[Run], float | None]
    bound: Literal["min", "max"]
    na_passes: bool  # True only where n/a means "nothing to measure", never "everything failed"
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.option.replace("_", "-")


LIMITS = (
    Limit("min_f1", "f1", lambda r: r.board.overall.f1, "min", False, "micro F1 over the headline"),
    Limit("min_macro_f1", "macro_f1", lambda r: r.macro_f1, "min", False, "mean per-report F1 over the headline"),
    Limit(
        "min_auto_precision",
        "auto_accept_precision",
        lambda r: r.board.overall.auto_accept_precision,
        "min",
        False,
        "precision of the fields not sent to review",
    ),
    Limit(
        "min_catch_rate",
        "catch_rate",
        lambda r: r.board.overall.catch_rate,
        "min",
        True,
        "share of wrong + spurious fields sent to review",
    ),
    Limit(
        "max_review_load",
        "review_load",
        lambda r: r.board.overall.review_load,
        "max",
        False,
        "share of predicted fields sent to review",
    ),
    Limit(
        "min_format_f1",
        "format_check_f1",
        lambda r: r.format_check_f1,
        "min",
        True,
        "lowest F1 of a second form of a report (format checks)",
    ),
)


def gate_failures(run: Run, limits: dict[str, float | None]) -> tuple[list[str], list[str]]:
    """(failures, notes) for the limits given; a required number that is n/a is a failure."""
    failures, notes = [], []
    for limit in LIMITS:
        bound = limits.get(limit.option)
        if bound is None:
            continue
        value = limit.read(run)
        if value is None:
            message = f"{limit.name} is n/a; {limit.flag} {bound}"
            if limit.na_passes:
                notes.append(message + " not checked (nothing to measure)")
            else:
                failures.append(message + " requires a value")
        elif limit.bound == "min" and value < bound:
            failures.append(f"{limit.name} {value:.3f} < {limit.flag} {bound}")
        elif limit.bound == "max" and value > bound:
            failures.append(f"{limit.name} {value:.3f} > {limit.flag} {bound}")
    return failures, notes
