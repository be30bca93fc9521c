"""The legacy template (before 2019): prose sections and the 政府信息公开情况统计表.

The statistics table has no fixed layout, so its rows are label patterns (the first that matches a
label wins: 同意部分公开 before 同意公开, 不同意公开 before 同意公开).
"""

from __future__ import annotations

import re

from service.schema import FIELD_TYPES
from service.templates.spec import TemplateSpec

STATISTICS_TABLE_MARKER = r"统\s*计\s*指\s*标|指\s*标\s*名\s*称|情况统计表"

LEGACY_PROSE_KEYS: tuple[str, ...] = tuple(
    key
    for key in FIELD_TYPES
    if key.split(".")[0]
    in ("active", "response", "requests", "review", "litigation", "complaints", "fees", "capacity", "training")
    and not key.startswith(
        (
            "active.rules.",
            "active.normative.",
            "active.licensing.",
            "active.other_services.",
            "active.penalty.",
            "active.coercion.",
            "active.fees.",
            "active.procurement.",
            "requests.by_applicant.",
            "requests.not_processed.",
            "requests.other_handling.",
            "litigation.direct.",
            "litigation.after_review.",
        )
    )
    and key
    not in (
        "requests.carried_over",
        "requests.needs_creation",
        "requests.processed_total",
        "requests.carried_forward",
        "review.pending",
        "litigation.pending",
        "requests.refused_reason.prohibited_by_law",
        "requests.refused_reason.third_party_rights",
        "requests.refused_reason.internal_affairs",
        "requests.refused_reason.process_info",
        "requests.refused_reason.enforcement_files",
        "requests.refused_reason.query_matters",
        "fees.notices",
        "fees.notices_amount",
    )
)
"""Keys a legacy report states in prose or in its statistics table."""

# Rows of the legacy 政府信息公开情况统计表 (and the Fujian variant). ``block`` keys (upheld/corrected/other)
# are resolved against the block the row sits in (行政复议 or 行政诉讼).
LEGACY_TABLE_LABELS: tuple[tuple[str, str], ...] = (
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
)
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


LEGACY = TemplateSpec(
    name="legacy",
    description="before 2019: prose and the 政府信息公开情况统计表",
    markers=(STATISTICS_TABLE_MARKER,),
    statistics_table=LEGACY_TABLE_LABELS,
    prose_keys=LEGACY_PROSE_KEYS,
    years=(2008, 2018),
)
