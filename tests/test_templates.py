"""The template registry carries all three templates, and adding a template or a field touches only
its specification and the schema (issue 11's measure).

The "adding" tests do it for real on a copy of the code: write the new spec module, list it in the
registry, add its name (or the field) to the schema — nothing else — and run the whole pipeline, the
checks, the model's scope and the gold validator on a report of the new kind in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS, REPO

from service.checks import identities_for
from service.ingest import read_path
from service.pipeline import extract
from service.schema import FIELD_TYPES
from service.templates.registry import TEMPLATES, spec_for


def test_registry_carries_the_three_templates() -> None:
    assert list(TEMPLATES) == ["gb2021", "gb2019", "legacy"]
    for spec in TEMPLATES.values():
        assert spec.keys <= set(FIELD_TYPES), spec.name
        assert all(key in spec.keys for key in spec.table_keys)
        for row in spec.table_three:
            re.compile(row.word)
    assert spec_for(None).name == spec_for("no-such-template").name == "legacy"
    assert {i.id for i in identities_for("gb2019")} - {i.id for i in identities_for("gb2021")} == {
        "T3-columns[other_handling.total]"
    }


def _copy_code(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("service", "eval"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__", "out"))
    shutil.copytree(REPO / "prompts", root / "prompts")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _run(root: Path, script: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


NEW_TEMPLATE = '''"""A template that does not exist: the 2021 one under a new notice number (for the measure only)."""

from dataclasses import replace

from service.templates.gb2021 import GB2021

GB2030 = replace(GB2021, name="gb2030", description="test template", markers=(*GB2021.markers, "〔2030〕1号"))
'''

CHECK_NEW_TEMPLATE = """
import json, pathlib, service
from service.ingest import read_bytes
from service.pipeline import extract
from service.llm.scope import table_keys
from eval.validate_gold import validate_file
assert pathlib.Path(service.__file__).parent == pathlib.Path.cwd() / "service", service.__file__
text = pathlib.Path({report!r}).read_text(encoding="utf-8") + "\\n国办公开办函〔2030〕1号\\n"
result = extract(read_bytes(text.encode("utf-8"), "new.txt"))
gold = pathlib.Path("new.json")
gold.write_text(json.dumps({{"report": "new", "source": "new.txt", "fields": result.values()}}, ensure_ascii=False))
print(json.dumps({{
    "template": result.template,
    "t3_checks": sum(c.id.startswith("T3-") and c.status == "pass" for c in result.checks),
    "failed": [c.id for c in result.checks if c.status == "fail"],
    "values": result.values(),
    "model_table_keys": len(table_keys("gb2030")),
    "gold_errors": [p.message for p in validate_file(gold) if p.level == "error"],
}}))
"""


def test_adding_a_template_touches_only_its_spec_the_registry_and_the_schema(tmp_path, shared_dir) -> None:
    root = _copy_code(tmp_path)
    (root / "service" / "templates" / "gb2030.py").write_text(NEW_TEMPLATE, encoding="utf-8")
    registry = root / "service" / "templates" / "registry.py"
    _edit(
        registry,
        "from service.templates.gb2021 import GB2021\n",
        "from service.templates.gb2021 import GB2021\nfrom service.templates.gb2030 import GB2030\n",
    )
    _edit(registry, "(GB2021, GB2019, LEGACY)", "(GB2030, GB2021, GB2019, LEGACY)")
    _edit(root / "service" / "schema.py", 'Template = Literal["gb2021",', 'Template = Literal["gb2030", "gb2021",')

    seen = _run(root, CHECK_NEW_TEMPLATE.format(report=str(CORPUS / "pingtan-2022.txt")))
    assert seen["template"] == "gb2030"  # detected by its spec's markers
    as_2021 = extract(read_path(CORPUS / "pingtan-2022.txt"))
    # its tables read by the layout it shares with gb2021: the same values, the same checks
    assert seen["values"] == {**as_2021.values(), "meta.template": "gb2030"}
    assert seen["failed"] == [c.id for c in as_2021.checks if c.status == "fail"]
    assert seen["t3_checks"] >= 35
    assert seen["model_table_keys"] == 200  # the model's table job covers its tables
    assert seen["gold_errors"] == []  # the gold validator knows it


NEW_FIELD_CHECK = """
import json
from service.ingest import read_bytes
from service.pipeline import extract
from service.templates.registry import spec_for
result = extract(read_bytes("某县2016年政府信息公开工作年度报告\\n全年通过政务抖音号发布信息12条。".encode(), "r.txt"))
print(json.dumps({
    "value": result.values().get("active.channels.douyin"),
    "legacy": "active.channels.douyin" in spec_for("legacy").keys,
    "gb2021_prose": "active.channels.douyin" in spec_for("gb2021").prose_keys,
}))
"""


def test_adding_a_field_touches_only_the_schema_and_the_lexicon(tmp_path) -> None:
    root = _copy_code(tmp_path)
    _edit(
        root / "service" / "schema.py", "    wechat: Int = None\n", "    wechat: Int = None\n    douyin: Int = None\n"
    )
    _edit(
        root / "service" / "lexicon.py",
        '    (r"其他方式公开政府信息数?", "active.channels.other", 2),\n',
        '    (r"其他方式公开政府信息数?", "active.channels.other", 2),\n'
        '    (r"(?:政务)?抖音号?" + GAP % 4 + r"(?:公开|发布)(?:政府|政务)?信息", "active.channels.douyin", 4),\n',
    )
    _edit(
        root / "service" / "lexicon.py",
        '    "active.channels.other": (',
        '    "active.channels.douyin": ("政务抖音发布信息X条",),\n    "active.channels.other": (',
    )
    seen = _run(root, NEW_FIELD_CHECK)
    assert seen == {"value": 12, "legacy": True, "gb2021_prose": True}  # found, and in every template's scope


def test_table_three_columns_are_the_schemas_applicant_columns_then_the_total() -> None:
    from service.schema import APPLICANT_COLUMNS
    from service.templates.national import TABLE_THREE_COLUMNS

    assert tuple(column.key for column in TABLE_THREE_COLUMNS) == (*APPLICANT_COLUMNS, "total")
    assert all(column.word for column in TABLE_THREE_COLUMNS)
