"""Issuer keys: one body's names line up, different bodies never merge silently."""

from __future__ import annotations

from service.panel.issuers import group, normalise, renamings, stem


def test_normalise_strips_width_spaces_and_office_suffixes() -> None:
    assert normalise("平潭县人民政府") == "平潭县"
    assert normalise("平潭综合实验区管委会") == "平潭综合实验区"
    assert normalise("道里区人民政府办公室") == "道里区"
    assert normalise("某市政府办公室") == normalise("某市人民政府") == "某市"
    assert normalise("ＸＸ市 人民政府") == "XX市"
    assert normalise("上海市科学技术委员会") == "上海市科学技术委员会"  # a department keeps its name
    assert normalise("政府") == "政府"  # a suffix is never the whole name


def test_known_renamings_come_from_the_data_file() -> None:
    assert renamings()["襄樊市"] == "襄阳市"
    assert normalise("襄樊市人民政府") == normalise("襄阳市人民政府") == "襄阳市"


def test_a_name_without_its_parent_joins_the_one_prefixed_name() -> None:
    keys, ambiguous = group(["哈尔滨市道里区人民政府", "道里区", "道里区人民政府办公室"])
    assert set(keys.values()) == {"哈尔滨市道里区"}
    assert ambiguous == []


def test_a_name_two_bodies_could_claim_is_shown_not_merged() -> None:
    keys, ambiguous = group(["福州市鼓楼区人民政府", "南京市鼓楼区人民政府", "鼓楼区"])
    assert keys["鼓楼区"] == "鼓楼区"  # kept apart
    assert {a.keys for a in ambiguous} == {("鼓楼区", "福州市鼓楼区"), ("鼓楼区", "南京市鼓楼区")}


def test_shared_stems_are_ambiguous_but_departments_are_not() -> None:
    keys, ambiguous = group(["平潭县人民政府", "平潭综合实验区", "平潭综合实验区地方税务局", "溧水县", "溧水区"])
    assert len(set(keys.values())) == 5
    pairs = {a.keys for a in ambiguous}
    assert pairs == {("平潭县", "平潭综合实验区"), ("溧水区", "溧水县")}
    assert stem("平潭县") == "平潭"
