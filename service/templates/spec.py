"""The shape of a template specification: plain frozen data, no behaviour beyond derived key lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from service.schema import APPLICANT_COLUMNS


@dataclass(frozen=True)
class Row:
    """One printed row (or cell) of a template table."""

    key: str  # the key, or the part after its table's prefix ("granted", "refused_reason.state_secret")
    label: str  # the wording the template prints ("（一）予以公开"), shown to the model
    word: str = ""  # a regex naming the row on its own, for reading a table row by row


@dataclass(frozen=True)
class TableTwoRow:
    """A row of table 二: its label, the key prefix of its cells and the columns it fills."""

    label: str  # what the finder looks for ("规范性文件" also finds 行政规范性文件)
    prefix: str  # "active.rules"
    columns: tuple[str, ...]  # column keys, in printed order
    printed: str = ""  # the row's full printed label when it differs from ``label``

    def as_tuple(self) -> tuple[str, str, tuple[str, ...]]:
        return self.label, self.prefix, self.columns


@dataclass(frozen=True)
class TemplateSpec:
    """Everything nianbao knows about one template, in one place."""

    name: str
    description: str
    markers: tuple[str, ...] = ()  # strings only this template prints (its table-二 headers, its notice)
    table_two: tuple[TableTwoRow, ...] = ()
    table_two_headers: dict[str, str] = field(default_factory=dict)  # column key → printed header
    table_three: tuple[Row, ...] = ()  # rows in printed order (keys after "requests.")
    table_four_blocks: tuple[Row, ...] = ()  # blocks (key prefixes) of table 四
    table_four_cells: tuple[Row, ...] = ()  # cells of each block, the total last
    statistics_table: tuple[tuple[str, str], ...] = ()  # legacy 统计表: (row-label regex, key)
    prose_keys: tuple[str, ...] = ()  # keys the report states outside its tables (the model's prose job)
    other_keys: tuple[str, ...] = ()  # keys some reports of this template print that no list above holds
    years: tuple[int, int] = (2008, 9999)  # report years the template is normally used for (gold validator)

    @property
    def is_national(self) -> bool:
        """A template with the numbered tables 二/三/四 (and their identities)."""
        return bool(self.table_three)

    @property
    def table_two_keys(self) -> tuple[str, ...]:
        return tuple(f"{row.prefix}.{column}" for row in self.table_two for column in row.columns)

    @property
    def table_three_rows(self) -> tuple[str, ...]:
        return tuple(row.key for row in self.table_three)

    @property
    def table_three_keys(self) -> tuple[str, ...]:
        rows = self.table_three_rows
        return tuple(f"requests.{row}" for row in rows) + tuple(
            f"requests.by_applicant.{column}.{row}" for column in APPLICANT_COLUMNS for row in rows
        )

    @property
    def table_four_keys(self) -> tuple[str, ...]:
        return tuple(f"{b.key}.{c.key}" for b in self.table_four_blocks for c in self.table_four_cells)

    @property
    def table_keys(self) -> tuple[str, ...]:
        """Every cell key of the template's numbered tables, in printed order (the model's table job)."""
        return self.table_two_keys + self.table_three_keys + self.table_four_keys

    @cached_property
    def keys(self) -> frozenset[str]:
        """Every key a report of this template can hold."""
        statistics = {key for _, key in self.statistics_table if "{" not in key}
        meta = {"meta.title", "meta.issuer", "meta.year", "meta.publish_date", "meta.template"}
        return frozenset(meta | set(self.table_keys) | set(self.prose_keys) | set(self.other_keys) | statistics)

    def table_wordings(self) -> dict[str, str]:
        """key → how this template's tables print it ("规章 本年制发件数"), for the prompts."""
        wordings = {
            f"{row.prefix}.{column}": f"{row.printed or row.label} {self.table_two_headers[column]}"
            for row in self.table_two
            for column in row.columns
        }
        wordings.update({f"requests.{row.key}": row.label for row in self.table_three})
        for block in self.table_four_blocks:
            for cell in self.table_four_cells:
                wordings[f"{block.key}.{cell.key}"] = f"{block.label} {cell.label}"
        return wordings
