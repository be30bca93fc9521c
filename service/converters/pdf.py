"""PDF → text from the PDF's own text layer (pypdfium2), in the reading order the layer gives.

The plain text layer already lets the table decoders read tables 二/三/四 (rows come out as
``label 1 0 0 0 0 0 1``), so this module only cleans it, never re-lays it out:

- running headers and footers (a line repeated at the top or bottom of most pages, page numbers
  such as ``- 4 -`` left to ``strip_chrome``) are dropped;
- spaces PDF text puts between CJK characters of justified lines (``邮 编 ：``) are removed;
- pages are joined with a plain line break, so a table continued on the next page follows its first
  part directly once the page chrome between them is gone.

Every character of the result keeps the index of the page character it came from (``PdfLayout``), so
an evidence span can be given a page and a box. A PDF with no text layer, or one whose layer is glyph
codes (``(cid:12)``, U+FFFD), is an ``IngestError("no_text_layer")``, never an empty success.

pdfium is not thread-safe: every call into it holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import re
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from service.converters.base import CONTROLS, INVISIBLE, SPACES, Converted, IngestError, is_wide

MAGIC = b"%PDF-"
MAX_PAGES = 300
MAX_SECONDS = 30.0
PDFIUM_LOCK = threading.RLock()

Box = tuple[float, float, float, float]


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (readers accept up to 1 KB of junk before it)."""
    return MAGIC in data[:1024]


# =========================================================================== the offset → page map


@dataclass(frozen=True, eq=False)
class PdfLayout:
    """For each offset of the document text, the page character it came from.

    ``chars[i]`` is a global character index (``page_base[p]`` + the index on page ``p``), or -1 for a
    line break this module added. Boxes are computed only when asked for (``locate``), from the PDF.
    """

    pdf: bytes
    chars: array
    page_base: tuple[int, ...]

    def page_of(self, index: int) -> tuple[int, int]:
        """Global character index → (0-based page, index on that page)."""
        lo, hi = 0, len(self.page_base) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.page_base[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo, index - self.page_base[lo]

    def keep_lines(self, text: str, kept: Sequence[int]) -> tuple[str, PdfLayout]:
        """The text made of the lines numbered ``kept`` (page chrome removed), with its map."""
        starts = [0]
        for line in text.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        lines = text.split("\n")
        out_lines: list[str] = []
        chars = array("i")
        for n, i in enumerate(kept):
            if n:
                chars.append(-1)
            out_lines.append(lines[i])
            chars.extend(self.chars[starts[i] : starts[i] + len(lines[i])])
        return "\n".join(out_lines), PdfLayout(self.pdf, chars, self.page_base)

    def locate(self, spans: Iterable[tuple[int, int]]) -> list[tuple[int, Box] | None]:
        """Each text span → (1-based page, box) of its characters on the page where it starts.

        The box is in PDF points with the origin at the page's top-left corner (y grows downwards), as
        an image of the page is laid out. None for a span with no page character in it.
        """
        wanted: list[tuple[int, list[int]] | None] = []
        for start, end in spans:
            indices = [c for c in self.chars[max(0, start) : max(0, end)] if c >= 0]
            if not indices:
                wanted.append(None)
                continue
            page, _ = self.page_of(indices[0])
            base = self.page_base[page]
            wanted.append((page, [c - base for c in indices if self.page_of(c)[0] == page]))
        out: list[tuple[int, Box] | None] = []
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(self.pdf)
            try:
                pages: dict[int, tuple[pdfium.PdfTextPage, float]] = {}
                for item in wanted:
                    if item is None:
                        out.append(None)
                        continue
                    page, indices = item
                    if page not in pages:
                        pages[page] = (pdf[page].get_textpage(), pdf[page].get_size()[1])
                    textpage, height = pages[page]
                    boxes = [textpage.get_charbox(i) for i in indices]
                    boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]] or boxes
                    left = min(b[0] for b in boxes)
                    right = max(b[2] for b in boxes)
                    bottom = min(b[1] for b in boxes)
                    top = max(b[3] for b in boxes)
                    box = (round(left, 1), round(height - top, 1), round(right, 1), round(height - bottom, 1))
                    out.append((page + 1, box))
            finally:
                pdf.close()
        return out


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
            sizes: list[int] = []
            warnings: list[str] = []
            for number in range(min(total, max_pages)):
                if pages and time.monotonic() - started > max_seconds:
                    warnings.append(
                        f"reading stopped after {len(pages)} of {total} pages: the time limit is {max_seconds:g} s "
                        "per file; later pages were not read"
                    )
                    break
                lines, size = _page_lines(pdf, number)
                pages.append(lines)
                sizes.append(size)
        except pdfium.PdfiumError as exc:
            raise IngestError("corrupt_pdf", f"the PDF cannot be read: {exc}") from None
        finally:
            pdf.close()
    if total > max_pages:
        warnings.append(f"the PDF has {total} pages; only the first {max_pages} were read (the limit per file)")
    _check_text_layer(pages)
    empty = [str(n + 1) for n, lines in enumerate(pages) if not _meaningful(lines)]
    if empty:
        warnings.append(
            f"page {', '.join(empty[:20])}{' …' if len(empty) > 20 else ''} ha{'s' if len(empty) == 1 else 've'} "
            "no text layer (scanned?): not read"
        )
    _drop_running_lines(pages)
    text, layout = _assemble(data, pages, sizes)
    info = {"format": "pdf", "pages": total, "pages_read": len(pages)}
    return Converted(text=text, kind="pdf", encoding="pdf", layout=layout, warnings=tuple(warnings), info=info)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise IngestError("encrypted", "the PDF is encrypted (password protected): it cannot be read") from None
        raise IngestError("corrupt_pdf", f"the file starts like a PDF but cannot be read: {exc}") from None


@dataclass
class _Line:
    """One line of a page: its characters and, for each, the index on the page it came from."""

    text: str
    index: list[int]


_CJK_GAP = re.compile(r" +")


def _page_lines(pdf: pdfium.PdfDocument, number: int) -> tuple[list[_Line], int]:
    """A page's non-empty lines, and how many characters its text layer has."""
    textpage = pdf[number].get_textpage()
    size = textpage.count_chars()
    raw = textpage.get_text_range(0, size)
    lines: list[_Line] = []
    start = 0
    for part in raw.replace("\r\n", "\n\x00").replace("\r", "\n").split("\n"):
        index = list(range(start, start + len(part)))
        start += len(part) + 1
        line = _clean(part, index, textpage)
        if line.text:
            lines.append(line)
    return lines, size


def _clean(text: str, index: list[int], textpage: pdfium.PdfTextPage) -> _Line:
    """Normalise one line character by character, keeping each survivor's page index.

    A space between two wide characters is dropped when the characters stand closer than one character
    height (justification inside a cell: ``邮 编 ：``) and kept when they are further apart (two cells:
    ``信息内容   本年制发件数``); other runs of spaces become one.
    """
    chars: list[str] = []
    kept: list[int] = []
    for ch, i in zip(text, index, strict=True):
        if ch == "\x00" or INVISIBLE.match(ch) or (CONTROLS.match(ch) and ch != "\t"):
            continue
        chars.append(" " if SPACES.match(ch) else ch)
        kept.append(i)
    line = "".join(chars)
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
        if before and after and (not wide or _far_apart(textpage, kept[m.start() - 1], kept[m.end()])):
            out.append(" ")
            out_index.append(kept[m.start()])
        pos = m.end()
    out.extend(line[pos:])
    out_index.extend(kept[pos:])
    return _Line("".join(out), out_index)


def _far_apart(textpage: pdfium.PdfTextPage, left: int, right: int) -> bool:
    """Whether two characters of a line are more than one character height apart (not justification)."""
    a, b = textpage.get_charbox(left), textpage.get_charbox(right)
    height = max(a[3] - a[1], b[3] - b[1], 1.0)
    return b[0] - a[2] > height


_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_BAD = re.compile(r"[\ufffd\ue000-\uf8ff]|\(cid:\d+\)")


def _meaningful(lines: list[_Line]) -> int:
    return sum(len(_WORD.findall(line.text)) for line in lines)


def _check_text_layer(pages: list[list[_Line]]) -> None:
    """No words at all, or mostly glyph codes: a scanned or badly embedded PDF (OCR is needed)."""
    text = "\n".join(line.text for lines in pages for line in lines)
    bad = len(_BAD.findall(text))
    words = len(_WORD.findall(_BAD.sub("", text)))
    if words < 20:
        raise IngestError(
            "no_text_layer",
            f"no text layer: the PDF's {len(pages)} page(s) hold {words} readable characters "
            "(a scanned or image-only PDF; it needs OCR)",
        )
    if bad * 3 > words:
        raise IngestError(
            "no_text_layer",
            f"no text layer: {bad} of its glyphs have no Unicode mapping ((cid:NN) or U+FFFD), "
            "so the text cannot be read reliably (it needs OCR)",
        )


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


def _assemble(data: bytes, pages: list[list[_Line]], sizes: list[int]) -> tuple[str, PdfLayout]:
    """Join every page's lines with a line break; the map gets each character's global index."""
    texts: list[str] = []
    chars = array("i")
    page_base: list[int] = []
    base = 0
    for lines, size in zip(pages, sizes, strict=True):
        page_base.append(base)
        for line in lines:
            if texts:
                chars.append(-1)
            texts.append(line.text)
            chars.extend(base + i for i in line.index)
        base += size + 1
    return "\n".join(texts), PdfLayout(data, chars, tuple(page_base))


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
