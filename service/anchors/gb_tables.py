"""Tables 二, 三 and 四 of the 2019 and 2021 national templates, in every shape seen so far.

The template fixes the order of the rows and columns, so a table can be read as a stream of numbers
even when PDF conversion has detached the labels or glued the cells into one run of digits
("713000074" is 71,3,0,0,0,0,74). A run is split by searching every split that satisfies the
table's own identities — per row (总计 = Σ applicant columns) while decoding, and per column
(balance, outcomes) over the whole table at once. A reading the identities do not settle is never
chosen silently: its cells go to review with the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, islice

from service.anchors import in_pipe_row, table_layout
from service.checks import T4_BLOCKS, T4_CELLS, run_checks, t3_rows
from service.core import Document, Evidence, Findings, Found
from service.lexicon import printed
from service.schema import APPLICANT_COLUMNS, Unresolved
from service.templates.national import TABLE_FOUR_BLOCKS, TABLE_FOUR_CELLS, TABLE_THREE_COLUMNS, TABLE_THREE_START
from service.templates.registry import national, table_three_row_words

MAX_PARSES = 64
BLANK = ""

T3_START = printed(TABLE_THREE_START)
T3_LAST_ROW = printed("结转下年度继续办理")
T4_HEADING = re.compile(r"行政\S{0,2}复议")
T4_END = re.compile(r"[五六七]\s*[、.．]\s*(?:存在的|政府信息公开工作存在|其他需要报告)|存在的主要问题")
ENUMERATOR = re.compile(r"\d(?=\s*[.．、]\s*[\u4e00-\u9fff“\"])")
NUMBER = re.compile(r"\d+")


@dataclass
class Chunk:
    """A run of digits as printed (possibly several glued cells), or a blank table cell."""

    digits: str
    start: int
    end: int
    glued: bool = True  # a run of digits in flattened text may hold several cells; a table cell holds one


@dataclass
class Cell:
    value: int | None
    start: int
    end: int


# --------------------------------------------------------------------------- tokenising


def _pipe_lines(text: str, start: int, end: int) -> list[re.Match[str]]:
    return [m for m in re.finditer(r"(?m)^[ \t]*\|.*$", text[:end]) if m.start() >= start]


def chunks_in(text: str, start: int, end: int, width: int) -> list[Chunk]:
    """The numeric cells of a table region: pipe-table cells when the region is a pipe table, else runs of
    digits in the flattened text (row enumerators such as the 2 of ``2.重复申请`` removed)."""
    lines = _pipe_lines(text, start, end)
    if len(lines) >= 3:
        return [chunk for line in lines for chunk in _pipe_row(line, width)]
    chunks: list[Chunk] = []
    region = ENUMERATOR.sub(" ", text[start : end + 3])[: end - start]  # (the label after the end decides)
    region = re.sub(r"\d{4}\s*年", lambda m: " " * len(m.group()), region)  # years are never cells
    for match in NUMBER.finditer(region):
        chunks.append(Chunk(match.group(), start + match.start(), start + match.end()))
    return chunks


PIPE_CELL = re.compile(r"(?<=\|)[^|\n]*(?=\|)")


def _pipe_row(line: re.Match[str], width: int) -> list[Chunk]:
    """The data cells of one pipe row: every cell after its last label cell, a blank one being an empty
    table cell. A row of blanks narrower than the table is layout; trailing blanks beyond the table's
    width come from an over-wide header row."""
    cells = [
        (cell.group().strip(), line.start() + cell.start() + len(cell.group()) - len(cell.group().lstrip()))
        for cell in PIPE_CELL.finditer(line.group())
    ]
    labels = [i for i, (value, _) in enumerate(cells) if value and not value.isdigit()]
    data = cells[labels[-1] + 1 :] if labels else cells
    row = [
        Chunk(value, at, at + len(value), glued=False) if value else Chunk(BLANK, at, at, glued=False)
        for value, at in data
    ]
    while len(row) > width and row[-1].digits == BLANK:
        row.pop()
    if all(chunk.digits == BLANK for chunk in row) and len(row) < width:
        return []
    return row


# --------------------------------------------------------------------------- splitting runs


def _splits(digits: str, parts: int) -> Iterator[list[int]]:
    """Every way to cut ``digits`` into ``parts`` numbers without leading zeros."""
    if parts == 1:
        if digits and (digits[0] != "0" or len(digits) == 1):
            yield [int(digits)]
        return
    for cut in range(1, len(digits) - parts + 2):
        head = digits[:cut]
        if head[0] == "0" and cut > 1:
            break
        for rest in _splits(digits[cut:], parts - 1):
            yield [int(head), *rest]


def _rows(chunks: list[Chunk], width: int, row_ok, count: int) -> list[list[list[Cell]]]:
    """All readings of the chunk stream as ``count`` rows of ``width`` cells with ``row_ok(row)`` true.

    A row ends at the end of a chunk; a chunk may hold several cells, and a blank chunk is one empty cell.
    Trailing chunks after the last row are ignored (the region end is approximate).
    """
    memo: dict[tuple[int, int], list[list[list[Cell]]]] = {}

    def row_options(index: int) -> Iterator[tuple[list[Cell], int]]:
        def extend(i: int, cells: list[Cell]) -> Iterator[tuple[list[Cell], int]]:
            if len(cells) == width:
                if row_ok(cells):
                    yield cells, i
                return
            if i >= len(chunks):
                return
            chunk = chunks[i]
            if chunk.digits == BLANK:
                yield from extend(i + 1, [*cells, Cell(None, chunk.start, chunk.end)])
                return
            room = width - len(cells) if chunk.glued else 1
            for parts in range(1, min(room, len(chunk.digits)) + 1):
                for values in _splits(chunk.digits, parts):
                    new = _cells_of(chunk, values)
                    yield from extend(i + 1, cells + new)

        yield from extend(index, [])

    def solve(index: int, remaining: int) -> list[list[list[Cell]]]:
        if remaining == 0:
            return [[]]
        key = (index, remaining)
        if key in memo:
            return memo[key]
        readings: list[list[list[Cell]]] = []
        for row, next_index in row_options(index):
            for rest in solve(next_index, remaining - 1):
                readings.append([row, *rest])
                if len(readings) >= MAX_PARSES:
                    break
            if len(readings) >= MAX_PARSES:
                break
        memo[key] = readings
        return readings

    return solve(0, count)


def _cells_of(chunk: Chunk, values: list[int]) -> list[Cell]:
    cells, offset = [], chunk.start
    for value in values:
        width = len(str(value))
        cells.append(Cell(value, offset, offset + width))
        offset += width
    return cells


def _sum_row(cells: list[Cell]) -> bool:
    """Table 三 rows: the 总计 column equals the six applicant columns (unknown when a cell is blank)."""
    values = [c.value for c in cells]
    if any(v is None for v in values):
        return True
    return sum(values[:-1]) == values[-1]


def _block_rows(cells: list[Cell]) -> bool:
    """Table 四 as one row of three blocks: each block's 总计 equals its four outcomes."""
    for block in range(3):
        values = [c.value for c in cells[block * 5 : block * 5 + 5]]
        if None not in values and sum(values[:4]) != values[4]:
            return False
    return True


# --------------------------------------------------------------------------- table 三


def t3_keys(template: str) -> list[list[str]]:
    """Row-major keys of table 三: six applicant columns then 总计."""
    rows = []
    for row in t3_rows(template):
        rows.append([f"requests.by_applicant.{c}.{row}" for c in APPLICANT_COLUMNS] + [f"requests.{row}"])
    return rows


def find_table_three(document: Document, template: str) -> Findings:
    text, findings = document.text, Findings()
    start_match = T3_START.search(text)
    if not start_match:
        return findings
    last = T3_LAST_ROW.search(text, start_match.end())
    heading = T4_HEADING.search(text, last.end() if last else start_match.end())
    end = heading.start() if heading else min(len(text), start_match.end() + 8000)
    start = _line_start_if_pipe(text, start_match.start())
    by_layout = _t3_by_layout(document, start, end, template)
    if by_layout is not None and by_layout.confirmed and by_layout.complete:
        findings.extend(by_layout.findings)
        return findings
    chunks = chunks_in(text, start, end, 7)
    keys = t3_keys(template)
    readings = _rows(chunks, 7, _sum_row, len(keys))
    if by_layout is not None and not _holds(readings, keys, template):
        findings.extend(by_layout.findings)  # the cells as the labels place them (in review unless confirmed)
        return findings
    if not readings:
        other = "gb2019" if template == "gb2021" else "gb2021"
        readings = _rows(chunks, 7, _sum_row, len(t3_keys(other)))
        # the other template's rows count only if its column identities hold too: a table with a row
        # left out can also be read as the shorter template, shifted by a row
        readings = [reading for failed, reading in _scored(readings, t3_keys(other), other) if failed == 0]
        if not readings:
            findings.warnings.append(
                f"table 三 found but its {len(chunks)} numbers do not decode into "
                f"{len(keys)} rows of 7 under the row identities; reading it row by row"
            )
            findings.extend(_rows_by_label(document, start, end, template))
            return findings
        # the rows are those of the other template's table 三 (（六）其他处理 as one row or three)
        findings.warnings.append(f"table 三 has the rows of the {other} template, not {template}")
        template, keys = other, t3_keys(other)
    _emit_readings(document, findings, readings, keys, template, "table 三")
    return findings


@dataclass
class ByLayout:
    """Table cells read by their header and label cells (service.anchors.table_layout)."""

    findings: Findings
    confirmed: bool
    complete: bool  # every expected row was found by its label


def _holds(readings: list[list[list[Cell]]], keys: list[list[str]], template: str) -> bool:
    """Whether the positional decoding has a reading that satisfies every identity."""
    return bool(readings) and min(failed for failed, _ in _scored(readings, keys, template)) == 0


def _read_layout(
    document: Document,
    start: int,
    end: int,
    keys: list[list[str]],
    row_specs: list[re.Pattern[str] | None],
    column_specs: list[re.Pattern[str]],
    template: str,
    table: str,
) -> ByLayout | None:
    """Read a pipe table by its labels and turn the layout into findings: auto-accepted only when the
    identities confirm the column mapping, every cell in review (with the candidates) otherwise."""
    grid = table_layout.pipe_grid(document.text, start, end)
    if len(grid) < 2:
        return None

    def failures(values: dict[tuple[int, int], float | int]) -> int:
        named = {keys[r][c]: value for (r, c), value in values.items()}
        return sum(check.status == "fail" for check in run_checks(named, template))

    layout = table_layout.read(grid, row_specs, column_specs, failures)
    if layout is None:
        return None
    findings = Findings()
    text = document.text
    for (r, c), placed in sorted(layout.values.items()):
        if placed.value is None:
            continue
        line_start = text.rfind("\n", 0, placed.cell.start) + 1
        line_end = text.find("\n", placed.cell.end)
        line_end = len(text) if line_end < 0 else line_end
        row_end = line_start + len(text[line_start:line_end].rstrip(" |"))  # the row, label to last cell
        found = Found(
            keys[r][c],
            placed.value,
            line_start,
            row_end,
            "table",
            "table-identity" if layout.confirmed else "table-layout",
            note=None if layout.confirmed else f"{table}: {layout.note}",
            extra={"table": table, "row": r, "column": c},
        )
        options = layout.alternatives.get((r, c))
        if options:
            found.extra["ambiguous"] = sorted({placed.value, *(o for o in options if o is not None)})
        findings.found.append(found)
    if layout.note and (layout.dropped or layout.transposed or not layout.confirmed):
        findings.warnings.append(f"{table}: {layout.note}")
    rows_found = {r for r, _ in layout.values}
    return ByLayout(findings, layout.confirmed, len(rows_found) == len(keys))


def _t3_by_layout(document: Document, start: int, end: int, template: str) -> ByLayout | None:
    rows = t3_rows(template)
    row_specs: list[re.Pattern[str] | None] = [re.compile(T3_ROW_WORDS[row]) for row in rows]
    column_specs = [re.compile(T3_COLUMN_WORDS[column]) for column in (*APPLICANT_COLUMNS, "total")]
    return _read_layout(document, start, end, t3_keys(template), row_specs, column_specs, template, "table 三")


def _t4_by_layout(document: Document, start: int, end: int, template: str) -> ByLayout | None:
    """Table 四 as one row of fifteen cells under two header rows, or as three block rows of five."""
    cells = [re.compile(T4_CELL_WORDS[cell]) for cell in T4_CELLS]
    wide = [
        re.compile(f"(?={T4_BLOCK_WORDS[block]})(?=.*(?:{T4_CELL_WORDS[cell]}))")
        for block in T4_BLOCKS
        for cell in T4_CELLS
    ]
    keys = [[f"{block}.{cell}" for block in T4_BLOCKS for cell in T4_CELLS]]
    one_row = _read_layout(document, start, end, keys, [None], wide, template, "table 四")
    if one_row is not None:
        return one_row
    block_rows: list[re.Pattern[str] | None] = [re.compile(T4_BLOCK_WORDS[block]) for block in T4_BLOCKS]
    keys = [[f"{block}.{cell}" for cell in T4_CELLS] for block in T4_BLOCKS]
    return _read_layout(document, start, end, keys, block_rows, cells, template, "table 四")


# Words that name each table-三 row, for reading a table whose rows cannot all be found in order.
T3_ROW_WORDS: dict[str, str] = table_three_row_words()
# Header words of table 三's columns and of table 四's blocks and cells (service.templates.national).
T3_COLUMN_WORDS: dict[str, str] = {column.key: column.word for column in TABLE_THREE_COLUMNS}
T4_BLOCK_WORDS: dict[str, str] = {block.key: block.word for block in TABLE_FOUR_BLOCKS}
T4_CELL_WORDS: dict[str, str] = {cell.key: cell.word for cell in TABLE_FOUR_CELLS}


def _rows_by_label(document: Document, start: int, end: int, template: str) -> Findings:
    """Fallback for a table 三 whose rows do not all decode in order (a row left out, stray numbers, rows
    printed without cells): each row label in turn, and the digits between it and the next label, decoded
    on their own. Only rows whose seven cells add up are kept.

    They go to review, unless the table holds together after all: every row label found, every row either
    printed blank or decoded in exactly one way with no digit left over, and every identity holding with
    the blank rows as the zeros they add (a blank cell itself stays absent)."""
    text, findings = document.text, Findings()
    positions: list[tuple[int, int, str]] = []
    at = start
    for row in t3_rows(template):
        match = re.compile(T3_ROW_WORDS[row]).search(text, at, end)
        if match:
            positions.append((match.start(), match.end(), row))
            at = match.end()
    rows: list[tuple[list[str], list[Cell]]] = []
    blank_rows: list[list[str]] = []
    clean = len(positions) == len(t3_rows(template))
    for (_, label_end, row), following in zip(positions, [*positions[1:], (end, end, "")], strict=True):
        keys = [f"requests.by_applicant.{c}.{row}" for c in APPLICANT_COLUMNS] + [f"requests.{row}"]
        chunks = chunks_in(text, label_end, following[0], 7)
        if not chunks:
            blank_rows.append(keys)
            continue
        readings = _distinct(_rows(chunks, 7, _sum_row, 1))
        if len(readings) != 1:
            clean = False
            continue
        clean = clean and max(cell.end for cell in readings[0][0]) == chunks[-1].end  # nothing left over
        rows.append((keys, readings[0][0]))
    values = {key: cell.value for keys, cells in rows for key, cell in zip(keys, cells, strict=True)}
    values = {key: value for key, value in values.items() if value is not None}
    if clean and rows:
        with_zeros = {**values, **{key: 0 for keys in blank_rows for key in keys}}
        checks = run_checks(with_zeros, template)
        clean = not any(c.status == "fail" for c in checks) and any(c.status == "pass" for c in checks)
    for keys, cells in rows:
        for key, cell in zip(keys, cells, strict=True):
            if cell.value is not None:
                findings.found.append(
                    Found(
                        key,
                        cell.value,
                        *_row_span(text, cells),
                        "table",
                        "table-identity" if clean else "label-loose",
                        note=None if clean else "table 三 read row by row: its rows do not all decode in order",
                        extra={"table": "table 三"},
                    )
                )
    if clean and blank_rows:
        findings.warnings.append(f"table 三: {len(blank_rows)} rows printed without cells (blank, not read as 0)")
    return findings


def _line_start_if_pipe(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1 if in_pipe_row(text, at) else at


def _scored(
    readings: list[list[list[Cell]]], keys: list[list[str]], template: str
) -> list[tuple[int, list[list[Cell]]]]:
    """Each reading with the number of identities (over the whole table) its values fail."""
    scored = []
    for reading in readings:
        values = {
            key: cell.value
            for row, row_keys in zip(reading, keys, strict=True)
            for key, cell in zip(row_keys, row, strict=True)
            if cell.value is not None
        }
        scored.append((sum(check.status == "fail" for check in run_checks(values, template)), reading))
    return scored


def _emit_readings(
    document: Document,
    findings: Findings,
    readings: list[list[list[Cell]]],
    keys: list[list[str]],
    template: str,
    table: str,
) -> None:
    """Keep the readings whose column identities fail least; emit the cells they agree on."""
    scored = _scored(readings, keys, template)
    best = min(failed for failed, _ in scored)
    survivors = _distinct([reading for failed, reading in scored if failed == best])
    how = "table-identity" if best == 0 else "table-split"
    for r, row_keys in enumerate(keys):
        for c, key in enumerate(row_keys):
            options = {survivor[r][c].value for survivor in survivors}
            cell = survivors[0][r][c]
            if cell.value is None:
                continue  # a blank cell is absent
            span = _row_span(document.text, survivors[0][r])
            found = Found(key, cell.value, *span, "table", how, extra={"table": table, "row": r, "column": c})
            if len(options) > 1:
                found.how = "table-split"
                found.note = (
                    f"{table}: {len(survivors)} readings satisfy the identities; "
                    f"this cell could be {sorted(o for o in options if o is not None)}"
                )
                found.extra["ambiguous"] = sorted(o for o in options if o is not None)
            elif best:
                found.note = f"{table}: no reading satisfies every column identity"
            findings.found.append(found)


def _distinct(readings: list[list[list[Cell]]]) -> list[list[list[Cell]]]:
    seen, unique = set(), []
    for reading in readings:
        signature = tuple(cell.value for row in reading for cell in row)
        if signature not in seen:
            seen.add(signature)
            unique.append(reading)
    return unique


def _row_span(text: str, row: list[Cell]) -> tuple[int, int]:
    """The row's digits plus the label just before them, cut at a line start or at the previous digit."""
    start = min(cell.start for cell in row)
    end = max(cell.end for cell in row)
    back = start
    while back > 0 and start - back < 40 and text[back - 1] not in "\n0123456789":
        back -= 1
    return back, end


# --------------------------------------------------------------------------- table 四


def find_table_four(document: Document, template: str) -> Findings:
    text, findings = document.text, Findings()
    anchor = T3_LAST_ROW.search(text) or T3_START.search(text)
    heading = T4_HEADING.search(text, anchor.end() if anchor else 0)
    if not heading:
        return findings
    stop = T4_END.search(text, heading.end())
    end = stop.start() if stop else min(len(text), heading.end() + 1500)
    by_layout = _t4_by_layout(document, heading.start(), end, template)
    if by_layout is not None and by_layout.confirmed:
        findings.extend(by_layout.findings)
        return findings
    chunks = chunks_in(text, heading.start(), end, 15)
    keys = [[f"{block}.{cell}" for block in T4_BLOCKS for cell in T4_CELLS]]
    readings = _rows(chunks, 15, _block_rows, 1)
    if by_layout is not None and not _holds(readings, keys, template):
        findings.extend(by_layout.findings)
        return findings
    if not readings:
        as_printed = _as_printed(chunks, 15)
        if as_printed is None:
            findings.warnings.append(f"table 四 found but its {len(chunks)} numbers do not decode into 15 cells")
            return findings
        readings = [as_printed]  # the report's own totals do not add up: its cells as printed, for review
    _emit_readings(document, findings, readings, keys, template, "table 四")
    return findings


def _as_printed(chunks: list[Chunk], width: int) -> list[list[Cell]] | None:
    """A one-row table printed with every cell apart — exactly ``width`` numbers, none blank — whose own
    totals break an identity: the one reading its printing gives, so the figures reach review (the failed
    identity holds them there) instead of being dropped."""
    if len(chunks) != width or any(not chunk.digits.isdigit() for chunk in chunks):
        return None
    return [[Cell(int(chunk.digits), chunk.start, chunk.end) for chunk in chunks]]


# --------------------------------------------------------------------------- table 二

T2_ROWS = {spec.name: [row.as_tuple() for row in spec.table_two] for spec in national()}
T2_START = re.compile(r"第二十条\s*第\s*[（(]\s*一\s*(?:[）)]\s*项|项\s*[）)])")  # 第(一)项, or 第(一项)
T2_ROW_LABELS = sorted(
    {row.printed or row.label for spec in national() for row in spec.table_two}
    | {row.label for spec in national() for row in spec.table_two},
    key=len,
    reverse=True,
)
T2_BOUNDARY = re.compile(r"第二十条|信息内容|" + "|".join(map(re.escape, T2_ROW_LABELS)) + r"|[一二三四]\s*、")
T2_VALUE = re.compile(r"[-－]?\d+(?:\.\d+)?\s*(?:万元|元)?")


def find_table_two(document: Document, template: str, stated: dict[str, set] | None = None) -> Findings:
    """``stated``: key → values the prose states, which may settle a row printed as one run of digits."""
    text, findings = document.text, Findings()
    start_match = T2_START.search(text)
    t3 = T3_START.search(text)
    if not start_match:
        return findings
    end = t3.start() if t3 and t3.start() > start_match.start() else min(len(text), start_match.end() + 3000)
    rows = []
    for label, prefix, columns in T2_ROWS[template]:
        label_match = _t2_label(text, label, start_match.start(), end)
        if label_match is None:
            continue
        label_at, label_end = label_match.span()
        boundary = T2_BOUNDARY.search(text, label_end, end)
        stop = boundary.start() if boundary else end
        if in_pipe_row(text, label_at):  # a table row's cells end with its line (a footnote [1] below is not one)
            line_end = text.find("\n", label_end)
            stop = min(stop, line_end if line_end >= 0 else end)
        values = [m for m in T2_VALUE.finditer(text, label_end, stop) if m.group().strip()]
        rows.append((label_at, [f"{prefix}.{column}" for column in columns], values))
    # a row printed with no cells at all shows the table leaves cells blank: then a glued run may hold
    # fewer cells than the row has columns, and no split of it is settled by counting
    blanks = any(not values for _, _, values in rows) and not in_pipe_row(text, start_match.start())
    for label_at, keys, values in rows:
        _emit_t2_row(document, findings, label_at, keys, values, stated or {}, blank_cells=blanks)
    return findings


def _t2_label(text: str, label: str, start: int, end: int) -> re.Match[str] | None:
    """Where the row label is printed (行政规范性文件 is cited whole)."""
    if label == "规范性文件":
        return re.compile(r"(?:行\s*政\s*)?" + printed(label).pattern).search(text, start, end)
    return printed(label).search(text, start, end)


def _emit_t2_row(
    document: Document,
    findings: Findings,
    label_at: int,
    keys: list[str],
    values: list[re.Match[str]],
    stated: dict[str, set],
    *,
    blank_cells: bool = False,
) -> None:
    text = document.text
    tokens = _merged_cells_once([m for m in values if m.group().strip()], text, label_at, len(keys))
    if not tokens:
        return
    end = tokens[-1].end()
    if len(tokens) == len(keys):
        for key, token in zip(keys, tokens, strict=True):
            value = _t2_value(key, token.group())
            if value is None:
                continue
            found = Found(key, value, label_at, token.end(), "table", "table-cell", extra={"table": "table 二"})
            if key.endswith("amount") and not _unit_stated(text, label_at, token.group()):
                found.how, found.note = "label-loose", "an amount printed with no unit (元 or 万元?)"
            findings.found.append(found)
        return
    runs = [token.group().strip() for token in tokens]
    if len(tokens) > len(keys) or in_pipe_row(text, label_at):
        findings.unresolved.append(
            Unresolved(
                keys=keys,
                candidates=[],
                evidence=Evidence(start=label_at, end=end, quote=text[label_at:end]),
                reason=f"table 二 row prints {len(tokens)} cells for {len(keys)} columns",
            )
        )
        return
    run = " ".join(runs)
    candidates = list(islice(_t2_splits(keys, runs), 200))
    settled = _settle_by_prose(stated, keys, candidates)

    def unresolved(reason: str) -> None:
        evidence = Evidence(start=label_at, end=end, quote=text[label_at:end])
        findings.unresolved.append(
            Unresolved(keys=keys, candidates=[list(c) for c in candidates[:12]], evidence=evidence, reason=reason)
        )

    if blank_cells and settled is None:
        unresolved(
            f"table 二 run '{run}': the table prints blank cells, so the run may hold fewer cells "
            "than the row has columns"
        )
        return
    if len(candidates) == 1 or settled is not None:
        chosen = candidates[0] if len(candidates) == 1 else settled
        note = None if len(candidates) == 1 else "glued run settled by the report's prose"
        for key, value in zip(keys, chosen, strict=True):
            found = Found(key, value, label_at, end, "table", "table-split", note=note, extra={"table": "table 二"})
            if key.endswith("amount") and not _unit_stated(text, label_at, runs[-1]):
                found.how, found.note = "label-loose", "an amount printed with no unit (元 or 万元?)"
            findings.found.append(found)
        return
    unresolved(
        f"table 二 cells printed as one run '{run}': {len(candidates)} splits, table 二 has no identity to settle them"
    )


def _unit_stated(text: str, label_at: int, token: str) -> bool:
    """Whether an amount's unit is printed: in its cell (…元, …万元) or in the header above its row
    (本年收费金额（单位：万元）)."""
    header_from = max(label_at - 160, text.rfind("第二十条", 0, label_at), 0)  # this row's own header
    return token.strip().endswith("元") or "元" in text[header_from:label_at]


def _merged_cells_once(tokens: list[re.Match[str]], text: str, label_at: int, wanted: int) -> list[re.Match[str]]:
    """A merged (colspan) cell is repeated into every slot it spans when a table is flattened, so a row
    prints more cells than it has columns, each extra one equal to its left neighbour. The header row
    above a pipe row says which slots are one cell (the same header twice) — but only when the row's own
    cells repeat there too: a data row can span other slots than its header (893 | 893 | -183 under
    上一年项目数量 | 本年增/减 | 本年增/减). Otherwise the repeats in the row itself decide, if every way to
    leave them out gives the same cells; if not, the row keeps all its cells (and goes unresolved)."""
    if len(tokens) <= wanted:
        return tokens
    printed = [token.group().strip() for token in tokens]
    header = _pipe_header_above(text, label_at)
    if header and len(header) == len(tokens):
        repeats = [i for i in range(1, len(tokens)) if header[i] == header[i - 1]]
        if len(tokens) - len(repeats) == wanted and all(printed[i] == printed[i - 1] for i in repeats):
            return [token for i, token in enumerate(tokens) if i not in repeats]
    readings: dict[tuple[str, ...], list[re.Match[str]]] = {}
    for dropped in combinations(range(1, len(tokens)), len(tokens) - wanted):
        if all(printed[i] == printed[i - 1] for i in dropped):
            kept = [token for i, token in enumerate(tokens) if i not in dropped]
            readings.setdefault(tuple(token.group().strip() for token in kept), kept)
    return next(iter(readings.values())) if len(readings) == 1 else tokens


def _pipe_header_above(text: str, at: int) -> list[str] | None:
    """The column headers (after 信息内容) of the nearest pipe header row above a table-二 row."""
    if not in_pipe_row(text, at):
        return None
    line_start = text.rfind("\n", 0, at) + 1
    for line in reversed(text[max(0, line_start - 600) : line_start].splitlines()):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == "信息内容":
            return cells[1:]
    return None


def _t2_value(key: str, token: str) -> int | float | None:
    from service.numbers import yuan_to_wan

    raw = token.replace("－", "-").strip()
    in_yuan = raw.endswith("元") and not raw.endswith("万元")
    number_text = raw.removesuffix("万元").removesuffix("元").strip()
    try:
        number = float(number_text) if "." in number_text else int(number_text)
    except ValueError:
        return None
    if key.endswith("amount"):
        return yuan_to_wan(number) if in_yuan else float(number)
    if isinstance(number, float) or (number < 0 and not key.endswith("change")):
        return None
    return number


def _t2_splits(keys: list[str], runs: list[str]) -> Iterator[tuple[int | float, ...]]:
    """Every way to read glued table-二 runs as the row's cells, each run holding one cell or more."""
    if not runs:
        if not keys:
            yield ()
        return
    first, rest = runs[0], runs[1:]
    for count in range(1, len(keys) - len(rest) + 1):
        for head in _run_splits(keys[:count], first):
            for tail in _t2_splits(keys[count:], rest):
                yield head + tail


def _run_splits(keys: list[str], run: str) -> Iterator[tuple[int | float, ...]]:
    """Splits of one run; a leading minus belongs to its first cell (本年增/减), a trailing amount keeps its
    decimals and unit."""
    unit = "元" if run.endswith("元") and not run.endswith("万元") else ""
    digits = run.removesuffix("万元").removesuffix("元").strip()
    sign = 1
    if digits[:1] in "-－" and digits[1:]:
        if not keys[0].endswith("change"):
            return
        sign, digits = -1, digits[1:]
    if "." in digits and keys[-1].endswith("amount"):
        whole, decimals = digits.split(".", 1)
        for head in _splits(whole, len(keys)):
            *counts, last = head
            value = _t2_value(keys[-1], f"{last}.{decimals}{unit}")
            if counts:
                counts[0] *= sign
            yield (*counts, value)  # type: ignore[misc]
        return
    if not digits.isdigit():
        return
    for values in _splits(digits, len(keys)):
        values[0] *= sign
        yield tuple(values)


def _settle_by_prose(stated: dict[str, set], keys: list[str], candidates: list[tuple]) -> tuple | None:
    """The one split whose cells the prose confirms (现行有效行政规范性文件698件 for in_force): every cell the
    prose states agrees, and at least one is stated."""
    confirmed = {key: stated[key] for key in keys if stated.get(key)}
    if not confirmed:
        return None
    matching = [c for c in candidates if all(v in confirmed[k] for k, v in zip(keys, c, strict=True) if k in confirmed)]
    return matching[0] if len(matching) == 1 else None


# --------------------------------------------------------------------------- entry point


def find(document: Document, template: str, stated: dict[str, set] | None = None) -> Findings:
    findings = find_table_two(document, template, stated)
    findings.extend(find_table_three(document, template))
    findings.extend(find_table_four(document, template))
    return findings
