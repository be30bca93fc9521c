"""Hand-made results for the panel tests: a report is just its issuer, year, template and values."""

from __future__ import annotations

from typing import Any

from service.panel.sources import Entry
from service.schema import Evidence, FieldValue, Provenance, ReportInfo, Result, Unresolved


def entry(
    report: str,
    issuer: str | None,
    year: int | None,
    template: str | None,
    values: dict[str, Any] | None = None,
    *,
    review: tuple[str, ...] = (),
    unresolved: list[Unresolved] | None = None,
    link: str | None = None,
) -> Entry:
    fields: dict[str, FieldValue] = {}
    text = ""

    def put(key: str, value: Any) -> None:
        nonlocal text
        quote = f"{key} {value}"
        fields[key] = FieldValue(
            value=value,
            confidence=0.5 if key in review else 0.95,
            review=key in review,
            source="table",
            evidence=Evidence(start=len(text), end=len(text) + len(quote), quote=quote),
        )
        text += quote + "\n"

    if issuer is not None:
        put("meta.issuer", issuer)
    if year is not None:
        put("meta.year", year)
    if template is not None:
        put("meta.template", template)
    for key, value in (values or {}).items():
        put(key, value)
    result = Result(
        report=ReportInfo(id=report, sha256="0" * 64, chars=len(text)),
        template=template,  # type: ignore[arg-type]
        fields=fields,
        unresolved=unresolved or [],
        provenance=Provenance(extractor="test"),
    )
    return Entry(report, result, link)


def run(quote: str, keys: list[str], candidates: list[list[int]]) -> Unresolved:
    return Unresolved(
        keys=keys, candidates=candidates, evidence=Evidence(start=0, end=len(quote), quote=quote), reason="glued"
    )
