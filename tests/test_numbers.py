"""Number parsing: every written shape the reports use, the refusals, and the in-text pattern."""

from __future__ import annotations

import re

import pytest

from service.numbers import (
    NUMBER_PATTERN,
    NUMBER_RE,
    ZERO_WORDS,
    Number,
    parse_number,
    to_halfwidth,
    yuan_to_wan,
)


@pytest.mark.parametrize(
    ("text", "value", "approximate", "multiplier"),
    [
        ("4156", 4156, False, 1),
        ("４１５６", 4156, False, 1),
        ("0", 0, False, 1),
        ("25,638", 25638, False, 1),
        ("25，638", 25638, False, 1),
        ("1,234,567", 1234567, False, 1),
        ("5394432.52", 5394432.52, False, 1),
        ("１２．５", 12.5, False, 1),
        ("1.2万", 12000, False, 10_000),
        ("3亿", 300_000_000, False, 100_000_000),
        ("1.5亿", 150_000_000, False, 100_000_000),
        ("10余", 10, True, 1),
        ("500多", 500, True, 1),
        ("近30", 30, True, 1),
        ("约2000", 2000, True, 1),
        ("大约2000", 2000, True, 1),
        ("将近100", 100, True, 1),
        ("100左右", 100, True, 1),
        ("100多万", 1_000_000, True, 10_000),
        ("10余万", 100_000, True, 10_000),
        ("1万余", 10_000, True, 10_000),
        ("三", 3, False, 1),
        ("十", 10, False, 1),
        ("十二", 12, False, 1),
        ("二十五", 25, False, 1),
        ("一百二十", 120, False, 1),
        ("一千零五", 1005, False, 1),
        ("两", 2, False, 1),
        ("两千", 2000, False, 1),
        ("零", 0, False, 1),
        ("五十万", 500_000, False, 10_000),
        ("一亿五千万", 150_000_000, False, 1),
        ("一百多万", 1_000_000, True, 10_000),
        ("十余", 10, True, 1),
        ("二十几", 20, True, 1),
        ("-3", -3, False, 1),
        ("－3", -3, False, 1),
        ("−3", -3, False, 1),
        ("+2", 2, False, 1),
        ("  42 ", 42, False, 1),
    ],
)
def test_parse_number_accepts(text: str, value: int | float, approximate: bool, multiplier: int) -> None:
    parsed = parse_number(text)
    assert parsed == Number(value=value, approximate=approximate, unit_multiplier=multiplier)
    assert type(parsed.value) is type(value)  # int when integral, never 12000.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "年",
        "abc",
        "万",  # a bare multiplier is not a number
        "第一",  # ordinals are not counts
        "第3",
        "10件",  # units are not part of a number expression
        "1,2345",  # not a thousands grouping
        "1.",
        "五十万万",
        "十十",  # cn2an rejects it
        "约 2000",  # inner whitespace is not tolerated
    ],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_parse_number_rejects_non_string() -> None:
    assert parse_number(None) is None  # type: ignore[arg-type]


def _found(text: str) -> list[str]:
    return [m.group() for m in NUMBER_RE.finditer(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("共10余次", ["10余"]),
        ("25,638条", ["25,638"]),
        ("25，638条", ["25，638"]),
        ("1.2万条", ["1.2万"]),
        ("539.44万元", ["539.44万"]),
        ("４１５６件", ["４１５６"]),
        ("约2000人次", ["约2000"]),
        ("共二十五件，其中12件", ["二十五", "12"]),
        ("本年减少－3个", ["－3"]),
        ("一百多万元", ["一百多万"]),
        ("第十二条", []),  # ordinal, and no tail "二" either
        ("第3项", []),
        ("1,234,5678", ["1,234"]),  # never a tail of a number ("234", "678")
    ],
)
def test_number_pattern_finds(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


def test_number_pattern_is_a_plain_string_and_parses_back() -> None:
    """Anchors embed the string into bigger regexes; every hit must round-trip through parse_number."""
    assert isinstance(NUMBER_PATTERN, str)
    combined = re.compile(rf"办结(?P<n>{NUMBER_PATTERN})件")
    match = combined.search("本年度办结10余件。")
    assert match and parse_number(match["n"]) == Number(10, True, 1)
    for hit in _found("收到1.2万条、近三十件、25,638次、－3个、约2000元"):
        assert parse_number(hit) is not None, hit


def test_date_hyphen_is_not_a_sign() -> None:
    assert _found("2024-01-03") == ["2024", "01", "03"]


def test_zero_words() -> None:
    assert {"无", "未发生", "没有", "未收到", "未收取", "零"} <= set(ZERO_WORDS)
    lengths = [len(w) for w in ZERO_WORDS]
    assert lengths == sorted(lengths, reverse=True)  # longest first for regex alternation
    assert parse_number("零") == Number(0, False, 1)


def test_yuan_to_wan() -> None:
    assert yuan_to_wan(5394432.52) == 539.443252
    assert yuan_to_wan(0) == 0
    assert yuan_to_wan(12345) == 1.2345


def test_to_halfwidth() -> None:
    assert to_halfwidth("４１５６，１．２（－３）") == "4156,1.2(-3)"
    assert to_halfwidth("\u3000约") == " 约"
    assert to_halfwidth("办结。") == "办结。"  # CJK text and the ideographic full stop stay
