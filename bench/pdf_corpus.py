"""Print the gold reports to PDF with Debian chromium, so the eval can score the PDF reader on them.

    python bench/pdf_corpus.py OUT_DIR [REPORT_DIR ...]     (default: ../shared/seeds ../shared/corpus)

HTML pages are printed as they are; a text report as one paragraph per line (long lines wrap at the
margin, as in a PDF made from a word processor), a Markdown report likewise with its pipe tables as
ruled tables. Chromium's own header (date, title) and footer (address, "3/7") are
left on every page: running page chrome the reader must drop. Writes ``OUT_DIR/reports/*.pdf`` and
``OUT_DIR/gold/*.json`` (the repo's gold with ``source`` pointing at the PDF), then:

    python -m eval --gold OUT_DIR/gold --reports OUT_DIR/reports --out OUT_DIR/eval
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def to_pdf(source: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = source
        if source.suffix.lower() not in (".html", ".htm"):
            text = source.read_text(encoding="utf-8", errors="replace")
            page = Path(tmp) / (source.stem + ".html")
            page.write_text(as_html(source.stem, text), encoding="utf-8")
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + tmp,
             "--virtual-time-budget=3000", f"--print-to-pdf={target}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


STYLE = (
    "body{font:11pt 'WenQuanYi Micro Hei';margin:0 2cm}p{margin:0 0 .3em}"
    "table{border-collapse:collapse}td{border:1px solid #000;padding:2px 6px}"
)


def as_html(title: str, text: str) -> str:
    """Paragraphs for lines, ruled tables for runs of Markdown ``| a | b |`` rows (separator rows dropped)."""
    out = [f'<!doctype html><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style>']
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        is_row = stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1
        if is_row and not in_table:
            out.append("<table>")
        if not is_row and in_table:
            out.append("</table>")
        in_table = is_row
        if is_row:
            cells = [c.strip() for c in stripped[1:-1].split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        elif stripped:
            out.append(f"<p>{html.escape(stripped.lstrip('#').strip())}</p>")
    if in_table:
        out.append("</table>")
    return "\n".join(out)


def main(out: Path, report_dirs: list[Path]) -> None:
    (out / "reports").mkdir(parents=True, exist_ok=True)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    for gold_path in sorted((ROOT / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        source = next((d / gold["source"] for d in report_dirs if (d / gold["source"]).is_file()), None)
        if source is None:
            print(f"skip {gold_path.name}: {gold['source']} not found", file=sys.stderr)
            continue
        target = out / "reports" / (source.stem + ".pdf")
        to_pdf(source, target)
        gold["source"] = target.name
        (out / "gold" / gold_path.name).write_text(json.dumps(gold, ensure_ascii=False, indent=2), encoding="utf-8")
        print(target)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    shared = ROOT.parent / "shared"
    dirs = [Path(p) for p in sys.argv[2:]] or [shared / "seeds", shared / "corpus"]
    main(Path(sys.argv[1]), dirs)
