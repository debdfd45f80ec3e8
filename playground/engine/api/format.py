"""Text of validation errors, written the way apimachinery's `field.Error` prints them.

`spec.replicas: Invalid value: -1: must be greater than or equal to 0` is built from a field
path, an error type, the offending value (Go-formatted: strings quoted, numbers bare, maps and
lists as JSON) and a detail. Learners paste these into search engines, so they must match.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.engine.errors import FieldError

_TYPE_TEXT = {
    "NotFound": "Not found",
    "Required": "Required value",
    "Duplicate": "Duplicate value",
    "Invalid": "Invalid value",
    "Unsupported": "Unsupported value",
    "Forbidden": "Forbidden",
    "TooLong": "Too long",
    "TooMany": "Too many",
    "Internal": "Internal error",
}

_VALUELESS = {"Required", "Forbidden", "TooLong", "TooMany", "Internal"}


def go_value(value: object) -> str:
    """A bad value as Go's field errors print it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def field_error_body(error: FieldError) -> str:
    """Everything after the field path: `Invalid value: -1: must be ...`."""
    text = _TYPE_TEXT.get(error.type, error.type)
    if error.type not in _VALUELESS:
        text = f"{text}: {go_value(error.value)}"
    if error.detail:
        text = f"{text}: {error.detail}"
    return text


def field_error_text(error: FieldError) -> str:
    """`spec.replicas: Invalid value: -1: must be greater than or equal to 0`."""
    body = field_error_body(error)
    return f"{error.field}: {body}" if error.field else body


def aggregate(messages: list[str]) -> str:
    """apimachinery's aggregate: one message as is, several as `[a, b]`."""
    if len(messages) == 1:
        return messages[0]
    return "[" + ", ".join(messages) + "]"


def invalid_message(kind: str, name: str, errors: list[FieldError]) -> str:
    """The server's Status message: `Deployment.apps "web" is invalid: <errors>`."""
    return f'{kind} "{name}" is invalid: ' + aggregate([field_error_text(e) for e in errors])
