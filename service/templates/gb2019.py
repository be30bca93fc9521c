"""The 2019 national template (国办公开办函〔2019〕60号)."""

from __future__ import annotations

from service.templates.national import (
    NATIONAL_PROSE_KEYS,
    TABLE_FOUR_BLOCKS,
    TABLE_FOUR_CELLS,
    TABLE_THREE_HEAD,
    TABLE_THREE_TAIL,
)
from service.templates.spec import Row, TableTwoRow, TemplateSpec

ITEM_COLUMNS = ("prev_items", "change", "decisions")

GB2019 = TemplateSpec(
    name="gb2019",
    description="2019 national template (国办公开办函〔2019〕60号)",
    markers=(
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "〔2019〕60号",
        "[2019]60号",
        "政府集中采购",
        "上一年项目数量",
        "采购总金额",
    ),
    table_two=(
        TableTwoRow("规章", "active.rules", ("new_made", "new_published", "total_published")),
        TableTwoRow("规范性文件", "active.normative", ("new_made", "new_published", "total_published")),
        TableTwoRow("行政许可", "active.licensing", ITEM_COLUMNS),
        TableTwoRow("其他对外管理服务事项", "active.other_services", ITEM_COLUMNS),
        TableTwoRow("行政处罚", "active.penalty", ITEM_COLUMNS),
        TableTwoRow("行政强制", "active.coercion", ITEM_COLUMNS),
        TableTwoRow("行政事业性收费", "active.fees", ("prev_items", "change")),
        TableTwoRow("政府集中采购", "active.procurement", ("items", "amount")),
    ),
    table_two_headers={
        "new_made": "本年新制作数量",
        "new_published": "本年新公开数量",
        "total_published": "对外公开总数量",
        "prev_items": "上一年项目数量",
        "change": "本年增/减",
        "decisions": "处理决定数量",
        "items": "采购项目数量",
        "amount": "采购总金额（万元）",
    },
    table_three=(*TABLE_THREE_HEAD, Row("other_handling.total", "（六）其他处理", r"其他处理"), *TABLE_THREE_TAIL),
    table_four_blocks=TABLE_FOUR_BLOCKS,
    table_four_cells=TABLE_FOUR_CELLS,
    prose_keys=NATIONAL_PROSE_KEYS,
    years=(2019, 2020),
)
