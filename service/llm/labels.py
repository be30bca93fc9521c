"""FIELDS.md keys → the Chinese wordings reports use for them (data for prompts and text windows).

Each key has one or more wordings; ``X`` stands for the number ("回应舆情X次"). The prompt shows all
wordings, the window finder searches for the text around the ``X`` (see ``search_terms``).
Applicant-column keys of table 三 are built from the column label and the row wording.
"""

from __future__ import annotations

import re
from functools import cache

from service.schema import APPLICANT_COLUMNS, FIELD_TYPES

LABELS: dict[str, tuple[str, ...]] = {
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
    # table 二, gb2021
    "active.rules.issued": ("规章 本年制发件数",),
    "active.rules.repealed": ("规章 本年废止件数",),
    "active.rules.in_force": ("规章 现行有效件数",),
    "active.normative.issued": ("行政规范性文件 本年制发件数",),
    "active.normative.repealed": ("行政规范性文件 本年废止件数",),
    "active.normative.in_force": ("行政规范性文件 现行有效件数",),
    "active.fees.amount": ("行政事业性收费 本年收费金额（单位：万元）",),
    # table 二, gb2019
    "active.rules.new_made": ("规章 本年新制作数量",),
    "active.rules.new_published": ("规章 本年新公开数量",),
    "active.rules.total_published": ("规章 对外公开总数量",),
    "active.normative.new_made": ("规范性文件 本年新制作数量",),
    "active.normative.new_published": ("规范性文件 本年新公开数量",),
    "active.normative.total_published": ("规范性文件 对外公开总数量",),
    "active.fees.prev_items": ("行政事业性收费 上一年项目数量",),
    "active.fees.change": ("行政事业性收费 本年增/减",),
    "active.procurement.items": ("政府集中采购 采购项目数量",),
    "active.procurement.amount": ("政府集中采购 采购总金额（万元）",),
    # response — 回应解读
    "response.hot_topics": ("回应公众关注热点或重大舆情数", "回应舆情X次"),
    "response.press_conferences": ("参加或举办新闻发布会总次数", "召开新闻发布会X场"),
    "response.press_conferences_leaders": ("主要负责同志参加新闻发布会次数",),
    "response.online_interviews": ("政府网站在线访谈次数",),
    "response.online_interviews_leaders": ("主要负责同志参加政府网站在线访谈次数",),
    "response.interpretations": ("政策解读稿件发布数", "发布政策解读X篇"),
    "response.social_media": ("微博微信回应事件数",),
    "response.other": ("其他方式回应事件数",),
    # requests — 依申请公开 (legacy wordings first, then the table 三 row)
    "requests.received": (
        "收到申请数",
        "受理依申请公开X件",
        "收到政府信息公开申请X件",
        "一、本年新收政府信息公开申请数量",
    ),
    "requests.carried_over": ("二、上年结转政府信息公开申请数量",),
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
    "requests.granted": ("同意公开答复数", "（一）予以公开"),
    "requests.partial": ("同意部分公开答复数", "（二）部分公开"),
    "requests.refused": ("不同意公开答复数", "不予公开答复数"),
    "requests.refused_reason.state_secret": ("涉及国家秘密", "1.属于国家秘密"),
    "requests.refused_reason.commercial_secret": ("涉及商业秘密",),
    "requests.refused_reason.privacy": ("涉及个人隐私",),
    "requests.refused_reason.security_stability": (
        "危及国家安全、公共安全、经济安全和社会稳定",
        "3.危及“三安全一稳定”",
    ),
    "requests.refused_reason.not_gov_info": ("不是《条例》所指政府信息",),
    "requests.refused_reason.other_law": ("法律法规规定的其他情形",),
    "requests.refused_reason.prohibited_by_law": ("2.其他法律行政法规禁止公开",),
    "requests.refused_reason.third_party_rights": ("4.保护第三方合法权益",),
    "requests.refused_reason.internal_affairs": ("5.属于三类内部事务信息",),
    "requests.refused_reason.process_info": ("6.属于四类过程性信息",),
    "requests.refused_reason.enforcement_files": ("7.属于行政执法案卷",),
    "requests.refused_reason.query_matters": ("8.属于行政查询事项",),
    "requests.not_held": ("不属于本行政机关公开数", "非本部门掌握", "1.本机关不掌握相关政府信息"),
    "requests.not_exist": ("申请信息不存在数",),
    "requests.needs_creation": ("2.没有现成信息需要另行制作",),
    "requests.unclear": ("告知作出更改补充数", "申请信息不明确", "3.补正后申请内容仍不明确"),
    "requests.other_route": ("告知通过其他途径办理数",),
    "requests.not_processed.complaint": ("（五）不予处理 1.信访举报投诉类申请",),
    "requests.not_processed.duplicate": ("（五）不予处理 2.重复申请",),
    "requests.not_processed.publication": ("（五）不予处理 3.要求提供公开出版物",),
    "requests.not_processed.excessive": ("（五）不予处理 4.无正当理由大量反复申请",),
    "requests.not_processed.confirmation": ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息",),
    "requests.other_handling.total": ("（六）其他处理",),
    "requests.other_handling.no_correction": ("（六）其他处理 1.申请人无正当理由逾期不补正",),
    "requests.other_handling.unpaid": ("（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用",),
    "requests.other_handling.other": ("（六）其他处理 3.其他",),
    "requests.processed_total": ("（七）总计",),
    "requests.carried_forward": ("四、结转下年度继续办理",),
    # review / litigation
    "review.total": ("行政复议数量", "行政复议案件X件", "行政复议 总计"),
    "review.upheld": ("行政复议 维持具体行政行为数", "行政复议 结果维持"),
    "review.corrected": ("行政复议 被依法纠错数", "行政复议 结果纠正"),
    "review.other": ("行政复议 其他情形数", "行政复议 其他结果"),
    "review.pending": ("行政复议 尚未审结",),
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

_ITEM_ROWS = {
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "penalty": "行政处罚",
    "coercion": "行政强制",
}
_ITEM_COLUMNS = {"prev_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量"}
for _row, _row_label in _ITEM_ROWS.items():
    for _col, _col_label in _ITEM_COLUMNS.items():
        LABELS[f"active.{_row}.{_col}"] = (f"{_row_label} {_col_label}",)
for _block, _block_label in (("direct", "未经复议直接起诉"), ("after_review", "复议后起诉")):
    for _cell, _cell_label in (
        ("upheld", "结果维持"),
        ("corrected", "结果纠正"),
        ("other", "其他结果"),
        ("pending", "尚未审结"),
        ("total", "总计"),
    ):
        LABELS[f"litigation.{_block}.{_cell}"] = (f"行政诉讼 {_block_label} {_cell_label}",)

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
    row_label = LABELS.get(row, (row,))[-1]  # the table 三 wording is listed last
    return (f"{COLUMN_LABELS[column]}：{row_label}",)


def wordings(key: str) -> tuple[str, ...]:
    """Every wording of ``key`` (with ``X`` for the number)."""
    return LABELS.get(key) or _applicant_label(key) or (key,)


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


_missing = [k for k in FIELD_TYPES if not k.startswith("requests.by_applicant.") and k not in LABELS]
assert not _missing, f"keys without a label: {_missing}"
assert set(COLUMN_LABELS) == set(APPLICANT_COLUMNS)
