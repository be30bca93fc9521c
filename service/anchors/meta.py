"""meta.* fields: title, issuer, year, publication date and the template the report is written in."""

from __future__ import annotations

import re

import cn2an

from service.core import Document, Findings, Found
from service.lexicon import printed
from service.templates.legacy import STATISTICS_TABLE_MARKER
from service.templates.national import TABLE_THREE_START
from service.templates.registry import national

BODY_MARKER = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
# A crawler's CSV export: a header line (标题,时间,内容,…) then one row whose first fields are the page's
# title and a date the crawler recorded (not the page's own 发布时间: it goes to review unless confirmed).
CRAWLER_ROW = re.compile(
    r"\A\ufeff?\s*标题\s*,\s*(?:时间|日期|发布时间|发布日期)\s*,\s*内容[^\n]*\n"
    r"\s*\"?(?P<title>[^,\n\"]{4,120})\"?\s*,\s*\"?(?P<date>(?P<y>\d{4})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})\s*日?)"
)
HEADER_TITLE = re.compile(r"^\s*标题\s*[:：]\s*(?P<v>\S.*?)\s*$", re.M)
DATE_VALUE = r"\s*[:：]\s*(?P<y>\d{4})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})"
# The page's own publication date. A bare 时间/日期 (来源：… 时间：…) counts, a compound one never does: 抓取时间,
# 采集时间, 下载时间, 更新时间 are a crawler's or a site's stamps, 填表日期 the date a form was filled in.
# (a bare 时间 counts only as a label of its own, or right after a 来源 field the text runs into it:
# 来源：平潭县人民政府时间：2023-02-20)
HEADER_DATE = re.compile(
    r"(?:发布(?:时间|日期)|公开日期|(?<![\u4e00-\u9fff])(?:时间|日期)|(?<=来源[:：])[^\n:：]{1,30}?(?:时间|日期))"
    + DATE_VALUE
)
# The date a document was written or issued: the publication date only when nothing else is printed.
WRITTEN_DATE = re.compile(r"(?:成文|发文|印发)(?:时间|日期)" + DATE_VALUE)
# A report is published after its year ends, usually within months: a date outside this window is a
# different kind of date (a crawl, an update, a file's time stamp) until a person says otherwise.
PUBLISH_WINDOW_YEARS = 2
TITLE_SHAPE = re.compile(r"^(?:.{0,30}?\d{4}\s*年度?.{0,30}?(?:政府信息公开|政务公开|信息公开).{0,20}报告)$")
TITLE_CUT = re.compile(r"\s*(?:[_|｜]| - |—{2}).*$")
YEAR_IN_TITLE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年")
STAT_PERIOD = re.compile(r"统计(?:期限|时限|周期|期间)[^。\n]{0,12}?(?P<y>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
# The line above a closing date that signs the report: a body's name (…人民政府, …办公室, …局).
SIGNER_LINE = re.compile(
    r"[\u4e00-\u9fff（）()·]{2,40}?(?:政府|办公室|办公厅|办|局|委员会|委|厅|院|中心|管委会|区|县|市|州|盟|旗|镇|乡"
    r"|街道|办事处|公司|所|站|队|会|部|署|处|馆)"
)
TABLE_HEADING_YEAR = re.compile(r"(?:指\s*标|计量)[^\n]{0,30}?单\s*位[\s|]*(?P<y>(?:19|20)\d{2})\s*年")
SIGNED_DATE = re.compile(
    r"^[\s(（]*(?P<y>(?:19|20)\d{2}|[二〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>[\d一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?P<d>[\d一二三四五六七八九十]{1,3})\s*日[\s)）]*$",
    re.M,
)

# What only one template prints: the markers of each template's spec (service/templates).
TABLE_THREE_MARKER = TABLE_THREE_START
LEGACY_TABLE_MARKER = re.compile(STATISTICS_TABLE_MARKER)
ISSUER_LINE = re.compile(r"(?!正文$)[\u4e00-\u9fff（）()]{2,30}")  # a heading's first line naming the body
GENERIC_ISSUERS = {"政府", "人民政府", "本机关", "我单位"}


def find(document: Document) -> Findings:
    text = document.text
    findings = Findings()
    found = findings.found
    body_start = _body_start(text)

    headings = _headings(text, body_start)
    body_title = headings[-1] if headings else None
    page_title = _header_title(text)
    for other in [*headings[:-1], page_title]:
        if body_title and other and other[0] != body_title[0]:
            # the page names the report differently from its own heading: the heading wins, a person decides
            found.append(
                Found(
                    "meta.title",
                    other[0],
                    other[1],
                    other[2],
                    "prose",
                    "label-loose",
                    note="page title differs from the report's heading",
                )
            )
    title = body_title or page_title
    if title is not None:
        value, start, end, how = title
        found.append(Found("meta.title", value, start, end, "header" if how == "header" else "prose", how))
        issuer = _issuer_from_title(value)
        if issuer:
            offset = _locate_compact(text, start, end, issuer)
            if offset:
                found.append(Found("meta.issuer", issuer, *offset, "prose", "header"))
        else:  # the heading names no body: the page's title may
            for other in [*headings[:-1], page_title]:
                named = _issuer_from_title(other[0]) if other else None
                offset = _locate_compact(text, other[1], other[2], named) if named else None
                if offset:
                    found.append(
                        Found(
                            "meta.issuer",
                            named,
                            *offset,
                            "prose",
                            "label-loose",
                            note="named in the page title, not in the report's heading",
                        )
                    )
                    break
        year = YEAR_IN_TITLE.search(text, start, end)
        if year:
            found.append(Found("meta.year", int(year["y"]), year.start("y"), year.end("y"), "prose", "header"))

    found.extend(_other_years(text, found))
    found.extend(_signing_issuer(text, body_start, found))
    if not any(f.key == "meta.issuer" for f in found):
        found.extend(_issuer_in_the_first_sentence(text, body_start))

    if not any(f.key == "meta.year" for f in found):
        first_year = YEAR_IN_TITLE.search(text, body_start)
        if first_year:
            found.append(
                Found(
                    "meta.year",
                    int(first_year["y"]),
                    first_year.start("y"),
                    first_year.end("y"),
                    "prose",
                    "label-loose",
                    note="first year named in the text; no title or 统计期限",
                )
            )

    year_found = next((f.value for f in found if f.key == "meta.year"), None)
    found.extend(_publish_dates(text, body_start, year_found))

    template = detect_template(text)
    marker = _template_evidence(text, template)
    year = next((f for f in found if f.key == "meta.year"), None)
    if template == "legacy" and year and year.value >= 2019 and not LEGACY_TABLE_MARKER.search(text):
        # no table to recognise, but reports for 2019 on are written in the national templates
        template = "gb2021" if year.value >= 2021 else "gb2019"
        found.append(
            Found(
                "meta.template",
                template,
                year.start,
                year.end,
                "prose",
                "label-loose",
                note=f"no template table found; a report for {year.value} uses the {template} template",
            )
        )
    elif marker:
        found.append(Found("meta.template", template, *marker, "table" if template != "legacy" else "prose", "header"))
    elif year:  # nothing names the report kind: legacy by its year alone, for a person to confirm
        note = "no template table and no words naming the report kind: read as legacy"
        found.append(Found("meta.template", template, year.start, year.end, "prose", "label-loose", note=note))
    if len(text) - body_start < 300:
        findings.warnings.append(f"the report body is only {len(text) - body_start} characters: is it complete?")
    return findings


def template_of(findings: Findings) -> str | None:
    for found in findings.found:
        if found.key == "meta.template":
            return found.value
    return None


def detect_template(text: str) -> str:
    """The national template whose table-二 headers the report prints; legacy when it prints neither."""
    scores = {spec.name: sum(bool(printed(m).search(text)) for m in spec.markers) for spec in national()}
    best = max(scores, key=scores.__getitem__)  # a tie goes to the first listed (the newer template)
    if scores[best] >= 2 or printed(TABLE_THREE_MARKER).search(text):
        return best
    return "legacy"


def _template_evidence(text: str, template: str) -> tuple[int, int] | None:
    markers = {spec.name: spec.markers for spec in national()}.get(template, ())
    for marker in (*markers, TABLE_THREE_MARKER):
        match = printed(marker).search(text)
        if match:
            return match.span()
    # legacy: cite the title line or the first line that names the report kind
    match = re.search(
        r"(?:政府|政务)?(?:信息|資訊)?公[开開][^\n。]{0,20}\n?[^\n。]{0,6}?[报報]告|政府信息公[开開]", text
    )
    return (match.start(), match.end()) if match else None


def _body_start(text: str) -> int:
    marker = BODY_MARKER.search(text)
    return marker.end() if marker else 0


TITLE_IN_LINE = re.compile(
    r"(?<![^\s：:>])(?P<t>[\u4e00-\u9fff（）()]{0,30}?[ \t]{0,3}(?:19|20)\d{2}\s?年度?\s?[\u4e00-\u9fff]{0,10}?"
    r"(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,8}?报告)(?![》”\"）)\u4e00-\u9fff。，,；;])"
)
PARAGRAPH_START = re.compile(r"根据《|依据《|按照《|本报告|本年度报告|一、\s*(?:概述|总体情况)")


def _headings(text: str, body_start: int) -> list[tuple[str, int, int, str]]:
    """Title-shaped headings above the report's first paragraph, in order: on lines of their own (possibly
    over two or three lines) or inside a long line of page chrome (相关链接： … 标题 根据《…). The last is the
    report's own heading; an earlier one is the page's article title."""
    window = text[body_start : body_start + 3000]
    paragraph = PARAGRAPH_START.search(window)
    limit = body_start + (paragraph.start() if paragraph else len(window))
    found = {start: (value, start, end, how) for value, start, end, how in _body_titles(text, body_start)}
    for match in TITLE_IN_LINE.finditer(text, body_start, body_start + len(window)):
        value = re.sub(r"\s+", "", match["t"])
        if TITLE_SHAPE.match(value) and not any(s <= match.start("t") < e for _, s, e, _ in found.values()):
            found[match.start("t")] = (value, match.start("t"), match.end("t"), "label-exact")
    ordered = [found[start] for start in sorted(found)]
    before = [title for title in ordered if title[1] < limit]
    return before or ordered[:1]


def _body_titles(text: str, body_start: int) -> list[tuple[str, int, int, str]]:
    """Report-title-shaped headings (one to three short lines) above the first paragraph, in order.
    The last is the report's own heading; an earlier one is the page's article title."""
    lines = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\n]+", text[body_start : body_start + 6000])]
    titles: list[tuple[str, int, int, str]] = []
    i = 0
    while i < min(len(lines), 60):
        start, _end, line = lines[i]
        head = re.match(r"\s*#*\s*(\S{6,60}?报告)\s", line)
        if YEAR_IN_TITLE.search(line) and head and TITLE_SHAPE.match(head.group(1)):
            # a heading glued to the first paragraph
            titles.append(
                (head.group(1), body_start + start + head.start(1), body_start + start + head.end(1), "label-exact")
            )
            break
        first_line_ok = YEAR_IN_TITLE.search(line) or ISSUER_LINE.fullmatch(line.strip().lstrip("#").strip())
        for span in (1, 2, 3) if first_line_ok else ():
            chunk = lines[i : i + span]
            joined = "".join(re.sub(r"\s+|^#+", "", part[2]) for part in chunk).lstrip("#")
            if len(joined) > 60 or "，" in joined or "。" in joined or "：" in joined:
                break
            rest = "".join(re.sub(r"\s+|^#+", "", part[2]) for part in chunk[1:]).lstrip("#")
            year = YEAR_IN_TITLE.search(rest)
            if span > 1 and TITLE_SHAPE.match(rest) and year and year.start() > 0:
                break  # the lines below are a whole title, issuer included: this line is something else
            if TITLE_SHAPE.match(joined):
                titles.append((joined, body_start + start, body_start + chunk[-1][1], "label-exact"))
                i += span - 1
                break
        if len(line) > 80 and titles:
            break
        i += 1
    return titles


def _header_title(text: str) -> tuple[str, int, int, str] | None:
    match = HEADER_TITLE.search(text)
    if not match:
        row = CRAWLER_ROW.match(text)
        if row and TITLE_SHAPE.match(re.sub(r"\s+", "", row["title"])):  # a cut title (…报...) is no title
            return re.sub(r"\s+", "", row["title"]), row.start("title"), row.end("title"), "header"
        return None
    value = TITLE_CUT.sub("", match["v"])
    value = re.sub(r"\s+", "", value)
    return (value, match.start("v"), match.start("v") + len(match["v"]), "header") if value else None


def _issuer_from_title(title: str) -> str | None:
    year = YEAR_IN_TITLE.search(title)
    if not year:
        return None
    before = title[: year.start()].strip()
    if before:
        return before if before not in GENERIC_ISSUERS else None
    after = re.match(r"度?(?P<who>.+?)(?:政府信息公开|政务公开|信息公开)", title[year.end() :])
    return after["who"] if after and after["who"] not in GENERIC_ISSUERS else None


def _locate_compact(text: str, start: int, end: int, wanted: str) -> tuple[int, int] | None:
    """Span of ``wanted`` inside text[start:end], allowing whitespace between its characters."""
    match = printed(wanted).search(text, start, end)
    return (match.start(), match.end()) if match else None


def _other_years(text: str, found: list[Found]) -> list[Found]:
    """The reporting year as the 统计期限 and the statistics table's heading state it. Each is a candidate
    beside the title's year: where they disagree, reconcile sends meta.year to review with all of them."""
    years: list[Found] = []
    period = STAT_PERIOD.search(text)
    if period:
        years.append(Found("meta.year", int(period["y"]), period.start("y"), period.end("y"), "prose", "label-exact"))
    heading = TABLE_HEADING_YEAR.search(text)
    if heading:
        years.append(
            Found(
                "meta.year",
                int(heading["y"]),
                heading.start("y"),
                heading.end("y"),
                "table",
                "label-loose",
                note="the year in the statistics table's column heading",
            )
        )
    title_years = {f.value for f in found if f.key == "meta.year"}
    if not title_years:
        return years
    # a candidate that agrees adds nothing; one that disagrees is the cross-check
    return [year for year in years if year.value not in title_years]


def _signing_issuer(text: str, body_start: int, found: list[Found]) -> list[Found]:
    """The body that signs the report, as a check on the issuer the title names: a signature naming
    another body (neither name contains the other) is a candidate, and the disagreement goes to review."""
    issuer = next((f for f in found if f.key == "meta.issuer"), None)
    signed = _signature_date(text, body_start)
    if issuer is None or signed is None or signed.how != "label-exact":
        return []
    line_end = text.rfind("\n", 0, signed.start)
    line_start = text.rfind("\n", 0, max(0, line_end)) + 1
    signer = text[line_start:line_end].strip() if line_end > 0 else ""
    if not signer or signer in issuer.value or issuer.value in signer or _core(issuer.value) in signer:
        return []
    at = text.find(signer, line_start)
    return [Found("meta.issuer", signer, at, at + len(signer), "prose", "label-loose", note="the body that signs")]


# The opening sentence naming the body that reports (由北京市大兴区统计局编制的…年度报告, 现将西安市高陵区人民
# 政府2025年…年度报告予以公开, 特公布贵阳市2018年…): the issuer when the text has no title or signature.
ISSUER_IN_SENTENCE = re.compile(
    r"(?:由(?P<by>[\u4e00-\u9fff（）()]{2,30}?)编制(?:的|了|而成)?"
    r"|(?:现将|特公布|现公布|特发布|现发布)(?P<of>[\u4e00-\u9fff（）()]{2,30}?))"
    r"\s*(?:(?:19|20)\d{2}\s*年度?)\s*(?:的)?\s*(?:政府信息公开|政务公开|信息公开)"
)


def _issuer_in_the_first_sentence(text: str, body_start: int) -> list[Found]:
    match = ISSUER_IN_SENTENCE.search(text, body_start, body_start + 1500)
    if not match:
        return []
    group = "by" if match["by"] else "of"
    who = match[group]
    if who in GENERIC_ISSUERS or who.startswith(("我", "本")):
        return []
    note = "named in the opening sentence: the text has no title or signature"
    return [Found("meta.issuer", who, match.start(group), match.end(group), "prose", "label-loose", note=note)]


def _core(issuer: str) -> str:
    """An issuer's name without the words a signature may drop or add (人民政府, 办公室, 管委会)."""
    return re.sub(r"(?:人民政府|政府|办公室|办公厅|管理委员会|管委会)$", "", issuer) or issuer


def _publish_dates(text: str, body_start: int, year: int | None) -> list[Found]:
    """Candidates for meta.publish_date: the page's own 发布时间/发布日期 (a crawler's header copy of it
    ranks below the page's), else the date under the closing signature, else a 成文日期 in review.

    A date is trusted only if it fits: after the reporting year (within PUBLISH_WINDOW_YEARS) and not
    before the report was signed. One that does not fit, or two 发布时间 that disagree, go to review."""
    signed = _signature_date(text, body_start)
    labelled = list(HEADER_DATE.finditer(text))
    crawler = [m for m in labelled if body_start and m.start() < body_start]
    page = [m for m in labelled if m not in crawler]
    head_end = _head_end(text, body_start)
    # the page's chrome above the report; failing that, an explicit 发布时间 wherever printed (a bare 时间 in
    # the body is some event's time)
    page = [m for m in page if m.start() < head_end] or [m for m in page if "发布" in m.group() or "公开" in m.group()]
    dates: list[Found] = []
    for match in page:
        dates.append(_dated(match, "header", "header", None))
    for match in crawler:
        note = "a crawler's header, not the page itself" if page else None
        dates.append(_dated(match, "header", "label-exact" if page else "header", note))
    if not dates and signed is not None:
        dates.append(signed)
    if not dates:
        written = WRITTEN_DATE.search(text)
        if written:
            dates.append(_dated(written, "header", "label-loose", "成文日期 (the date it was written), no 发布时间"))
    stamp = CRAWLER_ROW.match(text)
    if stamp:
        recorded = _dated(stamp, "prose", "label-loose", "the date a crawler recorded, not the page itself")
        recorded.start, recorded.end = stamp.start("date"), stamp.end("date")
        if dates and dates[0].value == recorded.value:
            recorded.how = "label-exact"  # agrees with the report's own date
        dates.append(recorded)  # a disagreement reaches review through reconcile
    dates = [d for d in dates if d.value is not None]
    if not dates:
        return []
    doubt = _doubt(dates[0].value, year, signed.value if signed is not None else None)
    if doubt:
        for date in dates:
            if date.value == dates[0].value:
                date.how, date.note = "label-loose", doubt
    return dates


def _dated(match: re.Match[str], source, how, note: str | None) -> Found:
    try:
        iso = _iso(match["y"], match["m"], match["d"])
    except ValueError:
        iso = None
    return Found("meta.publish_date", iso, match.start(), match.end(), source, how, note=note)


def _doubt(iso: str, year: int | None, signed: str | None) -> str | None:
    """Why a publication date does not fit the report, or None when it does."""
    import datetime as dt

    when = dt.date.fromisoformat(iso)
    if year is not None and not year < when.year <= year + PUBLISH_WINDOW_YEARS:
        return f"published {iso} does not fit a report for {year}: a crawl or update stamp?"
    if signed is not None:
        gap = (when - dt.date.fromisoformat(signed)).days
        if gap < -3 or gap > 366:
            return f"published {iso} but signed {signed}"
    return None


def _head_end(text: str, body_start: int) -> int:
    """Where the report's first paragraph starts: a 发布时间 above it is the page's own."""
    paragraph = PARAGRAPH_START.search(text, body_start, body_start + 6000)
    return paragraph.start() if paragraph else body_start + 1500


def _signature_date(text: str, body_start: int) -> Found | None:
    """The date under the closing signature: a line holding only a date, in the last part of the body.
    Trusted (label-exact) when the line above names a body, as a signature does; otherwise in review."""
    tail_from = body_start + int((len(text) - body_start) * 0.6)
    candidates = [
        m for m in SIGNED_DATE.finditer(text, tail_from) if "填表" not in text[max(0, m.start() - 12) : m.start()]
    ]
    if not candidates:
        return None
    match = candidates[-1]
    try:
        year = (
            match["y"]
            if match["y"].isdigit()
            else str(cn2an.cn2an(match["y"].replace("○", "零").replace("〇", "零"), "direct"))
        )
        iso = _iso(year, _small_int(match["m"]), _small_int(match["d"]))
    except (ValueError, KeyError):
        return None
    above = text[max(0, match.start() - 80) : match.start()].rstrip().rsplit("\n", 1)[-1].strip()
    signed = bool(SIGNER_LINE.fullmatch(above))
    return Found(
        "meta.publish_date",
        iso,
        match.start("y"),
        match.end(),
        "prose",
        "label-exact" if signed else "label-loose",
        note="date under the closing signature" + ("" if signed else " (no signing body on the line above)"),
    )


def _small_int(token: str) -> str:
    return token if token.isdigit() else str(int(cn2an.cn2an(token, "smart")))


def _iso(year: str, month: str, day: str) -> str:
    import datetime as dt

    return dt.date(int(year), int(month), int(day)).isoformat()
