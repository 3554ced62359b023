"""What a request is held to at the door, before any use case sees it, for both APIs: every string
has a declared maximum (LIMITS), ids and tokens are what they claim, moments are within the
timestamp range, and a form is a flat mapping of scalars, decided on the raw protobuf Struct without
converting it (a generic conversion recurses: deep nesting was an INTERNAL error with a traceback).
Each check raises Refused naming the field, and quotes at most a short prefix of a bad value."""
from __future__ import annotations

import math
import re
import uuid
from typing import Any, Callable

import grpc
from google.protobuf import struct_pb2, timestamp_pb2

from lifeevents.text import check_text, quote, summarise
from saga.entrypoints.errors import Refused

# The longest value each request string may have (characters; bundle_yaml in UTF-8 bytes): the one
# table of them, for both APIs (a reason: an objection's, or an operator's for a retry, a skip, a
# history or a replay).
LIMITS = {
    "bundle": 64, "application_id": 36, "idempotency_key": 128, "objector": 100, "objector_role": 50,
    "reason": 500, "step": 64, "department": 64, "status": 32, "page_token": 9, "message_id": 128,
    "agent": 18, "bundle_yaml": 64 * 1024, "language": 8, "commitment": 64, "finding": 1000,
    "comment": 500, "rectification": 1000, "follow_up_id": 36, "state": 16,  # rating and follow-ups
}
# The form's fields named one by one up to this many problems; beyond, one violation counts them.
NAMED_FORM_PROBLEMS = 5
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)
_TOKEN = re.compile(r"[\x21-\x7e]+", re.ASCII)  # printable ASCII, no blanks
# google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
_MIN_SECONDS, _MAX_SECONDS = -62135596800, 253402300799

Scalar = str | float | bool | None


def invalid(field: str, description: str, message: str = "") -> Refused:
    return Refused(grpc.StatusCode.INVALID_ARGUMENT, message or f"{field}: {description}", [(field, description)])


def check_length(field: str, value: str) -> str:
    if len(value) > LIMITS[field]:
        raise invalid(field, f"at most {LIMITS[field]} characters (this has {len(value)})")
    return value


def required(field: str, value: str) -> str:
    """A required one-line text (stripped): its maximum, no control or format characters."""
    value = check_length(field, value).strip()
    if not value:
        raise invalid(field, "required")
    return optional(field, value)


def optional(field: str, value: str) -> str:
    try:
        return check_text(check_length(field, value).strip(), LIMITS[field])
    except ValueError as err:
        raise invalid(field, str(err)) from None


def token(field: str, value: str, required_: bool = False) -> str:
    """An opaque token or id of printable ASCII (an idempotency key, a message id)."""
    check_length(field, value)
    if not value:
        if required_:
            raise invalid(field, "required")
        return value
    if not _TOKEN.fullmatch(value):
        raise invalid(field, f"{quote(value)} is not printable ASCII without blanks")
    return value


def application_id(value: str) -> str:
    """A UUID in its usual form (36 characters)."""
    try:
        if len(value) != LIMITS["application_id"]:
            raise ValueError
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid("application_id", f"{quote(value)} is not a UUID like 3f2b…-…", "application_id is not a UUID") \
            from None


def page_offset(value: str) -> int:
    """A page token from an earlier page: the offset, as ASCII digits."""
    if not value:
        return 0
    if len(value) > LIMITS["page_token"] or not value.isascii() or not value.isdigit():
        raise invalid("page_token", "a token from an earlier page", "bad page token")
    return int(value)


def non_negative(field: str, value: int) -> int:
    if value < 0:
        raise invalid(field, "at least 0")
    return value


def moment(field: str, value: timestamp_pb2.Timestamp) -> timestamp_pb2.Timestamp:
    """A Timestamp within its declared range (years 1 to 9999, nanos 0 to 999,999,999)."""
    if not _MIN_SECONDS <= value.seconds <= _MAX_SECONDS or not 0 <= value.nanos <= 999_999_999:
        raise invalid(field, "a moment between 0001-01-01 and 9999-12-31 (nanos 0 to 999999999)")
    return value


def form_values(form: struct_pb2.Struct) -> dict[str, Scalar]:
    """The form as a flat mapping of scalars, or Refused naming each field whose value is nested
    or a non-finite number. Reads the Struct one level deep: never descends into a nested value."""
    values: dict[str, Scalar] = {}
    problems: list[tuple[str, str]] = []
    for name, value in form.fields.items():
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            values[name] = value.string_value
        elif kind == "number_value":
            if math.isfinite(value.number_value):
                values[name] = value.number_value
            else:
                problems.append((name, "not a finite number (NaN and Infinity are refused)"))
        elif kind == "bool_value":
            values[name] = value.bool_value
        elif kind in (None, "null_value"):
            values[name] = None
        else:
            problems.append((name, "a form value is a single string or number, not a nested list or structure"))
    if not problems:
        return values
    if len(problems) <= NAMED_FORM_PROBLEMS and all(_PLAIN_NAME.fullmatch(name) for name, _ in problems):
        raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"the form has {len(problems)} bad value(s)",
                      [(f"form.{name}", description) for name, description in problems])
    raise invalid("form", f"{len(problems)} field(s) hold nested or non-finite values, e.g. "
                          f"{summarise([name for name, _ in problems])}; a form value is a single string or number")


def each(*checks: Callable[[], Any]) -> list[Any]:
    """Run every check; a refusal names every field at fault, not only the first."""
    results, violations = [], []
    for check in checks:
        try:
            results.append(check())
        except Refused as refusal:
            violations += refusal.violations
    if violations:
        raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"{len(violations)} field(s) at fault", violations)
    return results
