"""The types every stage passes along, in one module that imports nothing of nianbao's.

A report is read into a ``Document``; finders return ``Found`` values (how they were found: ``How``)
grouped in ``Findings``; every value cites an ``Evidence`` span of ``Document.text``; an identity or a
disagreement between finders is a ``Check``. ``service.schema`` builds the result contract on these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

Source = Literal["table", "prose", "header", "llm", "derived", "human"]
DocumentKind = Literal["text", "markdown", "html", "pdf"]


@dataclass(frozen=True)
class Document:
    """One report as text: what every offset of every evidence span refers to.

    ``layout`` (PDF only, a ``service.converters.pdf.PdfLayout``) maps text offsets to page characters;
    ``warnings`` say what the reader could not read (pages over the limit, scanned pages); ``info`` goes to
    provenance."""

    id: str
    text: str
    kind: DocumentKind
    sha256: str
    encoding: str
    filename: str | None = None
    layout: Any = field(default=None, compare=False, repr=False)
    warnings: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Evidence(BaseModel):
    """A span of the document text; ``quote`` is exactly ``text[start:end]``.

    For a PDF also where the quote stands: ``page`` (1-based) and ``bbox`` ``[x0, y0, x1, y1]`` in PDF
    points from the page's top-left corner (y downwards). Absent for other inputs.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str
    page: int | None = Field(default=None, ge=1)
    bbox: tuple[float, float, float, float] | None = None


class Check(BaseModel):
    id: str
    status: Literal["pass", "fail", "skip"]
    keys: list[str]
    message: str = ""
    waived: bool = Field(default=False, description="skipped because the report cannot satisfy it (message says why)")


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
