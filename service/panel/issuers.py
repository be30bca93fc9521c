"""Issuer names → a stable key, so that one body's reports of different years line up.

Reports name their issuer in many ways: 平潭县人民政府 / 平潭县, 福州市鼓楼区人民政府办公室 / 鼓楼区,
full-width letters, spaces, a renamed city. ``normalise`` removes what never tells bodies apart (width,
spaces, the 人民政府/办公室/管委会 suffixes) and applies the known renamings of ``renamings.toml``.
``group`` then looks at all names of a panel together: a name that lacks its parent's prefix (鼓楼区)
joins the one prefixed name that ends with it (福州市鼓楼区), but when two bodies could claim it
(福州市鼓楼区, 南京市鼓楼区) or two names merely share a stem (平潭县, 平潭综合实验区), the pair is shown
as ambiguous and never merged.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RENAMINGS_FILE = Path(__file__).with_name("renamings.toml")

# Longest first: 人民政府办公室 before 人民政府 before 办公室.
_SUFFIXES = (
    "人民政府办公厅",
    "人民政府办公室",
    "管理委员会办公室",
    "管委会办公室",
    "人民政府",
    "管理委员会",
    "管委会",
    "办公厅",
    "办公室",
    "政府",
)
_UNIT = "省|自治区|市|州|盟|地区|县|旗|区"
_STEM_END = re.compile(r"(?:县|区|市|州|旗|盟|镇|乡|街道)$")


@cache
def renamings() -> dict[str, str]:
    """old normalised name → new one, from ``renamings.toml``."""
    data = tomllib.loads(RENAMINGS_FILE.read_text(encoding="utf-8"))
    return {_plain(entry["old"]): _plain(entry["new"]) for entry in data.get("renaming", [])}


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", text)
    stripped = True
    while stripped:  # 市政府办公室 → 市政府 → 市
        stripped = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text, stripped = text[: -len(suffix)], True
                break
    return text


def normalise(name: str) -> str:
    """The issuer key of one name on its own (``group`` may still join a short name to a longer one)."""
    text = _plain(name)
    return renamings().get(text, text)


def stem(key: str) -> str:
    """The name without its administrative unit: 平潭县 → 平潭, 溧水区 → 溧水."""
    return _STEM_END.sub("", key) or key


@dataclass(frozen=True)
class Ambiguity:
    """Two keys that may be the same body; shown to the user, never merged."""

    keys: tuple[str, str]
    reason: str


def group(names: list[str]) -> tuple[dict[str, str], list[Ambiguity]]:
    """Every name → its key, and the pairs of keys that may be one body but were kept apart."""
    keyed = {name: normalise(name) for name in names}
    keys = sorted(set(keyed.values()))
    joined: dict[str, str] = {}
    ambiguous: list[Ambiguity] = []
    for short in keys:
        if not _STEM_END.search(short):
            continue  # a department (…税务局) is not an administrative unit another name could prefix
        longer = [k for k in keys if k != short and k.endswith(short) and _is_parent_prefix(k[: -len(short)])]
        if len(longer) == 1:
            joined[short] = longer[0]
        elif len(longer) > 1:
            for other in longer:
                ambiguous.append(Ambiguity((short, other), f"{short} could be any of {', '.join(longer)}"))
    final = sorted({joined.get(k, k) for k in keys})
    for i, a in enumerate(final):
        for b in final[i + 1 :]:
            if not (_STEM_END.search(a) and _STEM_END.search(b)):
                continue
            sa, sb = stem(a), stem(b)
            if len(min(sa, sb, key=len)) >= 2 and (sa == sb or sb.startswith(sa) or sa.startswith(sb)):
                ambiguous.append(Ambiguity((a, b), f"{a} and {b} share the stem {min(sa, sb, key=len)}"))
    return {name: joined.get(key, key) for name, key in keyed.items()}, ambiguous


def _is_parent_prefix(prefix: str) -> bool:
    """省/市/州… names only: 福州市 or 福建省福州市, not an arbitrary leading word."""
    return bool(prefix) and re.fullmatch(rf"(?:.{{1,7}}?(?:{_UNIT}))+", prefix) is not None
