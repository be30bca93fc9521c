"""The SVG charts: well-formed, one bar per stated number, missing years drawn as gaps, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from panel_cases import entry

from service.panel.charts import outcomes_chart, received_chart
from service.panel.panel import build_panel

SVG = "{http://www.w3.org/2000/svg}"


def _issuer():  # type: ignore[no-untyped-def]
    panel = build_panel(
        [
            entry(
                "a",
                "某县",
                2019,
                "gb2019",
                {
                    "requests.received": 20,
                    "requests.granted": 7,
                    "requests.partial": 1,
                    "requests.not_held": 7,
                    "requests.refused_reason.state_secret": 2,
                },
            ),
            entry("b", "某县", 2021, "gb2021", {"requests.received": 70, "requests.granted": 30}),
            entry("c", "某县", 2022, "gb2021", {"requests.granted": 3}),
        ]
    )
    return panel.get("某县")


def test_received_chart_has_a_bar_per_stated_year_and_gaps_for_the_rest() -> None:
    svg = received_chart(_issuer())
    root = ET.fromstring(svg)
    bars = {b.get("data-year"): int(b.get("data-value")) for b in root.iter(f"{SVG}rect") if b.get("class") == "bar"}
    assert bars == {"2019": 20, "2021": 70}
    assert (
        len([t for t in root.iter(f"{SVG}text") if t.get("class") == "missing"]) == 2
    )  # 2020: no report, 2022: no figure
    heights = {b.get("data-year"): float(b.get("height")) for b in root.iter(f"{SVG}rect") if b.get("class") == "bar"}
    assert abs(heights["2019"] / heights["2021"] - 20 / 70) < 0.01
    assert "<script" not in svg and "javascript:" not in svg


def test_outcomes_chart_stacks_what_became_of_the_requests() -> None:
    root = ET.fromstring(outcomes_chart(_issuer()))
    stack = {
        (b.get("data-year"), b.get("data-outcome")): int(b.get("data-value"))
        for b in root.iter(f"{SVG}rect")
        if b.get("class") == "bar"
    }
    assert stack == {
        ("2019", "予以公开"): 7,
        ("2019", "部分公开"): 1,
        ("2019", "不予公开"): 2,
        ("2019", "无法提供"): 7,
        ("2021", "予以公开"): 30,
        ("2022", "予以公开"): 3,
    }
