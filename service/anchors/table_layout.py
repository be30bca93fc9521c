"""Reading a pipe table by what its header and label cells say, not by where its cells happen to sit.

A Word→HTML export often adds an empty column, shifts the header row by one cell, repeats a header
cell across a wrong colspan, or prints the table transposed (applicant types as rows). Counting cells
then reads every row one column off. Here rows are found by their label cells and columns by their
header cells (fuzzy: whitespace and punctuation ignored), and the column mapping is searched the way
digit runs are decoded: every way to keep one data column per expected column, dropping only columns
that are empty, unlabelled or a repeated header, is scored against the table's own identities. A
mapping is *confirmed* only when exactly one reading satisfies every identity; anything else is
returned with its candidates for review.

The module knows no wording: the caller passes the row and column patterns and the identity check.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

PIPE_CELL = re.compile(r"(?<=\|)[^|\n]*(?=\|)")
NUMBER_CELL = re.compile(r"[-－]?\d+(?:\.\d+)?")
# what a table prints for "nothing here": blank, dash, slash (FIELDS/GOLD: absent, not 0)
BLANK_CELL = re.compile(r"[-－—–_/／\\、.。·…]*|无|空")
IGNORED_IN_LABELS = re.compile(r"[\s\u3000:：,，.．、;；\"“”'‘’()（）【】\[\]<>《》*#]+")
MAX_MAPPINGS = 400  # combinations of data columns tried (an export adds one or two columns, not ten)
MAX_CANDIDATES = 8


@dataclass
class GridCell:
    text: str
    start: int
    end: int

    @property
    def kind(self) -> str:
        if NUMBER_CELL.fullmatch(self.text):
            return "number"
        if BLANK_CELL.fullmatch(self.text):
            return "blank"
        return "label"


@dataclass
class Placed:
    """One value of a reading: where it is printed, and its row and column in the table's terms."""

    value: float | int | None
    cell: GridCell
    row: int
    column: int


@dataclass
class Layout:
    """A reading of the table: ``values[(row, column)]`` by row and column index of the specs."""

    values: dict[tuple[int, int], Placed]
    confirmed: bool
    note: str
    # (row, column) → the other values a reading that also satisfies the identities (or none does) gives
    alternatives: dict[tuple[int, int], list] = field(default_factory=dict)
    transposed: bool = False
    dropped: list[int] = field(default_factory=list)


def pipe_grid(text: str, start: int, end: int) -> list[list[GridCell]]:
    """The pipe rows between ``start`` and ``end`` as cells with their spans (text stripped). When
    ``start`` lies in a pipe table, the table's rows above it (its header) are included."""
    start = _table_start(text, start)
    rows: list[list[GridCell]] = []
    for line in re.finditer(r"(?m)^[ \t]*\|.*$", text[:end]):
        if line.end() <= start:
            continue
        cells = []
        for cell in PIPE_CELL.finditer(line.group()):
            raw = cell.group()
            value = raw.strip()
            at = line.start() + cell.start() + len(raw) - len(raw.lstrip())
            cells.append(GridCell(value, at, at + len(value)))
        rows.append(cells)
    return rows


def _table_start(text: str, at: int) -> int:
    """The start of the first row of the pipe table whose row holds ``at`` (``at`` itself otherwise)."""
    line = text.rfind("\n", 0, at) + 1
    if not text[line : line + 200].lstrip().startswith("|"):
        return at
    while line > 0:
        previous = text.rfind("\n", 0, line - 1) + 1
        if not text[previous:line].lstrip().startswith("|"):
            break
        line = previous
    return line


def compact(label: str) -> str:
    """A label as compared: no whitespace or punctuation, full-width letters folded (指 标 → 指标)."""
    return IGNORED_IN_LABELS.sub("", unicodedata.normalize("NFKC", label))


def _matches(pattern: re.Pattern[str], label: str) -> bool:
    """Whether the label says what ``pattern`` looks for, punctuation ignored or (for enumerators such as
    ``3.其他``) kept."""
    if not label:
        return False
    spaced = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    return bool(pattern.search(compact(label)) or pattern.search(spaced))


def _row_label(cells: list[GridCell]) -> tuple[str, int]:
    """The label text of a row (each spanned repeat once) and the index of its last label cell."""
    parts: list[str] = []
    last = -1
    for i, cell in enumerate(cells):
        if cell.kind == "label":
            last = i
            if not parts or parts[-1] != cell.text:
                parts.append(cell.text)
    return " ".join(parts), last


def _transpose(grid: list[list[GridCell]]) -> list[list[GridCell]]:
    width = max(len(row) for row in grid)
    padded = []
    for row in grid:
        at = row[-1].end if row else 0
        padded.append(row + [GridCell("", at, at)] * (width - len(row)))
    return [[padded[r][c] for r in range(len(padded))] for c in range(width)]


def _assign_rows(
    grid: list[list[GridCell]], row_specs: Sequence[re.Pattern[str] | None]
) -> list[tuple[int, int, list[tuple[int, GridCell]]]]:
    """(grid row, spec row, data cells with their column index) for each row its label names, in order.

    A row's label must name the next expected rows in order (a missing row is skipped, not guessed); a
    spec of None is a row of numbers with no label at all (table 四's one data row)."""
    assigned = []
    pointer = 0
    for r, cells in enumerate(grid):
        label, last = _row_label(cells)
        data = [(c, cell) for c, cell in enumerate(cells) if c > last and cell.kind != "label"]
        if not data:
            continue  # a header or heading row: no cells after its labels
        for s in range(pointer, len(row_specs)):
            spec = row_specs[s]
            if (spec is None and not label) or (spec is not None and _matches(spec, label)):
                assigned.append((r, s, data))
                pointer = s + 1
                break
    return assigned


def _header_labels(
    grid: list[list[GridCell]], first_data_row: int, column_specs: Sequence[re.Pattern[str]]
) -> dict[int, int]:
    """Grid column → spec column, from the header rows above the data: the header cells of a column read
    top to bottom (法人或其他组织 + 商业企业; 行政诉讼 + 复议后起诉 + 结果维持), the first spec naming it."""
    texts: dict[int, list[str]] = {}
    for cells in grid[:first_data_row]:
        for c, cell in enumerate(cells):
            if cell.kind == "label" and cell.text not in texts.setdefault(c, []):
                texts[c].append(cell.text)
    labels: dict[int, int] = {}
    for c, parts in texts.items():
        for s, pattern in enumerate(column_specs):
            if parts and _matches(pattern, "".join(parts)):
                labels[c] = s
                break
    return labels


def _header_agreement(kept: tuple[int, ...], labels: dict[int, int]) -> tuple[int, int, int]:
    """(columns whose header names them, columns whose header names another, the shift), for the best
    shift of the header row by 0, -1 or +1 cell (an export that shifts the header moves every cell alike)."""
    best = (0, len(kept), 0)
    for shift in (0, -1, 1):
        agree = sum(labels.get(c + shift) == s for s, c in enumerate(kept))
        clash = sum(c + shift in labels and labels[c + shift] != s for s, c in enumerate(kept))
        if (agree, -clash) > (best[0], -best[1]):
            best = (agree, clash, shift)
    return best


def _droppable(column: int, rows, labels: dict[int, int], kept: tuple[int, ...], shift: int) -> bool:
    """A column may be left out if it is empty, no header cell names it (with the header shifted as the
    kept columns read it), or its header repeats that of a kept column (a colspan error)."""
    cells = [cell for _, _, data in rows for c, cell in data if c == column]
    if all(cell.kind == "blank" for cell in cells) or column + shift not in labels:
        return True
    return any(labels.get(k + shift) == labels[column + shift] for k in kept)


def _merge_repeats(rows, labels: dict[int, int]) -> None:
    """Two neighbouring columns under the same header (a header cell repeated by a wrong colspan) are one
    column: where one of them is blank in every row or both print the same value, keep one."""
    for column in sorted(labels):
        twin = column + 1
        if column not in labels or labels.get(twin) != labels[column]:
            continue
        pairs = []
        for _, _, data in rows:
            by_column = dict(data)
            pairs.append((by_column.get(column), by_column.get(twin)))
        blank = lambda cell: cell is None or cell.kind == "blank"  # noqa: E731
        if not all(blank(a) or blank(b) or a.text == b.text for a, b in pairs):
            continue  # two different values: not a repeat, left to the search
        for (_, _, data), (a, b) in zip(rows, pairs, strict=True):
            keep = b if blank(a) and not blank(b) else a
            data[:] = [(c, cell) for c, cell in data if c not in (column, twin)]
            if keep is not None:
                data.append((column, keep))
            data.sort(key=lambda item: item[0])
        del labels[twin]


def _number(text: str) -> float | int:
    text = text.replace("－", "-")
    return float(text) if "." in text else int(text)


def read(
    grid: list[list[GridCell]],
    row_specs: Sequence[re.Pattern[str] | None],
    column_specs: Sequence[re.Pattern[str]],
    failures: Callable[[dict[tuple[int, int], float | int]], int],
) -> Layout | None:
    """The reading of ``grid`` by its labels, or None when the grid is not this table.

    ``failures(values)`` counts the identities a reading breaks (values by spec row and column)."""
    if len(grid) < 2:
        return None
    rows = _assign_rows(grid, row_specs)
    transposed = False
    flipped = _assign_rows(_transpose(grid), row_specs)
    if len(flipped) > len(rows) and len(flipped) >= 2:
        grid, rows, transposed = _transpose(grid), flipped, True
    if not rows or (len(row_specs) > 1 and len(rows) < 2):
        return None
    labels = _header_labels(grid, rows[0][0], column_specs)
    if len({data[0][0] for _, _, data in rows if data}) > 1:
        # ragged rows (a rowspan the export dropped: some rows print one label cell fewer): the grid's
        # columns mean nothing, a cell's place after its row's labels does; the header cannot be aligned
        rows = [(r, spec, [(i, cell) for i, (_, cell) in enumerate(data)]) for r, spec, data in rows]
        labels = {}
    _merge_repeats(rows, labels)
    columns = sorted({c for _, _, data in rows for c, cell in data})
    mappings = _mappings(columns, len(column_specs), rows, labels)
    if not mappings:
        return None
    scored = [_scored(kept, rows, labels, failures) for kept in mappings]
    best_failures, distinct = _best_readings(scored, rows, columns)
    return _layout(best_failures, distinct, columns, bool(labels), transposed)


# A scored mapping: (identities failed, header clashes, -header agreements, kept columns, placed values)
Scored = tuple[int, int, int, tuple[int, ...], dict[tuple[int, int], Placed]]


def _mappings(columns: list[int], wanted: int, rows, labels: dict[int, int]) -> list[tuple[int, ...]]:
    """Every choice of one data column per expected column that leaves out only droppable columns."""
    mappings = []
    if len(columns) < wanted:
        return mappings
    for kept in combinations(columns, wanted):
        if len(mappings) >= MAX_MAPPINGS:
            break
        shift = _header_agreement(kept, labels)[2]
        if all(_droppable(c, rows, labels, kept, shift) for c in columns if c not in kept):
            mappings.append(kept)
    return mappings


def _scored(kept: tuple[int, ...], rows, labels: dict[int, int], failures) -> Scored:
    placed: dict[tuple[int, int], Placed] = {}
    for r, s, data in rows:
        by_column = dict(data)
        for k, c in enumerate(kept):
            cell = by_column.get(c)
            if cell is not None:
                placed[(s, k)] = Placed(_number(cell.text) if cell.kind == "number" else None, cell, r, c)
    values = {key: p.value for key, p in placed.items() if p.value is not None}
    agree, clash, _ = _header_agreement(kept, labels)
    return failures(values), clash, -agree, kept, placed


def _best_readings(scored: list[Scored], rows, columns: list[int]) -> tuple[int, list[Scored]]:
    """The distinct readings that fail fewest identities, best header agreement first. No reading is
    preferred for leaving out an empty column rather than one of zeros: an applicant column may be blank
    all the way down, and only a header can tell it from an export's extra column."""
    best_failures = min(entry[0] for entry in scored)
    holding = [entry for entry in scored if entry[0] == best_failures]
    if best_failures:
        # nothing holds (the report's own figures do not add up): the reading the header names best, leaving
        # out the fewest printed numbers, is the one to show a reviewer; every one goes to review
        printed = {c: sum(cell.kind == "number" for _, _, data in rows for k, cell in data if k == c) for c in columns}

        def lost(entry: Scored) -> int:
            return sum(printed[c] for c in columns if c not in entry[3])

        holding = sorted(scored, key=lambda e: (e[1], e[2], lost(e), e[0]))
        best_failures = holding[0][0]
    readings: dict[tuple, Scored] = {}
    for entry in holding if best_failures else sorted(holding, key=lambda e: (e[1], e[2])):
        readings.setdefault(tuple(sorted((key, p.value) for key, p in entry[4].items())), entry)
    return best_failures, list(readings.values())[:MAX_CANDIDATES]


def _layout(
    best_failures: int, distinct: list[Scored], columns: list[int], header_known: bool, transposed: bool
) -> Layout:
    """The best reading, confirmed only if it is the one reading that satisfies every identity and the
    header (if any names the columns) does not contradict it; the others' values as alternatives."""
    _, clash, _, kept, placed = distinct[0]
    dropped = [c for c in columns if c not in kept]
    alternatives: dict[tuple[int, int], list] = {}
    for other in distinct[1:]:
        for key, p in other[4].items():
            mine = placed.get(key)
            if (mine is None or mine.value != p.value) and p.value not in alternatives.setdefault(key, []):
                alternatives[key].append(p.value)
    confirmed = best_failures == 0 and len(distinct) == 1 and (not header_known or clash == 0)
    how = []
    if transposed:
        how.append("read transposed (the expected rows are its columns)")
    if dropped:
        how.append(f"left out {len(dropped)} column(s) that are empty, unlabelled or a repeated header")
    if best_failures:
        how.append(f"no column mapping satisfies every identity ({best_failures} fail)")
    elif len(distinct) > 1:
        how.append(f"{len(distinct)} column mappings satisfy the identities")
    elif clash:
        how.append("the identities hold but the header names the columns differently")
    return Layout(
        values=placed,
        confirmed=confirmed,
        note="; ".join(how) or "read by its header and label cells",
        alternatives=alternatives,
        transposed=transposed,
        dropped=dropped,
    )
