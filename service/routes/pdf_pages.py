"""``GET /reports/{id}/pages/{n}.png``: a PDF report's page as an image, for the review page.

Pages are rendered with pypdfium2 once and cached on disk (``<data dir>/pages/<id>-<n>.png``, or
``~/.cache/nianbao/pages`` when the store is PostgreSQL); report ids are content hashes, so a cached page
never goes stale. ``?box=x0,y0,x1,y1`` (an evidence ``bbox``, PDF points from the top-left corner) draws
the quoted characters' box on a copy; the cache keeps the plain page.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from PIL import Image, ImageDraw

from service.converters import pdf
from service.converters.base import IngestError
from service.routes.deps import StoreDep
from service.storage import Store

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_WIDTH = 1100  # pixels: readable beside the text pane, ~80 KB a page


router = APIRouter()


@router.get(
    "/reports/{report_id}/pages/{page}.png",
    summary="One page of a PDF report as PNG (box= highlights an evidence box)",
    response_class=Response,
)
async def page_png(request: Request, store: StoreDep, report_id: str, page: int, box: str | None = None) -> Response:
    cache = request.app.state.page_cache
    image = await run_in_threadpool(_page_image, store, cache, report_id, page, box)
    return Response(image, media_type="image/png", headers={"cache-control": "private, max-age=3600"})


def _page_image(store: Store, cache: Path, report_id: str, page: int, box: str | None) -> bytes:
    if not _ID.match(report_id):
        raise HTTPException(404, f"no report {report_id!r}")
    data, _ = store.reports.content(report_id)  # NotFound → 404 through the app's StoreError handler
    if not pdf.is_pdf(data):
        raise HTTPException(404, f"report {report_id} is not a PDF: it has no page images")
    cached = cache / f"{report_id}-{page}.png"
    try:
        png = cached.read_bytes()
    except OSError:
        try:
            png = pdf.render_page(data, page, _WIDTH)
        except IngestError as exc:
            raise HTTPException(404, str(exc)) from None
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(png)
        temporary.replace(cached)
    if box is None:
        return png
    return _highlight(png, _parse_box(box), pdf.page_size(data, page)[0])


def _parse_box(box: str) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in box.split(","))
    except ValueError:
        raise HTTPException(422, "box must be four numbers: x0,y0,x1,y1") from None
    return x0, y0, x1, y1


def _highlight(png: bytes, box: tuple[float, float, float, float], page_width: float) -> bytes:
    """The page with a translucent yellow band and a red frame around ``box``."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = image.width / page_width
    pad = 2
    frame = [box[0] * scale - pad, box[1] * scale - pad, box[2] * scale + pad, box[3] * scale + pad]
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle(frame, fill=(255, 230, 0, 90), outline=(220, 0, 0, 255), width=3)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
