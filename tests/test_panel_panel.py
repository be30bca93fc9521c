"""Grouping results into issuers × years, and reading them from files, directories and batch lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS
from panel_cases import entry

from service.panel.panel import build_panel
from service.panel.sources import SourceError, read_paths

PANEL_DATA = Path(__file__).parent / "data" / "panel"


def test_reports_group_by_issuer_key_and_year() -> None:
    panel = build_panel(
        [
            entry("a", "某县人民政府", 2020, "gb2019", {"requests.received": 3}),
            entry("b", "某县", 2022, "gb2021", {"requests.received": 5}),
            entry("c", "某县", 2022, "gb2021", {"requests.received": 5, "requests.granted": 1}),
            entry("d", "其他县", 2021, "gb2021"),
            entry("e", None, 2021, "gb2021"),
        ]
    )
    assert [p.key for p in panel.issuers] == ["其他县", "某县"]
    county = panel.get("某县")
    assert county is not None
    assert county.years == [2020, 2022] and county.missing_years == [2021]
    assert county.by_year[2022].report == "c"  # of two reports of one year, the fuller one
    assert [e.report for e in county.duplicates[2022]] == ["b"]
    assert county.names == {"某县人民政府", "某县"}
    assert [e.report for e in panel.unplaced] == ["e"]
    data = county.as_json()
    assert data["years"]["2022"]["also"] == ["b"]
    assert data["years"]["2020"]["metrics"]["requests.received"] == {"value": 3, "review": False}


def test_read_paths_takes_files_directories_and_batch_lines(tmp_path: Path) -> None:
    from service.batch import extract_file

    lines = [extract_file(PANEL_DATA / "pingtan-2021.txt", None), {"report": "x", "file": "x.txt", "error": "bad"}]
    batch = tmp_path / "results.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    entries = read_paths([batch, PANEL_DATA / "pingtan-2023.txt"])
    assert [(e.report, e.year) for e in entries] == [("pingtan-2021", 2021), ("pingtan-2023", 2023)]
    assert {e.year for e in read_paths([PANEL_DATA])} == {2020, 2021, 2023, 2024}


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json\n", "not a JSON line"), ('{"result": {"fields": 3}}\n', "not a nianbao result")],
)
def test_bad_batch_lines_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        read_paths([bad])


def test_missing_and_unsupported_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_paths([tmp_path / "nope.txt"])
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(SourceError, match="not a report"):
        read_paths([tmp_path / "x.docx"])


def test_the_pingtan_reports_make_one_issuer_over_consecutive_years(shared_dir: Path) -> None:
    panel = build_panel(read_paths([CORPUS, PANEL_DATA]))
    pingtan = panel.get("平潭综合实验区")
    assert pingtan is not None
    assert pingtan.years == [2013, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
    # the county government of 2011 is another body with a similar name: shown, not merged
    assert panel.get("平潭县") is not None
    assert [a.keys for a in pingtan.ambiguous] == [("平潭县", "平潭综合实验区")]
    # the .txt and the web page of 2019 and 2022 are one report each
    assert sorted(pingtan.duplicates) == [2019, 2022]
    # 2024: 一、本年新收政府信息公开申请数量21710000218 — 自然人 217, 商业企业 1, 总计 218
    assert pingtan.value(2024, "requests.received") == 218
    assert pingtan.counts()["fail"] == 0 and pingtan.counts()["pass"] > 30
