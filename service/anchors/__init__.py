"""Deterministic finders. Each returns ``Found`` candidates (service.core); none of them imports the LLM
code."""

from __future__ import annotations


def in_pipe_row(text: str, at: int) -> bool:
    """Whether ``at`` lies in a pipe-table row (Markdown, or an HTML table as ingest renders it)."""
    return text[text.rfind("\n", 0, at) + 1 : at].lstrip().startswith("|")
