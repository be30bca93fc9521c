"""What the store refuses, with the HTTP status the API answers each refusal with."""

from __future__ import annotations


class StoreError(Exception):
    """A request the store refuses; ``status`` is the HTTP status the API answers with."""

    status = 400


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class Invalid(StoreError):
    status = 422


class LeaseLost(StoreError):
    """A worker tried to finish a job whose lease expired and that another worker claimed since."""

    status = 409
