"""How reports word each FIELDS.md key, in one place: the prose finder's patterns and the wordings the
model's prompts and text windows use. Data, not code paths: the finders loop over these lists.

Order matters where one label contains another (同意部分公开 before 同意公开, 不同意公开 before 同意公开):
the first pattern that matches a label wins. How a template's tables print a key, and the legacy
statistics table's row labels, live in that template's spec (service/templates).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from service.numbers import NUMBER_PATTERN
from service.schema import APPLICANT_COLUMNS, FIELD_TYPES
from service.templates.registry import table_wordings


@lru_cache(maxsize=4096)
def printed(label: str) -> re.Pattern[str]:
    """A label as reports print it: a PDF text layer or an HTML cell may break it over lines or justify
    it with spaces (``本年新收政府信息公开申\n请数量``, ``本 年 新 制作数量``), so any whitespace may stand
    between its characters."""
    return re.compile(r"\s*".join(map(re.escape, re.sub(r"\s+", "", label))))


# --------------------------------------------------------------------------- prose (any template)
# A label must sit in the same clause as its number (GAP never crosses 。，、 or a digit).

GAP = r"[^。；;，,、\d\n]{0,%d}?"
NUM = rf"(?P<num>{NUMBER_PATTERN})\s*(?P<unit>万元|人次|场次|余条|条|件|次|篇|个|场|期|人|名|元|项)"

# (label regex, key, widest gap in characters between the label and its number)
LABEL_THEN_NUMBER: list[tuple[str, str, int]] = [
    (
        r"(?:网站|门户网站)" + GAP % 8 + r"(?:主动)?(?:公开|发布)(?:各类|各项|相关)?(?:政府|政务)?信息",
        "active.channels.website",
        6,
    ),
    (
        r"(?:政务)?微博(?:\d+个)?[，,]?" + GAP % 4 + r"(?:公开|发布)(?:政府|政务)?信息"
        r"|(?:发布|编发)[^。；;，,\d]{0,6}?微博",
        "active.channels.weibo",
        4,
    ),
    (
        r"(?:政务微信|微信公众号)(?:\d+个)?[，,]?"
        + GAP % 4
        + r"(?:公开|发布|编发|推送)(?:政府|政务|图文)?(?:信息|文章|消息)"
        r"|(?:发布|编发)[^。；;，,\d]{0,6}?微信(?:信息|文章)?",
        "active.channels.wechat",
        4,
    ),
    (r"其他方式公开政府信息数?", "active.channels.other", 2),
    (r"(?<!有效)(?<!制发的)(?<!制发)(?:公开|包括[:：]?|其中[:：]?)(?:行政)?规范性文件", "active.normative_docs", 2),
    # table-二 figures stated in prose (a report holds only its template's keys: prose.find drops the rest);
    # they also settle a table-二 row printed as one run of digits
    (r"(?:本年度?)?制发(?:的)?(?:行政)?规范性文件", "active.normative.issued", 2),
    (r"废止(?:的)?(?:行政)?规范性文件", "active.normative.repealed", 2),
    (r"现行有效(?:的)?(?:行政)?规范性文件", "active.normative.in_force", 2),
    (r"(?:本年度?)?制发(?:的)?规章", "active.rules.issued", 2),
    (r"废止(?:的)?规章", "active.rules.repealed", 2),
    (r"现行有效(?:的)?规章", "active.rules.in_force", 2),
    (r"新制作(?:的)?(?:行政)?规范性文件", "active.normative.new_made", 2),
    (r"新公开(?:的)?(?:行政)?规范性文件", "active.normative.new_published", 2),
    (r"(?:行政)?规范性文件(?:对外)?公开总数量?", "active.normative.total_published", 2),
    (r"新制作(?:的)?规章", "active.rules.new_made", 2),
    (r"新公开(?:的)?规章", "active.rules.new_published", 2),
    (r"规章(?:对外)?公开总数量?", "active.rules.total_published", 2),
    (
        r"公开[^。；;，,\d]{0,6}?建议(?:和|、|及)?[^。；;，,\d]{0,6}?提案(?:办理)?(?:复文|答复|结果)?"
        r"|建议(?:和|、|及)?[^。；;，,\d]{0,6}?提案(?:办理)?(?:结果|信息|复文|答复)",
        "active.proposals_results",
        4,
    ),
    (r"重点领域信息", "active.key_areas", 2),
    (r"(?:收到|受理|接到|接收)" + GAP % 14 + r"(?:依申请|申请)" + GAP % 10, "requests.received", 2),
    (r"提交(?:政府)?信息公开(?:申请)?", "requests.received", 2),
    (
        r"(?<!应)(?:主动公开|共公布)[我本全该区县市州镇乡各级单位部门机关]{0,8}(?:政府|政务)?信息"
        r"(?:件数|条数|数量|数)?(?:为|达|共)?",
        "active.total",
        2,
    ),
    # 公开各类信息1812条 / 共发布信息532条: the year's count over every channel (one named channel: see prose)
    (r"(?:公开|发布)(?:了)?(?:各类|各项)(?:政府|政务)?信息|共(?:发布|公开)(?:政府|政务)?信息", "active.total", 2),
    (r"回应" + GAP % 12 + r"(?:舆情|热点)(?:信息)?|处置" + GAP % 4 + r"舆情", "response.hot_topics", 3),
    (r"(?:召开|举办)" + GAP % 14 + r"新闻发布会", "response.press_conferences", 2),
    (r"在线访谈", "response.online_interviews", 2),
    (
        r"(?<!转载)(?<!转发)解读(?:政策|类信息发布|类信息|稿件|文件)?|发布政策解读(?:文件|稿件)?",
        "response.interpretations",
        4,
    ),
    (r"(?:网络|网上)(?:依)?申请", "requests.channel.online", 8),
    (r"信函申请", "requests.channel.letter", 2),
    (r"当面申请", "requests.channel.in_person", 2),
    (r"同意部分公开(?:答复)?(?:数)?|部分公开答复", "requests.partial", 2),
    (r"不同意公开(?:答复)?(?:数)?|不予公开(?:答复数?|数|(?=\s*\d+\s*件))", "requests.refused", 2),
    (r"(?<!不)(?<!部分)同意公开(?:答复)?(?:数)?", "requests.granted", 2),
    (r"属于已主动公开范围(?:数)?", "requests.already_public", 2),
    (r"申请信息不存在(?:数)?", "requests.not_exist", 2),
    (r"非本(?:部门|机关)掌握|不属于本(?:行政)?机关公开(?:数)?", "requests.not_held", 2),
    (r"申请信息不明确", "requests.unclear", 2),
    (r"其他处理", "requests.other_handling.total", 2),
    (r"(?:转|顺延至?|结转至?)下一?年度?(?:继续)?(?:办理)?(?:答复)?(?:的)?(?:有)?", "requests.carried_forward", 2),
    # the national templates' （七）总计 said in prose (共处理依申请公开政府信息81件); legacy holds no such key
    (
        r"(?:共|累计)?(?:处理|办结)(?:了)?[^。；;，,\d]{0,4}?(?:依申请公开|政府信息公开申请|信息公开申请)"
        r"(?:政府信息|案件|申请)?",
        "requests.processed_total",
        2,
    ),
    (r"行政复议(?:案件|申请)?(?:数量?)?(?:为)?", "review.total", 2),
    (r"行政诉讼(?:案件)?(?:数量?)?(?:为)?", "litigation.total", 2),
    (r"从事政府信息公开工作(?:的)?(?:人员|工作人员)(?:数)?", "capacity.staff", 2),
    (r"专职人员", "capacity.staff_full_time", 2),
    (r"兼职人员", "capacity.staff_part_time", 2),
    (r"接受培训(?:人员)?", "training.trainees", 2),
    (r"培训班", "training.sessions", 2),
    (r"(?:召开|举办)(?:各类)?(?:工作)?会议", "training.meetings", 2),
    (r"收取(?:政府信息公开)?信息处理费(?:共计)?|实际收取(?:的)?(?:信息处理费)?总?金额", "fees.collected", 2),
    (r"发出收费通知(?:的)?(?:件数|书)?", "fees.notices", 2),
    (r"收费通知(?:的)?总金额", "fees.notices_amount", 2),
]
# A number one key claims may also be claimed by these keys (网上申请32件 is both received and online).
SHARED_CLAIMS = {
    f"requests.channel.{channel}": {"requests.received"}
    for channel in ("online", "letter", "in_person", "fax", "other")
}
DEADLINE = re.compile(r"(?:个)?(?:工作日|日内|日起|天内|日)")
# Words that may stand between a label and its number without weakening the reading.
TIGHT_GAP = re.compile(r"^[\s共达为计约有:：是]*$")

NUMBER_THEN_LABEL: list[tuple[str, str]] = [
    (r"(?P<num>\d+)\s*个(?:便民|政府信息公开|公共)?(?:查阅|查询)(?:点|场所|中心)", "capacity.reading_points"),
    (r"(?<![\d.])(?P<num>\d+)\s*(?:场|次)(?:次)?(?:新闻发布会)", "response.press_conferences"),
    (r"(?:收到|受理)(?P<num>\d+)\s*(?:项|件|个|条)(?:有关)?(?:政府)?信息公开(?:的)?申请", "requests.received"),
]
# "不同意公开答复数2件(涉及个人隐私)": one reason in brackets gives that reason's count.
REASON_IN_BRACKETS = re.compile(
    r"(?:不同意公开|不予公开)(?:答复)?数?\s*(?P<num>\d+)\s*件\s*[（(]\s*涉及(?P<why>国家秘密|商业秘密|个人隐私)\s*[）)]"
)
REASON_KEYS = {
    "国家秘密": "requests.refused_reason.state_secret",
    "商业秘密": "requests.refused_reason.commercial_secret",
    "个人隐私": "requests.refused_reason.privacy",
}

# Statements of zero: a negation and, in the same clause, the metric it speaks of.
NEGATION = r"(?:未收到|没有收到|未受理|未发生|没有发生|未出现|没有出现|未有|没有|未向|未收取|未产生|无)"
CLAUSE = r"[^。；;，,\d\n]{0,24}?"
ZERO_STATEMENTS: list[tuple[str, str]] = [
    (NEGATION + CLAUSE + r"(?:收费|费用|处理费|收取[^。；;，,\d]{0,12}?费)|暂不收费|不收取任何费用", "fees.collected"),
    (
        NEGATION
        + CLAUSE
        + r"(?<!复议)(?<!诉讼)(?:依申请公开|信息公开(?:的)?申请|公开政府信息(?:的)?申请|公开申请|申请公开)"
        r"(?![^。；;，,]{0,4}(?:行政复议|行政诉讼))",
        "requests.received",
    ),
    (NEGATION + CLAUSE + r"行政复议(?!纠错|纠正)", "review.total"),
    (NEGATION + CLAUSE + r"行政诉讼(?!纠错|纠正)", "litigation.total"),
    (NEGATION + CLAUSE + r"行政复议(?:和|及|或|、)诉讼(?!纠错|纠正)", "litigation.total"),
    (r"行政复议、提起行政诉讼的情况[:：\s]*无", "litigation.total"),
    (r"行政复议、提起行政诉讼的情况[:：\s]*无", "review.total"),
    (NEGATION + r"[^。；;，,\d\n]{0,12}?(?:专职|全职)(?:工作)?人员", "capacity.staff_full_time"),
]
# A sentence about services or petitions: its 申请 are not information-disclosure requests.
NOT_DISCLOSURE = re.compile(r"审批|窗口|办件|政务服务|服务中心|行政许可|12345|热线|信访|办理事项")
OUTCOME_NOT_CASE = re.compile(r"纠错|纠正|败诉|被[^。，]*行政")
# A figure about a part of the body (县直各单位, 各乡镇) is not the report's whole-scope figure (GOLD rule 1).
SUB_SCOPE = re.compile(
    r"县直|区直|市直|州直|各乡镇|乡镇|街道(?!办事处|党工委|工委)|本级政府|县级政府|区级政府|市级政府"
)  # (东湖街道办事处 names a body — the issuer itself, in a 街道's own report — not a part of one)
# A figure counted up to a date or over several years is not this year's.
STOCK = re.compile(
    r"截[至止]\s*(?:\d{4}\s*年\s*)?(?!12\s*月\s*31\s*日)\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|近\s*(?:\d+|[一二三四五])\s*年|历年|至今"
)
# Channels a figure can be published on: a figure said of two of them (微信公众号、政务微博发布1378条) is
# their sum, not one channel's count.
CHANNEL_WORDS = re.compile(r"微博|微信|公众号|网站|公报|客户端|新媒体|抖音|头条号|视频号")
# A rate (日均3条, 每月2期) is not the year's count.
RATE = re.compile(r"日均|月均|周均|年均|平均每|每[日天周月]|人均")
RUNNING_TOTAL = re.compile(r"(?<!全年)(?<!年内)(?<!本年)(?<!年度)(?<!\d年)累计")

UNITS_FOR = {
    "fees.collected": ("元", "万元"),
    "fees.notices_amount": ("元", "万元"),
    "training.trainees": ("人次", "人"),
    "capacity.staff": ("人", "名"),
    "capacity.staff_full_time": ("人", "名"),
    "capacity.staff_part_time": ("人", "名"),
}
COUNT_UNITS = ("条", "件", "次", "篇", "个", "场", "场次", "项", "余条")


# --------------------------------------------------------------------------- wordings for the model
# key → the wordings a report uses for it, ``X`` standing for the number ("回应舆情X次"). The prompts show
# them, the window finder searches for the text around the ``X``. How a template's *tables* print a key
# (规章 本年制发件数, （一）予以公开) is not listed here: it comes from the template specs and is added last.

WORDINGS: dict[str, tuple[str, ...]] = {
    "meta.title": ("报告标题",),
    "meta.issuer": ("发布机关",),
    "meta.year": ("统计期限 / 本年度",),
    "meta.publish_date": ("发布时间", "发布日期"),
    "meta.template": ("模板",),
    # active — 主动公开
    "active.total": ("主动公开政府信息数", "全年主动公开政府信息X条", "主动公开文件数", "主动公开信息X条"),
    "active.normative_docs": ("主动公开规范性文件数", "公开规范性文件X件"),
    "active.normative_docs_issued": ("制发规范性文件总数",),
    "active.proposals_results": ("人大代表建议和政协提案办理结果公开数", "公开建议提案X件"),
    "active.key_areas": ("公开重点领域信息X条",),
    "active.channels.gazette": ("政府公报公开政府信息数",),
    "active.channels.website": ("政府网站公开政府信息数", "通过政府网站公开信息X条"),
    "active.channels.weibo": ("政务微博公开政府信息数",),
    "active.channels.wechat": ("政务微信公开政府信息数",),
    "active.channels.other": ("其他方式公开政府信息数",),
    # response — 回应解读
    "response.hot_topics": ("回应公众关注热点或重大舆情数", "回应舆情X次"),
    "response.press_conferences": ("参加或举办新闻发布会总次数", "召开新闻发布会X场"),
    "response.press_conferences_leaders": ("主要负责同志参加新闻发布会次数",),
    "response.online_interviews": ("政府网站在线访谈次数",),
    "response.online_interviews_leaders": ("主要负责同志参加政府网站在线访谈次数",),
    "response.interpretations": ("政策解读稿件发布数", "发布政策解读X篇"),
    "response.social_media": ("微博微信回应事件数",),
    "response.other": ("其他方式回应事件数",),
    # requests — 依申请公开 (legacy wordings; the table 三 row comes from the specs)
    "requests.received": ("收到申请数", "受理依申请公开X件", "收到政府信息公开申请X件"),
    "requests.channel.in_person": ("当面申请数",),
    "requests.channel.fax": ("传真申请数",),
    "requests.channel.online": ("网络申请数", "网上申请数"),
    "requests.channel.letter": ("信函申请数",),
    "requests.channel.other": ("其他形式申请数",),
    "requests.completed": ("申请办结数",),
    "requests.completed_on_time": ("按时办结数",),
    "requests.completed_extended": ("延期办结数",),
    "requests.answered": ("申请答复数", "对申请的答复总数"),
    "requests.already_public": ("属于已主动公开范围数",),
    "requests.granted": ("同意公开答复数",),
    "requests.partial": ("同意部分公开答复数",),
    "requests.refused": ("不同意公开答复数", "不予公开答复数"),
    "requests.refused_reason.state_secret": ("涉及国家秘密",),
    "requests.refused_reason.commercial_secret": ("涉及商业秘密",),
    "requests.refused_reason.privacy": ("涉及个人隐私",),
    "requests.refused_reason.security_stability": ("危及国家安全、公共安全、经济安全和社会稳定",),
    "requests.refused_reason.not_gov_info": ("不是《条例》所指政府信息",),
    "requests.refused_reason.other_law": ("法律法规规定的其他情形",),
    "requests.not_held": ("不属于本行政机关公开数", "非本部门掌握"),
    "requests.not_exist": ("申请信息不存在数",),
    "requests.unclear": ("告知作出更改补充数", "申请信息不明确"),
    "requests.other_route": ("告知通过其他途径办理数",),
    # review / litigation
    "review.total": ("行政复议数量", "行政复议案件X件"),
    "review.upheld": ("行政复议 维持具体行政行为数",),
    "review.corrected": ("行政复议 被依法纠错数",),
    "review.other": ("行政复议 其他情形数",),
    "litigation.total": ("行政诉讼数量", "被提起行政诉讼X件"),
    "litigation.upheld": ("行政诉讼 维持具体行政行为或者驳回原告诉讼请求数",),
    "litigation.corrected": ("行政诉讼 被依法纠错数",),
    "litigation.other": ("行政诉讼 其他情形数",),
    "litigation.pending": ("行政诉讼 尚未审结",),
    "complaints.total": ("举报投诉数量",),
    "fees.collected": ("依申请公开信息收取的费用（万元）", "未收取任何费用", "信息处理费 实际收取总金额"),
    "fees.notices": ("发出收费通知的件数",),
    "fees.notices_amount": ("收费通知总金额（万元）",),
    "capacity.offices": ("政府信息公开工作专门机构数",),
    "capacity.reading_points": ("设置政府信息公开查阅点数", "便民查阅点X个"),
    "capacity.staff": ("从事政府信息公开工作人员数",),
    "capacity.staff_full_time": ("专职人员数",),
    "capacity.staff_part_time": ("兼职人员数",),
    "capacity.budget": ("政府信息公开专项经费（万元）",),
    "training.meetings": ("召开政府信息公开工作会议或专题会议数",),
    "training.sessions": ("举办各类培训班数",),
    "training.trainees": ("接受培训人员数（人次）",),
}

COLUMN_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial": "法人或其他组织·商业企业",
    "research": "法人或其他组织·科研机构",
    "social_welfare": "法人或其他组织·社会公益组织",
    "legal_service": "法人或其他组织·法律服务机构",
    "other_org": "法人或其他组织·其他",
}

# Broad words per group, searched only when no specific wording of a key is in the text.
GROUP_TERMS: dict[str, tuple[str, ...]] = {
    "active.channels": ("政府公报", "政务微博", "政务微信", "门户网站"),
    "active": ("主动公开",),
    "response": ("回应", "解读", "新闻发布会", "在线访谈"),
    "requests": ("依申请公开", "公开申请"),
    "review": ("行政复议",),
    "litigation": ("行政诉讼",),
    "complaints": ("举报", "投诉"),
    "fees": ("收费", "费用"),
    "capacity": ("专门机构", "专职", "兼职", "专项经费", "查阅点"),
    "training": ("培训",),
}

_ENUMERATOR = re.compile(r"^(?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+[.．、])")


def _applicant_label(key: str) -> tuple[str, ...] | None:
    parts = key.split(".")
    if len(parts) < 4 or parts[1] != "by_applicant":
        return None
    column, row = parts[2], "requests." + ".".join(parts[3:])
    row_label = (table_wordings(row) or WORDINGS.get(row) or (row,))[-1]
    return (f"{COLUMN_LABELS[column]}：{row_label}",)


@cache
def wordings(key: str) -> tuple[str, ...]:
    """Every wording of ``key`` (with ``X`` for the number): the report's own words, then the tables'."""
    return (WORDINGS.get(key, ()) + table_wordings(key)) or _applicant_label(key) or (key,)


def label(key: str) -> str:
    """One line for the prompt: the wordings joined."""
    return "；".join(wordings(key))


@cache
def search_terms(key: str) -> tuple[str, ...]:
    """Literal phrases to look for in the text: each wording cut at ``X`` and at spaces, enumerators
    dropped, fragments of at least three characters kept (longest first)."""
    parts = key.split(".")
    if parts[1:2] == ["by_applicant"]:
        return search_terms("requests." + ".".join(parts[3:]))
    terms: set[str] = set()
    for wording in wordings(key):
        wording = re.sub(r"（(?:万元|人次|单位：万元)）", "", wording)
        for fragment in re.split(r"X|\s+", wording):
            fragment = _ENUMERATOR.sub("", fragment.strip())
            if len(fragment) >= 3:
                terms.add(fragment)
    return tuple(sorted(terms, key=len, reverse=True))


def group_terms(key: str) -> tuple[str, ...]:
    """Broad words for the key's group (``active.channels`` before ``active``)."""
    for group in sorted(GROUP_TERMS, key=len, reverse=True):
        if key == group or key.startswith(group + "."):
            return GROUP_TERMS[group]
    return ()


_missing = [k for k in FIELD_TYPES if not k.startswith("requests.by_applicant.") and wordings(k) == (k,)]
assert not _missing, f"keys without a label: {_missing}"
assert set(COLUMN_LABELS) == set(APPLICANT_COLUMNS)
