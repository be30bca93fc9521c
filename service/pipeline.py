"""extract(document) → Result: anchors, then (optionally) the model, then reconcile and check."""

from __future__ import annotations

from typing import Protocol

from service.anchors import gb_tables, legacy_table, meta, prose
from service.checks import keys_in_failed, run_checks
from service.confidence import BASE_CONFIDENCE as CONFIDENCE
from service.confidence import CONFIRMED_MODEL_CONFIDENCE, FAILED_CHECK_CAP, OCR_CAP, needs_review
from service.core import Check, Document, Evidence, Findings, Found
from service.reconcile import merge
from service.schema import FieldValue, LlmProvenance, Provenance, ReportInfo, Result, Unresolved
from service.templates.registry import spec_for

EXTRACTOR_VERSION = "nianbao-rules/0.1"


class Assistant(Protocol):
    """The model step (service.llm): proposes values for what the anchors left empty or in review."""

    def propose(self, document: Document, draft: Result) -> tuple[list[Found], LlmProvenance]:
        """Grounded model candidates, plus provenance info (model, prompt_version, usage, errors)."""
        ...


def find_candidates(document: Document) -> tuple[str | None, Findings]:
    """Run every deterministic finder; the template decides which table decoder applies."""
    findings = meta.find(document)
    template = meta.template_of(findings)
    stated = prose.find(document, template)
    if spec_for(template).is_national:
        findings.extend(gb_tables.find(document, template, stated_in_prose(stated)))
    else:
        findings.extend(legacy_table.find(document, stated_in_prose(stated)))
    findings.extend(stated)
    return template, findings


def stated_in_prose(findings: Findings) -> dict[str, set]:
    """key → the values the prose states for it: the one way glued table runs (legacy 本年度/历年累计, table
    二) are settled by the report's own words."""
    stated: dict[str, set] = {}
    for found in findings.found:
        if found.how == "label-exact":
            stated.setdefault(found.key, set()).add(found.value)
    return stated


def build_result(
    document: Document,
    template: str | None,
    candidates: list[Found],
    findings: Findings,
    provenance: Provenance,
    *,
    include_text: bool,
    anchor_failures: set[str] | None = None,
) -> Result:
    fields, conflicts = merge(candidates, document.text)
    review_table_figures_from_prose(fields, template)
    review_a_number_the_text_ends_on(fields, document.text, template)
    checks = conflicts + run_checks({k: f.value for k, f in fields.items()}, template, findings.waived)
    mark_failed_checks(fields, checks, anchor_failures)
    confirm_model_values(fields, checks)
    place_evidence(document, fields, findings.unresolved)
    return Result(
        report=ReportInfo(
            id=document.id,
            sha256=document.sha256,
            chars=len(document.text),
            filename=document.filename,
            encoding=document.encoding,
        ),
        template=template,  # type: ignore[arg-type]
        fields=fields,
        checks=checks,
        unresolved=findings.unresolved,
        warnings=list(document.warnings) + findings.warnings,
        provenance=provenance,
        text=document.text if include_text else None,
    )


def review_table_figures_from_prose(fields: dict[str, FieldValue], template: str | None) -> None:
    """A figure a national template prints in its tables, found only in the prose: the table was not read
    (or not printed), and prose wording may count otherwise (受理 may be 新收 + 结转) — a person compares."""
    spec = spec_for(template)
    if not spec.is_national:
        return
    for key in set(spec.table_keys) & fields.keys():
        field = fields[key]
        if field.source == "prose" and not field.review:
            _to_review(field, "a figure of the template's tables, found only in the prose: the table was not read")


def review_a_number_the_text_ends_on(fields: dict[str, FieldValue], text: str, template: str | None) -> None:
    """A national-template report never ends on a table number (sections 五 and 六 follow table 四): a text
    that does was cut (a crawler's or a store's limit), and its last number may be cut too (15 of 151).
    A legacy report may end on its statistics table."""
    if not spec_for(template).is_national:
        return
    end = len(text.rstrip(" \t\n|"))
    if not end or not text[end - 1].isdigit():
        return
    for field in fields.values():
        if field.evidence is not None and field.evidence.end >= end and not field.review:
            _to_review(field, "the text ends on this number: it may be cut off")


def _to_review(field: FieldValue, reason: str) -> None:
    field.review = True
    field.confidence = min(field.confidence, FAILED_CHECK_CAP)
    field.reason = reason


def place_evidence(document: Document, fields: dict[str, FieldValue], unresolved: list[Unresolved]) -> None:
    """For a PDF, give every evidence span (values, candidates, unresolved cells) its page and box; a
    value quoted from a page read by OCR goes to review."""
    if document.layout is None:
        return
    spans: list[Evidence] = [item.evidence for item in unresolved]
    for field in fields.values():
        spans.extend(e for e in [field.evidence, *(c.evidence for c in field.candidates or [])] if e is not None)
    for evidence in spans:
        place = document.layout.locate(evidence.start, evidence.end)
        if place is not None:
            evidence.page, evidence.bbox = place
    ocr_pages = set(document.info.get("ocr_pages", ()))
    for field in fields.values():
        if field.evidence is not None and field.evidence.page in ocr_pages:
            field.review = True
            field.confidence = min(field.confidence, OCR_CAP)
            field.reason = field.reason or f"read by OCR from page {field.evidence.page}: compare with the page image"


def mark_failed_checks(
    fields: dict[str, FieldValue], checks: list[Check], anchor_failures: set[str] | None = None
) -> None:
    """Every field of a failed identity goes to review; the values themselves never change.

    ``anchor_failures`` (the checks that failed before the model spoke) lets a check that only the
    model's values break send just those values to review: a model guess must not unsettle anchors.
    """
    for check in checks:
        if check.status != "fail":
            continue
        model_keys = {key for key in check.keys if key in fields and fields[key].source == "llm"}
        blame_model_only = anchor_failures is not None and model_keys and check.id not in anchor_failures
        for key in model_keys if blame_model_only else check.keys:
            field = fields.get(key)
            if field is None:
                continue
            if field.found_confidence is None and field.confidence > FAILED_CHECK_CAP:
                field.found_confidence = field.confidence
            field.review = True
            field.confidence = min(field.confidence, FAILED_CHECK_CAP)
            field.held_by = field.held_by or check.id
            if not field.reason:
                field.reason = f"{check.id} failed: {check.message}"


def release_fixed_checks(fields: dict[str, FieldValue], checks: list[Check]) -> None:
    """After a person's correction makes an identity hold, the fields it alone had sent to review get the
    confidence of how they were found back (and leave review if that is high enough)."""
    still_failing = keys_in_failed(checks)
    for key, field in fields.items():
        held_by = field.held_by
        if field.found_confidence is None or key in still_failing or field.candidates or held_by is None:
            continue
        field.confidence, field.found_confidence, field.held_by = field.found_confidence, None, None
        field.review = needs_review(field.confidence)
        field.reason = (
            f"{held_by} holds after review; confidence {field.confidence:g} from how it was found"
            if field.review
            else None
        )


def confirm_model_values(fields: dict[str, FieldValue], checks: list[Check]) -> None:
    """A model value quoted verbatim that completes an identity of settled anchor values is confirmed by
    the report's own arithmetic: it may leave review. Anything short of that stays with a person."""
    for check in checks:
        if check.status != "pass":
            continue
        model_keys = [key for key in check.keys if fields[key].source == "llm"]
        anchors = [fields[key] for key in check.keys if fields[key].source != "llm"]
        if len(model_keys) != 1 or not anchors or any(field.review for field in anchors):
            continue
        field = fields[model_keys[0]]
        if field.candidates or field.confidence < CONFIDENCE["llm-exact"]:
            continue  # a disagreement, or a quote found only approximately
        field.review = False
        field.confidence = max(field.confidence, CONFIRMED_MODEL_CONFIDENCE)
        field.reason = f"confirmed by {check.id}"


def extract(document: Document, llm: Assistant | None = None, *, include_text: bool = False) -> Result:
    template, findings = find_candidates(document)
    read = document.info or None
    provenance = Provenance(extractor=EXTRACTOR_VERSION, input=read)
    draft = build_result(document, template, findings.found, findings, provenance, include_text=include_text)
    if llm is None:
        return draft
    proposals, info = llm.propose(document, draft)
    provenance = Provenance(
        extractor=EXTRACTOR_VERSION, model=info.model, prompt_version=info.prompt_version, llm=info, input=read
    )
    anchor_failures = {check.id for check in draft.checks if check.status == "fail"}
    return build_result(
        document,
        template,
        findings.found + proposals,
        findings,
        provenance,
        include_text=include_text,
        anchor_failures=anchor_failures,
    )
