"""extract(document) → Result: anchors, then (optionally) the model, then reconcile and check."""

from __future__ import annotations

from typing import Protocol

from service.anchors import Findings, Found, gb_tables, legacy_table, meta, prose
from service.checks import run_checks
from service.confidence import FAILED_CHECK_CAP
from service.ingest import Document
from service.reconcile import merge
from service.schema import Check, FieldValue, Provenance, ReportInfo, Result

EXTRACTOR_VERSION = "nianbao-rules/0.1"


class Assistant(Protocol):
    """The model step (service.llm): proposes values for what the anchors left empty or in review."""

    def propose(self, document: Document, draft: Result) -> tuple[list[Found], dict]:
        """Grounded model candidates, plus provenance info (model, prompt_version, usage, errors)."""
        ...


def find_candidates(document: Document) -> tuple[str | None, Findings]:
    """Run every deterministic finder; the template decides which table decoder applies."""
    findings = meta.find(document)
    template = meta.template_of(findings)
    if template in ("gb2019", "gb2021"):
        findings.extend(gb_tables.find(document, template))
    else:
        findings.extend(legacy_table.find(document))
    findings.extend(prose.find(document, template))
    return template, findings


def build_result(document: Document, template: str | None, candidates: list[Found], findings: Findings,
                 provenance: Provenance, *, include_text: bool) -> Result:
    fields, conflicts = merge(candidates, document.text)
    checks = conflicts + run_checks({k: f.value for k, f in fields.items()}, template)
    mark_failed_checks(fields, checks)
    return Result(
        report=ReportInfo(id=document.id, sha256=document.sha256, chars=len(document.text),
                          filename=document.filename, encoding=document.encoding),
        template=template,  # type: ignore[arg-type]
        fields=fields,
        checks=checks,
        unresolved=findings.unresolved,
        warnings=findings.warnings,
        provenance=provenance,
        text=document.text if include_text else None,
    )


def mark_failed_checks(fields: dict[str, FieldValue], checks: list[Check]) -> None:
    """Every field of a failed identity goes to review; the values themselves never change."""
    for check in checks:
        if check.status != "fail":
            continue
        for key in check.keys:
            field = fields.get(key)
            if field is None:
                continue
            field.review = True
            field.confidence = min(field.confidence, FAILED_CHECK_CAP)
            if not field.reason:
                field.reason = f"{check.id} failed: {check.message}"


def extract(document: Document, llm: Assistant | None = None, *, include_text: bool = False) -> Result:
    template, findings = find_candidates(document)
    provenance = Provenance(extractor=EXTRACTOR_VERSION)
    draft = build_result(document, template, findings.found, findings, provenance, include_text=include_text)
    if llm is None:
        return draft
    proposals, info = llm.propose(document, draft)
    provenance = Provenance(extractor=EXTRACTOR_VERSION, model=info.get("model"),
                            prompt_version=info.get("prompt_version"), llm=info)
    return build_result(document, template, findings.found + proposals, findings, provenance,
                        include_text=include_text)
