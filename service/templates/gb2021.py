"""The 2021 national template (国办公开办函〔2021〕30号)."""

from __future__ import annotations

from service.templates.national import (
    NATIONAL_PROSE_KEYS,
    TABLE_FOUR_BLOCKS,
    TABLE_FOUR_CELLS,
    TABLE_THREE_HEAD,
    TABLE_THREE_TAIL,
)
from service.templates.spec import Row, TableTwoRow, TemplateSpec

GB2021 = TemplateSpec(
    name="gb2021",
    description="2021 national template (国办公开办函〔2021〕30号)",
    markers=(
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "〔2021〕30号",
        "[2021]30号",
        "本年处理决定数量",
        "逾期不补正",
        "逾期未按收费通知要求缴纳费用",
    ),
    table_two=(
        TableTwoRow("规章", "active.rules", ("issued", "repealed", "in_force")),
        TableTwoRow("规范性文件", "active.normative", ("issued", "repealed", "in_force"), printed="行政规范性文件"),
        TableTwoRow("行政许可", "active.licensing", ("decisions",)),
        TableTwoRow("行政处罚", "active.penalty", ("decisions",)),
        TableTwoRow("行政强制", "active.coercion", ("decisions",)),
        TableTwoRow("行政事业性收费", "active.fees", ("amount",)),
    ),
    table_two_headers={
        "issued": "本年制发件数",
        "repealed": "本年废止件数",
        "in_force": "现行有效件数",
        "decisions": "本年处理决定数量",
        "amount": "本年收费金额（单位：万元）",
    },
    table_three=(
        *TABLE_THREE_HEAD,
        Row("other_handling.no_correction", "（六）其他处理 1.申请人无正当理由逾期不补正", r"逾期不补正"),
        Row("other_handling.unpaid", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用", r"缴纳费用"),
        Row("other_handling.other", "（六）其他处理 3.其他", r"\d?\s*[.．、]\s*其他(?!法律)"),
        *TABLE_THREE_TAIL,
    ),
    table_four_blocks=TABLE_FOUR_BLOCKS,
    table_four_cells=TABLE_FOUR_CELLS,
    prose_keys=(*NATIONAL_PROSE_KEYS, "fees.notices", "fees.notices_amount"),  # section 六 states the notices
    other_keys=("requests.other_handling.total",),
    years=(2021, 9999),  # the （六） heading row, printed with its total by some
)
