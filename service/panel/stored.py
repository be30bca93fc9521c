"""ADAPTER — the only place this package touches the service's store.

The panel needs every finished report's reviewed result; this reads them through the store's public
repositories (``store.reports.list``, ``store.results.result``, ``store.decisions.reviewed``); a change of storage
re-points this one function and nothing else in ``service.panel``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.panel.sources import Entry
from service.schema import Result

if TYPE_CHECKING:
    from service.storage import Store

PAGE = 500


def stored_results(store: Store) -> Iterator[tuple[str, Result, str | None]]:
    """``(report_id, reviewed result, file name)`` for every report whose extraction is done."""
    offset = 0
    seen: set[str] = set()
    while True:
        reports, total = store.reports.list(status="done", limit=PAGE, offset=offset)
        for info in reports:
            if info["id"] in seen:  # the list is newest first: a report finished meanwhile shifts later pages
                continue
            seen.add(info["id"])
            # with no decision the reviewed result is the extractor's; skip the copy that applying none makes
            read = store.decisions.reviewed if info.get("decisions") else store.results.result
            result, _text = read(info["id"])
            yield info["id"], result, info.get("filename")
        offset += PAGE
        if offset >= total or not reports:
            return


def stored_entries(store: Store) -> list[Entry]:
    return [
        Entry(report_id, result, f"/reports/{report_id}/view", filename)
        for report_id, result, filename in stored_results(store)
    ]
