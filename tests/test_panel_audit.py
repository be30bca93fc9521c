"""The batch audit: broken identities, missing sections, tenfold jumps, sorting."""

from __future__ import annotations

import io

from panel_cases import entry

from service.panel.audit import audit, jumps, sort_rows, write_csv
from service.panel.panel import build_panel


def _panel():  # type: ignore[no-untyped-def]
    return build_panel(
        [
            entry(
                "a2021",
                "某县",
                2021,
                "gb2021",
                {
                    "requests.received": 10,
                    "requests.carried_forward": 2,
                    "review.total": 1,
                    "litigation.direct.total": 0,
                    "active.total": 100,
                },
            ),
            entry(
                "a2022",
                "某县",
                2022,
                "gb2021",
                {"requests.received": 250, "requests.carried_over": 1, "active.total": 90},
            ),
            entry("b2020", "另一县", 2020, "legacy", {"active.total": 5, "requests.received": 0}),
            entry("b2020-page", "另一县", 2020, "legacy", {"requests.received": 0}),
        ]
    )


def test_rows_say_which_reports_break_which_identities_and_what_is_missing() -> None:
    rows = {r.report: r for r in audit(_panel())}
    assert rows["a2022"].broken_crossyear == ["Y-carried[total] 2021→2022"]
    assert rows["a2021"].broken_crossyear == ["Y-carried[total] 2021→2022"]
    assert rows["a2022"].missing_sections == ["review", "litigation"]
    assert rows["a2021"].missing_sections == []
    assert rows["a2022"].jumps == ["requests.received 10→250"]  # 25×; active.total 100→90 is not a jump
    assert rows["b2020"].missing_sections == [] and rows["b2020"].problems() == 0
    # the second report of 2020 has its own row, naming the one the panel uses
    assert rows["b2020-page"].same_as == "b2020" and rows["b2020-page"].missing_sections == ["active"]


def test_jumps_need_two_non_zero_numbers() -> None:
    assert jumps({"x": 0, "y": 5, "z": "a"}, {"x": 50, "y": 0, "z": "b"}) == []
    assert jumps({"x": 100}, {"x": 9}) == ["x 100→9"]
    assert jumps({"x": 100}, {"x": 10}) == []


def test_rows_sort_by_any_column_and_by_problems_by_default() -> None:
    rows = audit(_panel())
    assert [r.report for r in sort_rows(rows, "year")] == ["b2020", "b2020-page", "a2021", "a2022"]
    assert sort_rows(rows, "jumps", descending=True)[0].report == "a2022"
    assert sort_rows(rows, "no-such-column")[-1].report == "b2020"  # no problems, first of its issuer
    out = io.StringIO()
    write_csv(rows, out)
    text = out.getvalue()
    assert text.splitlines()[0].startswith("report,issuer,year,template,failed_checks,broken_crossyear")
    assert "Y-carried[total] 2021→2022" in text
