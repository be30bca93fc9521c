"""Text windows: the model sees the parts of the report around the keys asked, never all of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS

from service.ingest import read_path
from service.llm.scope import scope_of
from service.llm.windows import WindowSettings, merge_spans, plan_calls, section_span
from service.pipeline import extract
from service.schema import Provenance, ReportInfo, Result

CFG = WindowSettings()


def empty_draft(template: str = "legacy") -> Result:
    return Result(
        report=ReportInfo(id="r", sha256="0", chars=1),
        template=template,
        fields={},
        provenance=Provenance(extractor="test"),
    )


def test_merge_spans_joins_overlaps_and_near_neighbours() -> None:
    assert merge_spans([(50, 60), (0, 10), (8, 20), (25, 30)], gap=5) == [(0, 30), (50, 60)]


def test_windows_surround_the_wordings_and_skip_absent_keys() -> None:
    text = "概述。" * 200 + "全年回应舆情12次。" + "工作。" * 200 + "设置便民查阅点4个。"
    calls, absent = plan_calls(
        text, "prose", ["response.hot_topics", "capacity.reading_points", "training.trainees"], empty_draft(), CFG
    )
    assert absent == ["training.trainees"]
    [call] = calls
    assert call.keys == ["response.hot_topics", "capacity.reading_points"]
    shown = "".join(text[s:e] for s, e in call.windows)
    assert "回应舆情12次" in shown and "便民查阅点4个" in shown
    assert call.chars <= 2 * (CFG.before + CFG.after + 10) < len(text)


def test_calls_respect_the_size_limits() -> None:
    text = "当面申请数1件。信函申请数2件。网络申请数3件。传真申请数4件。" + "填充" * 500 + "其他形式申请数3件"
    keys = [
        "requests.channel.in_person",
        "requests.channel.letter",
        "requests.channel.online",
        "requests.channel.fax",
        "requests.channel.other",
    ]
    calls, _ = plan_calls(text, "prose", keys, empty_draft(), WindowSettings(call_keys=2, before=10, after=10))
    assert [len(c.keys) for c in calls] == [2, 2, 1]
    small, _ = plan_calls(text, "prose", keys, empty_draft(), WindowSettings(call_chars=30, before=10, after=10))
    assert all(c.chars <= 30 for c in small) and sum(len(c.keys) for c in small) == 5


def test_table_cells_get_their_template_section(shared_dir: Path) -> None:
    doc = read_path(CORPUS / "pingtan-2022.txt")
    text = doc.text
    three = section_span(text, "三", CFG)
    assert three is not None
    shown = text[three[0] : three[1]]
    assert shown.startswith("三、收到和处理政府信息公开申请情况") and "结转下年度继续办理" in shown
    assert "行政复议" not in shown.split("结转下年度继续办理")[1][:5]
    calls, absent = plan_calls(text, "table", ["requests.granted", "review.total"], empty_draft("gb2021"), CFG)
    assert absent == [] and len(calls) == 1
    assert calls[0].windows[0][0] == three[0]


@pytest.mark.parametrize("name", ["erdao-district-2017.txt", "daoli-district-2018.txt"])
def test_real_reports_send_far_less_than_the_whole_text(shared_dir: Path, name: str) -> None:
    doc = read_path(SEEDS / name)
    draft = extract(doc)
    scope = scope_of(draft)
    sent = 0
    for job, keys in scope.keys.items():
        calls, _ = plan_calls(doc.text, job, keys, draft, CFG)
        sent += sum(c.chars for c in calls)
    assert 0 < sent < 0.8 * len(doc.text)
