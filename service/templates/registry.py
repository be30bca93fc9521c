"""Every template nianbao reads, by name. Add a template: write its module, list it here."""

from __future__ import annotations

from service.templates.gb2019 import GB2019
from service.templates.gb2021 import GB2021
from service.templates.legacy import LEGACY
from service.templates.spec import TemplateSpec

TEMPLATES: dict[str, TemplateSpec] = {spec.name: spec for spec in (GB2021, GB2019, LEGACY)}
DEFAULT = LEGACY.name  # a report that prints no national table is read as legacy


def spec_for(template: str | None) -> TemplateSpec:
    """The specification of ``template`` (None, or a name nianbao does not know: the legacy one)."""
    return TEMPLATES.get(template or DEFAULT, TEMPLATES[DEFAULT])


def national() -> tuple[TemplateSpec, ...]:
    """The templates with numbered tables 二/三/四."""
    return tuple(spec for spec in TEMPLATES.values() if spec.is_national)


def table_three_row_words() -> dict[str, str]:
    """Row key → the word that names it, over every national template's table 三."""
    return {row.key: row.word for spec in national() for row in spec.table_three}


def table_wordings(key: str) -> tuple[str, ...]:
    """How the templates' tables print ``key`` (every template that has it, deduplicated)."""
    return tuple(dict.fromkeys(w for spec in TEMPLATES.values() if (w := spec.table_wordings().get(key))))
