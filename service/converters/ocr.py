"""Optional OCR for PDF pages without a text layer: ``pip install 'nianbao[ocr]'`` (rapidocr-onnxruntime).

RapidOCR ships its detection and recognition models inside the wheel, so nothing is downloaded at run
time. Without the extra, or with ``NIANBAO_OCR=off``, a scanned PDF stays a clear ``no text layer`` error.
Text read by OCR is less sure than a text layer: the pipeline sends every value quoted from an OCR page
to review (``service.pipeline.place_evidence``).
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

Box = tuple[float, float, float, float]
SCALE = 2.0  # render at 144 dpi: small table digits need it
_LOCK = threading.Lock()  # one engine, used by one thread at a time


def enabled() -> bool:
    """OCR is used when the extra is installed and not switched off."""
    if os.environ.get("NIANBAO_OCR", "").lower() in ("0", "off", "no", "false"):
        return False
    return _engine() is not None


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR()


def read_image(image: Any, scale: float) -> list[list[tuple[str, Box]]]:
    """The text of a page image as rows, top to bottom; each row its pieces left to right, each piece
    with its box in PDF points from the top-left corner (``scale`` is pixels per point)."""
    import numpy

    with _LOCK:
        found, _ = _engine()(numpy.asarray(image.convert("RGB")))
    pieces: list[tuple[str, Box]] = []
    for points, text, _score in found or []:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        if text.strip():
            pieces.append((text.strip(), (min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale)))
    rows: list[list[tuple[str, Box]]] = []
    for piece in sorted(pieces, key=lambda item: item[1][1]):
        box = piece[1]
        row = rows[-1] if rows else None
        if row is not None:
            top = min(b[1] for _, b in row)
            bottom = max(b[3] for _, b in row)
            if min(bottom, box[3]) - max(top, box[1]) > 0.5 * min(bottom - top, box[3] - box[1]):
                row.append(piece)
                continue
        rows.append([piece])
    return [sorted(row, key=lambda item: item[1][0]) for row in rows]
