"""The one lexicon: every key has a wording, and table wordings come from the template specs."""

from __future__ import annotations

from service import lexicon
from service.schema import FIELD_TYPES
from service.templates.gb2019 import GB2019
from service.templates.gb2021 import GB2021


def test_every_key_has_a_wording_of_its_own() -> None:
    assert [key for key in FIELD_TYPES if lexicon.wordings(key) == (key,)] == []


def test_table_wordings_come_from_the_template_specs() -> None:
    assert lexicon.wordings("active.rules.issued") == ("规章 本年制发件数",)
    assert lexicon.wordings("active.normative.new_made") == ("规范性文件 本年新制作数量",)
    # a key both templates print, each in its own words
    assert lexicon.wordings("active.licensing.decisions") == ("行政许可 本年处理决定数量", "行政许可 处理决定数量")
    assert GB2021.table_two_headers["decisions"] != GB2019.table_two_headers["decisions"]


def test_report_wordings_come_first_then_the_table_row() -> None:
    assert lexicon.wordings("requests.granted") == ("同意公开答复数", "（一）予以公开")
    assert lexicon.wordings("requests.by_applicant.research.granted") == ("法人或其他组织·科研机构：（一）予以公开",)
    assert "予以公开" in lexicon.search_terms("requests.by_applicant.research.granted")
