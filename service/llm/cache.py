"""Model answers on disk, so a second run over the same report costs no call.

The key covers everything that could change the answer: model, instructor mode, prompt version (and
the template text's digest), result schema version, response-model schema, and a hash of the exact
messages sent (which hold the keys, the candidates and the text windows). One JSON file per answer,
written atomically; an unreadable entry is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from service.schema import SCHEMA_VERSION


def cache_key(
    *,
    model: str,
    mode: str,
    prompt_version: str,
    prompt_digest: str,
    response_schema: str,
    messages: list[dict[str, str]],
) -> str:
    material = {
        "model": model,
        "mode": mode,
        "prompt_version": prompt_version,
        "prompt_digest": prompt_digest,
        "schema_version": SCHEMA_VERSION,
        "response_schema": response_schema,
        "input": hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class DiskCache:
    """``get``/``put`` JSON documents by key under ``directory`` (created on first write)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
