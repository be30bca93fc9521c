"""Which keys the model is asked about: open keys only, and only what the template can hold."""

from __future__ import annotations

from service.llm.scope import scope_of, table_keys
from service.schema import (
    FIELD_TYPES,
    Candidate,
    Evidence,
    FieldValue,
    Provenance,
    ReportInfo,
    Result,
    Unresolved,
)
from service.templates.legacy import LEGACY_PROSE_KEYS
from service.templates.national import NATIONAL_PROSE_KEYS as GB_PROSE_KEYS


def value(v: object, *, review: bool = False, candidates: list[Candidate] | None = None) -> FieldValue:
    return FieldValue(
        value=v,
        confidence=0.6 if review else 0.95,
        review=review,
        source="table",
        evidence=Evidence(start=0, end=1, quote="x"),
        candidates=candidates,
    )


def draft(template: str | None, fields: dict[str, FieldValue], unresolved: list[Unresolved] | None = None) -> Result:
    return Result(
        report=ReportInfo(id="r", sha256="0", chars=1),
        template=template,
        fields=fields,
        unresolved=unresolved or [],
        provenance=Provenance(extractor="test"),
    )


def test_legacy_asks_open_prose_keys_never_table_cells() -> None:
    scope = scope_of(draft("legacy", {"active.total": value(5), "requests.received": value(3, review=True)}))
    assert scope.keys["table"] == [] and scope.keys["conflict"] == []
    asked = scope.keys["prose"]
    assert "active.total" not in asked and "requests.received" in asked
    assert all(key in LEGACY_PROSE_KEYS for key in asked)
    assert not any(key.startswith(("requests.by_applicant", "active.rules", "meta.")) for key in asked)


def test_gb_asks_missing_or_doubtful_cells_and_prose_keys() -> None:
    cells = table_keys("gb2021")
    fields = {key: value(0) for key in cells}
    del fields["requests.by_applicant.research.granted"]  # not decoded
    fields["review.total"] = value(2, review=True)  # identity failed
    fields["requests.granted"] = value(
        21,
        candidates=[  # table vs prose
            Candidate(value=21, source="table"),
            Candidate(value=12, source="prose"),
        ],
    )
    fields["requests.granted"].review = True
    unresolved = [
        Unresolved(
            keys=["requests.partial"],
            candidates=[[8], [81]],
            evidence=Evidence(start=0, end=1, quote="x"),
            reason="glued",
        )
    ]
    scope = scope_of(draft("gb2021", fields, unresolved))
    assert scope.keys["table"] == ["requests.partial", "requests.by_applicant.research.granted", "review.total"]
    assert scope.keys["conflict"] == ["requests.granted"]
    assert set(scope.keys["prose"]) <= set(GB_PROSE_KEYS) | {"fees.notices", "fees.notices_amount"}
    assert "fees.notices" in scope.keys["prose"]  # gb2021 section 六
    assert "active.procurement.items" not in scope.all_keys()  # a gb2019-only cell


def test_gb2019_cells_differ_from_gb2021() -> None:
    assert "active.procurement.amount" in table_keys("gb2019")
    assert "requests.other_handling.total" in table_keys("gb2019")
    assert "requests.other_handling.no_correction" in table_keys("gb2021")
    assert all(key in FIELD_TYPES for key in table_keys("gb2019") + table_keys("gb2021"))


def test_unknown_template_is_treated_as_legacy() -> None:
    scope = scope_of(draft(None, {}))
    assert scope.keys["prose"] == [k for k in LEGACY_PROSE_KEYS]
