"""What every route module shares: the store, the write token, the HTML templates."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from service.storage import Store

WEB = Path(__file__).resolve().parents[1] / "web"
MAX_OFFSET = 2**31 - 1
"""The largest ``offset`` a listing takes: every engine's integer holds it (10^20 would be a 500)."""


def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def require_token(request: Request) -> None:
    """Writes need ``Authorization: Bearer $NIANBAO_TOKEN``; without a configured token they are off (403)."""
    expected = request.app.state.token
    if not expected:
        raise HTTPException(403, "writes are disabled: the service was started without NIANBAO_TOKEN")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise HTTPException(
            401,
            "missing or wrong bearer token (Authorization: Bearer <NIANBAO_TOKEN>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.query_params.get("format") == "html"


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)
templates.filters["show"] = show_value


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """An HTML page from ``web/templates`` (autoescaped)."""
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status)
