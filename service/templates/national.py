"""What the two national templates (2019 and 2021) share: tables 三 and 四, and what they state in prose.

Only table 三's （六）其他处理 rows and table 二 differ between them (see gb2019.py, gb2021.py).
"""

from __future__ import annotations

from service.templates.legacy import LEGACY_PROSE_KEYS
from service.templates.spec import Row

TABLE_THREE_START = "本年新收政府信息公开申请数量"  # the first row of table 三: a report prints it only there

# Table 三, top to bottom: key (after "requests."), printed label, a word that names the row on its own.
TABLE_THREE_HEAD = (
    Row("received", "一、本年新收政府信息公开申请数量", r"本年新收"),
    Row("carried_over", "二、上年结转政府信息公开申请数量", r"上年结转"),
    Row("granted", "（一）予以公开", r"予以公开"),
    Row("partial", "（二）部分公开", r"部分公开"),
    Row("refused_reason.state_secret", "1.属于国家秘密", r"国家秘密"),
    Row("refused_reason.prohibited_by_law", "2.其他法律行政法规禁止公开", r"禁止公开"),
    Row("refused_reason.security_stability", "3.危及“三安全一稳定”", r"三安全一稳定"),
    Row("refused_reason.third_party_rights", "4.保护第三方合法权益", r"第三方合法权益"),
    Row("refused_reason.internal_affairs", "5.属于三类内部事务信息", r"内部事务"),
    Row("refused_reason.process_info", "6.属于四类过程性信息", r"过程性信息"),
    Row("refused_reason.enforcement_files", "7.属于行政执法案卷", r"行政执法案卷"),
    Row("refused_reason.query_matters", "8.属于行政查询事项", r"行政查询事项"),
    Row("not_held", "1.本机关不掌握相关政府信息", r"不掌握"),
    Row("needs_creation", "2.没有现成信息需要另行制作", r"另行制作"),
    Row("unclear", "3.补正后申请内容仍不明确", r"仍不明确"),
    Row("not_processed.complaint", "（五）不予处理 1.信访举报投诉类申请", r"信访举报投诉"),
    Row("not_processed.duplicate", "（五）不予处理 2.重复申请", r"重复申请"),
    Row("not_processed.publication", "（五）不予处理 3.要求提供公开出版物", r"公开出版物"),
    Row("not_processed.excessive", "（五）不予处理 4.无正当理由大量反复申请", r"大量反复申请"),
    Row("not_processed.confirmation", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息", r"重新出具"),
)
TABLE_THREE_TAIL = (
    Row("processed_total", "（七）总计", r"总计"),
    Row("carried_forward", "四、结转下年度继续办理", r"结转下年度"),
)

# Table 三's columns, left to right: the six applicant types (schema.APPLICANT_COLUMNS) and the total,
# each with the words its header cells print (read top to bottom), for reading a table by its header.
TABLE_THREE_COLUMNS = (
    Row("natural_person", "自然人", r"自然人"),
    Row("commercial", "法人或其他组织 商业企业", r"商业企业"),
    Row("research", "法人或其他组织 科研机构", r"科研机构"),
    Row("social_welfare", "法人或其他组织 社会公益组织", r"社会公益"),
    Row("legal_service", "法人或其他组织 法律服务机构", r"法律服务"),
    Row("other_org", "法人或其他组织 其他", r"(?<!或)其[他它](?!组织)"),
    Row("total", "总计", r"总计|合计"),
)

# Table 四: three blocks of five cells, the total last; each with the words its header cells print.
TABLE_FOUR_BLOCKS = (
    Row("review", "行政复议", r"^(?!.*起诉).*复议"),
    Row("litigation.direct", "行政诉讼 未经复议直接起诉", r"直接起诉"),
    Row("litigation.after_review", "行政诉讼 复议后起诉", r"复议后起诉"),
)
TABLE_FOUR_CELLS = (
    Row("upheld", "结果维持", r"维持"),
    Row("corrected", "结果纠正", r"纠正"),
    Row("other", "其他结果", r"其他"),
    Row("pending", "尚未审结", r"尚未审结|未审结"),
    Row("total", "总计", r"总计|合计"),
)

NATIONAL_PROSE_KEYS: tuple[str, ...] = (
    *(
        key
        for key in LEGACY_PROSE_KEYS
        if key.startswith(("active.", "response.", "complaints.", "fees.", "capacity.", "training."))
    ),
    "requests.refused",
    "litigation.total",
)
"""Keys a national-template report can only state outside its tables."""
