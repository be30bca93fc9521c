"""Reading the numbers that Chinese annual reports write in many shapes.

One expression ("25,638", "１.２万", "10余", "近三十", "一百多万", "－3") becomes one ``Number``.
``NUMBER_PATTERN`` finds such expressions in running text without swallowing the unit that follows
("10余次" → "10余"), so anchors can pair a number with its label and keep the exact evidence span.

Decisions (tested in tests/test_numbers.py):
- Ordinals are not counts: "第一", "第3" do not parse, and the pattern never starts right after 第.
- A bare multiplier ("万", "亿") or unit ("年") is not a number.
- Approximation words mark ``approximate=True`` but leave the written value: "10余" → 10,
  "100多万" → 1_000_000, "超过50" → 50.
- Chinese numerals go through cn2an ("normal" mode: accepts 两 and digit-by-digit 二〇二三).
- The pattern is context-free: "一是", "十分", "两会" in prose still match. Anchors must judge context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: ord(" "), 0x2212: ord("-")})  # ideographic space, minus sign
_HALFWIDTH_TABLE = str.maketrans(_FULLWIDTH)

_DIGIT = "0-9０-９"
_CN_DIGIT = "零〇一二两三四五六七八九"
_CN_ALL = _CN_DIGIT + "十百千万亿"
_MULTIPLIERS = {"万亿": 10**12, "亿": 100_000_000, "万": 10_000}

_PREFIX = "大约|将近|接近|约为|约|近|逾|超过"
_SUFFIX_INNER = "余|多|几"  # may sit between number and multiplier: 100多万
_SUFFIX_OUTER = "余|多|左右|上下|以上"

NUMBER_PATTERN: str = (
    # never start inside another number ("25,638", "1.5", "二十") or right after 第 (ordinal)
    rf"(?<![第{_DIGIT}.．])(?<![{_DIGIT}][,，])"
    rf"(?P<sign>(?<![{_DIGIT}])[-－−+＋])?"
    rf"(?P<prefix>{_PREFIX})?"
    r"(?:"
    rf"(?P<arabic>[{_DIGIT}]{{1,3}}(?:[,，][{_DIGIT}]{{3}})+(?![{_DIGIT}])(?:[.．][{_DIGIT}]+)?"
    rf"|[{_DIGIT}]+(?:[.．][{_DIGIT}]+)?)"
    rf"|(?<![{_CN_ALL}])(?P<chinese>[{_CN_DIGIT}十][{_CN_ALL}]*)"
    r")"
    rf"(?P<inner>{_SUFFIX_INNER})?"
    r"(?P<mult>万亿|亿|万)?"
    rf"(?P<outer>{_SUFFIX_OUTER})?"
)
NUMBER_RE = re.compile(NUMBER_PATTERN)

# Longest first, so an alternation built from it prefers "未收到" over "未".
ZERO_WORDS: tuple[str, ...] = (
    "未发生",
    "未出现",
    "未产生",
    "未收到",
    "未收取",
    "未受理",
    "没有",
    "暂无",
    "尚无",
    "均无",
    "无",
    "零",
)


@dataclass(frozen=True)
class Number:
    """A parsed number; ``value`` is int when integral, multiplier already applied."""

    value: int | float
    approximate: bool
    unit_multiplier: int


def to_halfwidth(text: str) -> str:
    """Full-width digits and punctuation → ASCII, so one pattern serves both kinds of report."""
    return text.translate(_HALFWIDTH_TABLE)


def yuan_to_wan(value: float) -> float:
    """元 → 万元; rounded to 6 decimals so 5394432.52 gives 539.443252, not float noise."""
    return round(value / 10_000, 6)


def _integral(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _chinese_value(core: str) -> tuple[Decimal, int] | None:
    """cn2an value of a Chinese numeral, with a trailing lone 万/亿 split off as the multiplier."""
    multiplier = 1
    for word, factor in _MULTIPLIERS.items():
        head = core.removesuffix(word)
        if head != core and head and not any(c in head for c in "万亿"):
            core, multiplier = head, factor
            break
    try:
        value = cn2an.cn2an(core, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return Decimal(str(value)), multiplier


def parse_number(text: str) -> Number | None:
    """Parse one whole number expression; None if ``text`` is anything else (see module doc)."""
    if not isinstance(text, str):
        return None
    match = NUMBER_RE.fullmatch(to_halfwidth(text).strip())
    if match is None:
        return None
    multiplier = _MULTIPLIERS[match["mult"]] if match["mult"] else 1
    if match["arabic"]:
        try:
            value = Decimal(match["arabic"].replace(",", ""))
        except InvalidOperation:
            return None
    else:
        parsed = _chinese_value(match["chinese"])
        if parsed is None:
            return None
        value, inner_multiplier = parsed
        if match["mult"] and inner_multiplier != 1:
            return None  # "五十万万": a multiplier twice is a typo, not a number
        multiplier = max(multiplier, inner_multiplier)
    value *= multiplier
    if match["sign"] == "-":
        value = -value
    approximate = any(match[g] for g in ("prefix", "inner", "outer"))
    return Number(value=_integral(value), approximate=approximate, unit_multiplier=multiplier)
