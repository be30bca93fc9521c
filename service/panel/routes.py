"""The panel pages and their JSON: ``/issuers``, ``/issuers/{key}``, ``/audit`` (+ ``.csv``, ``.xlsx``).

One APIRouter, included by ``service.api``. It reads the stored results only through
``service.panel.stored`` and rebuilds the panel on each request (a store of a few thousand reports
takes well under a second; a cache would be the next step). Pages answer HTML to browsers and JSON
otherwise, like ``/review``, rendered by the service's one Jinja environment (``service.routes.deps``);
templates are ``service/web/templates/issuers.html``, ``issuer.html`` and ``audit.html``, styled by the
shared ``style.css``; the charts are inline SVG.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from service.panel.audit import COLUMNS as AUDIT_COLUMNS
from service.panel.audit import audit, sort_rows, write_csv
from service.panel.charts import outcomes_chart, received_chart
from service.panel.exports import write_xlsx
from service.panel.issuers import normalise
from service.panel.panel import MAIN_METRICS, Panel, build_panel
from service.panel.stored import stored_entries
from service.routes.deps import render, wants_html

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ORDER = {"fail": 0, "skip": 1, "pass": 2}  # the issuer page lists findings first

router = APIRouter()


def _panel(request: Request) -> tuple[Panel, list]:
    entries = stored_entries(request.app.state.store)
    return build_panel(entries), entries


@router.get("/issuers", summary="Issuers of the stored reports; search by name (q) and year")
def issuers(request: Request, q: str | None = None, year: int | None = Query(None, ge=1990, le=2100)) -> Any:
    panel, _entries = _panel(request)
    found = panel.issuers
    if q and q.strip():
        needle = normalise(q)
        found = [p for p in found if needle in p.key or any(q.strip() in name for name in p.names)]
    if year is not None:
        found = [p for p in found if year in p.by_year]
    rows = [
        {
            "issuer": p.key,
            "names": sorted(p.names),
            "years": p.years,
            "missing_years": p.missing_years,
            "checks": p.counts(),
            "ambiguous": [a.reason for a in p.ambiguous],
            "link": f"/issuers/{p.key}",
        }
        for p in found
    ]
    if not wants_html(request):
        return {"total": len(rows), "issuers": rows, "unplaced": [e.report for e in panel.unplaced]}
    return render("issuers.html", rows=rows, q=q or "", year=year, unplaced=panel.unplaced)


@router.get("/issuers/{key}", summary="One issuer: years side by side, cross-year checks, charts")
def issuer(request: Request, key: str) -> Any:
    panel, _entries = _panel(request)
    found = panel.get(key)
    if found is None:
        if wants_html(request):
            return render("error.html", status=404, message=f"no issuer {key!r}")
        raise HTTPException(404, f"no issuer {key!r}")
    if not wants_html(request):
        return found.as_json()
    return render(
        "issuer.html",
        panel=found,
        metrics=MAIN_METRICS,
        checks=sorted(found.checks, key=lambda c: (ORDER[c.status], c.hint is None, c.years, c.name)),
        received=Markup(received_chart(found)),  # built from numbers and escaped labels only
        outcomes=Markup(outcomes_chart(found)),
    )


@router.get("/issuers/{key}/{chart}.svg", summary="An issuer's chart as an SVG file (received | outcomes)")
def chart(request: Request, key: str, chart: str) -> Response:
    draw = {"received": received_chart, "outcomes": outcomes_chart}.get(chart)
    panel, _entries = _panel(request)
    found = panel.get(key)
    if draw is None or found is None:
        raise HTTPException(404, f"no chart {chart!r} for issuer {key!r}")
    return Response(draw(found), media_type="image/svg+xml")


@router.get("/audit", summary="The stored reports audited as a whole (sort by any column)")
def audit_view(request: Request, sort: str = "problems", desc: bool = True) -> Any:
    panel, _entries = _panel(request)
    rows = sort_rows(audit(panel), sort, desc)
    if not wants_html(request):
        return {"total": len(rows), "rows": [r.flat() | {"link": r.link} for r in rows]}
    return render("audit.html", rows=rows, columns=AUDIT_COLUMNS, sort=sort, desc=desc)


@router.get("/audit.csv", summary="The audit as CSV")
def audit_csv(request: Request) -> Response:
    panel, _entries = _panel(request)
    buffer = io.StringIO()
    write_csv(sort_rows(audit(panel), "problems"), buffer)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nianbao-audit.csv"'},
    )


@router.get("/audit.xlsx", summary="The audit and every stored result as an Excel workbook")
def audit_xlsx(request: Request) -> Response:
    panel, entries = _panel(request)
    buffer = io.BytesIO()
    write_xlsx(entries, panel, buffer, sort_rows(audit(panel), "problems"))
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="nianbao-audit.xlsx"'},
    )
