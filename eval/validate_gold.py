"""Check gold files against GOLD.md and FIELDS.md: ``python -m eval.validate_gold [DIR]``.

A gold file is the yardstick for every score, so a typo in a key or a value that breaks an identity
without saying why must be caught before it silently rewards or punishes the extractor.
Errors make the exit code 1; warnings are printed only.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape

from service.schema import FIELD_TYPES, coerce_value

TEMPLATES = ("gb2021", "gb2019", "legacy")
TOP_LEVEL = {"report", "source", "same_as", "fields", "notes"}

# Keys FIELDS.md gives to one template only (its tables); prose keys are shared by all templates.
GB2021_ONLY = (
    "active.rules.issued",
    "active.rules.repealed",
    "active.rules.in_force",
    "active.normative.issued",
    "active.normative.repealed",
    "active.normative.in_force",
    "active.fees.amount",
    "requests.other_handling.no_correction",
    "requests.other_handling.unpaid",
    "requests.other_handling.other",
    "fees.notices",
    "fees.notices_amount",
)
GB2019_ONLY = (
    "active.rules.new_made",
    "active.rules.new_published",
    "active.rules.total_published",
    "active.normative.new_made",
    "active.normative.new_published",
    "active.normative.total_published",
    "active.licensing.prev_items",
    "active.licensing.change",
    "active.other_services.prev_items",
    "active.other_services.change",
    "active.other_services.decisions",
    "active.penalty.prev_items",
    "active.penalty.change",
    "active.coercion.prev_items",
    "active.coercion.change",
    "active.fees.prev_items",
    "active.fees.change",
    "active.procurement.items",
    "active.procurement.amount",
)
GB_ONLY_PREFIXES = (  # table 三 / 四 rows that have no legacy label
    "requests.carried_over",
    "requests.needs_creation",
    "requests.not_processed.",
    "requests.other_handling.",
    "requests.processed_total",
    "requests.carried_forward",
    "requests.by_applicant.",
    "requests.refused_reason.prohibited_by_law",
    "requests.refused_reason.third_party_rights",
    "requests.refused_reason.internal_affairs",
    "requests.refused_reason.process_info",
    "requests.refused_reason.enforcement_files",
    "requests.refused_reason.query_matters",
    "review.pending",
    "litigation.direct.",
    "litigation.after_review.",
    "active.licensing.",
    "active.other_services.",
    "active.penalty.",
    "active.coercion.",
    "active.fees.",
    "active.procurement.",
    "active.rules.",
    "active.normative.",
    "fees.notices",
)
LEGACY_ONLY_PREFIXES = (
    "requests.channel.",
    "requests.completed",
    "requests.answered",
    "requests.already_public",
    "requests.not_exist",
    "requests.other_route",
    "requests.refused_reason.commercial_secret",
    "requests.refused_reason.privacy",
    "requests.refused_reason.not_gov_info",
    "requests.refused_reason.other_law",
    "litigation.upheld",
    "litigation.corrected",
    "litigation.other",
)
YEARS = {"gb2021": (2021, 9999), "gb2019": (2019, 2020), "legacy": (2008, 2018)}


@dataclass(frozen=True)
class Problem:
    level: Literal["error", "warning"]
    file: str
    key: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{self.level}: {where}: {self.message}"


def _load_identity_check() -> Any:
    """``service.checks.identity_violations`` or None (identity validation is then skipped)."""
    try:
        from service.checks import identity_violations
    except ImportError:
        return None
    return identity_violations


def validate_file(path: Path, identity_violations: Any = None) -> list[Problem]:
    """Every problem of one gold file; identity checks only when ``identity_violations`` is given."""
    name = path.name
    problems: list[Problem] = []

    def error(key: str | None, message: str) -> None:
        problems.append(Problem("error", name, key, message))

    def warn(key: str | None, message: str) -> None:
        problems.append(Problem("warning", name, key, message))

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem("error", name, None, f"cannot read: {exc}")]
    except json.JSONDecodeError as exc:
        return [Problem("error", name, None, f"not valid JSON: {exc}")]
    if not isinstance(data, dict):
        return [Problem("error", name, None, "top level must be an object")]

    for missing in ("report", "source", "fields"):
        if missing not in data:
            error(None, f"missing '{missing}'")
    for extra in sorted(set(data) - TOP_LEVEL):
        warn(None, f"unexpected top-level entry '{extra}'")
    report = data.get("report")
    if "report" in data and report != path.stem:
        error("report", f"{report!r} does not match the file name {path.stem!r}")
    source = data.get("source")
    if "source" in data:
        if not isinstance(source, str) or not source.strip():
            error("source", f"must name the report file, got {source!r}")
        elif Path(source).stem != path.stem:
            warn("source", f"{source!r} does not look like the file of report {path.stem!r}")

    same_as = data.get("same_as")
    if "same_as" in data and (not isinstance(same_as, str) or same_as == path.stem):
        error("same_as", f"must name another report this file is a second form of, got {same_as!r}")

    fields = data.get("fields")
    if "fields" in data and not isinstance(fields, dict):
        error("fields", "must be an object of key → value")
    fields = fields if isinstance(fields, dict) else {}
    notes = data.get("notes", {})
    if not isinstance(notes, dict):
        error("notes", "must be an object of key → text")
        notes = {}

    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in FIELD_TYPES:
            error(key, "not a FIELDS.md key")
            continue
        try:
            values[key] = coerce_value(key, value)
        except ValueError as exc:
            error(key, f"bad value: {exc}")
    for key, text in notes.items():
        if key not in FIELD_TYPES:
            warn(key, "note on a key that is not a FIELDS.md key")
        if not isinstance(text, str) or not text.strip():
            error(key, "a note must be non-empty text")

    template = values.get("meta.template")
    _check_template(values, template, warn, error)
    if identity_violations is not None and isinstance(template, str | type(None)):
        _check_identities(
            values, template, {k: v for k, v in notes.items() if isinstance(v, str)}, identity_violations, error
        )
    return problems


def _check_template(values: dict[str, Any], template: Any, warn: Any, error: Any) -> None:
    if template is None:
        warn("meta.template", "absent: template-specific checks are done as for a legacy report")
    elif template not in TEMPLATES:
        error("meta.template", f"{template!r} is not one of {', '.join(TEMPLATES)}")
        return
    year = values.get("meta.year")
    if isinstance(year, int) and template in YEARS:
        low, high = YEARS[template]
        if not low <= year <= high:
            warn("meta.year", f"{year} is unusual for a {template} report")
    for key in values:
        if template in (None, "legacy"):
            if key.startswith("requests.by_applicant."):
                error(key, "applicant columns exist only in gb2019/gb2021 table 三")
            elif key.startswith(GB_ONLY_PREFIXES):
                warn(key, "a gb table key in a legacy report")
        else:
            if key.startswith(LEGACY_ONLY_PREFIXES):
                warn(key, f"a legacy-only key in a {template} report")
            if template == "gb2021" and key in GB2019_ONLY:
                warn(key, "a gb2019 table 二 key in a gb2021 report")
            if template == "gb2019" and key in GB2021_ONLY:
                warn(key, "a gb2021-only key in a gb2019 report")


def _check_identities(
    values: dict[str, Any], template: str | None, notes: dict[str, str], identity_violations: Any, error: Any
) -> None:
    """A broken identity is fine in gold only when a note explains it (the report itself is inconsistent)."""
    for check in identity_violations(values, template):
        base_id = check.id.split("[", 1)[0]
        explained = any(key in notes for key in check.keys) or any(
            check.id in text or base_id in text for text in notes.values()
        )
        if not explained:
            shown = check.keys[0] if check.keys else None
            error(
                shown,
                f"identity {check.id} fails ({check.message}) and no note explains it; keys: {', '.join(check.keys)}",
            )


def validate_dir(directory: Path, console: Console) -> tuple[list[Problem], int]:
    identity_violations = _load_identity_check()
    if identity_violations is None:
        console.print(
            "[yellow]warning:[/] service.checks.identity_violations is not available; identities are not validated",
            highlight=False,
        )
    files = sorted(directory.glob("*.json"))
    problems = [p for path in files for p in validate_file(path, identity_violations)]
    return problems + second_form_problems(files), len(files)


def second_form_problems(files: list[Path]) -> list[Problem]:
    """``same_as`` must name a gold file with the same fields; identical fields without it are flagged,
    since the harness then scores the later file as a format check (eval/runs.py)."""
    loaded: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # validate_file has reported it
        if isinstance(data, dict) and isinstance(data.get("fields"), dict):
            loaded[path.stem] = data
    problems = []
    for stem, data in loaded.items():
        target = data.get("same_as")
        if not isinstance(target, str) or target == stem:
            continue
        if target not in loaded:
            problems.append(Problem("error", f"{stem}.json", "same_as", f"no gold file {target}.json"))
        elif loaded[target]["fields"] != data["fields"]:
            problems.append(
                Problem("warning", f"{stem}.json", "same_as", f"fields differ from {target}.json's (same report?)")
            )
    seen: dict[str, str] = {}
    for stem, data in loaded.items():
        fingerprint = json.dumps(data["fields"], sort_keys=True, ensure_ascii=False)
        first = seen.setdefault(fingerprint, stem)
        declared = {data.get("same_as"), loaded[first].get("same_as")}
        if first != stem and stem not in declared and first not in declared:
            problems.append(Problem("warning", f"{stem}.json", None, f"same fields as {first}.json without 'same_as'"))
    return problems


def _usage_error(console: Console, message: str) -> int:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return 2


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    """Exit codes: 0 no errors (warnings allowed), 1 errors, 2 bad arguments."""
    console = console or Console()
    parser = argparse.ArgumentParser(
        prog="python -m eval.validate_gold", description="Check gold files against GOLD.md and FIELDS.md."
    )
    parser.add_argument("directory", nargs="?", type=Path, default=Path("gold"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.directory.is_dir():
        return _usage_error(console, f"gold directory not found: {args.directory}")
    problems, count = validate_dir(args.directory, console)
    if count == 0:
        return _usage_error(console, f"no gold files (*.json) in {args.directory}")
    for problem in problems:
        colour = "red" if problem.level == "error" else "yellow"
        console.print(f"[{colour}]{escape(str(problem))}[/]", highlight=False, soft_wrap=True)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    console.print(f"{count} gold files: {errors} errors, {warnings} warnings", highlight=False)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
