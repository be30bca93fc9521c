"""Metrics stated in running prose ("全年共收到依申请公开信息3件，其中…同意公开数2件").

A label must sit in the same clause as its number, with no other number between them; each number is
claimed by at most one key (the most specific pattern, listed first, wins). Zero statements
(未发生, 无, 未收取任何费用) give 0 only for the metric they speak of.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from service.anchors import in_pipe_row
from service.core import Document, Findings, Found
from service.lexicon import (
    CHANNEL_WORDS,
    COUNT_UNITS,
    DEADLINE,
    GAP,
    LABEL_THEN_NUMBER,
    NOT_DISCLOSURE,
    NUM,
    NUMBER_THEN_LABEL,
    OUTCOME_NOT_CASE,
    RATE,
    REASON_IN_BRACKETS,
    REASON_KEYS,
    RUNNING_TOTAL,
    SHARED_CLAIMS,
    STOCK,
    SUB_SCOPE,
    TIGHT_GAP,
    UNITS_FOR,
    ZERO_STATEMENTS,
)
from service.numbers import parse_number, yuan_to_wan
from service.schema import FIELD_TYPES
from service.templates.registry import spec_for

_COMPILED = [(re.compile(f"(?P<label>{label}){GAP % gap}{NUM}"), key) for label, key, gap in LABEL_THEN_NUMBER]
_COMPILED_AFTER = [(re.compile(pattern + r"\s*(?:共)?"), key) for pattern, key in NUMBER_THEN_LABEL]
_COMPILED_ZERO = [(re.compile(pattern), key) for pattern, key in ZERO_STATEMENTS]


def find(document: Document, template: str | None = None) -> Findings:
    """Every metric the prose states, for the keys a report of ``template`` can hold."""
    text, findings = document.text, Findings()
    holds = spec_for(template).keys
    view, to_text = joined_view(text)
    claims: list[tuple[int, int, str]] = []

    def claim(key: str, start: int, end: int) -> bool:
        shared = SHARED_CLAIMS.get(key, set())
        if any(not (end <= s or start >= e) and other not in shared for s, e, other in claims):
            return False
        claims.append((start, end, key))
        return True

    def emit(key: str, value: object, start: int, end: int, how: str, **extra: object) -> None:
        if key not in holds:
            return  # a key of another template (制发规范性文件 is a table-二 cell only in gb2021)
        findings.found.append(
            Found(
                key,
                value,
                to_text(start),
                to_text(end - 1) + 1,
                "prose",
                how,  # type: ignore[arg-type]
                **extra,
            )
        )  # type: ignore[arg-type]

    for pattern, key in _COMPILED:
        if key not in holds:
            continue  # not this template's key: neither emitted nor claiming a number
        for match in pattern.finditer(view):
            value = _value(key, match["num"], match["unit"])
            if value is None or _not_this_metric(view, match, key) or not claim(key, *match.span("num")):
                continue
            gap = view[match.end("label") : match.start("num")]
            tight = (
                TIGHT_GAP.match(gap)
                and "等" not in match["label"]
                and not RUNNING_TOTAL.search(_clause_before(view, match.start("label")))
                and not _several_channels(view, match, key)
                and not _a_units_channel(view, match, key)
                and not KIND_OF_CONTENT.search(match["label"])  # 会议解读类信息50条: a kind, not the count
                and not _first_of_a_list(view, match)
                and not _one_channel_named(view, match, key)
            )
            emit(
                key,
                value[0],
                match.start("label"),
                match.end(),
                "label-exact" if tight else "label-loose",
                approximate=value[1],
            )
    for pattern, key in _COMPILED_AFTER:
        for match in pattern.finditer(view):
            if claim(key, *match.span("num")):
                emit(key, int(match["num"]), match.start(), match.end(), "label-exact")
    for match in REASON_IN_BRACKETS.finditer(view):
        emit(REASON_KEYS[match["why"]], int(match["num"]), match.start(), match.end(), "label-exact")
    table_three = _table_three_span(view) if template in ("gb2019", "gb2021") else (0, 0)
    for pattern, key in _COMPILED_ZERO:
        for match in pattern.finditer(view):
            if in_pipe_row(view, match.start()) or STOCK.search(_clause_before(view, match.end())):
                continue
            if table_three[0] <= match.start() < table_three[1]:
                continue  # 无正当理由逾期不补正…申请 is a row label of table 三, not a statement of zero
            if OUTCOME_NOT_CASE.search(match.group() + view[match.end() : match.end() + 4]):
                continue  # 未发生…被行政复议纠错 speaks of outcomes, not of the number of cases
            if not any(f.key == key and f.source == "prose" for f in findings.found):
                emit(
                    key,
                    0.0 if key == "fees.collected" else 0,
                    match.start(),
                    match.end(),
                    "label-loose",
                    note="a zero stated in words",
                )
    return findings


def _table_three_span(view: str) -> tuple[int, int]:
    """Where table 三 of a national template is printed: its row labels are not prose."""
    from service.anchors.gb_tables import T3_LAST_ROW, T3_START

    first = T3_START.search(view)
    if not first:
        return (0, 0)
    last = T3_LAST_ROW.search(view, first.end())
    return (first.start(), last.end() if last else first.end())


BREAK_INSIDE_SENTENCE = re.compile(r"(?<=[^\s。：:|])\n(?=[^\s|])")


def joined_view(text: str) -> tuple[str, Callable[[int], int]]:
    """The text with line breaks inside a sentence removed (PDF conversions break lines mid-word),
    and a function mapping a view position back to the original offset."""
    removed_at = [m.start() - n for n, m in enumerate(BREAK_INSIDE_SENTENCE.finditer(text))]
    return BREAK_INSIDE_SENTENCE.sub("", text), lambda i: i + bisect_right(removed_at, i)


def _not_this_metric(view: str, match: re.Match[str], key: str) -> bool:
    """Readings that name the metric but do not state this report's figure for it."""
    if DEADLINE.match(view, match.end()) or in_pipe_row(view, match.start()):
        return True  # 15个工作日内 is a time limit; table rows belong to the table finders
    if view[: match.start("num")].rstrip().endswith("计") and re.match(r"\s*[)）]", view[match.end() :]):
        return True  # (不同方式回应同一热点或舆情计1次): a counting rule in a table label
    clause = _clause_before(view, match.start("label"))
    if STOCK.search(clause):
        return True  # counted up to a date or over several years
    if RATE.search(clause[-12:] + view[match.start("label") : match.start("num")]):
        return True  # 日均发布信息3条: a rate, not the year's count
    if SUB_SCOPE.search(re.split(r"[，,、]", clause)[-1] + match["label"]):
        return True  # a part of the body (县直各单位), not the whole scope
    return (
        key.startswith(("requests.received", "requests.channel"))
        and "公开" not in match["label"]
        and NOT_DISCLOSURE.search(_sentence(view, match.start())) is not None
    )  # 审批窗口受理申请


KIND_OF_CONTENT = re.compile(r"(?<!各)类")
LIST_GOES_ON = re.compile(r"、[^。；;，,\d]{1,14}?\d")


def _first_of_a_list(view: str, match: re.Match[str]) -> bool:
    """公开政府信息88条、规范性文件2条、…: the first item of a list of categories, which may be one kind
    among several rather than the whole (a person decides)."""
    return LIST_GOES_ON.match(view, match.end()) is not None


def _one_channel_named(view: str, match: re.Match[str], key: str) -> bool:
    """通过区政府门户网站…发布主动公开信息183条: a total said of one channel may be that channel's count."""
    if key != "active.total":
        return False
    at = match.start("label")
    said = _clause_before(view, at) + view[at : match.start("num")]
    channels = {"微信" if word == "公众号" else word for word in CHANNEL_WORDS.findall(said)}
    return len(channels) == 1 and "等" not in said


UNITS_CHANNEL = re.compile(
    r"[\u4e00-\u9fff]{1,8}(?:局|委|厅|办|中心|院|所|站)(?:门户)?(?:网站|政务微博|微博|政务微信|微信)"
)


def _a_units_channel(view: str, match: re.Match[str], key: str) -> bool:
    """A channel named as one department's (教育局网站, 卫健委微信) in a report that may speak for a whole
    region: that unit's figure, or the report's own if the unit is the issuer — a person decides. A channel
    figure names its channel just before it; a total may be said sentences after (在州地税局网站开设专栏…
    共发布各类信息819条)."""
    at = match.start("label")
    if key == "active.total":
        return UNITS_CHANNEL.search(view, _sentence_start(view, at), match.start("num")) is not None
    if not key.startswith("active.channels."):
        return False
    return UNITS_CHANNEL.search(_clause_before(view, at)[-12:] + view[at : match.start("num")]) is not None


def _several_channels(view: str, match: re.Match[str], key: str) -> bool:
    """A channel figure said of two channels at once (微信公众号、政务微博发布信息1378条): their sum, which
    a person should look at before it is filed under one of them."""
    if not key.startswith("active.channels."):
        return False
    before = re.split(r"[，,()（）\d]", _clause_before(view, match.start("label")))[-1]  # this clause only
    said = before[-20:] + view[match.start("label") : match.start("num")]
    channels = {"微信" if word == "公众号" else word for word in CHANNEL_WORDS.findall(said)}
    return len(channels) > 1


def _sentence_start(view: str, at: int) -> int:
    return max(view.rfind("。", max(0, at - 200), at), max(0, at - 200) - 1) + 1


def _sentence(view: str, at: int) -> str:
    start = _sentence_start(view, at)
    end = view.find("。", at)
    return view[start : end if end >= 0 else len(view)]


def _clause_before(view: str, at: int) -> str:
    """The text of the sentence before ``at`` (at most 60 characters): where scope words sit."""
    window = max(0, at - 60)
    start = max(window - 1, *(view.rfind(mark, window, at) for mark in "。；;\n")) + 1
    return view[start:at]


def _value(key: str, raw: str, unit: str) -> tuple[int | float, bool] | None:
    parsed = parse_number(raw)
    if parsed is None:
        return None
    allowed = UNITS_FOR.get(key, COUNT_UNITS)
    if unit not in allowed:
        return None
    if FIELD_TYPES.get(key) == "wan":
        value = yuan_to_wan(parsed.value) if unit == "元" else float(parsed.value)
        return value, parsed.approximate
    if isinstance(parsed.value, float) or parsed.value < 0:
        return None
    return parsed.value, parsed.approximate or unit == "余条"
