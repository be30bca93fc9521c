"""Small SVG charts of one issuer over the years, drawn on the server: no JavaScript, no CDN.

``received_chart``: requests received (新收申请) per year. ``outcomes_chart``: what became of the
requests handled, stacked per year. A year without a report, or without the figure, is drawn as an
empty slot labelled "—", never as zero. Every bar carries a ``<title>`` with its number, so the chart
reads without a mouse and its numbers can be checked against the table next to it.
"""

from __future__ import annotations

from html import escape

from pydantic import BaseModel

from service.panel.panel import IssuerPanel
from service.schema import NotProcessed, OtherHandling, RefusedReasons


def _group(model: type[BaseModel], prefix: str) -> tuple[str, ...]:
    """The keys of one schema group (table 三's sub-rows), so the chart never lists them twice."""
    return tuple(f"{prefix}.{name}" for name in model.model_fields)


OUTCOMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("予以公开", "#137333", ("requests.granted",)),
    ("部分公开", "#1f5fbf", ("requests.partial",)),
    ("不予公开", "#b42318", _group(RefusedReasons, "requests.refused_reason")),
    ("无法提供", "#b45309", ("requests.not_held", "requests.needs_creation", "requests.unclear", "requests.not_exist")),
    (
        "不予处理/其他",
        "#6b7280",
        _group(NotProcessed, "requests.not_processed") + _group(OtherHandling, "requests.other_handling"),
    ),
)
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 520, 200, 40, 28, 16


def _span(panel: IssuerPanel) -> list[int]:
    years = panel.years
    return list(range(years[0], years[-1] + 1)) if years else []


def _outcome(panel: IssuerPanel, year: int, label: str, keys: tuple[str, ...]) -> int | None:
    """The sum of the keys stated, or ``None`` when the report states none of them. A stated total wins
    over its parts: 不予公开 (legacy ``requests.refused``), gb2019 其他处理 (``other_handling.total``)."""
    stated = {k: v for k in keys if isinstance(v := panel.value(year, k), int)}
    if label == "不予公开" and isinstance(refused := panel.value(year, "requests.refused"), int):
        return refused
    if "requests.other_handling.total" in stated:
        parts = [k for k in stated if k.startswith("requests.other_handling.") and not k.endswith(".total")]
        for k in parts:
            stated.pop(k)
    return sum(stated.values()) if stated else None


def _frame(title: str, slots: list[int], top: int, body: list[str], legend: list[str]) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 8) / max(len(slots), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 4}" y2="{TOP + plot_h}" stroke="#9ca3af"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" font-size="10" fill="#6b7280">{top}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="10" fill="#6b7280">0</text>',
    ]
    for i, year in enumerate(slots):
        x = LEFT + step * i + step / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="10" fill="#1d2330">{year}</text>'
        )
    parts.extend(body)
    parts.extend(legend)
    parts.append("</svg>")
    return "\n".join(parts)


def received_chart(panel: IssuerPanel) -> str:
    slots = _span(panel)
    values = {y: panel.value(y, "requests.received") if y in panel.by_year else None for y in slots}
    top = max([v for v in values.values() if isinstance(v, int)] + [1])
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 8) / max(len(slots), 1)
    body = []
    for i, year in enumerate(slots):
        value = values[year]
        x = LEFT + step * i + step * 0.2
        if not isinstance(value, int):
            body.append(_missing(x + step * 0.3, plot_h))
            continue
        h = plot_h * value / top
        body.append(
            f'<rect class="bar" data-year="{year}" data-value="{value}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{step * 0.6:.1f}" height="{h:.1f}" fill="#1f5fbf"><title>{year}: {value} 新收申请</title></rect>'
        )
        body.append(
            f'<text x="{x + step * 0.3:.1f}" y="{TOP + plot_h - h - 3:.1f}" text-anchor="middle" font-size="10">'
            f"{value}</text>"
        )
    return _frame("依申请公开 新收申请数量 by year", slots, top, body, [])


def outcomes_chart(panel: IssuerPanel) -> str:
    slots = _span(panel)
    stacks: dict[int, list[tuple[str, str, int]]] = {}
    for year in slots:
        if year not in panel.by_year:
            continue
        stack = []
        for label, colour, keys in OUTCOMES:
            value = _outcome(panel, year, label, keys)
            if value:
                stack.append((label, colour, value))
        stacks[year] = stack
    top = max([sum(v for _, _, v in s) for s in stacks.values()] + [1])
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 8) / max(len(slots), 1)
    body = []
    for i, year in enumerate(slots):
        x = LEFT + step * i + step * 0.2
        if year not in stacks:
            body.append(_missing(x + step * 0.3, plot_h))
            continue
        y = TOP + plot_h
        for label, colour, value in stacks[year]:
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="bar" data-year="{year}" data-outcome="{escape(label)}" data-value="{value}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{year}: {escape(label)} {value}</title></rect>"
            )
    legend = []
    for i, (label, colour, _keys) in enumerate(OUTCOMES):
        lx = LEFT + 8 + i * 92
        legend.append(f'<rect x="{lx}" y="2" width="9" height="9" fill="{colour}"/>')
        legend.append(f'<text x="{lx + 12}" y="10" font-size="10">{escape(label)}</text>')
    return _frame("依申请公开 办理结果 by year", slots, top, body, legend)


def _missing(x: float, plot_h: int) -> str:
    return (
        f'<text class="missing" x="{x:.1f}" y="{TOP + plot_h - 4}" text-anchor="middle" font-size="11" '
        'fill="#9ca3af">—</text>'
    )
