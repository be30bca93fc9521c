"""eval.rendered: which gold files are web pages, and the gold each rendering is scored against.

The renderers themselves (LibreOffice, Chromium) run in .ci/run; here a stand-in writes a real PDF so
the selection and the scoring run without them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CORPUS

from eval import rendered

ROOT = Path(__file__).resolve().parents[1]
REAL_PDF = ROOT / "gold" / "reports" / "hongze-district-2023.pdf"


def test_web_pages_are_the_html_second_forms_only() -> None:
    pages = rendered.to_render(ROOT / "gold", [CORPUS, ROOT / "gold" / "reports"])
    assert sorted(page.name for _, page in pages) == ["pingtan-2019-page.html", "pingtan-2022-page.html"]
    assert {data["same_as"] for data, _ in pages} == {"pingtan-2019", "pingtan-2022"}


def test_each_rendering_is_scored_against_the_labels_of_its_page(tmp_path: Path, monkeypatch) -> None:
    def stand_in(program: str, page: Path, pdf: Path) -> None:
        shutil.copy(REAL_PDF, pdf)

    monkeypatch.setitem(rendered.RENDERERS, "stand-in", (("stand-in",), stand_in))
    pages = rendered.to_render(ROOT / "gold", [CORPUS])[:1]
    assert rendered.render_all(pages, ["stand-in"], tmp_path) == []
    gold = json.loads((tmp_path / "gold" / "pingtan-2019-page-stand-in-pdf.json").read_text("utf-8"))
    assert gold["source"] == "pingtan-2019-page.stand-in.pdf"
    assert gold["fields"] == pages[0][0]["fields"]
    assert (tmp_path / "inputs" / gold["source"]).read_bytes()[:5] == b"%PDF-"


def test_a_renderer_that_fails_is_reported_not_scored(tmp_path: Path, monkeypatch) -> None:
    def broken(program: str, page: Path, pdf: Path) -> None:
        raise OSError("no display")

    monkeypatch.setitem(rendered.RENDERERS, "broken", (("broken",), broken))
    problems = rendered.render_all(rendered.to_render(ROOT / "gold", [CORPUS])[:1], ["broken"], tmp_path)
    assert problems == ["broken could not render pingtan-2019-page.html: no display"]
    assert list((tmp_path / "gold").iterdir()) == []


def test_a_required_renderer_that_is_missing_is_an_error(monkeypatch, capsys) -> None:
    monkeypatch.setattr(rendered, "available", lambda: [])
    assert rendered.main(["--require", "libreoffice"]) == 2
    assert "libreoffice" in capsys.readouterr().err


def test_every_report_adds_the_text_reports_laid_out_as_paragraphs_and_tables() -> None:
    chosen = rendered.to_render(ROOT / "gold", [CORPUS], every_report=True)
    assert "pingtan-2013.txt" in {source.name for _, source in chosen}
    page = rendered.as_html("t", "标题\n| 指标 | 数 |\n|---|---|\n| 收到申请数 | 3 |\n正文")
    assert "<p>标题</p>\n<table>\n<tr><td>指标</td><td>数</td></tr>\n<tr><td>收到申请数</td><td>3</td></tr>" in page
    assert page.endswith("</table>\n<p>正文</p>")
