"""``python -m eval``: score the extractor against the gold files (see eval.harness)."""

from __future__ import annotations

import sys

from eval.harness import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
