"""Report bytes → Document: decode, turn HTML into text that keeps table cells, strip page chrome.

Everything downstream (anchors, the model, evidence spans) works on ``Document.text``, so every
normalisation happens here, before the text is returned; nothing later may change it.

HTML tables become one line per row, ``| cell | cell |``, with rowspan/colspan repeated into every
slot they cover: the same shape as a Markdown table, so table anchors read both alike.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from service.core import Document

MAX_BYTES = 20 * 1024 * 1024

Kind = Literal["text", "markdown", "html"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class IngestError(Exception):
    """A report that cannot be read; ``code`` says why (empty, binary, too_large, unreadable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# =========================================================================== public entry points


def read_bytes(data: bytes, filename: str | None = None, report_id: str | None = None) -> Document:
    """Decode and normalise one report; raises ``IngestError`` for input that holds no report text."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IngestError("unreadable", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise IngestError("empty", "the file is empty (0 bytes)")
    if len(data) > MAX_BYTES:
        raise IngestError("too_large", f"the file has {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes")
    digest = hashlib.sha256(data).hexdigest()
    raw, encoding = _decode(data)
    kind = _kind(filename, raw)
    text = _html_to_text(raw) if kind == "html" else _plain_text(raw)
    text = strip_chrome(text)
    if not text.strip():
        raise IngestError("empty", "the file holds no readable text")
    name = Path(filename).name if filename else None
    return Document(
        id=report_id or _stem(name) or digest[:12],
        text=text,
        kind=kind,
        sha256=digest,
        encoding=encoding,
        filename=name,
    )


def read_path(path: str | Path) -> Document:
    """Read a report file; a missing, unreadable or oversized file gives an ``IngestError``."""
    p = Path(path)
    try:
        if not p.is_file():
            what = "is a directory, not a file" if p.is_dir() else "does not exist"
            raise IngestError("unreadable", f"{p} {what}")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise IngestError("too_large", f"{p} has {size:,} bytes; the limit is {MAX_BYTES:,} bytes")
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read {p}: {exc.strerror or exc}") from exc
    return read_bytes(data, filename=p.name)


def _stem(name: str | None) -> str | None:
    if not name:
        return None
    stem = Path(name).stem.strip()
    return stem or None


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


def _decode(data: bytes) -> tuple[str, str]:
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


# =========================================================================== kind

_HTML_SNIFF = re.compile(r"<(?:!doctype\s+html|html|head|body|table|div|meta|title|p)\b", re.I)


def _kind(filename: str | None, text: str) -> Kind:
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in {".htm", ".html", ".xhtml", ".shtml"}:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    return "html" if _HTML_SNIFF.search(text[:1024].lstrip("\ufeff \t\r\n")[:1024]) else "text"


# =========================================================================== plain text

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_TABLE_START = re.compile(r"<table\b", re.I)
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.I)


def _normalise(text: str) -> str:
    """One line convention and one kind of space, so offsets never depend on the source's habits."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n").replace("\v", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    return _SPACES.sub(" ", text)


def _plain_text(raw: str) -> str:
    """Text or Markdown: normalise; HTML tables pasted into it (PDF→Markdown tools) become rows."""
    text = _normalise(raw)
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
                out.append(_html_fragment_to_text(text[start : m.end()]))
                if not text.startswith("\n", m.end()):
                    out.append("\n")
                pos = m.end()
    out.append(text[pos:])
    return "".join(out)


# =========================================================================== HTML → text

_SKIP = _words(
    "script style noscript template head title iframe object embed svg canvas select option button "
    "input textarea map video audio link meta nav"
)
_BLOCK = _words(
    "address article aside blockquote center dd details dialog dir div dl dt fieldset figcaption figure "
    "footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr li main menu ol p pre section summary "
    "caption ul table tbody thead tfoot tr td th body html legend"
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"\s+")
_WRAP = re.compile(r"\s*\n\s*")
_LINK_SEPARATORS = re.compile(r"[\s|｜>＞»›/·•、,，-]+")
_TABLE_PARTS = _words("table tbody thead tfoot tr td th caption body html")
_MAX_SPAN = 100
_LONG_CELL = 300
_PUB_META = {"pubdate", "publishdate", "firstpublishedtime", "article:published_time", "publishtime"}


def _html_to_text(raw: str) -> str:
    tree = LexborHTMLParser(_normalise(raw))
    header: list[str] = []
    title = tree.css_first("title")
    if title is not None and (text := _collapse(title.text(deep=True))):
        header.append(f"标题: {text}")
    if date := _meta_date(tree):
        header.append(f"发布时间: {date}")
    return "\n".join(header + _render_tree(tree))


def _html_fragment_to_text(fragment: str) -> str:
    return "\n".join(_render_tree(LexborHTMLParser(fragment)))


def _render_tree(tree: LexborHTMLParser) -> list[str]:
    root = tree.body or tree.root
    return _Renderer(root).render(root) if root is not None else []


def _meta_date(tree: LexborHTMLParser) -> str | None:
    for meta in tree.css("meta"):
        attrs = meta.attributes
        key = (attrs.get("name") or attrs.get("property") or "").lower()
        if key in _PUB_META:
            value = _collapse(attrs.get("content") or "")
            if re.match(r"\d{4}\D", value):
                return value
    return None


def _children(node: LexborNode) -> Iterator[LexborNode]:
    """Child nodes worth reading: text and visible elements (no comments, scripts, hidden boxes)."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text" or (tag and tag[0] not in "-!_" and tag not in _SKIP and not _hidden(child)):
            yield child


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = (attrs.get("style") or "").lower()  # Word pages style every span: test cheaply first
    return ("display" in style or "visibility" in style) and _HIDDEN_STYLE.search(style) is not None


@dataclass
class _Stats:
    """What one subtree holds, gathered in a single pass so each decision below is O(1)."""

    chars: int = 0  # visible characters, separators excluded
    link_chars: int = 0
    links: int = 0
    long_link: bool = False
    tables: int = 0


class _Renderer:
    """DOM → text lines. Iterative walks only: deeply nested pages must not hit the recursion limit."""

    def __init__(self, root: LexborNode) -> None:
        self.stats: dict[int, _Stats] = {}
        self._gather(root)

    def _gather(self, root: LexborNode) -> None:
        stack: list[tuple[LexborNode, Iterator[LexborNode], _Stats]] = [(root, _children(root), _Stats())]
        while stack:
            node, children, acc = stack[-1]
            child = next(children, None)
            if child is not None:
                if child.tag == "-text":
                    acc.chars += len(_LINK_SEPARATORS.sub("", child.text_content or ""))
                else:
                    stack.append((child, _children(child), _Stats()))
                continue
            stack.pop()
            if node.tag == "a":
                acc.long_link = acc.long_link or acc.chars > 30
                acc.links, acc.link_chars = acc.links + 1, acc.chars
            elif node.tag == "table":
                acc.tables += 1
            self.stats[node.mem_id] = acc
            if stack:
                parent = stack[-1][2]
                parent.chars += acc.chars
                parent.link_chars += acc.link_chars
                parent.links += acc.links
                parent.long_link = parent.long_link or acc.long_link
                parent.tables += acc.tables

    def _is_link_block(self, node: LexborNode) -> bool:
        """Three or more short links and next to no other text: a menu, breadcrumb or link box."""
        st = self.stats.get(node.mem_id)
        if st is None or st.links < 3 or st.long_link:
            return False
        return st.chars - st.link_chars <= max(6, st.link_chars // 10)

    def render(self, root: LexborNode) -> list[str]:
        lines: list[str] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                line = _collapse("".join(buf))
                buf.clear()
                if line:
                    lines.append(line)

        stack: list[tuple[LexborNode, Iterator[LexborNode]]] = [(root, _children(root))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if node.tag in _BLOCK:
                    flush()
                continue
            tag = child.tag
            if tag == "-text":
                buf.append(_unwrap(child.text_content or ""))
                continue
            if tag == "br":
                flush()
                continue
            if tag in _BLOCK and tag not in _TABLE_PARTS and self._is_link_block(child):
                continue
            if tag == "table":
                flush()
                rows = self._table_rows(child)
                if rows is not None:
                    lines.extend(rows)
                    continue
            if tag == "pre":
                flush()
                lines.extend(ln for ln in (_collapse(t) for t in (child.text() or "").split("\n")) if ln)
                continue
            if tag in _BLOCK:
                flush()
            stack.append((child, _children(child)))
        flush()
        return lines

    def _table_rows(self, table: LexborNode) -> list[str] | None:
        """A data table as ``| a | b |`` rows; None for a layout table, which is rendered as blocks."""
        st = self.stats.get(table.mem_id)
        if st is None or st.tables > 1:  # holds another table: page layout
            return None
        if (table.attributes.get("role") or "").lower() in ("presentation", "none"):
            return None
        rows: list[list[tuple[str, int, int]]] = []
        for tr in _own_rows(table):
            cells = []
            for td in _children(tr):
                if td.tag not in ("td", "th"):
                    continue
                text = self._cell_text(td)
                if len(text) > _LONG_CELL:
                    return None  # a cell holding whole paragraphs: layout, not data
                cells.append((text, _span(td, "rowspan"), _span(td, "colspan")))
            rows.append(cells)
        grid = _expand(rows)
        if max((len(r) for r in grid), default=0) < 2:
            return None  # a one-column table is a stack of boxes
        out = ["| " + " | ".join(row) + " |" for row in grid if any(row)]
        for caption in _children(table):
            if caption.tag == "caption" and (text := _collapse(caption.text(deep=True))):
                out.insert(0, text)
        return out

    def _cell_text(self, td: LexborNode) -> str:
        """A cell's lines joined into one: CJK lines join without a space, as a reader reads them."""
        text = ""
        for line in self.render(td):
            text = _join(text, line)
        return text.replace("|", "｜")


def _own_rows(table: LexborNode) -> Iterator[LexborNode]:
    for child in table.iter():
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child.iter() if tr.tag == "tr")


def _span(td: LexborNode, name: str) -> int:
    value = td.attributes.get(name) or ""
    m = re.match(r"\s*(\d+)", value)
    return max(1, min(int(m.group(1)), _MAX_SPAN)) if m else 1


def _expand(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Lay the cells on a grid, repeating a spanning cell's text into every slot it covers."""
    grid: list[list[str | None]] = [[] for _ in rows]
    for r, cells in enumerate(rows):
        col = 0
        for text, rowspan, colspan in cells:
            row = grid[r]
            while col < len(row) and row[col] is not None:
                col += 1
            for dr in range(min(rowspan, len(rows) - r)):
                target = grid[r + dr]
                if len(target) < col + colspan:
                    target.extend([None] * (col + colspan - len(target)))
                for dc in range(colspan):
                    target[col + dc] = text
            col += colspan
    return [[cell or "" for cell in row] for row in grid]


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _collapse(text: str) -> str:
    """HTML whitespace rule: any run of whitespace is one space."""
    return _WS.sub(" ", text).strip()


def _unwrap(text: str) -> str:
    """A line break inside a run of text next to a CJK character is a source wrap: it reads as nothing.

    Only inside one text node: whitespace between two elements (menu links) stays a space.
    """
    if "\n" not in text or not text.strip():
        return text

    def repl(m: re.Match[str]) -> str:
        s, i, j = m.string, m.start(), m.end()
        if i > 0 and j < len(s) and (_is_wide(s[i - 1]) or _is_wide(s[j])):
            return ""
        return " "

    return _WRAP.sub(repl, text)


def _join(left: str, right: str) -> str:
    if not left:
        return right
    if not right:
        return left
    return left + right if _is_wide(left[-1]) or _is_wide(right[0]) else f"{left} {right}"


# =========================================================================== page chrome


def strip_chrome(text: str) -> str:
    """Drop site menus, breadcrumbs, widgets, metadata and footers, one whole line at a time.

    Conservative by design: a rule matches a whole short line, never part of one, so a line that
    holds report text is never removed. A crawler header (``标题: …`` up to ``==== 正文 ====``) is
    kept as it is: it carries the title and publish date.
    """
    lines = text.split("\n")
    start = _crawler_header_end(lines)
    verdicts = [_line_verdict(line.strip()) if i >= start else _KEEP for i, line in enumerate(lines)]
    _mark_runs(lines, verdicts, start)
    kept: list[str] = []
    after_stub = False
    for i, line in enumerate(lines):
        verdict = verdicts[i]
        stripped = line.strip()
        if verdict == _STUB:
            after_stub = True
            continue
        if after_stub and (not stripped or _FILE_NAME.match(stripped) or stripped in ("-", "—")):
            continue
        after_stub = False
        if verdict in (_KEEP, _WEAK):
            kept.append(stripped)
    return _squeeze_blank_lines(kept)


def _squeeze_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_KEEP, _DROP, _WEAK, _STUB = "keep", "drop", "weak", "stub"

_CRAWLER_END = re.compile(r"^=+\s*正文\s*=+$")
_PROTECTED = re.compile(r"标\s*题\s*[:：]|发布(时间|日期)|成文日期")
_BREADCRUMB = re.compile(
    r"^(当前位置|当前的位置|您的位置|你的位置|您当前的位置|您当前所在的位置|您当前所在位置|您现在的位置|"
    r"你现在的位置|当前所在位置|所在位置)\s*[:：]?"
)
_HOME_TRAIL = re.compile(r"^(网站)?首页\s*(>|＞|»|›|→|/|-|—|》)")
_META_LABEL = re.compile(
    r"^(信息)?索\s*引\s*号\s*[:：]|^发布机构\s*[:：]\s*\S{0,40}$|^文\s*号\s*[:：]\s*(无|-|—)?$|"
    r"^(主题分类|信息分类|分类|体裁分类|组配分类|服务对象分类|公开目录|公开方式|公开范围|公开时限|公开形式|"
    r"有效性|主题词|关键词|所属主题|信息类别)\s*[:：].{0,40}$"
)
# 访问量/浏览量 are left alone: "网站访问量" is a metric some reports state.
_COUNTER = re.compile(r"^【?(点击数|点击量|点击率|浏览次数|访问次数|阅读次数)\s*[:：]?\s*[\d,]*\s*次?】?$")
_FOOTER = re.compile(
    r"版权所有|copyright|©|ICP\s*备|ICP\s*证|网站标识码|公网安备|公安备案|技术支持\s*[:：]|"
    r"(主办|承办|维护|运维)单位\s*[:：]|最佳浏览效果|建议您?使用.{0,30}浏览器|"
    r"^(欢迎(光临|访问|来到)|今天是)",
    re.I,
)
# A PDF page footer: "— 4 —", "- 12 -", "第 3 页", "第3页 共8页", "3 / 8".
_PAGE_NUMBER = re.compile(
    r"^[—–-]\s*\d{1,3}\s*[—–-]$|^第\s*\d{1,3}\s*页(\s*[，,]?\s*共\s*\d{1,3}\s*页)?$"
    r"|^\d{1,3}\s*/\s*\d{1,3}$"
)
_WIDGET_LINE = re.compile(r"^(扫一扫|分享到|【?\s*字\s*[体号]\s*[:：])")
_STUB_LINE = re.compile(
    r"^(附件下载|相关附件|下载附件|相关链接|相关文件|关联稿件|相关稿件|相关阅读|相关新闻|文件下载)\s*[:：]?"
    r"\s*(-+>)?\s*$"
)
_FILE_NAME = re.compile(r"^(附件\d*\s*[:：]?\s*)?[^\s。，]{1,120}\.(docx?|xlsx?|pdf|wps|et|zip|rar|ofd|txt)$", re.I)
_STUB_FILES = re.compile(
    r"^(附件下载|相关附件|附件|下载附件|下载)\s*[:：]\s*(\S{1,120}\.(docx?|xlsx?|pdf|wps|et|zip|rar|ofd)\s*)+$",
    re.I,
)
_SEPARATORS = re.compile(r"^(?:[|｜>＞»›→·•]\s*)+$|^-->$")  # never "-" alone: an absent table cell
_TOKEN_SPLIT = re.compile(r"[\s|｜·•/、]+")
_BRACKETS = re.compile(r"[【】\[\]()（）:：,，]")

# Words that are site chrome wherever they stand alone on a line.
_STRONG = _words(
    "网站首页 首页 返回首页 返回顶部 返回 登录 注册 注销 退出 移动版 手机版 无障碍 无障碍浏览 长者模式 "
    "退出长者模式 关怀版 网站地图 联系我们 关于我们 隐私保护 隐私声明 使用帮助 网站声明 繁體 繁体 简体 "
    "繁體版 简体版 English 网站支持IPV6 智能问答 站内搜索 搜索 高级搜索 历史搜索 热门搜索 友情链接 "
    "新媒体矩阵 设为首页 加入收藏 打印 打印本页 打印此页 打印文章 关闭 关闭窗口 关闭本页 分享 分享到 "
    "收藏 收藏本页 我要纠错 纠错 全真版 文字版 视力保护色 语音播报 朗读 复制链接 二维码 字号 字体 你好 "
    "文字解读 图片解读 H5解读 视频解读 音频解读"
)
# Words that are chrome only in a menu: three or more in a row, or on one line.
_WEAK_WORDS = _words(
    "政务公开 互动交流 办事服务 办事大厅 政务服务 信息公开 政府信息公开 政府信息公开年报 新闻中心 "
    "新闻动态 公众参与 解读回应 领导之窗 政府机构 要闻 政府会议 最新文件 政策文件 政策文件库 政府工作报告 "
    "公示公告 通知公告 规划信息 人事信息 统计信息 数据开放 专题专栏 重点领域信息公开 政策解读 新闻发布会 "
    "回应关切 在线访谈 网上调查 民意征集 在线服务 网上办事 政民互动 政务要闻 部门动态 乡镇动态 图片新闻 "
    "视频新闻 热点专题 政府文件 政策法规 机构职能 领导信息 人事任免 财政资金 政务地图 微信 微博 QQ空间 "
    "QQ 大 中 小 默认 文件下载 下载 政府网站 政府门户网站 新闻 概况 简介"
)
_WEAK_PATTERN = re.compile(r"^(走进|投资|魅力|畅游|印象|今日|数字).{1,4}$|^.{1,6}(动态|之窗|APP|客户端|平台|知识库)$")
_CONTENT = re.compile(r"\d")


def _crawler_header_end(lines: list[str]) -> int:
    for i, line in enumerate(lines[:40]):
        if _CRAWLER_END.match(line.strip()):
            return i + 1
    return 0


def _token_kind(token: str) -> str | None:
    token = _BRACKETS.sub("", token)
    if not token:
        return "sep"
    if token in _STRONG:
        return "strong"
    if token in _WEAK_WORDS or (not _CONTENT.search(token) and _WEAK_PATTERN.match(token)):
        return "weak"
    return None


def _line_verdict(s: str) -> str:
    if not s or len(s) > 150 or _PROTECTED.search(s):
        return _KEEP
    if _STUB_LINE.match(s) or _STUB_FILES.match(s):
        return _STUB
    if len(s) <= 100 and (_BREADCRUMB.match(s) or _HOME_TRAIL.match(s)):
        return _DROP
    if _META_LABEL.search(s) or _FOOTER.search(s) or _WIDGET_LINE.match(s):
        return _DROP
    if _COUNTER.match(s) or _PAGE_NUMBER.match(s):
        return _DROP
    if _SEPARATORS.match(s):
        return _DROP
    kinds = [_token_kind(t) for t in _TOKEN_SPLIT.split(s) if t]
    words = [k for k in kinds if k != "sep"]
    if not words or None in words:
        return _KEEP
    if len(words) >= 3 or "strong" in words:
        return _DROP
    return _WEAK  # menu words alone on a line: dropped only within a run (see _mark_runs)


def _mark_runs(lines: list[str], verdicts: list[str], start: int) -> None:
    """Weak menu words alone on lines are chrome when three or more chrome lines stand together."""
    i = start
    n = len(lines)
    while i < n:
        if verdicts[i] not in (_WEAK, _DROP) or not lines[i].strip():
            i += 1
            continue
        j, count = i, 0
        while j < n and (verdicts[j] in (_WEAK, _DROP) or not lines[j].strip()):
            count += bool(lines[j].strip())
            j += 1
        if count >= 3:
            for k in range(i, j):
                if verdicts[k] == _WEAK:
                    verdicts[k] = _DROP
        i = j
