"""One form value against its field's type: the value normalised to the string every step receives.

Each field type has its limits (saga/domain/bundle.py FIELD_TYPES; a bundle may declare tighter ones):
lengths are checked before anything else, identifiers and numbers are ASCII only, text holds no
control or format character, and a JSON number is taken only where the field is numeric (converted
explicitly). The combined form (saga/domain/forms.py) names every bad field from these checks.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any, Callable

from lifeevents.identifiers import InvalidIdentifier, parse_credit_code, parse_resident_id
from lifeevents.text import ascii_decimal, ascii_whole_number, canonical_decimal, check_text
from saga.domain.bundle import FieldSpec


def check_value(spec: FieldSpec, value: Any, today: dt.date) -> str:
    """The value normalised to the string every step receives; ValueError saying what is wrong."""
    if isinstance(value, bool):
        raise ValueError("must be a string, not true or false")
    if isinstance(value, (int, float)):
        return _number(spec, value)
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}: a form value is a single value")
    too_long = f"at most {spec.max_length} characters (this has {len(value)})"
    if len(value) > spec.max_length + 32:  # before any other work; room for blanks around it
        raise ValueError(too_long)
    value = value.strip()
    clean = _CHECKS[spec.type](spec, value, today)  # its own message first: "a mobile number is 11 digits"
    if len(value) > spec.max_length:
        raise ValueError(f"at most {spec.max_length} characters (this has {len(value)})")
    return clean


def _number(spec: FieldSpec, value: int | float) -> str:
    """A JSON number, for a field whose type is a number: converted explicitly."""
    if spec.type not in _NUMBERS:
        raise ValueError(f"must be a string, not a number (a {spec.type} is written as text)")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    if spec.type == "amount" and not float(value).is_integer():
        raise ValueError(_NUMBERS["amount"](spec))
    return _in_range(spec, Decimal(int(value)) if spec.type == "amount" else Decimal(repr(value)))


def _in_range(spec: FieldSpec, number: Decimal) -> str:
    if not spec.minimum <= number <= spec.maximum:
        raise ValueError(_NUMBERS[spec.type](spec))
    return canonical_decimal(number)


# What a numeric field takes, as its errors say it.
_NUMBERS: dict[str, Callable[[FieldSpec], str]] = {
    "amount": lambda spec: (f"a whole number of yuan from {canonical_decimal(spec.minimum)} to "
                            f"{canonical_decimal(spec.maximum)}, written with the digits 0-9"),
    "number": lambda spec: (f"a number from {canonical_decimal(spec.minimum)} to {canonical_decimal(spec.maximum)}, "
                            f"written with the digits 0-9 (and a decimal point)")}


def _text(spec: FieldSpec, value: str, today: dt.date) -> str:
    return check_text(value, spec.max_length)


def _date(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        if not re.fullmatch(spec.pattern, value, re.ASCII):
            raise ValueError
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("a date is written YYYY-MM-DD") from None
    if spec.not_after_today and date > today:
        raise ValueError(f"{value} is after today ({today.isoformat()})")
    return date.isoformat()


def _resident_id(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        return parse_resident_id(value, today).number
    except InvalidIdentifier as err:
        raise ValueError(f"not a valid resident ID (GB 11643): {err}") from None


def _credit_code(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        return parse_credit_code(value)
    except InvalidIdentifier as err:
        raise ValueError(f"not a valid unified social credit code (GB 32100): {err}") from None


def _phone(spec: FieldSpec, value: str, today: dt.date) -> str:
    if not re.fullmatch(spec.pattern, value, re.ASCII):
        raise ValueError("a mainland mobile number is 11 digits 0-9 starting 13-19")
    return value


def _amount(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        return _in_range(spec, Decimal(ascii_whole_number(value)))
    except ValueError:
        raise ValueError(_NUMBERS[spec.type](spec)) from None


def _decimal(spec: FieldSpec, value: str, today: dt.date) -> str:
    try:
        return _in_range(spec, ascii_decimal(value))
    except ValueError:
        raise ValueError(_NUMBERS[spec.type](spec)) from None


def _choice(spec: FieldSpec, value: str, today: dt.date) -> str:
    if value not in spec.options:
        raise ValueError(f"one of {', '.join(spec.options)}")
    return value


_CHECKS: dict[str, Callable[[FieldSpec, str, dt.date], str]] = {
    "text": _text, "date": _date, "resident_id": _resident_id, "credit_code": _credit_code, "phone": _phone,
    "amount": _amount, "number": _decimal, "choice": _choice}
