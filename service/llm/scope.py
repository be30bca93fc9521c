"""Which keys the model is asked about: only what the anchors left empty or in review, and only keys
the report's template can hold.

Three jobs, one prompt each:
- ``prose``: metrics stated in running text (every template);
- ``table``: cells of the national template's tables 二/三/四 that were not decoded or are in review
  (gb2019 / gb2021 only);
- ``conflict``: keys whose finders disagree (the draft keeps the candidates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from service.schema import FIELD_TYPES, Result
from service.templates.registry import spec_for

Job = Literal["prose", "table", "conflict"]
JOBS: tuple[Job, ...] = ("conflict", "table", "prose")


def table_keys(template: str) -> tuple[str, ...]:
    """Every cell key of tables 二, 三 and 四 for a national template, in printed order."""
    return spec_for(template).table_keys


def table_of(key: str) -> str:
    """'二', '三' or '四': the national-template table a cell key belongs to."""
    if key.startswith("active."):
        return "二"
    if key.startswith("requests."):
        return "三"
    return "四"


@dataclass
class Scope:
    """Keys per job, and the keys the template cannot hold (never asked)."""

    keys: dict[Job, list[str]] = field(default_factory=dict)

    def all_keys(self) -> list[str]:
        return [key for job in JOBS for key in self.keys.get(job, [])]


def scope_of(draft: Result) -> Scope:
    """What to ask the model for this draft (see module doc)."""
    template = draft.template
    unresolved = {key for item in draft.unresolved for key in item.keys}

    def disputed(key: str) -> bool:
        field_ = draft.fields.get(key)
        return field_ is not None and bool(field_.candidates) and len(field_.candidates) > 1

    def open_(key: str) -> bool:
        field_ = draft.fields.get(key)
        return (field_ is None or field_.review or key in unresolved) and not disputed(key)

    spec = spec_for(template)
    prose_keys, cell_keys = spec.prose_keys, spec.table_keys
    holdable = set(prose_keys) | set(cell_keys)
    scope = Scope()
    scope.keys["conflict"] = [key for key in FIELD_TYPES if key in holdable and disputed(key)]
    scope.keys["table"] = [key for key in cell_keys if open_(key)]
    scope.keys["prose"] = [key for key in prose_keys if open_(key) and key not in cell_keys]
    return scope
