"""Compare two independent labelling passes: ``python -m eval.agreement PASS_A PASS_B [--out FILE]``.

Gold is labelled twice, by people (or helpers) who never see each other's file nor the extractor's
output; every difference is then settled by reading the report again. This lists those differences
and the agreement rate, so the reconciliation is complete and its size is on record.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.schema import values_equal


def _fields(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8")).get("fields", {})


def differences(a: dict[str, object], b: dict[str, object]) -> list[tuple[str, object, object]]:
    """(key, value in A, value in B) for every key the passes do not agree on; None = not labelled."""
    out = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if va is None or vb is None or not values_equal(key, va, vb):
            out.append((key, va, vb))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pass_a", type=Path)
    parser.add_argument("pass_b", type=Path)
    args = parser.parse_args(argv)
    both = sorted({p.name for p in args.pass_a.glob("*.json")} & {p.name for p in args.pass_b.glob("*.json")})
    agreed = total = 0
    for name in both:
        a, b = _fields(args.pass_a / name), _fields(args.pass_b / name)
        diffs = differences(a, b)
        keys = len(set(a) | set(b))
        agreed += keys - len(diffs)
        total += keys
        print(f"## {name[:-5]}: {keys - len(diffs)}/{keys} keys agree")
        for key, va, vb in diffs:
            print(f"  {key}: A={va!r} B={vb!r}")
    only = sorted({p.name for p in args.pass_a.glob("*.json")} ^ {p.name for p in args.pass_b.glob("*.json")})
    if only:
        print("one pass only: " + ", ".join(n[:-5] for n in only))
    if total:
        print(f"agreement {agreed}/{total} = {agreed / total:.3f} over {len(both)} reports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
