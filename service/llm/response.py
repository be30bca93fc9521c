"""The answer the model must give, as pydantic models instructor validates against.

A validation error (unknown key, value of the wrong type, empty quote) makes instructor re-ask the
model with the error message, up to the client's re-ask limit. The keys allowed in one call come in
through the validation context (``{"keys": [...]}``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator, model_validator

from service.numbers import parse_number
from service.schema import FIELD_TYPES, coerce_value


def normalise_value(key: str, value: Any) -> Any:
    """The model's value as FIELDS.md types it (strings are read as numbers where a number is due).
    Raises ValueError with a message meant for the model."""
    kind = FIELD_TYPES.get(key)
    if kind in ("int", "signed", "wan"):
        if isinstance(value, str):
            number = parse_number(value.strip())
            if number is None:
                raise ValueError(f"{key}: value must be a number, got {value!r}")
            value = number.value
        if kind != "wan" and isinstance(value, float) and value.is_integer():
            value = int(value)
    return coerce_value(key, value)


MAX_QUOTE = 200


class Proposal(BaseModel):
    """One value the report states, with the passage that states it."""

    key: str = Field(description="one of the keys listed in the request, exactly as written")
    value: int | float = Field(
        description="the number as an integer (counts) or decimal (万元 amounts); 0 for 无/未发生"
    )
    quote: str = Field(
        max_length=MAX_QUOTE,
        description="the passage of the report that states the value, "
        "copied character for character (5 to 80 characters), including the number",
    )

    @field_validator("value", mode="before")
    @classmethod
    def _number_written_as_text(cls, value: Any) -> Any:
        """Models often send "1,234" or "十二"; read them, and say so plainly when it is no number."""
        if isinstance(value, str):
            number = parse_number(value.strip())
            if number is None:
                raise ValueError(f"value must be a number, got {value!r}")
            return number.value
        return value

    @field_validator("quote")
    @classmethod
    def _quote_not_empty(cls, quote: str) -> str:
        if not quote.strip():
            raise ValueError("quote must copy the passage of the report that states the value")
        return quote

    @model_validator(mode="after")
    def _known_key_and_type(self, info: ValidationInfo) -> Proposal:
        allowed = (info.context or {}).get("keys")
        if self.key not in FIELD_TYPES or (allowed is not None and self.key not in allowed):
            listed = ", ".join(allowed) if allowed else "the listed keys"
            raise ValueError(f"unknown key {self.key!r}; use only these keys: {listed}")
        self.value = normalise_value(self.key, self.value)
        return self


class Proposals(BaseModel):
    """Values found for the requested keys. Leave a key out when the text does not state it."""

    items: list[Proposal] = Field(description="one item per key the text states; an empty list if none")


def response_model_for(keys: list[str]) -> type[Proposals]:
    """``Proposals`` whose JSON schema lists the allowed keys as an enum, so servers that constrain
    decoding by the schema (llama.cpp grammars, OpenAI structured outputs) cannot even write another key.
    The validator still checks, for servers that do not."""
    item = create_model(
        "Proposal",
        __base__=Proposal,
        key=(str, Field(description="one of the keys listed in the request", json_schema_extra={"enum": list(keys)})),
    )
    return create_model(
        "Proposals",
        __base__=Proposals,
        items=(
            list[item],
            Field(
                description="one item per key the text states; "  # type: ignore[valid-type]
                "an empty list if none"
            ),
        ),
    )


def response_schema_version() -> str:
    """Changes whenever the response model does, so cached answers of an older shape are not reused."""
    schema = json.dumps(Proposals.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return "proposals/" + hashlib.sha256(schema.encode()).hexdigest()[:12]
