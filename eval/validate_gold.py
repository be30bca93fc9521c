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
from service.templates.registry import TEMPLATES, spec_for

TOP_LEVEL = {"report", "source", "same_as", "fields", "notes"}


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
    """Keys and year against the template's specification (service/templates)."""
    if template is None:
        warn("meta.template", "absent: template-specific checks are done as for a legacy report")
    elif template not in TEMPLATES:
        error("meta.template", f"{template!r} is not one of {', '.join(TEMPLATES)}")
        return
    spec = spec_for(template)
    year = values.get("meta.year")
    low, high = spec.years
    if isinstance(year, int) and template is not None and not low <= year <= high:
        warn("meta.year", f"{year} is unusual for a {template} report")
    national = {key for other in TEMPLATES.values() if other.is_national for key in other.table_three_keys}
    for key in values:
        if key in spec.keys:
            continue
        if not spec.is_national and key.startswith("requests.by_applicant.") and key in national:
            error(key, "applicant columns exist only in the national templates' table 三")
            continue
        owners = [name for name, other in TEMPLATES.items() if key in other.keys]
        warn(key, f"not a key of the {spec.name} template (a key of {', '.join(owners) or 'no template'})")


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
