"""The response model instructor validates: unknown keys and wrong types are errors for a re-ask."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from service.llm.response import Proposals, normalise_value, response_schema_version

CONTEXT = {"keys": ["requests.received", "fees.collected", "active.licensing.change"]}


def parse(*items: dict) -> Proposals:
    return Proposals.model_validate_json(json.dumps({"items": list(items)}), context=CONTEXT)


def test_valid_items_are_normalised() -> None:
    parsed = parse(
        {"key": "requests.received", "value": "1,234", "quote": "收到申请1,234件"},
        {"key": "fees.collected", "value": 12, "quote": "收费12万元"},
        {"key": "active.licensing.change", "value": -3.0, "quote": "本年增/减 -3"},
    )
    assert [item.value for item in parsed.items] == [1234, 12.0, -3]
    assert isinstance(parsed.items[0].value, int) and isinstance(parsed.items[1].value, float)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"key": "requests.recieved", "value": 3, "quote": "q"}, "unknown key 'requests.recieved'"),
        ({"key": "review.total", "value": 3, "quote": "q"}, "unknown key 'review.total'"),  # a real key not asked
        ({"key": "requests.received", "value": "many", "quote": "q"}, "value must be a number"),
        ({"key": "requests.received", "value": -2, "quote": "q"}, "non-negative"),
        ({"key": "requests.received", "value": 2.5, "quote": "q"}, "expected an integer"),
        ({"key": "requests.received", "value": 2, "quote": "  "}, "quote must copy"),
        ({"key": "requests.received", "value": 2}, "quote"),
    ],
)
def test_invalid_items_raise_a_message_for_the_model(item: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse(item)


def test_chinese_numerals_are_read() -> None:
    assert normalise_value("requests.received", "十二") == 12


def test_schema_version_is_stable() -> None:
    assert response_schema_version() == response_schema_version()
    assert response_schema_version().startswith("proposals/")
