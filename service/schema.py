"""The report metrics of FIELDS.md as pydantic models, and the result contract of GOLD.md.

The nested models below are the single source of truth for the field keys and their types:
``FIELD_TYPES`` is computed by walking them, so the extractor, the gold validator and the eval
harness can never disagree about which keys exist.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from service.core import Check, Evidence, Source

SCHEMA_VERSION = "nianbao.result/1"

Template = Literal["gb2021", "gb2019", "legacy"]
FieldKind = Literal["int", "signed", "wan", "str", "date"]


# --------------------------------------------------------------------------- one found value


class Candidate(BaseModel):
    """A competing reading of a field, shown to the reviewer."""

    value: Any
    source: Source
    evidence: Evidence | None = None
    note: str | None = None


class FieldValue(BaseModel):
    """One metric value with everything a reviewer needs to trust or correct it."""

    model_config = ConfigDict(extra="forbid")

    value: Any
    approximate: bool = False
    confidence: float = Field(ge=0.0, le=1.0)
    review: bool
    source: Source
    evidence: Evidence | None = None
    derived_from: list[str] | None = None
    candidates: list[Candidate] | None = None
    reason: str | None = Field(default=None, description="why the value is in review (or what confirmed it)")
    held_by: str | None = Field(
        default=None,
        description="the identity whose failure sent the value to review (cleared when it holds again)",
    )
    found_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="the confidence from how the value was found, kept when a failed identity lowered it, so "
        "that a correction which makes the identity hold can give it back",
    )


# --------------------------------------------------------------------------- the nested metrics
# Leaves are ``FieldValue | None``; the annotation ``Annotated`` kind tells the value's type.

Int = typing.Annotated[FieldValue | None, "int"]
Signed = typing.Annotated[FieldValue | None, "signed"]
Wan = typing.Annotated[FieldValue | None, "wan"]
Text = typing.Annotated[FieldValue | None, "str"]
Day = typing.Annotated[FieldValue | None, "date"]


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Meta(_Group):
    title: Text = None
    issuer: Text = None
    year: Int = None
    publish_date: Day = None
    template: Text = None


class Channels(_Group):
    gazette: Int = None
    website: Int = None
    weibo: Int = None
    wechat: Int = None
    other: Int = None


class DocCounts(_Group):
    """规章 / 规范性文件 rows of table 二 (gb2021 and gb2019 columns)."""

    issued: Int = None
    repealed: Int = None
    in_force: Int = None
    new_made: Int = None
    new_published: Int = None
    total_published: Int = None


class ItemCounts(_Group):
    """行政许可 / 处罚 / 强制 / 其他对外管理服务事项 rows of table 二."""

    prev_items: Int = None
    change: Signed = None
    decisions: Int = None


class FeeItems(_Group):
    prev_items: Int = None
    change: Signed = None
    amount: Wan = None


class Procurement(_Group):
    items: Int = None
    amount: Wan = None


class Active(_Group):
    total: Int = None
    normative_docs: Int = None
    normative_docs_issued: Int = None
    proposals_results: Int = None
    key_areas: Int = None
    channels: Channels = Field(default_factory=Channels)
    rules: DocCounts = Field(default_factory=DocCounts)
    normative: DocCounts = Field(default_factory=DocCounts)
    licensing: ItemCounts = Field(default_factory=ItemCounts)
    other_services: ItemCounts = Field(default_factory=ItemCounts)
    penalty: ItemCounts = Field(default_factory=ItemCounts)
    coercion: ItemCounts = Field(default_factory=ItemCounts)
    fees: FeeItems = Field(default_factory=FeeItems)
    procurement: Procurement = Field(default_factory=Procurement)


class Response(_Group):
    hot_topics: Int = None
    press_conferences: Int = None
    press_conferences_leaders: Int = None
    online_interviews: Int = None
    online_interviews_leaders: Int = None
    interpretations: Int = None
    social_media: Int = None
    other: Int = None


class RefusedReasons(_Group):
    state_secret: Int = None
    commercial_secret: Int = None
    privacy: Int = None
    security_stability: Int = None
    not_gov_info: Int = None
    other_law: Int = None
    prohibited_by_law: Int = None
    third_party_rights: Int = None
    internal_affairs: Int = None
    process_info: Int = None
    enforcement_files: Int = None
    query_matters: Int = None


class NotProcessed(_Group):
    complaint: Int = None
    duplicate: Int = None
    publication: Int = None
    excessive: Int = None
    confirmation: Int = None


class OtherHandling(_Group):
    total: Int = None
    no_correction: Int = None
    unpaid: Int = None
    other: Int = None


class TableThreeRows(_Group):
    """The rows of table 三; each applicant column holds one of these."""

    received: Int = None
    carried_over: Int = None
    granted: Int = None
    partial: Int = None
    refused: Int = None
    refused_reason: RefusedReasons = Field(default_factory=RefusedReasons)
    not_held: Int = None
    needs_creation: Int = None
    unclear: Int = None
    not_processed: NotProcessed = Field(default_factory=NotProcessed)
    other_handling: OtherHandling = Field(default_factory=OtherHandling)
    processed_total: Int = None
    carried_forward: Int = None


class ApplicantColumns(_Group):
    natural_person: TableThreeRows = Field(default_factory=TableThreeRows)
    commercial: TableThreeRows = Field(default_factory=TableThreeRows)
    research: TableThreeRows = Field(default_factory=TableThreeRows)
    social_welfare: TableThreeRows = Field(default_factory=TableThreeRows)
    legal_service: TableThreeRows = Field(default_factory=TableThreeRows)
    other_org: TableThreeRows = Field(default_factory=TableThreeRows)


class RequestChannels(_Group):
    in_person: Int = None
    fax: Int = None
    online: Int = None
    letter: Int = None
    other: Int = None


class Requests(TableThreeRows):
    """Table 三's 总计 column plus the legacy-only request metrics."""

    channel: RequestChannels = Field(default_factory=RequestChannels)
    completed: Int = None
    completed_on_time: Int = None
    completed_extended: Int = None
    answered: Int = None
    already_public: Int = None
    not_exist: Int = None
    other_route: Int = None
    by_applicant: ApplicantColumns = Field(default_factory=ApplicantColumns)


class Outcomes(_Group):
    upheld: Int = None
    corrected: Int = None
    other: Int = None
    pending: Int = None
    total: Int = None


class Litigation(Outcomes):
    direct: Outcomes = Field(default_factory=Outcomes)
    after_review: Outcomes = Field(default_factory=Outcomes)


class Complaints(_Group):
    total: Int = None


class Fees(_Group):
    collected: Wan = None
    notices: Int = None
    notices_amount: Wan = None


class Capacity(_Group):
    offices: Int = None
    reading_points: Int = None
    staff: Int = None
    staff_full_time: Int = None
    staff_part_time: Int = None
    budget: Wan = None


class Training(_Group):
    meetings: Int = None
    sessions: Int = None
    trainees: Int = None


class ReportMetrics(_Group):
    """Every metric of FIELDS.md, nested by section."""

    meta: Meta = Field(default_factory=Meta)
    active: Active = Field(default_factory=Active)
    response: Response = Field(default_factory=Response)
    requests: Requests = Field(default_factory=Requests)
    review: Outcomes = Field(default_factory=Outcomes)
    litigation: Litigation = Field(default_factory=Litigation)
    complaints: Complaints = Field(default_factory=Complaints)
    fees: Fees = Field(default_factory=Fees)
    capacity: Capacity = Field(default_factory=Capacity)
    training: Training = Field(default_factory=Training)


# --------------------------------------------------------------------------- key catalogue


def _walk(model: type[BaseModel], prefix: str = "") -> dict[str, FieldKind]:
    kinds: dict[str, FieldKind] = {}
    hints = typing.get_type_hints(model, include_extras=True)
    for name in model.model_fields:
        hint = hints[name]
        key = f"{prefix}{name}"
        if typing.get_origin(hint) is typing.Annotated:
            kinds[key] = typing.get_args(hint)[1]
        elif isinstance(hint, type) and issubclass(hint, BaseModel):
            kinds.update(_walk(hint, key + "."))
        else:  # pragma: no cover - guards against a malformed model
            raise TypeError(f"unexpected annotation for {key}: {hint!r}")
    return kinds


FIELD_TYPES: dict[str, FieldKind] = _walk(ReportMetrics)
"""Every FIELDS.md key → its value kind, in catalogue order."""

# Keys that exist in the schema only because the legacy/gb row models are shared; FIELDS.md has
# no applicant column for legacy-only rows, so they are not valid keys.
_LEGACY_ONLY_ROWS = (
    "refused_reason.commercial_secret",
    "refused_reason.privacy",
    "refused_reason.not_gov_info",
    "refused_reason.other_law",
)
FIELD_TYPES = {
    key: kind
    for key, kind in FIELD_TYPES.items()
    if not (key.startswith("requests.by_applicant.") and key.endswith(_LEGACY_ONLY_ROWS))
}

APPLICANT_COLUMNS = tuple(ApplicantColumns.model_fields)
SECTIONS = tuple(ReportMetrics.model_fields)


def section_of(key: str) -> str:
    return key.split(".", 1)[0]


def coerce_value(key: str, value: Any) -> Any:
    """Check and normalise a plain value for ``key``; raises ValueError when it does not fit."""
    kind = FIELD_TYPES.get(key)
    if kind is None:
        raise ValueError(f"unknown key {key!r}")
    if kind in ("int", "signed"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key}: expected an integer, got {value!r}")
        if kind == "int" and value < 0:
            raise ValueError(f"{key}: expected a non-negative integer, got {value}")
        return value
    if kind == "wan":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key}: expected a number of 万元, got {value!r}")
        return float(value)
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected a YYYY-MM-DD string, got {value!r}")
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key}: expected a non-empty string, got {value!r}")
    return value


WAN_TOLERANCE = 0.005  # GOLD.md: 万元 values within 0.005 of each other are the same value
_FLOAT_NOISE = 1e-9  # 1.0 and 1.005 are 0.005 apart, even when the float subtraction says 0.00500000001


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _squash(value: str) -> str:
    return "".join(value.split())  # str.split() splits on every Unicode space, 　 included


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def values_equal(key: str, a: Any, b: Any) -> bool:
    """The one rule for "the same value", used by reconcile (do finders agree?), the review store and the
    eval (is it correct?): integers exactly, 万元 within 0.005 inclusive, strings without whitespace,
    dates as dates; a key outside the catalogue by plain equality."""
    kind = FIELD_TYPES.get(key)
    if kind in ("int", "signed"):
        return _is_number(a) and _is_number(b) and a == b
    if kind == "wan":
        return _is_number(a) and _is_number(b) and abs(a - b) <= WAN_TOLERANCE + _FLOAT_NOISE
    if kind == "str":
        return isinstance(a, str) and isinstance(b, str) and _squash(a) == _squash(b)
    if kind == "date":
        left, right = _as_date(a), _as_date(b)
        return left is not None and left == right
    return bool(a == b)


# --------------------------------------------------------------------------- checks and result


class Unresolved(BaseModel):
    """Cells the extractor found but could not settle: never emitted as values, always reviewed."""

    keys: list[str]
    candidates: list[list[Any]]
    evidence: Evidence
    reason: str


class ReportInfo(BaseModel):
    id: str
    sha256: str
    chars: int
    filename: str | None = None
    encoding: str | None = None


class LlmProvenance(BaseModel):
    """What the model step did for one report: which model, what was asked, what it cost, what was kept."""

    model: str | None = None
    mode: str | None = None  # instructor mode: tools | json | json_schema | md_json
    base_url: str | None = None
    prompt_version: str | None = None  # e.g. "prose.v1+rules.v1", several joined by commas
    calls: int = 0  # HTTP requests made (retries included)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    errors: list[str] = Field(default_factory=list)
    asked: dict[str, list[str]] = Field(default_factory=dict)  # job → keys asked
    keys_not_in_text: int = 0  # keys in scope with no window in the text (never asked)
    window_chars: int = 0
    window_tokens_estimate: int = 0
    whole_report_tokens_estimate: int = 0  # what the same calls would cost with the whole report
    text_tokens_estimate: int = 0
    accepted: int = 0  # answers that passed grounding
    rejected: list[dict[str, Any]] = Field(default_factory=list)  # answers dropped, with the reason (capped)
    elapsed_seconds: float = 0.0


class Provenance(BaseModel):
    extractor: str
    schema_version: str = SCHEMA_VERSION
    model: str | None = None
    prompt_version: str | None = None
    llm: LlmProvenance | None = Field(default=None, description="calls, tokens, cache hits, errors")
    input: dict[str, Any] | None = Field(default=None, description="how a PDF was read: pages, pages read")

    @field_serializer("llm")
    def _llm_whole(self, llm: LlmProvenance | None) -> dict[str, Any] | None:
        """Every entry, nulls included, as the JSON contract has always had it."""
        return None if llm is None else llm.model_dump(mode="json")


class Result(BaseModel):
    """The JSON result contract of GOLD.md (plus ``unresolved``, ``warnings`` and optional ``text``)."""

    report: ReportInfo
    template: Template | None
    fields: dict[str, FieldValue]
    checks: list[Check] = Field(default_factory=list)
    unresolved: list[Unresolved] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    provenance: Provenance
    text: str | None = Field(default=None, description="the document text evidence offsets refer to")

    def contract(self) -> dict[str, Any]:
        """The JSON result contract: empty optionals left out, but ``template`` always there (null when
        unknown)."""
        data = self.model_dump(mode="json", exclude_none=True)
        data.setdefault("template", None)
        return data

    def values(self) -> dict[str, Any]:
        """The plain key → value map, as a gold file's ``fields``."""
        return {key: field.value for key, field in self.fields.items()}

    def review_keys(self) -> list[str]:
        return [key for key, field in self.fields.items() if field.review]


# --------------------------------------------------------------------------- flatten / unflatten


def flatten(metrics: ReportMetrics) -> dict[str, FieldValue]:
    """Nested metrics → ``{FIELDS.md key: FieldValue}`` holding only the keys with a value."""
    flat: dict[str, FieldValue] = {}

    def visit(node: BaseModel, prefix: str) -> None:
        for name in type(node).model_fields:
            child = getattr(node, name)
            if isinstance(child, FieldValue):
                flat[prefix + name] = child
            elif isinstance(child, BaseModel):
                visit(child, f"{prefix}{name}.")

    visit(metrics, "")
    return {key: flat[key] for key in FIELD_TYPES if key in flat}


def unflatten(fields: dict[str, FieldValue]) -> ReportMetrics:
    """``{key: FieldValue}`` → nested metrics; unknown keys raise ValueError."""
    metrics = ReportMetrics()
    for key, field in fields.items():
        if key not in FIELD_TYPES:
            raise ValueError(f"unknown key {key!r}")
        *path, leaf = key.split(".")
        node: BaseModel = metrics
        for part in path:
            node = getattr(node, part)
        setattr(node, leaf, field)
    return metrics
