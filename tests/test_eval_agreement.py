import json
from pathlib import Path

from eval.agreement import differences, main


def test_differences_lists_disagreements_and_one_sided_keys() -> None:
    a = {"requests.received": 24, "fees.collected": 1.0, "meta.title": "某县 2021年报告"}
    b = {"requests.received": 25, "fees.collected": 1.004, "meta.year": 2021, "meta.title": "某县2021年报告"}
    assert differences(a, b) == [
        ("meta.year", None, 2021),
        ("requests.received", 24, 25),
    ]


def test_main_reports_agreement_rate(tmp_path: Path, capsys) -> None:
    for name, fields in (("A", {"requests.received": 3, "litigation.total": 0}), ("B", {"requests.received": 3})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "r.json").write_text(json.dumps({"report": "r", "fields": fields}), encoding="utf-8")
    assert main([str(tmp_path / "A"), str(tmp_path / "B")]) == 0
    out = capsys.readouterr().out
    assert "litigation.total: A=0 B=None" in out
    assert "agreement 1/2 = 0.500 over 1 reports" in out
