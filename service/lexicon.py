"""Label wordings → FIELDS.md keys. Data, not code paths: the finders loop over these lists.

Order matters where one label contains another (同意部分公开 before 同意公开, 不同意公开 before 同意公开):
the first pattern that matches a label wins.
"""

from __future__ import annotations

import re

from service.numbers import NUMBER_PATTERN

# Rows of the legacy 政府信息公开情况统计表 (and the Fujian variant). ``block`` keys (upheld/corrected/other)
# are resolved against the block the row sits in (行政复议 or 行政诉讼).
LEGACY_TABLE_LABELS: list[tuple[str, str]] = [
    (r"主动公开规范性文件数", "active.normative_docs"),
    (r"制发规范性文件总数", "active.normative_docs_issued"),
    (r"人大代表建议和政协提案办理结果公开数", "active.proposals_results"),
    (r"主动公开(?:政府)?(?:信息|文件)(?:总)?数", "active.total"),
    (r"政府公报公开", "active.channels.gazette"),
    (r"网站公开", "active.channels.website"),
    (r"政务微博公开", "active.channels.weibo"),
    (r"政务微信公开", "active.channels.wechat"),
    (r"其他方式公开政府信息数", "active.channels.other"),
    (r"回应公众关注热点或重大舆情数", "response.hot_topics"),
    (r"主要负责同志参加新闻发布会次数", "response.press_conferences_leaders"),
    (r"参加或举办新闻发布会总次数", "response.press_conferences"),
    (r"主要负责同志参加政府网站在线访谈次数", "response.online_interviews_leaders"),
    (r"政府网站在线访谈次数", "response.online_interviews"),
    (r"政策解读稿件发布数", "response.interpretations"),
    (r"微博微信回应事件数", "response.social_media"),
    (r"其他方式回应事件数", "response.other"),
    (r"收到申请数|(?:收到|受理)[^答复]{0,16}?总?数", "requests.received"),
    (r"当面申请数", "requests.channel.in_person"),
    (r"^\W*传真申请数", "requests.channel.fax"),
    (r"网络申请数|网上申请数", "requests.channel.online"),
    (r"^\W*信函申请数", "requests.channel.letter"),
    (r"其[他它]形式申请数", "requests.channel.other"),
    (r"按时办结数", "requests.completed_on_time"),
    (r"延期办结数", "requests.completed_extended"),
    (r"申请办结数", "requests.completed"),
    (r"申请答复数|对申请的答复(?:总)?数", "requests.answered"),
    (r"属于已主动公开范围数", "requests.already_public"),
    (r"同意部分公开答复数", "requests.partial"),
    (r"(?:不同意|不予|否决)公开答复(?:总)?数", "requests.refused"),
    (r"同意公开答复数", "requests.granted"),
    (r"涉及国家秘密", "requests.refused_reason.state_secret"),
    (r"涉及商业秘密", "requests.refused_reason.commercial_secret"),
    (r"涉及个人隐私", "requests.refused_reason.privacy"),
    (r"危及国家安全", "requests.refused_reason.security_stability"),
    (r"不是《?条例》?所指政府信息", "requests.refused_reason.not_gov_info"),
    (r"法律法规规定的其他情形", "requests.refused_reason.other_law"),
    (r"不属于本行政机关公开数", "requests.not_held"),
    (r"申请信息不存在数", "requests.not_exist"),
    (r"告知作出更改补充数", "requests.unclear"),
    (r"告知通过其他途径办理数", "requests.other_route"),
    (r"行政复议数", "review.total"),
    (r"举报", "complaints.total"),  # 举报投诉数量, 行政申诉、举报数 — never 行政申诉 alone
    (r"行政诉讼数", "litigation.total"),
    (r"维[持护]具体行政行为", "{block}.upheld"),
    (r"被依法纠错数", "{block}.corrected"),
    (r"其他情形数", "{block}.other"),
    (r"依申请公开信息收取的费用", "fees.collected"),
    (r"政府信息公开工作专门机构数", "capacity.offices"),
    (r"政府信息公开查阅点数", "capacity.reading_points"),
    (r"从事政府信息公开工作人员数", "capacity.staff"),
    (r"专职人员数", "capacity.staff_full_time"),
    (r"兼职人员数", "capacity.staff_part_time"),
    (r"政府信息公开专项经费", "capacity.budget"),
    (r"召开政府信息公开工作会议或专题会议数", "training.meetings"),
    (r"举办各类培训班数", "training.sessions"),
    (r"接受培训人员数", "training.trainees"),
]
LEGACY_TABLE_PATTERNS = [(re.compile(pattern), key) for pattern, key in LEGACY_TABLE_LABELS]

# A row printed under a parent row can never exceed it (used to split glued 本年度/历年累计 runs).
LEGACY_PARENT: dict[str, str] = {
    "active.channels.gazette": "active.total",
    "active.channels.website": "active.total",
    "active.channels.weibo": "active.total",
    "active.channels.wechat": "active.total",
    "active.channels.other": "active.total",
    "active.normative_docs": "active.total",
    **{f"requests.channel.{c}": "requests.received" for c in ("in_person", "fax", "online", "letter", "other")},
    **{
        f"requests.{k}": "requests.answered"
        for k in ("already_public", "granted", "partial", "refused", "not_held", "not_exist", "unclear", "other_route")
    },
}


# Channel rows with no key of their own: while one is printed, received = Σ channels cannot be checked.
UNKEYED_CHANNEL_ROW = re.compile(r"电子邮件申请|信函、传真申请|传真、信函申请")


def legacy_table_key(label: str, block: str) -> str | None:
    """The key a legacy statistics-table row label stands for, or None."""
    for pattern, key in LEGACY_TABLE_PATTERNS:
        if pattern.search(label):
            return key.format(block=block)
    return None


# --------------------------------------------------------------------------- prose (any template)
# A label must sit in the same clause as its number (GAP never crosses 。，、 or a digit).

GAP = r"[^。；;，,、\d\n]{0,%d}?"
NUM = rf"(?P<num>{NUMBER_PATTERN})\s*(?P<unit>万元|人次|场次|余条|条|件|次|篇|个|场|期|人|名|元|项)"

# (label regex, key, widest gap in characters between the label and its number)
LABEL_THEN_NUMBER: list[tuple[str, str, int]] = [
    (r"(?:网站|门户网站)" + GAP % 8 + r"(?:主动)?(?:公开|发布)(?:政府|政务)?信息", "active.channels.website", 6),
    (
        r"(?:政务)?微博(?:\d+个)?[，,]?" + GAP % 4 + r"(?:公开|发布)(?:政府|政务)?信息"
        r"|(?:发布|编发)[^。；;，,\d]{0,6}?微博",
        "active.channels.weibo",
        4,
    ),
    (
        r"(?:政务微信|微信公众号)(?:\d+个)?[，,]?" + GAP % 4 + r"(?:公开|发布|编发)(?:政府|政务)?(?:信息|文章)"
        r"|(?:发布|编发)[^。；;，,\d]{0,6}?微信(?:信息|文章)?",
        "active.channels.wechat",
        4,
    ),
    (r"其他方式公开政府信息数?", "active.channels.other", 2),
    (r"(?<!有效)(?<!制发的)(?<!制发)(?:公开|包括[:：]?)(?:行政)?规范性文件", "active.normative_docs", 2),
    (r"公开[^。；;，,\d]{0,4}?建议(?:和|、|及)?(?:政协)?提案", "active.proposals_results", 4),
    (r"重点领域信息", "active.key_areas", 2),
    (r"(?:收到|受理|接到)" + GAP % 14 + r"(?:依申请|申请)" + GAP % 10, "requests.received", 2),
    (
        r"(?<!应)(?:主动公开|共公布)[我本全该区县市州镇乡各级单位部门机关]{0,8}(?:政府|政务)?信息(?:数)?(?:达|共)?",
        "active.total",
        2,
    ),
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
    (r"转下一?年度(?:继续)?(?:办理)?(?:答复)?(?:的)?(?:有)?", "requests.carried_forward", 2),
    (r"行政复议(?:案件|申请)?(?:数量?)?(?:为)?", "review.total", 2),
    (r"行政诉讼(?:案件)?(?:数量?)?(?:为)?", "litigation.total", 2),
    (r"从事政府信息公开工作(?:的)?(?:人员|工作人员)(?:数)?", "capacity.staff", 2),
    (r"专职人员", "capacity.staff_full_time", 2),
    (r"兼职人员", "capacity.staff_part_time", 2),
    (r"接受培训(?:人员)?", "training.trainees", 2),
    (r"培训班", "training.sessions", 2),
    (r"(?:召开|举办)(?:各类)?(?:工作)?会议", "training.meetings", 2),
    (r"收取信息处理费(?:共计)?|实际收取(?:的)?(?:信息处理费)?总?金额", "fees.collected", 2),
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
    (r"(?P<num>\d+)\s*个(?:便民|政府信息公开|公共)?查阅(?:点|场所)", "capacity.reading_points"),
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
        NEGATION + CLAUSE + r"(?<!复议)(?<!诉讼)(?:依申请公开|信息公开(?:的)?申请|公开政府信息申请|公开申请|申请公开)"
        r"(?![^。；;，,]{0,4}(?:行政复议|行政诉讼))",
        "requests.received",
    ),
    (NEGATION + CLAUSE + r"行政复议(?!纠错|纠正)", "review.total"),
    (NEGATION + CLAUSE + r"行政诉讼(?!纠错|纠正)", "litigation.total"),
    (r"行政复议、提起行政诉讼的情况[:：\s]*无", "litigation.total"),
    (r"行政复议、提起行政诉讼的情况[:：\s]*无", "review.total"),
    (NEGATION + r"[^。；;，,\d\n]{0,12}?(?:专职|全职)(?:工作)?人员", "capacity.staff_full_time"),
]
# A sentence about services or petitions: its 申请 are not information-disclosure requests.
NOT_DISCLOSURE = re.compile(r"审批|窗口|办件|政务服务|服务中心|行政许可|12345|热线|信访|办理事项")
OUTCOME_NOT_CASE = re.compile(r"纠错|纠正|败诉|被[^。，]*行政")
# A figure about a part of the body (县直各单位, 各乡镇) is not the report's whole-scope figure (GOLD rule 1).
SUB_SCOPE = re.compile(r"县直|区直|市直|州直|各乡镇|乡镇|街道|本级政府|县级政府|区级政府|市级政府")
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
