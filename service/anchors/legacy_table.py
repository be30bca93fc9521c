"""The pre-2019 政府信息公开情况统计表: label, unit, number — one cell per line, space separated, or
(the Fujian variant) with the 本年度 and 历年累计 columns run together into one string of digits.

A glued pair is split only when the report settles it: cumulative ≥ this year, a row never exceeds its
parent row, or the prose states one of the candidate figures. Otherwise the cells go to review as
unresolved candidates.
"""

from __future__ import annotations

import re

from service.core import Document, Evidence, Findings, Found
from service.numbers import yuan_to_wan
from service.schema import FIELD_TYPES, Unresolved
from service.templates.legacy import LEGACY_PARENT, UNKEYED_CHANNEL_ROW, legacy_table_key

TABLE_START = re.compile(r"统\s*计\s*指\s*标|指\s*标\s*名\s*称")
TABLE_END = re.compile(r"填表日期|单位负责人|附件下载|填报人")
PARENTHETICAL = re.compile(r"[（(][^（()）\n]{0,80}[）)]")
ENUMERATOR = re.compile(r"\d(?=\s*[.．、]\s*[\u4e00-\u9fff])|[一二三四五六七八九十]{1,2}(?=\s*[)）、])")
HEADER_YEAR = re.compile(r"\d{4}\s*年度?")
# label, unit (a table may leave the 单位 column out), the 本年度 figure and perhaps 历年累计
ROW = re.compile(
    r"(?:(?P<unit>人次|万元|条|件|次|篇|个|人|元)[\s|]*)?"
    r"(?P<nums>\d+(?:\.\d+)?(?:[ \t|]+\d+(?:\.\d+)?)?)"
)


# a unit cell standing between two labels: the row before it has no figure (a blank cell)
UNIT_CELL = re.compile(r"(?<=[\s|])(?:人次|万元|条|件|次|篇|个|人|元)[\s|]+(?=\S*[\u4e00-\u9fff])")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def find(document: Document, stated: dict[str, set] | None = None) -> Findings:
    """``stated``: key → values the prose states, which may settle a glued 本年度/历年累计 run."""
    text, findings = document.text, Findings()
    start_match = TABLE_START.search(text)
    if not start_match:
        return findings
    end_match = TABLE_END.search(text, start_match.end())
    start, end = start_match.start(), end_match.start() if end_match else len(text)
    header = text[start : start + 120]
    two_columns = "累计" in header
    this_year_column = _this_year_column(header) if two_columns else 0
    region = text[start:end]
    for pattern in (PARENTHETICAL, ENUMERATOR, HEADER_YEAR):
        region = pattern.sub(_blank, region)

    block = "review"
    previous_end = 0
    rows: list[tuple[str, int, int, re.Match[str]]] = []
    for match in ROW.finditer(region):
        label_from, previous_end = previous_end, match.end()
        label = region[label_from : match.start()]
        # rows whose figure cell is blank print only their label and unit: the number belongs to the last row
        *blank_rows, label = UNIT_CELL.split(label)
        for blank in blank_rows:
            blank_key = legacy_table_key(blank, block)
            if blank_key in ("review.total", "litigation.total"):
                block = blank_key.split(".")[0]
        label_from = match.start() - len(label)
        label = re.sub(r"^[\s|:：]*(?:其中)?[\s|:：]*", "", label).rstrip()
        if UNKEYED_CHANNEL_ROW.search(label):
            findings.waived["L-channels"] = f"the table prints a channel row with no key of its own ({label[-12:]})"
        key = legacy_table_key(label, block)
        if key in ("review.total", "litigation.total"):
            block = key.split(".")[0]
        if key is None or key not in FIELD_TYPES:
            continue
        label_start = start + label_from + len(label) - len(label.lstrip())
        label_start = max(label_start, start + match.start() - 40)  # cite the row, not the table's header
        while text[label_start].isspace():
            label_start += 1
        rows.append((key, label_start, start + match.end(), match))

    settled: dict[str, int | float] = {}
    cumulative: dict[str, int] = {}
    glued: list[tuple[str, int, int, str]] = []
    for key, label_start, row_end, match in rows:
        if key in settled:
            continue
        tokens = re.split(r"[ \t|]+", match["nums"].strip())
        unit = match["unit"] or _unit_in_label(text[label_start : start + match.start()])
        if this_year_column and len(tokens) < 2:
            continue  # 历年累计 printed first and one run of digits: which part is this year's, nothing says
        if two_columns and len(tokens) == 1 and len(tokens[0]) > 1 and "." not in tokens[0]:
            glued.append((key, label_start, row_end, tokens[0]))
            continue
        value = _convert(key, tokens[this_year_column if len(tokens) > 1 else 0], unit)
        if value is None:
            continue
        settled[key] = value
        findings.found.append(Found(key, value, label_start, row_end, "table", "table-cell", extra={"table": "legacy"}))

    _settle_glued(text, findings, glued, settled, cumulative, stated or {})
    return findings


def _this_year_column(header: str) -> int:
    """Which of the two figure columns is this year's, by the header (指标名称 单位 历年累计 本年度 prints the
    cumulative figure first): 0 or 1."""
    cumulative = header.find("累计")
    this_year = re.search(r"本年度|本年|\d{4}\s*年度?", header)
    return 1 if this_year and 0 <= cumulative < this_year.start() else 0


def _settle_glued(
    text: str,
    findings: Findings,
    glued: list[tuple[str, int, int, str]],
    settled: dict[str, int | float],
    cumulative: dict[str, int],
    stated: dict[str, set],
) -> None:
    """Split each glued run only as far as the report settles it, repeating until nothing changes: a row
    never exceeds its parent row (in either column), and the prose may state this year's figure."""
    options = {key: _pair_splits(run) for key, _, _, run in glued}
    changed = True
    while changed:
        changed = False
        for key, label_start, row_end, run in glued:
            if key in settled:
                continue
            kept = [o for o in options[key] if _fits(key, o, settled, cumulative)]
            said = [o for o in kept if o[0] in stated.get(key, ())]
            if len(kept) > 1 and len(said) == 1:
                kept = said
            options[key] = kept
            if len(kept) == 1:
                settled[key], cumulative[key] = kept[0]
                findings.found.append(
                    Found(
                        key,
                        kept[0][0],
                        label_start,
                        row_end,
                        "table",
                        "table-split",
                        note=f"本年度/历年累计 run '{run}' split as {kept[0]}",
                        extra={"table": "legacy"},
                    )
                )
                changed = True
    for key, label_start, row_end, run in glued:
        if key not in settled:
            findings.unresolved.append(
                Unresolved(
                    keys=[key],
                    candidates=[[year] for year, _ in options[key][:12]],
                    evidence=Evidence(start=label_start, end=row_end, quote=text[label_start:row_end]),
                    reason=f"本年度 and 历年累计 printed as one run '{run}'; {len(options[key])} splits possible",
                )
            )


def _fits(key: str, option: tuple[int, int], settled: dict[str, int | float], cumulative: dict[str, int]) -> bool:
    year, cum = option
    parent = LEGACY_PARENT.get(key)
    if parent in settled and (year > settled[parent] or cum > cumulative.get(parent, cum)):
        return False
    for child, its_parent in LEGACY_PARENT.items():
        if its_parent == key and child in settled and (year < settled[child] or cum < cumulative.get(child, 0)):
            return False
    return True


def _pair_splits(run: str) -> list[tuple[int, int]]:
    """(本年度, 历年累计) splits of a digit run; the cumulative column is never below this year's."""
    options = []
    for cut in range(1, len(run)):
        head, tail = run[:cut], run[cut:]
        if (len(head) > 1 and head[0] == "0") or (len(tail) > 1 and tail[0] == "0"):
            continue
        if int(tail) >= int(head):
            options.append((int(head), int(tail)))
    return options


def _unit_in_label(label: str) -> str | None:
    """A row with no 单位 cell may name its unit in the label: 专项经费（万元）."""
    found = re.search(r"[（(]\s*(万元|元)\s*[）)]", label)
    return found.group(1) if found else None


def _convert(key: str, token: str, unit: str | None) -> int | float | None:
    kind = FIELD_TYPES[key]
    try:
        number = float(token) if "." in token else int(token)
    except ValueError:
        return None
    if kind == "wan":
        if unit is None:
            return None  # 元 or 万元? not said: no value rather than a guess
        return yuan_to_wan(number) if unit == "元" else float(number)
    if isinstance(number, float):
        return None
    return number
