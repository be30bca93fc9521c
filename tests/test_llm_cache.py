"""The answer cache: keyed by everything that shapes an answer; a bad entry is just a miss."""

from __future__ import annotations

from pathlib import Path

from service.llm.cache import DiskCache, cache_key

BASE = {
    "model": "m",
    "mode": "tools",
    "prompt_version": "prose.v1+rules.v1",
    "prompt_digest": "abc",
    "response_schema": "proposals/1",
    "messages": [{"role": "user", "content": "收到申请3件"}],
}


def test_key_changes_with_each_ingredient() -> None:
    key = cache_key(**BASE)
    assert key == cache_key(**dict(BASE))
    for name, other in (
        ("model", "m2"),
        ("mode", "json"),
        ("prompt_version", "prose.v2+rules.v1"),
        ("prompt_digest", "abd"),
        ("response_schema", "proposals/2"),
        ("messages", [{"role": "user", "content": "收到申请4件"}]),
    ):
        assert cache_key(**{**BASE, name: other}) != key, name


def test_round_trip_and_corrupt_entries(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "llm")
    key = cache_key(**BASE)
    assert cache.get(key) is None
    cache.put(key, {"items": [{"key": "requests.received", "value": 3, "quote": "收到申请3件"}]})
    assert cache.get(key) == {"items": [{"key": "requests.received", "value": 3, "quote": "收到申请3件"}]}
    path = next((tmp_path / "llm").rglob("*.json"))
    path.write_text("{not json", encoding="utf-8")
    assert cache.get(key) is None
    assert not list((tmp_path / "llm").rglob("*.tmp"))
