"""Deterministic finders. Each returns ``Found`` candidates; none of them imports the LLM code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from service.schema import Source

# How a value was found, strongest first; confidence.py turns this into a number.
How = Literal[
    "table-identity",  # a template-table cell whose row/column identities hold
    "table-cell",  # a table cell read by its label, no identity to confirm it
    "table-split",  # a cell cut out of a run of digits by the identities
    "table-layout",  # a cell placed by header/label cells under a column mapping no identity confirmed
    "header",  # a labelled header line (发布时间: …, 标题: …)
    "label-exact",  # a FIELDS.md label right next to its number
    "label-loose",  # a looser wording or a zero word (无/未发生)
    "llm-exact",  # model value whose quote was found verbatim
    "llm-normalised",  # quote found after normalising digits/punctuation/whitespace
    "llm-fuzzy",  # quote found only approximately
]


@dataclass
class Found:
    """One candidate value for one key, with the span of text that shows it."""

    key: str
    value: Any
    start: int
    end: int
    source: Source
    how: How
    approximate: bool = False
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Findings:
    """What one finder (or all of them) produced for a document."""

    found: list[Found] = field(default_factory=list)
    unresolved: list[Any] = field(default_factory=list)  # service.schema.Unresolved
    warnings: list[str] = field(default_factory=list)
    waived: dict[str, str] = field(default_factory=dict)  # identity id → why the report cannot satisfy it

    def extend(self, other: Findings) -> None:
        self.found.extend(other.found)
        self.unresolved.extend(other.unresolved)
        self.warnings.extend(other.warnings)
        self.waived.update(other.waived)


def in_pipe_row(text: str, at: int) -> bool:
    """Whether ``at`` lies in a pipe-table row (Markdown, or an HTML table as ingest renders it)."""
    return text[text.rfind("\n", 0, at) + 1 : at].lstrip().startswith("|")
