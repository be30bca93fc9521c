"""The input converters, and the one place that decides which reads a file.

A PDF is recognised by its ``%PDF-`` magic, whatever it is named; everything else is decoded as text
and read as HTML, Markdown or plain text by its name and its first tags. A file named ``.pdf`` that is
not a PDF is read by what it holds (with a warning), or rejected with a message saying so.
"""

from __future__ import annotations

import re
from pathlib import Path

from service.converters import pdf
from service.converters.base import Converted, IngestError, Kind
from service.converters.html import html_to_text
from service.converters.text import decode, plain_text

__all__ = ["Converted", "IngestError", "Kind", "convert"]

_HTML_SNIFF = re.compile(r"<(?:!doctype\s+html|html|head|body|table|div|meta|title|p)\b", re.I)


def convert(data: bytes, filename: str | None = None) -> Converted:
    """Report bytes → text, by what the bytes are (magic first, then the name)."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if pdf.is_pdf(data):
        return pdf.convert(data)
    try:
        raw, encoding = decode(data)
    except IngestError as exc:
        if suffix == ".pdf":
            raise IngestError(
                "corrupt_pdf", f"the file is named .pdf but is not a PDF (no %PDF- header): {exc}"
            ) from None
        raise
    kind = _kind(suffix, raw)
    text = html_to_text(raw) if kind == "html" else plain_text(raw)
    warnings = (f"the file is named {suffix} but holds {kind}; it was read as {kind}",) if suffix == ".pdf" else ()
    return Converted(text=text, kind=kind, encoding=encoding, warnings=warnings)


def _kind(suffix: str, text: str) -> Kind:
    if suffix in {".htm", ".html", ".xhtml", ".shtml"}:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    return "html" if _HTML_SNIFF.search(text[:1024].lstrip("\ufeff \t\r\n")[:1024]) else "text"
