"""extract() on every real report, and on small hand-made ones: evidence, review flags and the contract."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from conftest import SHARED

from service.core import Document, Found
from service.ingest import read_bytes
from service.numbers import NUMBER_RE, ZERO_WORDS, parse_number, to_halfwidth
from service.pipeline import extract
from service.schema import FIELD_TYPES, LlmProvenance, Result

REPORTS = sorted(
    p
    for folder in ("corpus", "seeds")
    for p in (SHARED / folder).iterdir()
    if p.suffix in (".txt", ".md", ".html") and p.name != "SOURCES.md"
)


@cache
def run(path: Path) -> tuple[Document, Result]:
    document = read_bytes(path.read_bytes(), path.name)
    return document, extract(document)


def doc(text: str) -> Document:
    return read_bytes(text.encode("utf-8"), "report.txt")


def _digits(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def quote_shows_number(quote: str, value: float, kind: str) -> bool:
    """The value's digits are in the quote (a 万元 amount may be printed in 元), or it is a zero said in words,
    or the quote holds a numeral (三件) that reads as the value."""
    plain = to_halfwidth(quote).replace(",", "")
    written = [_digits(value)]
    if kind == "wan":
        written.append(_digits(round(value * 10_000, 2)))
    if any(w in plain for w in written):
        return True
    if value == 0 and any(word in quote for word in (*ZERO_WORDS, "不收")):
        return True
    return any((n := parse_number(m.group())) is not None and n.value == value for m in NUMBER_RE.finditer(quote))


def test_the_corpus_is_there() -> None:
    assert len(REPORTS) >= 15


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_field_has_evidence_that_shows_it(path: Path) -> None:
    document, result = run(path)
    assert result.fields, "no field at all"
    for key, field in result.fields.items():
        assert key in FIELD_TYPES
        assert field.evidence is not None, key
        evidence = field.evidence
        assert evidence.quote == document.text[evidence.start : evidence.end], key
        assert evidence.quote.strip(), key
        kind = FIELD_TYPES[key]
        if kind in ("int", "signed", "wan"):
            assert quote_shows_number(evidence.quote, field.value, kind), (key, field.value, evidence.quote)
        elif key in ("meta.title", "meta.issuer"):
            assert field.value in "".join(evidence.quote.split()), key
        elif kind == "date":
            year = field.value[:4]
            assert year in evidence.quote or "年" in evidence.quote, key
        for candidate in field.candidates or []:
            if candidate.evidence:
                assert candidate.evidence.quote == document.text[candidate.evidence.start : candidate.evidence.end]
    for item in result.unresolved:
        assert item.evidence.quote == document.text[item.evidence.start : item.evidence.end]
        assert not set(item.keys) & set(result.fields), "an unresolved cell was also emitted"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_field_of_a_failed_check_is_in_review(path: Path) -> None:
    _, result = run(path)
    for check in result.checks:
        if check.status != "fail":
            continue
        for key in check.keys:
            if key in result.fields:
                field = result.fields[key]
                assert field.review, (check.id, key)
                assert field.confidence <= 0.6, (check.id, key)
                assert field.reason, (check.id, key)


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_result_json_validates_back(path: Path) -> None:
    _, result = run(path)
    assert Result.model_validate_json(result.model_dump_json()) == result
    # the CLI prints with exclude_none: that form is the contract too
    again = Result.model_validate_json(result.model_dump_json(exclude_none=True))
    assert again.values() == result.values()
    assert again.review_keys() == result.review_keys()
    assert result.report.id == path.stem and result.report.chars == len(run(path)[0].text)
    assert result.template in ("gb2021", "gb2019", "legacy")


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_review_and_confidence_agree(path: Path) -> None:
    _, result = run(path)
    for key, field in result.fields.items():
        if field.confidence < 0.85:
            assert field.review, key
        if field.candidates:
            assert field.review, key


def test_text_and_web_page_of_one_report_agree() -> None:
    _, text = run(SHARED / "corpus" / "pingtan-2022.txt")
    _, page = run(SHARED / "corpus" / "pingtan-2022-page.html")
    assert text.values() == page.values()


def test_web_page_reads_what_the_glued_text_could_not() -> None:
    _, text = run(SHARED / "corpus" / "pingtan-2019.txt")
    _, page = run(SHARED / "corpus" / "pingtan-2019-page.html")
    values, page_values = text.values(), page.values()
    assert {k: page_values.get(k) for k in values} == values  # where the text decides, both agree
    unresolved = {key for item in text.unresolved for key in item.keys}
    assert "active.procurement.amount" in unresolved
    assert page_values["active.procurement.amount"] == pytest.approx(7539.443252)  # 75394432.52元


def test_known_conflict_in_pingtan_2022() -> None:
    """The table says 74 new requests (713000074: 71 + 3); the prose says 收到…申请75件."""
    _, result = run(SHARED / "corpus" / "pingtan-2022.txt")
    field = result.fields["requests.received"]
    assert field.value == 74 and field.source == "table" and field.review
    assert sorted(c.value for c in field.candidates) == [74, 75]
    assert any(c.id == "X-text" and c.keys == ["requests.received"] for c in result.checks)


# --------------------------------------------------------------------------- hand-made reports


LEGACY = (
    "某区2017年度政府信息公开工作报告\n全年主动公开政府信息120条。\n统 计 指 标\n单位\n统计数\n"
    "（一）收到申请数\n件\n10\n1.当面申请数\n件\n4\n2.传真申请数\n件\n0\n3.网络申请数\n件\n3\n"
    "4.信函申请数\n件\n2\n5.其他形式申请数\n件\n0\n"
    "（二）申请办结数\n件\n10\n1.按时办结数\n件\n9\n2.延期办结数\n件\n1\n填表日期：2018年1月5日\n"
)


def test_a_failed_identity_sends_its_fields_to_review_without_changing_them() -> None:
    result = extract(doc(LEGACY))
    # 4 + 0 + 3 + 2 + 0 = 9 channels for 10 requests
    channels = next(c for c in result.checks if c.id == "L-channels")
    assert channels.status == "fail"
    assert result.fields["requests.received"].value == 10
    assert result.fields["requests.channel.in_person"].value == 4
    for key in channels.keys:
        field = result.fields[key]
        assert field.review and field.confidence <= 0.5
        assert "L-channels" in field.reason
    # 9 + 1 = 10: the completed identity holds and its fields stay confident
    assert next(c for c in result.checks if c.id == "L-completed").status == "pass"
    for key in ("requests.completed", "requests.completed_on_time", "requests.completed_extended"):
        assert not result.fields[key].review, key
    assert result.template == "legacy"
    assert result.fields["active.total"].value == 120


def test_include_text() -> None:
    document = doc(LEGACY)
    assert extract(document).text is None
    assert extract(document, include_text=True).text == document.text


def test_a_text_with_no_figures_gives_no_numbers() -> None:
    result = extract(doc("关于进一步做好政务公开工作的通知\n各单位要高度重视，认真落实。"))
    assert not [k for k in result.fields if FIELD_TYPES[k] in ("int", "signed", "wan")]
    assert result.unresolved == []


class FakeAssistant:
    """Stands in for the model (which cannot run in the quick tests): proposes fixed grounded candidates."""

    def __init__(self, proposals: list[Found]) -> None:
        self.proposals = proposals
        self.drafts: list[Result] = []

    def propose(self, document: Document, draft: Result) -> tuple[list[Found], LlmProvenance]:
        self.drafts.append(draft)
        return self.proposals, LlmProvenance(model="fake-model", prompt_version="p1", calls=1)


def test_model_proposals_are_merged_below_the_anchors() -> None:
    document = doc(LEGACY + "全年会议共计2场。\n")
    text = document.text
    at = text.index("全年主动公开政府信息120条")
    wrong = Found("requests.received", 11, at, at + 5, "llm", "llm-exact")
    meetings_at = text.index("会议共计2场")
    meetings = Found("training.meetings", 2, meetings_at, meetings_at + 6, "llm", "llm-exact")
    assistant = FakeAssistant([wrong, meetings])
    draft_only = extract(document)
    result = extract(document, assistant)

    assert "training.meetings" not in draft_only.fields  # no anchor reads "会议共计2场"
    assert len(assistant.drafts) == 1 and assistant.drafts[0].provenance.model is None
    assert result.provenance.model == "fake-model" and result.provenance.prompt_version == "p1"
    received = result.fields["requests.received"]
    assert received.value == 10 and received.source == "table" and received.review
    assert any(c.id == "X-model" and c.keys == ["requests.received"] for c in result.checks)
    # a model-only value is kept, with its evidence, but never confident
    field = result.fields["training.meetings"]
    assert (field.value, field.source, field.review) == (2, "llm", True)
    assert field.evidence.quote == "会议共计2场"


def test_unresolved_cells_reach_the_result() -> None:
    text = (
        "某县2022年政府信息公开工作年度报告\n二、主动公开政府信息情况第二十条第（一）项 信息内容 本年制发件数 "
        "本年废止件数 现行有效件数 规章000行政规范性文件8855698第二十条第（五）项信息内容本年处理决定数量"
        "行政许可10690 三、收到和处理政府信息公开申请情况 本年新收政府信息公开申请数量"
    )
    result = extract(doc(text))
    assert result.template == "gb2021"
    assert [u.keys for u in result.unresolved] == [
        ["active.normative.issued", "active.normative.repealed", "active.normative.in_force"]
    ]
    assert not any(re.match(r"active\.normative\.", k) for k in result.fields)
    assert result.fields["active.licensing.decisions"].value == 10690


def test_a_model_value_that_breaks_an_identity_sends_only_itself_to_review() -> None:
    # staff = full time + part time; the anchors give 3 = 3 + (absent), the model adds part time 2
    document = doc("全县从事政府信息公开工作人员数3人。专职人员3人。另有2位同志兼职参与。\n")
    text = document.text
    draft = extract(document)
    assert not draft.fields["capacity.staff_full_time"].review
    at = text.index("2位同志兼职")
    part_time = Found("capacity.staff_part_time", 2, at, at + 6, "llm", "llm-exact")
    result = extract(document, FakeAssistant([part_time]))

    assert any(c.id == "L-staff" and c.status == "fail" for c in result.checks)
    assert result.fields["capacity.staff_part_time"].review
    for key, field in draft.fields.items():  # the anchors' own verdicts stand
        assert result.fields[key].review == field.review, key


def test_a_verbatim_model_value_that_completes_an_identity_is_confirmed() -> None:
    document = doc("全县从事政府信息公开工作人员数3人。专职人员3人。兼职的同志共0位。\n")
    text = document.text
    at = text.index("兼职的同志共0位")
    exact = Found("capacity.staff_part_time", 0, at, at + 8, "llm", "llm-exact")
    fuzzy = Found("capacity.staff_part_time", 0, at, at + 8, "llm", "llm-fuzzy")

    confirmed = extract(document, FakeAssistant([exact])).fields["capacity.staff_part_time"]
    assert (confirmed.review, confirmed.source, confirmed.reason) == (False, "llm", "confirmed by L-staff")
    # a quote found only approximately is never confirmed, whatever the arithmetic says
    assert extract(document, FakeAssistant([fuzzy])).fields["capacity.staff_part_time"].review


def test_the_check_that_sent_a_field_to_review_is_data_not_reason_text() -> None:
    from service.core import Check, Evidence
    from service.pipeline import mark_failed_checks, release_fixed_checks
    from service.schema import FieldValue

    def field(value: int) -> FieldValue:
        return FieldValue(
            value=value, confidence=0.93, review=False, source="table", evidence=Evidence(start=0, end=1, quote="x")
        )

    keys = ["review.total", "review.upheld", "review.corrected", "review.other"]
    fields = {key: field(v) for key, v in zip(keys, (5, 2, 1, 1), strict=True)}
    failed = Check(id="L-review[review]", status="fail", keys=keys, message="5 ≠ 4")
    mark_failed_checks(fields, [failed])
    assert all(f.review and f.held_by == "L-review[review]" for f in fields.values())
    fields["review.other"].reason = "a person's note"  # the reason text is free to change
    fields["review.total"].held_by = None  # …and without the data nothing is released
    release_fixed_checks(fields, [Check(id="L-review[review]", status="pass", keys=keys)])
    assert not fields["review.other"].review and fields["review.other"].held_by is None
    assert fields["review.other"].confidence == 0.93
    assert fields["review.total"].review


def test_a_table_figure_found_only_in_the_prose_of_a_template_report_goes_to_review() -> None:
    """受理申请749件 in a 2021-template report whose table 三 was not read: 受理 may count 结转 too."""
    text = (
        "某县2022年政府信息公开工作年度报告\n第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n"
        "2022年，全年共受理政府信息公开申请749件，发布政策解读12篇。\n"
    )
    result = extract(read_bytes(text.encode("utf-8"), "report.txt"))
    assert result.template == "gb2021"
    received = result.fields["requests.received"]
    assert received.value == 749 and received.review and "only in the prose" in received.reason
    assert not result.fields["response.interpretations"].review  # not a table figure: prose is its home


def test_a_number_the_text_ends_on_may_be_cut_off_and_goes_to_review() -> None:
    head = "某县2022年政府信息公开工作年度报告\n全年主动公开政府信息1690条。\n"
    table_two = "第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 0 0 0\n行政规范性文件 4 0 15"
    fields = extract(read_bytes((head + table_two).encode("utf-8"), "report.txt")).fields
    assert fields["active.total"].value == 1690 and not fields["active.total"].review
    in_force = fields["active.normative.in_force"]
    assert in_force.value == 15 and in_force.review and "cut off" in in_force.reason
    assert not fields["active.normative.issued"].review
    # a legacy report may end on its statistics table
    legacy = head.replace("2022", "2017") + "指标名称 单位 统计数\n（一）收到申请数 件 15"
    assert not extract(read_bytes(legacy.encode("utf-8"), "report.txt")).fields["requests.received"].review
