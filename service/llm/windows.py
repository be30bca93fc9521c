"""The parts of the report text the model is shown: windows around the wordings of the keys asked,
the template table a cell belongs to, or the evidence of disputed candidates — never the whole report.

Windows overlap-merge, and the keys of one job are packed into as few calls as the per-call size
limit allows. A key none of whose wordings (nor its group's words) occurs in the text is not asked:
the report most likely does not state it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.lexicon import group_terms, search_terms
from service.llm.scope import Job, table_of
from service.schema import Result

SECTION_START = {
    "二": re.compile(r"二\s*[、.．]\s*主动公开政府信息情况"),
    "三": re.compile(r"三\s*[、.．]\s*收到和处理政府信息公开申请情况"),
    "四": re.compile(r"四\s*[、.．]\s*政府信息公开行政\S{0,2}复议"),
}
SECTION_END = re.compile(r"[五六七]\s*[、.．]\s*(?:存在|政府信息公开工作存在|其他需要报告|主要问题)|存在的主要问题")


@dataclass(frozen=True)
class WindowSettings:
    before: int = 80  # characters shown before a wording
    after: int = 160  # ... and after it (numbers follow their label)
    merge_gap: int = 40  # windows closer than this are shown as one
    hits_per_term: int = 3  # a wording found more often only shows its first hits
    hits_per_group_term: int = 2  # the same for the broad group words
    section_chars: int = 6000  # a template table section is cut after this many characters
    call_chars: int = 6000  # text shown in one call, at most
    call_keys: int = 60  # keys asked in one call, at most


@dataclass
class Call:
    """One request to the model: a job, its keys and the text windows they need."""

    job: Job
    keys: list[str]
    windows: list[tuple[int, int]] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(end - start for start, end in self.windows)


def merge_spans(spans: list[tuple[int, int]], gap: int = 0) -> list[tuple[int, int]]:
    """Sorted, overlap-merged spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _around(text: str, terms: tuple[str, ...], cfg: WindowSettings, hits: int) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        for n, match in enumerate(re.finditer(re.escape(term), text)):
            if n >= hits:
                break
            spans.append((max(0, match.start() - cfg.before), min(len(text), match.end() + cfg.after)))
    return spans


def section_span(text: str, table: str, cfg: WindowSettings) -> tuple[int, int] | None:
    """Heading of template table ``table`` up to the next section heading (capped)."""
    start_match = SECTION_START[table].search(text)
    if start_match is None:
        return None
    start = start_match.start()
    ends = [
        m.start()
        for name, pattern in SECTION_START.items()
        if name > table
        for m in [pattern.search(text, start_match.end())]
        if m
    ]
    end_match = SECTION_END.search(text, start_match.end())
    if end_match:
        ends.append(end_match.start())
    end = min([*ends, len(text), start + cfg.section_chars])
    return start, end


def key_spans(text: str, job: Job, key: str, draft: Result, cfg: WindowSettings) -> list[tuple[int, int]]:
    """The text a key needs: its table section, its candidates' evidence, or its wordings."""
    if job == "table":
        section = section_span(text, table_of(key), cfg)
        if section:
            return [section]
    if job == "conflict":
        field_ = draft.fields.get(key)
        spans = (
            [
                (max(0, c.evidence.start - cfg.before), min(len(text), c.evidence.end + cfg.after))
                for c in (field_.candidates or [])
                if c.evidence
            ]
            if field_
            else []
        )
        if spans:
            return merge_spans(spans, cfg.merge_gap)
    spans = _around(text, search_terms(key), cfg, cfg.hits_per_term) or _around(
        text, group_terms(key), cfg, cfg.hits_per_group_term
    )
    return merge_spans(spans, cfg.merge_gap)


def _total(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


def plan_calls(
    text: str, job: Job, keys: list[str], draft: Result, cfg: WindowSettings
) -> tuple[list[Call], list[str]]:
    """Pack keys (in catalogue order) into calls within the size limits; return the calls and the keys
    left out because the text never mentions them."""
    calls: list[Call] = []
    absent: list[str] = []
    current: Call | None = None
    for key in keys:
        spans = key_spans(text, job, key, draft, cfg)
        if not spans:
            absent.append(key)
            continue
        spans = _fit(spans, cfg.call_chars)
        if current is not None:
            union = merge_spans(current.windows + spans, cfg.merge_gap)
            if _total(union) <= cfg.call_chars and len(current.keys) < cfg.call_keys:
                current.keys.append(key)
                current.windows = union
                continue
        current = Call(job=job, keys=[key], windows=spans)
        calls.append(current)
    return calls, absent


def _fit(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Keep the first spans that fit in ``limit`` characters (cut the last one)."""
    kept: list[tuple[int, int]] = []
    room = limit
    for start, end in spans:
        if room <= 0:
            break
        kept.append((start, min(end, start + room)))
        room -= kept[-1][1] - start
    return kept
