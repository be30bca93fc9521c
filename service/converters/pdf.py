"""PDF → text from the PDF's own text layer (pypdfium2), in the reading order the layer gives.

The plain text layer already lets the table decoders read tables 二/三/四 (rows come out as
``label 1 0 0 0 0 0 1``), so this module only cleans it, never re-lays it out:

- running headers and footers (a line repeated at the top or bottom of most pages, page numbers
  such as ``- 4 -`` left to ``strip_chrome``) are dropped;
- spaces PDF text puts between CJK characters of justified lines (``邮 编 ：``), and between Chinese
  and a number where a word processor spaces them (``微博 29 个``), are removed; a cell gap stays;
- pages are joined with a plain line break, so a table continued on the next page follows its first
  part directly once the page chrome between them is gone.

Every character of the result keeps the index of the page character it came from (``PdfLayout``), so
an evidence span can be given a page and a box. A PDF with no text layer, or one whose layer is glyph
codes (``(cid:12)``, U+FFFD), is an ``IngestError("no_text_layer")``, never an empty success.

pdfium is not thread-safe: every call into it holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import ctypes
import itertools
import re
import threading
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

import service.converters.ocr as ocr
from service.converters.base import INVISIBLE, SPACES, Converted, IngestError, is_wide

MAGIC = b"%PDF-"
MAX_PAGES = 300
MAX_SECONDS = 30.0
MAX_OCR_PAGES = 30  # OCR takes about a second a page
PDFIUM_LOCK = threading.RLock()

Box = tuple[float, float, float, float]


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (readers accept up to 1 KB of junk before it)."""
    return MAGIC in data[:1024]


# =========================================================================== the offset → page map


@dataclass(frozen=True, eq=False)
class PdfLayout:
    """Where each character of the document text stands: ``page[i]`` (1-based; 0 for a line break this
    module added) and ``box[4i:4i+4]`` = x0, y0, x1, y1 in PDF points from the page's top-left corner."""

    page: array
    box: array

    def keep_lines(self, text: str, kept: Sequence[int]) -> tuple[str, PdfLayout]:
        """The text made of the lines numbered ``kept`` (page chrome removed), with its map."""
        lines = text.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        page, box = array("h"), array("f")
        for n, i in enumerate(kept):
            if n:
                page.append(0)
                box.extend((0.0, 0.0, 0.0, 0.0))
            a, b = starts[i], starts[i] + len(lines[i])
            page.extend(self.page[a:b])
            box.extend(self.box[4 * a : 4 * b])
        return "\n".join(lines[i] for i in kept), PdfLayout(page, box)

    def locate(self, start: int, end: int) -> tuple[int, Box] | None:
        """A text span → (page, box around its characters on the page where it starts); None if the span
        holds no page character."""
        first = next((i for i in range(max(0, start), min(end, len(self.page))) if self.page[i]), None)
        if first is None:
            return None
        page = self.page[first]
        x0 = y0 = float("inf")
        x1 = y1 = float("-inf")
        for i in range(first, min(end, len(self.page))):
            if self.page[i] != page:
                continue
            a, b, c, d = self.box[4 * i : 4 * i + 4]
            if c <= a:  # a space or a generated character: no extent
                continue
            x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
        if x0 == float("inf"):
            x0, y0, x1, y1 = self.box[4 * first : 4 * first + 4]
        return page, (round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1))


# =========================================================================== reading


def convert(data: bytes, *, max_pages: int = MAX_PAGES, max_seconds: float = MAX_SECONDS) -> Converted:
    """PDF bytes → text and layout; ``IngestError`` for an encrypted, broken or image-only PDF."""
    started = time.monotonic()
    with PDFIUM_LOCK:
        pdf = _open(data)
        try:
            total = len(pdf)
            if total == 0:
                raise IngestError("corrupt_pdf", "the PDF has no pages")
            pages: list[list[_Line]] = []
            scanned: dict[int, Any] = {}  # page number → its image, for OCR
            warnings: list[str] = []
            for number in range(min(total, max_pages)):
                if pages and time.monotonic() - started > max_seconds:
                    warnings.append(
                        f"reading stopped after {len(pages)} of {total} pages: the time limit is {max_seconds:g} s "
                        "per file; later pages were not read"
                    )
                    break
                lines = _page_lines(pdf, number)
                if not _meaningful(lines) and len(scanned) < MAX_OCR_PAGES and ocr.enabled():
                    scanned[number] = pdf[number].render(scale=ocr.SCALE).to_pil()
                pages.append(lines)
        except pdfium.PdfiumError as exc:
            raise IngestError("corrupt_pdf", f"the PDF cannot be read: {exc}") from None
        finally:
            pdf.close()
    if total > max_pages:
        warnings.append(f"the PDF has {total} pages; only the first {max_pages} were read (the limit per file)")
    ocr_pages = _read_by_ocr(pages, scanned, started, max_seconds, warnings)
    _check_text_layer(pages)
    empty = [str(n + 1) for n, lines in enumerate(pages) if not _meaningful(lines)]
    if empty:
        listed = ", ".join(empty[:20]) + (" …" if len(empty) > 20 else "")
        warnings.append(f"{len(empty)} page(s) have no text layer (scanned?) and were not read: {listed}")
    _drop_running_lines(pages)
    text, layout = _assemble(_join_paragraphs(pages))
    info: dict[str, Any] = {"format": "pdf", "pages": total, "pages_read": len(pages)}
    if len(pages) < total:
        info["truncated"] = "time" if len(pages) < min(total, max_pages) else "pages"
    if ocr_pages:
        info["ocr_pages"] = ocr_pages
    return Converted(text=text, kind="pdf", encoding="pdf", layout=layout, warnings=tuple(warnings), info=info)


def _read_by_ocr(
    pages: list[list[_Line]], images: dict[int, Any], started: float, max_seconds: float, warnings: list[str]
) -> list[int]:
    """Pages without a text layer read from their images (the ``ocr`` extra); their 1-based numbers."""
    done: list[int] = []
    for number, image in images.items():
        if time.monotonic() - started > max_seconds:
            warnings.append(f"OCR stopped at page {number + 1}: the time limit is {max_seconds:g} s per file")
            break
        lines = []
        for row in ocr.read_image(image, ocr.SCALE):
            line = _Line("", [])
            for text, box in row:
                if line.text:
                    line.text += " "
                    line.box.append(_NO_BOX)
                width = (box[2] - box[0]) / max(1, len(text))  # OCR boxes whole pieces: share them out
                line.text += text
                line.box.extend(
                    (box[0] + k * width, box[1], box[0] + (k + 1) * width, box[3]) for k in range(len(text))
                )
            line.index = [-1] * len(line.text)
            line.page = array("h", [number + 1] * len(line.text))
            _measure(line)
            lines.append(line)
        pages[number] = lines
        done.append(number + 1)
    if done:
        warnings.append(f"{len(done)} page(s) had no text layer and were read by OCR: {', '.join(map(str, done))}")
    return done


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise IngestError("encrypted", "the PDF is encrypted (password protected): it cannot be read") from None
        raise IngestError(
            "corrupt_pdf", f"the file starts like a PDF but cannot be read (truncated or damaged?): {exc}"
        ) from None


@dataclass
class _Line:
    """One line of a page: its characters and, for each, the index on the page it came from; after
    ``_measure`` also each character's page and box, and the line's extent."""

    text: str
    index: list[int]
    page: array = field(default_factory=lambda: array("h"))
    box: list[Box] = field(default_factory=list)  # per character; _NO_BOX for a space or a generated one
    left: float = 0.0
    right: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    height: float = 0.0
    tabular: bool = False  # holds a gap wider than 1.5 characters: cells of a table row
    reaches: bool = False  # its last physical line runs to the page's right margin (set by _join_paragraphs)
    vertical: bool = False  # made of characters printed one per line (set by _join_vertical_labels)


_CJK_GAP = re.compile(r" +")
_RAW_LINE = re.compile(r"[^\r\n]+")
_DROPPED = re.compile(f"{INVISIBLE.pattern}|[\x00-\x08\x0b-\x1f\x7f]")


def _page_lines(pdf: pdfium.PdfDocument, number: int) -> list[_Line]:
    """A page's non-empty lines, each character with its box."""
    page = pdf[number]
    textpage = page.get_textpage()
    size = textpage.count_chars()
    raw = textpage.get_text_range(0, size)
    height = page.get_size()[1]
    boxes = _CharBoxes(textpage)
    lines: list[_Line] = []
    for m in _RAW_LINE.finditer(raw):
        line = _clean(m.group(), list(range(m.start(), m.end())), boxes)
        if line.text:
            line.page = array("h", [number + 1] * len(line.text))
            for i in line.index:
                left, bottom, right, top = boxes(i)
                line.box.append((left, height - top, right, height - bottom))
            lines.extend(_split_baselines(line))
    lines = _mend_broken_lines(lines)
    for line in lines:
        _measure(line)
    return _join_vertical_labels(lines)


_VERTICAL_CHAR = re.compile(r"[\u4e00-\u9fff、（）()]{1,2}")


def _join_vertical_labels(lines: list[_Line]) -> list[_Line]:
    """A label printed one character per line in a narrow cell (三\n、\n本\n年\n度…, 结\n果\n维\n持) made one
    line again: Chinese characters stacked right below each other in the same column. Digits are never
    joined (a column of numbers is many rows)."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and line.height
            and prev.height
            and _VERTICAL_CHAR.fullmatch(line.text)
            and _VERTICAL_CHAR.fullmatch(prev.text[-2:] if prev.vertical else prev.text)
            and line.left < prev.right
            and line.right > prev.left  # the same narrow column: the glyphs overlap side to side
            and -0.1 * prev.height <= line.top - prev.bottom <= 0.8 * max(line.height, prev.height)
        ):
            prev.text += line.text
            prev.index.extend(line.index)
            prev.page.extend(line.page)
            prev.box.extend(line.box)
            prev.top, prev.bottom = min(prev.top, line.top), line.bottom
            prev.vertical = True
            continue
        out.append(line)
    return out


class _CharBoxes:
    """pdfium's character boxes through its C call with four reused doubles: a page has thousands."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.raw = textpage.raw
        self.values = [ctypes.c_double() for _ in range(4)]
        self.refs = [ctypes.byref(v) for v in self.values]

    def __call__(self, index: int) -> Box:
        left, right, bottom, top = self.refs
        if not pdfium_c.FPDFText_GetCharBox(self.raw, index, left, right, bottom, top):
            return _NO_BOX
        v = self.values
        return (v[0].value, v[2].value, v[1].value, v[3].value)  # left, bottom, right, top


_NO_BOX: Box = (0.0, 0.0, 0.0, 0.0)


def _solid(boxes: list[Box], i: int) -> Box | None:
    b = boxes[i]
    return b if b[2] > b[0] and b[3] > b[1] else None


def _split_baselines(line: _Line) -> list[_Line]:
    """Split a line where pdfium ran two lines together: the next glyph stands lower and back to the left
    ("次" over "311" in a narrow cell comes out as "次311")."""
    cuts: list[int] = []
    last: Box | None = None
    for i, box in enumerate(line.box):
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        if last is not None:
            h = min(last[3] - last[1], box[3] - box[1])
            overlap = min(last[3], box[3]) - max(last[1], box[1])
            if overlap < 0.3 * h and box[1] > last[1] and box[0] < last[2]:
                cuts.append(i)
        last = box
    if not cuts:
        return [line]
    parts = []
    for a, b in itertools.pairwise([0, *cuts, len(line.text)]):
        text = line.text[a:b]
        lead = len(text) - len(text.lstrip())
        a += lead
        b -= len(text) - len(text.rstrip())
        if a < b:
            parts.append(_Line(line.text[a:b], line.index[a:b], line.page[a:b], line.box[a:b]))
    return parts


def _mend_broken_lines(lines: list[_Line]) -> list[_Line]:
    """Undo line breaks pdfium puts between characters that stand on one baseline, left to right
    (it does so where glyphs overlap a little: "微\n博\n微\n信" for 微博微信)."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None:
            last = next((b for i in range(len(prev.text) - 1, -1, -1) if (b := _solid(prev.box, i))), None)
            first = next((b for i in range(len(line.text)) if (b := _solid(line.box, i))), None)
            if last and first:
                h = min(last[3] - last[1], first[3] - first[1])
                overlap = min(last[3], first[3]) - max(last[1], first[1])
                gap = first[0] - last[2]
                if h > 0 and overlap >= 0.6 * h and first[0] >= last[0] and gap < 1.5 * h:
                    if gap > 0.5 * h and not (is_wide(prev.text[-1]) and is_wide(line.text[0])):
                        prev.text += " "
                        prev.index.append(-1)
                        prev.page.append(0)
                        prev.box.append(_NO_BOX)
                    prev.text += line.text
                    prev.index.extend(line.index)
                    prev.page.extend(line.page)
                    prev.box.extend(line.box)
                    continue
        out.append(line)
    return out


def _measure(line: _Line) -> None:
    """The line's extent and glyph height, and whether it has cell gaps."""
    solid = [b for b in line.box if b[2] > b[0] and b[3] > b[1]]
    if not solid:
        return
    heights = sorted(b[3] - b[1] for b in solid)  # digits are shorter than CJK glyphs: the tall ones count
    line.height = heights[int(0.9 * (len(heights) - 1))]
    line.left, line.right = min(b[0] for b in solid), max(b[2] for b in solid)
    line.top, line.bottom = min(b[1] for b in solid), max(b[3] for b in solid)
    line.tabular = any(b[0] - a[2] > 1.5 * line.height for a, b in itertools.pairwise(solid))


_NEW_ITEM = re.compile(
    r"^(（[一二三四五六七八九十\d]{1,3}）|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．]\D|第[一二三四五六七八九十\d]+[条章节])"
)
_SENTENCE_END = "。！？；：:"
_WORD_START = re.compile(r"[\w\u4e00-\u9fff，、）)”’]")


def _join_paragraphs(pages: list[list[_Line]]) -> list[_Line]:
    """Lines of one paragraph made one line again: a line that runs to the right margin continues on
    the next line when that one starts no further right than the line before, in the same size, right below it (or
    at the top of the next page). Table rows (lines with cell gaps) and new items (``（二）``, ``3.``) are
    never joined, so every table decoder sees the rows it saw before.
    """
    out: list[_Line] = []
    for lines in pages:
        margin = _right_margin([line for line in lines if line.height > 0])
        for n, line in enumerate(lines):
            prev = out[-1] if out else None
            if prev is not None and _continues(prev, line, first=n == 0):
                glue = "" if is_wide(prev.text[-1]) or is_wide(line.text[0]) else " "
                if glue:
                    prev.page.append(0)
                    prev.box.append(_NO_BOX)
                prev.text += glue + line.text
                prev.page.extend(line.page)
                prev.box.extend(line.box)
                prev.left, prev.right, prev.top, prev.bottom = line.left, line.right, line.top, line.bottom
                prev.tabular = line.tabular
                prev.reaches = line.right >= margin - 1.5 * line.height
                continue
            line.reaches = line.height > 0 and line.right >= margin - 1.5 * line.height
            out.append(line)
    return out


def _right_margin(lines: list[_Line]) -> float:
    """Where a page's full lines end: the right edge most long lines reach (a long URL may overrun it)."""
    rights = sorted(line.right for line in lines if len(line.text) >= 10) or sorted(line.right for line in lines)
    return rights[int(0.75 * (len(rights) - 1))] if rights else 0.0


def _continues(prev: _Line, line: _Line, *, first: bool) -> bool:
    """Whether ``line`` goes on with ``prev`` (whose extent fields describe its last physical line)."""
    if not prev.reaches or prev.tabular or line.tabular or not prev.height or not line.height:
        return False
    if abs(prev.height - line.height) > 0.2 * prev.height or _NEW_ITEM.match(line.text):
        return False
    if prev.text[-1] in _SENTENCE_END + "|｜" or not _WORD_START.match(line.text):
        return False
    if line.left > prev.left + 0.8 * line.height:  # indented: a new paragraph
        return False
    if prev.left > line.left + 2.5 * line.height:  # more than a first-line indent: a cell on the right
        return False
    if first:  # the first line of a new page continues the last line of the page before
        return True
    return 0 <= line.top - prev.bottom <= 1.5 * line.height


def _clean(text: str, index: list[int], boxes: _CharBoxes) -> _Line:
    """Normalise one line character by character, keeping each survivor's page index.

    A space between two wide characters is dropped when the characters stand closer than one character
    height (justification inside a cell: ``邮 编 ：``) and kept when they are further apart (two cells:
    ``信息内容   本年制发件数``); other runs of spaces become one.
    """
    if _DROPPED.search(text):
        survivors = [(ch, i) for ch, i in zip(text, index, strict=True) if not _DROPPED.match(ch)]
        text, index = "".join(ch for ch, _ in survivors), [i for _, i in survivors]
    line, kept = SPACES.sub(" ", text), index  # one character for one: the indices stay
    if " " not in line:
        return _Line(line, kept)
    # spaces between two wide characters are justification, not words; other runs become one space
    out: list[str] = []
    out_index: list[int] = []
    pos = 0
    for m in _CJK_GAP.finditer(line):
        out.extend(line[pos : m.start()])
        out_index.extend(kept[pos : m.start()])
        before = line[m.start() - 1] if m.start() else ""
        after = line[m.end()] if m.end() < len(line) else ""
        wide = before and after and is_wide(before) and is_wide(after)
        # a word processor's spacing between Chinese and a number (微博 29 个) is narrower than a cell gap
        mixed = before and after and _wide_and_digit(before, after)
        apart = 1.0 if wide else 0.6
        if (
            before
            and after
            and (not (wide or mixed) or _far_apart(boxes(kept[m.start() - 1]), boxes(kept[m.end()]), apart))
        ):
            out.append(" ")
            out_index.append(kept[m.start()])
        pos = m.end()
    out.extend(line[pos:])
    out_index.extend(kept[pos:])
    return _Line("".join(out), out_index)


def _far_apart(a: Box, b: Box, heights: float = 1.0) -> bool:
    """Whether two characters of a line (pdfium boxes) are more than ``heights`` character heights apart."""
    height = max(a[3] - a[1], b[3] - b[1], 1.0)
    return b[0] - a[2] > heights * height


def _wide_and_digit(before: str, after: str) -> bool:
    return (is_wide(before) and after.isascii() and after.isdigit()) or (
        before.isascii() and before.isdigit() and is_wide(after)
    )


_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_BAD = re.compile(r"[\ufffd\ue000-\uf8ff]|\(cid:\d+\)")


def _meaningful(lines: list[_Line]) -> int:
    return sum(len(_WORD.findall(line.text)) for line in lines)


def _check_text_layer(pages: list[list[_Line]]) -> None:
    """No words at all, or mostly glyph codes: a scanned or badly embedded PDF (OCR is needed)."""
    text = "\n".join(line.text for lines in pages for line in lines)
    bad = len(_BAD.findall(text))
    words = len(_WORD.findall(_BAD.sub("", text)))
    if bad and bad * 3 > words:
        raise IngestError(
            "no_text_layer",
            f"no text layer: {bad} of its glyphs have no Unicode mapping ((cid:NN) or U+FFFD), "
            f"so the text cannot be read reliably (it needs OCR{_ocr_hint()})",
        )
    if words < 20:
        raise IngestError(
            "no_text_layer",
            f"no text layer: the PDF's {len(pages)} page(s) hold {words} readable characters "
            f"(a scanned or image-only PDF, or damaged page content; it needs OCR{_ocr_hint()})",
        )


def _ocr_hint() -> str:
    return "" if ocr.enabled() else ": install 'nianbao[ocr]'"


_DIGITS = re.compile(r"\d+")
_EDGE = 2  # lines at the top and at the bottom of a page where running headers and footers stand


def _drop_running_lines(pages: list[list[_Line]]) -> None:
    """Drop lines that stand at the same page edge on most pages (digits ignored: "第3页" ~ "第4页")."""
    if len(pages) < 3:
        return
    seen: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        keys = {("top", _DIGITS.sub("#", line.text)) for line in lines[:_EDGE]}
        keys |= {("bottom", _DIGITS.sub("#", line.text)) for line in lines[-_EDGE:]}
        seen.update(keys)
    need = max(3, (len(pages) + 1) // 2)
    running = {key for key, count in seen.items() if count >= need and len(key[1]) <= 60}
    if not running:
        return
    for n, lines in enumerate(pages):
        top = [i for i, line in enumerate(lines[:_EDGE]) if ("top", _DIGITS.sub("#", line.text)) in running]
        bottom_start = max(_EDGE, len(lines) - _EDGE)
        bottom = [i for i in range(bottom_start, len(lines)) if ("bottom", _DIGITS.sub("#", lines[i].text)) in running]
        drop = set(top) | set(bottom)
        if drop:
            pages[n] = [line for i, line in enumerate(lines) if i not in drop]


def _assemble(lines: list[_Line]) -> tuple[str, PdfLayout]:
    """Join the lines with line breaks, and their characters' places into one map."""
    page, box = array("h"), array("f")
    for n, line in enumerate(lines):
        if n:
            page.append(0)
            box.extend((0.0, 0.0, 0.0, 0.0))
        page.extend(line.page)
        box.extend(itertools.chain.from_iterable(line.box))
    return "\n".join(line.text for line in lines), PdfLayout(page, box)


# =========================================================================== images of pages


def render_page(data: bytes, page: int, width: int = 1100) -> bytes:
    """One page (1-based) as PNG bytes, ``width`` pixels wide; ``IngestError`` if there is no such page."""
    import io

    with PDFIUM_LOCK:
        pdf = _open(data)
        try:
            if not 1 <= page <= len(pdf):
                raise IngestError("unreadable", f"the PDF has {len(pdf)} pages; there is no page {page}")
            handle = pdf[page - 1]
            scale = width / handle.get_size()[0]
            image = handle.render(scale=scale).to_pil()
        except pdfium.PdfiumError as exc:
            raise IngestError("corrupt_pdf", f"the page cannot be rendered: {exc}") from None
        finally:
            pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def page_size(data: bytes, page: int) -> tuple[float, float]:
    """(width, height) of a page in PDF points."""
    with PDFIUM_LOCK:
        pdf = _open(data)
        try:
            return pdf[page - 1].get_size()
        finally:
            pdf.close()
