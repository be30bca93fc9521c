"""Score PDFs made here from real report web pages: ``python -m eval.rendered [harness options]``.

Most reports reach users as PDF, made by a word processor from the same document the web page shows.
The project has few real PDFs, but it has real web pages whose reports are hand-labelled. This renders
each such page (a gold file that is a second form of a report, ``same_as``, read from an ``.html``
source) to PDF with every renderer found on the machine — LibreOffice (Writer's table layout, the way
a Word document becomes a PDF) and Chromium (print to PDF, its running header and footer — date, title,
address, "3/7" — left on every page) — and scores the PDFs against the same
labels. Labels wrapped inside table cells, tables split over pages and page chrome all come from the
renderer, not from anyone here, so the figure shows how the PDF reader copes with layouts it was not
written against. The PDFs are written under ``--out`` and never committed: they are ours, not published
reports.

``--every-report`` renders every gold report, the text and Markdown ones laid out as a word processor
would (a paragraph per line, Markdown pipe tables as ruled tables), to see the reader on more layouts.
Options other than ``--gold``, ``--reports``, ``--every-report``, ``--out`` and ``--require`` go to the
harness (``--min-f1`` …).
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from eval import harness

OUT = harness.DEFAULT_OUT / "rendered"
RENDER_SECONDS = 120

Renderer = Callable[[str, Path, Path], None]  # (program, HTML page, PDF to write)


def _libreoffice(program: str, page: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                program,
                f"-env:UserInstallation=file://{profile}",  # its own profile: no clash with a running office
                "--headless",
                "--convert-to",
                "pdf:writer_web_pdf_Export",
                "--outdir",
                out,
                str(page),
            ],
            check=True,
            capture_output=True,
            timeout=RENDER_SECONDS,
        )
        shutil.move(Path(out) / (page.stem + ".pdf"), pdf)


def _chromium(program: str, page: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                program,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=RENDER_SECONDS,
        )


def _program(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


RENDERERS: dict[str, tuple[tuple[str, ...], Renderer]] = {
    "libreoffice": (("soffice", "libreoffice"), _libreoffice),
    "chromium": (("chromium", "chromium-browser", "google-chrome"), _chromium),
}


def available() -> list[str]:
    return [name for name, (programs, _) in RENDERERS.items() if _program(programs)]


def to_render(gold_dir: Path, report_dirs: list[Path], *, every_report: bool = False) -> list[tuple[dict, Path]]:
    """(gold data, input file) for every gold file that is a web-page form of a report (``same_as``, an
    ``.html`` source), or with ``every_report`` for every gold file whose input is found."""
    chosen = []
    for path in sorted(gold_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source = data.get("source") or ""
        page = source.endswith((".html", ".htm")) and data.get("same_as")
        if not (page or (every_report and source.endswith((".txt", ".md")))):
            continue
        found = next((d / source for d in report_dirs if (d / source).is_file()), None)
        if found is not None:
            chosen.append((data, found))
    return chosen


STYLE = "p{margin:0 0 .3em}table{border-collapse:collapse}td{border:1px solid #000;padding:2px 6px}"


def as_html(title: str, text: str) -> str:
    """A text report as a word processor lays it out: a paragraph per line, runs of Markdown
    ``| a | b |`` rows as a ruled table (separator rows dropped)."""
    out = [f'<!doctype html><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style>']
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        is_row = stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1
        if is_row != in_table:
            out.append("<table>" if is_row else "</table>")
        in_table = is_row
        if is_row:
            cells = [c.strip() for c in stripped[1:-1].split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        elif stripped:
            out.append(f"<p>{html.escape(stripped.lstrip('#').strip())}</p>")
    if in_table:
        out.append("</table>")
    return "\n".join(out)


def render_all(chosen: list[tuple[dict, Path]], renderers: list[str], out: Path) -> list[str]:
    """Write ``out/inputs/*.pdf`` and their gold to ``out/gold``; return the problems (a renderer that
    failed on a page)."""
    problems = []
    for sub in ("inputs", "gold", "pages"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    for data, source in chosen:
        page = source
        if source.suffix.lower() not in (".html", ".htm"):
            page = out / "pages" / (source.stem + ".html")
            page.write_text(as_html(source.stem, source.read_text("utf-8", errors="replace")), "utf-8")
        for name in renderers:
            pdf = out / "inputs" / f"{source.stem}.{name}.pdf"
            programs, render = RENDERERS[name]
            try:
                render(_program(programs) or programs[0], page, pdf)
            except (OSError, subprocess.SubprocessError) as exc:
                problems.append(f"{name} could not render {source.name}: {exc}")
                continue
            report = f"{data['report']}-{name}-pdf"
            gold = {"report": report, "source": pdf.name, "fields": data["fields"]}
            (out / "gold" / f"{report}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), "utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    parser.add_argument("--reports", type=Path, action="append", default=[])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--require", action="append", default=[], choices=sorted(RENDERERS))
    parser.add_argument("--every-report", action="store_true", help="also text and Markdown reports")
    args, harness_args = parser.parse_known_args(argv)
    renderers = available()
    missing = [name for name in args.require if name not in renderers]
    if missing:
        print(f"error: required renderer(s) not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not renderers:
        print("no renderer installed (LibreOffice or Chromium): nothing to score")
        return 0
    pages = to_render(args.gold, args.reports, every_report=args.every_report)
    if not pages:
        print(f"error: no gold report to render found in {args.gold} with --reports", file=sys.stderr)
        return 2
    problems = render_all(pages, renderers, args.out)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"rendered {len(pages)} report(s) with {', '.join(renderers)}")
    gold_and_inputs = ["--gold", str(args.out / "gold"), "--reports", str(args.out / "inputs")]
    return harness.main([*gold_and_inputs, "--out", str(args.out), *harness_args])


if __name__ == "__main__":
    sys.exit(main())
