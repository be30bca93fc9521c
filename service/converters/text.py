"""Bytes → text: encoding detection (BOM, UTF-8, a declared HTML charset, charset-normalizer, GB/Big5),
and plain text or Markdown, with HTML tables pasted into it (PDF→Markdown tools) made into rows."""

from __future__ import annotations

import codecs
import functools
import re

from charset_normalizer import from_bytes

from service.converters.base import IngestError, normalise, words
from service.converters.html import fragment_to_text

_words = words

# =========================================================================== decoding

_UNICODE_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NO_BOM_WIDE = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]
_GB = {"gb2312", "gbk", "gb18030", "hz", "cp936", "ms936", "euc_cn", "x-gbk", "gb_2312", "gb_2312_80"}
_BIG5 = {"big5", "big5hkscs", "cp950", "ms950", "big5-hkscs"}
_OTHER_CJK = _words(
    "cp949 euc_kr johab euc_jp euc_jis_2004 shift_jis shift_jis_2004 cp932 iso2022_jp iso2022_kr "
    "euc_jisx0213 shift_jisx0213"
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_SAMPLE = 64 * 1024
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → (str, codec): BOM, strict UTF-8, declared HTML charset, then charset-normalizer."""
    for bom, codec in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec)), "utf-8-sig" if codec == "utf-8-sig" else codec
            except UnicodeDecodeError as exc:
                raise IngestError("binary", f"the file starts with a {codec} mark but is not {codec}") from exc
    nul = data.count(0)
    if nul and (nul * 1000 > len(data) or 0 in data[:1024]):
        raise IngestError("binary", "the file contains NUL bytes: it is binary, not a text report")
    if nul:
        data = data.replace(b"\x00", b"")
    try:
        return _check_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a truncated file: drop the cut last character
            try:
                return _check_text(data[: exc.start].decode("utf-8")), "utf-8"
            except UnicodeDecodeError:
                pass
    declared = _declared_charset(data)
    if declared:
        try:
            return _check_text(data.decode(declared)), declared
        except UnicodeDecodeError:
            pass
    text = data.decode("utf-8", errors="replace")
    if _few_damaged(text):  # UTF-8 with a few damaged bytes: keep it, the bad bytes shown as U+FFFD
        return _check_text(text), "utf-8"
    sample = data[:_SAMPLE]
    if len(data) > _SAMPLE and b"\n" in sample:  # cut at a line end: never inside a multi-byte char
        sample = sample[: sample.rindex(b"\n") + 1]
    matches = from_bytes(sample, cp_exclusion=_NO_BOM_WIDE)
    best = matches.best()
    names = {m.encoding for m in matches}
    if best is None or names & (_GB | _BIG5 | _OTHER_CJK):
        chinese = _decode_chinese(data)
        if chinese is not None:
            return _check_text(chinese[0]), chinese[1]
    if best is not None:
        try:
            return _check_text(data.decode(best.encoding)), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise IngestError("binary", "the file is not text in any known encoding (UTF-8, GB18030, Big5 …)")


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower().replace("-", "_")
    if name in {n.replace("-", "_") for n in _GB}:
        return "gb18030"  # a superset of GB2312 and GBK: pages declared as either often use GBK chars
    if name in {n.replace("-", "_") for n in _BIG5}:
        return "big5hkscs"
    return None  # other declarations (often a wrong iso-8859-1) are left to detection


def _decode_chinese(data: bytes) -> tuple[str, str] | None:
    """Pick GB18030 or Big5 by how common the decoded characters are.

    charset-normalizer mixes up the Chinese, Korean and Japanese double-byte codecs on short inputs;
    the right reading of a Chinese report is the one made of everyday characters. A tie (two or three
    characters can read well both ways) goes to GB18030: most reports come from the mainland.
    """
    scored: list[tuple[float, str, str]] = []
    for family in (("gb18030",), ("big5", "cp950", "big5hkscs")):
        for codec in family:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            scored.append((_common_ratio(text), text, codec))
            break
        else:  # no strict reading: accept a few damaged bytes, as for UTF-8
            text = data.decode(family[0], errors="replace")
            if _few_damaged(text):
                scored.append((_common_ratio(text), text, family[0]))
    if not scored:
        return None
    score, text, codec = max(scored, key=lambda s: s[0])  # max() keeps the first of equals
    return (text, codec) if score >= 0.5 else None


def _few_damaged(text: str) -> bool:
    """A few replacement characters are damage; a wrong codec replaces nearly every non-ASCII one."""
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return bad * 20 <= non_ascii


def _common_ratio(text: str) -> float:
    """Share of everyday ideographs (GB2312 level 1 or Big5 常用字) among the non-ASCII characters.

    Punctuation is neutral; private-use and rare characters, what a wrong codec produces, count against.
    """
    relevant = common = 0
    for c in text[:20000]:
        if c < "\x80" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or c in "“”‘’—…·":
            continue
        relevant += 1
        common += "\u4e00" <= c <= "\u9fff" and _is_common(c)
    return common / relevant if relevant else 0.0


@functools.lru_cache(maxsize=8192)
def _is_common(char: str) -> bool:
    try:
        gb = char.encode("gb2312")
        if 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b5 = char.encode("big5")
        return 0xA4 <= b5[0] <= 0xC5 or (b5[0] == 0xC6 and b5[1] <= 0x7E)
    except UnicodeEncodeError:
        return False


def _check_text(text: str) -> str:
    """Reject text that decoded but is mostly control characters (a binary file)."""
    sample = text[:100_000]
    if sample:
        control = len(_BINARY_CONTROLS.findall(sample))
        if control * 20 > len(sample):
            raise IngestError("binary", "the file is mostly control characters: it is binary, not text")
    return text


# =========================================================================== plain text

_TABLE_START = re.compile(r"<table\b", re.I)
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.I)


def plain_text(raw: str) -> str:
    """Text or Markdown: normalise; HTML tables pasted into it (PDF→Markdown tools) become rows."""
    text = normalise(raw)
    if _TABLE_START.search(text):
        text = _inline_tables(text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _inline_tables(text: str) -> str:
    out: list[str] = []
    pos = depth = start = 0
    for m in _TABLE_TAG.finditer(text):
        if not m.group(1):
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                before = text[pos:start]
                out.append(before)
                if before and not before.endswith("\n"):
                    out.append("\n")
                out.append(fragment_to_text(text[start : m.end()]))
                if not text.startswith("\n", m.end()):
                    out.append("\n")
                pos = m.end()
    out.append(text[pos:])
    return "".join(out)
