"""Make the generated test PDFs (``made-*.pdf``) beside this file:  python tests/data/pdf/make.py

Needs fpdf2 (a dev dependency) and a CJK font (Debian ``fonts-wqy-microhei``). The PDFs are committed,
so the tests read them without either; run this only to change them.

- ``made-layout.pdf``: three pages with a running header (the issuer) and footer (``- n -``); a paragraph
  wrapped over three lines; a line whose CJK characters are spread by justification (``邮 编 ：``); table 二
  of the 2021 template whose rows go on to the next page; cells far apart (``信息内容    本年新制作数量``).
- ``made-scanned.pdf``: one page that is only a picture of text (no text layer).
- ``made-encrypted.pdf``: ``made-layout.pdf``'s first page, with a user password.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

PARAGRAPH = (
    "2023年，本机关共受理政府信息公开申请21件，均在法定期限内答复。本机关坚持以公开为常态、"
    "不公开为例外，持续推进决策、执行、管理、服务、结果公开，不断提升政务公开的质量和实效。"
)


class Report(FPDF):
    def header(self) -> None:
        self.set_font("wqy", size=9)
        self.cell(0, 8, "某某县人民政府办公室", align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("wqy", size=12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("wqy", size=9)
        self.cell(0, 8, f"- {self.page_no()} -", align="C")


def layout() -> FPDF:
    pdf = Report()
    pdf.add_font("wqy", "", FONT)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("wqy", size=16)
    pdf.cell(0, 12, "某某县2023年政府信息公开工作年度报告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=12)
    pdf.multi_cell(0, 7, PARAGRAPH * 2, new_x="LMARGIN", new_y="NEXT")  # wraps over several lines
    pdf.cell(0, 7, "联系电话：0591-1234567，邮 编 ： 350400", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, "二、主动公开政府信息情况", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, "第二十条第（一）项", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(240)  # the table starts low on the page, so it goes on to the next one
    rows = [
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", "0", "0", "0"),
        ("行政规范性文件", "3", "1", "25"),
    ]
    for row in rows:
        for width, cell in zip((60, 40, 40, 40), row, strict=True):
            pdf.cell(width, 8, cell, border=1)
        pdf.ln(8)
    for label, value in (("第二十条第（五）项", None), ("信息内容", "本年处理决定数量"), ("行政许可", "550")):
        pdf.cell(60, 8, label, border=1)
        if value:
            pdf.cell(40, 8, value, border=1)
        pdf.ln(8)
    pdf.add_page()
    pdf.multi_cell(0, 7, "五、存在的主要问题及改进情况", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, PARAGRAPH, new_x="LMARGIN", new_y="NEXT")
    return pdf


def scanned() -> FPDF:
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    for y in range(200, 1600, 60):
        draw.rectangle((150, y, 1090, y + 24), fill=(40, 40, 40))  # what a scan of text lines looks like
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=210, h=297)
    return pdf


def encrypted() -> FPDF:
    pdf = layout()
    pdf.set_encryption(owner_password="owner", user_password="secret", encryption_method=EncryptionMethod.RC4)
    return pdf


if __name__ == "__main__":
    layout().output(str(HERE / "made-layout.pdf"))
    scanned().output(str(HERE / "made-scanned.pdf"))
    encrypted().output(str(HERE / "made-encrypted.pdf"))
    print("written:", *sorted(p.name for p in HERE.glob("made-*.pdf")))
