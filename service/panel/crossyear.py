"""The identities that tie one issuer's consecutive years, evaluated as pass / fail / skip.

Within a report ``service.checks`` holds the identities; these need two reports of one body:

- ``Y-carried[<column>]``: table 三 上年结转 of year N = 结转下年度继续办理 of year N−1, for each applicant
  column and the total (gb2019 and gb2021);
- ``Y-in_force[rules|normative]``: gb2021 table 二 现行有效件数 (N) = 现行有效件数 (N−1) + 本年制发 (N) −
  本年废止 (N);
- ``Y-prev_items[<row>]``: gb2019 table 二 上一年项目数量 (N) = 上一年项目数量 (N−1) + 本年增/减 (N−1).

Bodies recount their stock, so real reports break these: a failure is a finding and a review item for
both sides (it never changes a value). A check is skipped, saying why, when a side lacks the template or
the value, or a value is approximate (20余件). When the missing value is a digit run the extractor could
not split, the check says which of the candidate splits would make the identity hold, as a hint to the
reviewer, not as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from service.panel.sources import Entry
from service.schema import APPLICANT_COLUMNS

Status = Literal["pass", "fail", "skip"]
GB = ("gb2019", "gb2021")


@dataclass(frozen=True)
class Term:
    """``sign`` × the value of ``key`` in year N + ``offset`` (offset 0 or −1)."""

    offset: int
    key: str
    sign: int = 1


@dataclass(frozen=True)
class Identity:
    name: str
    templates: tuple[str, ...]
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    meaning: str

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.left + self.right


def _carried(column: str | None) -> Identity:
    prefix = f"requests.by_applicant.{column}." if column else "requests."
    return Identity(
        f"Y-carried[{column or 'total'}]",
        GB,
        (Term(0, prefix + "carried_over"),),
        (Term(-1, prefix + "carried_forward"),),
        "上年结转 (N) = 结转下年度继续办理 (N−1)",
    )


def _in_force(row: str) -> Identity:
    base = f"active.{row}."
    return Identity(
        f"Y-in_force[{row}]",
        ("gb2021",),
        (Term(0, base + "in_force"),),
        (Term(-1, base + "in_force"), Term(0, base + "issued"), Term(0, base + "repealed", -1)),
        "现行有效件数 (N) = 现行有效件数 (N−1) + 本年制发 (N) − 本年废止 (N)",
    )


def _prev_items(row: str) -> Identity:
    base = f"active.{row}."
    return Identity(
        f"Y-prev_items[{row}]",
        ("gb2019",),
        (Term(0, base + "prev_items"),),
        (Term(-1, base + "prev_items"), Term(-1, base + "change")),
        "上一年项目数量 (N) = 上一年项目数量 (N−1) + 本年增/减 (N−1)",
    )


IDENTITIES: tuple[Identity, ...] = (
    _carried(None),
    *(_carried(column) for column in APPLICANT_COLUMNS),
    _in_force("rules"),
    _in_force("normative"),
    *(_prev_items(row) for row in ("licensing", "other_services", "penalty", "coercion", "fees")),
)


@dataclass
class YearCheck:
    """One identity over years ``(N−1, N)``; ``values`` is keyed ``"<year> <key>"``."""

    name: str
    status: Status
    years: tuple[int, int]
    values: dict[str, Any]
    message: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    review: list[dict[str, str]] = field(default_factory=list)
    hint: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "years": list(self.years),
            "values": self.values,
            "message": self.message,
            "evidence": self.evidence,
        }
        if self.review:
            data["review"] = self.review
        if self.hint:
            data["hint"] = self.hint
        return data


def check_years(by_year: dict[int, Entry]) -> list[YearCheck]:
    """Every identity for every pair of consecutive years present, oldest first."""
    checks: list[YearCheck] = []
    for year in sorted(by_year):
        if year - 1 in by_year:
            checks.extend(check_pair(by_year[year - 1], by_year[year], year))
    return checks


def check_pair(previous: Entry, current: Entry, year: int) -> list[YearCheck]:
    """The identities between the report of ``year − 1`` and that of ``year``.

    An identity neither report's template carries is left out; one that only one side carries is
    skipped with the reason."""
    sides = {-1: previous, 0: current}
    templates = {offset: entry.result.template for offset, entry in sides.items()}
    checks = []
    for identity in IDENTITIES:
        if not any(t in identity.templates for t in templates.values()):
            continue
        checks.append(_evaluate(identity, sides, year, templates))
    return checks


def _evaluate(identity: Identity, sides: dict[int, Entry], year: int, templates: dict[int, str | None]) -> YearCheck:
    years = (year - 1, year)
    values: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    missing: list[Term] = []
    approximate: list[str] = []
    for term in identity.terms:
        entry = sides[term.offset]
        found = entry.result.fields.get(term.key)
        label = f"{year + term.offset} {term.key}"
        values[label] = found.value if found else None
        if found is None:
            missing.append(term)
            continue
        if found.approximate:
            approximate.append(label)
        item: dict[str, Any] = {"year": year + term.offset, "report": entry.report, "key": term.key}
        item["value"] = found.value
        if found.evidence:
            item |= {"quote": found.evidence.quote, "start": found.evidence.start, "end": found.evidence.end}
        if entry.link:
            item["link"] = f"{entry.link}?key={term.key}"
        evidence.append(item)
    check = YearCheck(identity.name, "skip", years, values, "", evidence)
    wrong = [offset for offset, template in templates.items() if template not in identity.templates]
    if wrong:
        side = ", ".join(f"{year + o} is {templates[o] or 'of unknown template'}" for o in wrong)
        check.message = f"{side}: {identity.meaning} needs {' or '.join(identity.templates)} on both sides"
        return check
    if missing:
        check.message = "not stated: " + ", ".join(f"{year + t.offset} {t.key}" for t in missing)
        check.hint = _hint(identity, sides, year, missing)
        return check
    if approximate:
        check.message = "approximate (余/多/约), cannot be tied exactly: " + ", ".join(approximate)
        return check
    left = _sum(identity.left, sides)
    right = _sum(identity.right, sides)
    check.status = "pass" if left == right else "fail"
    shown = (
        f"{_show(identity.left, values, year)} {'=' if left == right else '≠'} {_show(identity.right, values, year)}"
    )
    total = f" (= {right})" if len(identity.right) > 1 else ""
    check.message = f"{identity.meaning}: {shown}{total}"
    if check.status == "fail":
        check.review = [
            {"report": sides[t.offset].report, "key": t.key, "year": str(year + t.offset)} for t in identity.terms
        ]
    return check


def _sum(terms: tuple[Term, ...], sides: dict[int, Entry], extra: dict[tuple[int, str], Any] | None = None) -> Any:
    total = 0
    for term in terms:
        if extra and (term.offset, term.key) in extra:
            value = extra[(term.offset, term.key)]
        else:
            value = sides[term.offset].result.fields[term.key].value
        total += term.sign * value
    return total


def _show(terms: tuple[Term, ...], values: dict[str, Any], year: int) -> str:
    parts = []
    for i, term in enumerate(terms):
        value = values[f"{year + term.offset} {term.key}"]
        sign = "−" if term.sign < 0 else ("+" if i else "")
        parts.append(f"{sign} {value}".strip() if i else f"{sign}{value}")
    return " ".join(parts)


def _hint(identity: Identity, sides: dict[int, Entry], year: int, missing: list[Term]) -> str | None:
    """Which candidate splits of an unresolved digit run would make the identity hold, if that is all that
    is missing (the other values stated)."""
    offsets = {t.offset for t in missing}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    result = sides[offset].result
    wanted = {t.key for t in missing}
    for item in result.unresolved:
        if not wanted <= set(item.keys):
            continue
        fitting = []
        for candidate in item.candidates:
            assigned = {(offset, key): value for key, value in zip(item.keys, candidate, strict=False)}
            if _sum(identity.left, sides, assigned) == _sum(identity.right, sides, assigned):
                fitting.append(candidate)
        run, listed = item.evidence.quote, len(item.candidates)
        if not fitting:
            return f"{year + offset}: none of the {listed} candidate splits listed for '{run}' makes it hold"
        shown = "; ".join(str(c) for c in fitting[:3])
        return f"{year + offset}: of the {listed} candidate splits listed for '{run}', it holds with {shown}"
    return None
