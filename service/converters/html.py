"""HTML → text that keeps table cells: one line per row, ``| cell | cell |``, with rowspan/colspan
repeated into every slot they cover: the same shape as a Markdown table, so table anchors read both alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from service.converters.base import is_wide as _is_wide
from service.converters.base import normalise, words

_words = words

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


def html_to_text(raw: str) -> str:
    tree = LexborHTMLParser(normalise(raw))
    header: list[str] = []
    title = tree.css_first("title")
    if title is not None and (text := _collapse(title.text(deep=True))):
        header.append(f"标题: {text}")
    if date := _meta_date(tree):
        header.append(f"发布时间: {date}")
    return "\n".join(header + _render_tree(tree))


def fragment_to_text(fragment: str) -> str:
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
