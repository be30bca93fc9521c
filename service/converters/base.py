"""What every converter shares: the error it raises, what it returns, and the one text normalisation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "markdown", "html", "pdf"]


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class IngestError(Exception):
    """A report that cannot be read; ``code`` says why (empty, binary, too_large, unreadable, and for a
    PDF: encrypted, corrupt_pdf, no_text_layer)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Converted:
    """A converter's output: report text (before page chrome is stripped) and how it was read.

    ``layout`` (PDF only) maps each text offset to the character on the page it came from, so evidence
    can carry a page and a box; ``info`` is what provenance records (pages read, limits hit).
    """

    text: str
    kind: Kind
    encoding: str
    layout: Any = None  # a service.converters.pdf.PdfLayout (not imported: pdf.py builds on this module)
    warnings: tuple[str, ...] = ()
    info: dict = field(default_factory=dict)


SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]")
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """One line convention and one kind of space, so offsets never depend on the source's habits."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n").replace("\v", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = INVISIBLE.sub("", text)
    text = CONTROLS.sub("", text)
    return SPACES.sub(" ", text)


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")
