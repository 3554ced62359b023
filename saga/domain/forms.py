"""The combined form at the door: items looked up in department registers where they can be,
every bad or missing field named at once, nothing half-accepted."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lifeevents.identifiers import InvalidIdentifier, parse_credit_code, parse_resident_id
from saga.domain.bundle import Bundle, FieldSpec
from saga.domain.errors import FieldError, FormInvalid, LookupUnavailable

_PHONE = re.compile(r"^1[3-9]\d{9}$")
MAX_TEXT = 200


# department, query, key -> the values its register holds, or None when it holds nothing.
Finder = Callable[[str, str, str], "Mapping[str, str] | None"]


@dataclass(frozen=True)
class CompletedForm:
    values: dict[str, str]
    looked_up: list[str]


def complete_form(bundle: Bundle, form: Mapping[str, Any], today: dt.date, find: Finder) -> CompletedForm:
    """Fill what the registers hold, then validate everything; raise FormInvalid naming every problem.

    An item the applicant entered is kept as entered. An item that cannot be looked up because
    its key is missing or bad is not reported twice: the key's own error says what to fix.
    """
    merged = dict(form)
    looked_up: list[str] = []
    errors: list[FieldError] = []
    excused: set[str] = set()
    groups: dict[tuple[str, str, str], list[FieldSpec]] = defaultdict(list)
    for spec in bundle.fields.values():
        if spec.lookup is not None and _blank(form.get(spec.name)):
            groups[(spec.lookup.department, spec.lookup.query, spec.lookup.key_field)].append(spec)
    for (department, query, key_field), wanted in groups.items():
        try:
            key = _check(bundle.fields[key_field], str(form.get(key_field) or "").strip(), today)
        except ValueError:
            key = ""
        if not key:
            excused.update(spec.name for spec in wanted)
            continue
        try:
            record = find(department, query, key)
            missing = f"{department} holds no record for {key_field} {key}; please enter it"
        except LookupUnavailable:
            record, missing = None, f"{department} could not be asked just now; please enter it"
        for spec in wanted:
            value = (record or {}).get(spec.lookup.value)
            if value:
                merged[spec.name] = value
                looked_up.append(spec.name)
            elif spec.required:
                errors.append(FieldError(f"form.{spec.name}", missing))
                excused.add(spec.name)
    try:
        values = validate_form(bundle, merged, today, excused=excused)
    except FormInvalid as invalid:
        errors = invalid.errors + errors
    if errors:
        raise FormInvalid(bundle.id, errors)
    return CompletedForm(values, looked_up)


def validate_form(bundle: Bundle, form: Mapping[str, Any], today: dt.date,
                  excused: set[str] = frozenset()) -> dict[str, str]:
    """Return the form's values normalised to strings, or raise FormInvalid naming every bad field.
    Fields in `excused` are not reported missing (their absence is explained elsewhere)."""
    errors: list[FieldError] = []
    clean: dict[str, str] = {}
    for name in form:
        if name not in bundle.fields:
            errors.append(FieldError(f"form.{name}", f"not a field of the {bundle.id} form"))
    for name, spec in bundle.fields.items():
        value = form.get(name)
        if _blank(value):
            if spec.required and name not in excused:
                errors.append(FieldError(f"form.{name}", "required"))
            continue
        if not isinstance(value, str):
            errors.append(FieldError(f"form.{name}", f"must be a string, not {type(value).__name__}"))
            continue
        try:
            clean[name] = _check(spec, value.strip(), today)
        except ValueError as err:
            errors.append(FieldError(f"form.{name}", str(err)))
    if errors:
        raise FormInvalid(bundle.id, errors)
    return clean


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(spec: FieldSpec, value: str, today: dt.date) -> str:
    if spec.type == "text":
        if len(value) > MAX_TEXT:
            raise ValueError(f"at most {MAX_TEXT} characters")
        return value
    if spec.type == "date":
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("a date is written YYYY-MM-DD") from None
        if spec.not_after_today and date > today:
            raise ValueError(f"{value} is after today ({today.isoformat()})")
        return date.isoformat()
    if spec.type == "resident_id":
        try:
            return parse_resident_id(value, today).number
        except InvalidIdentifier as err:
            raise ValueError(f"not a valid resident ID (GB 11643): {err}") from None
    if spec.type == "credit_code":
        try:
            return parse_credit_code(value)
        except InvalidIdentifier as err:
            raise ValueError(f"not a valid unified social credit code (GB 32100): {err}") from None
    if spec.type == "phone":
        if not _PHONE.match(value):
            raise ValueError("a mainland mobile number is 11 digits starting 13-19")
        return value
    if spec.type == "amount":
        if not value.isdigit() or int(value) <= 0:
            raise ValueError("a whole number of yuan above zero")
        return str(int(value))
    if spec.type == "choice":
        if value not in spec.options:
            raise ValueError(f"one of {', '.join(spec.options)}")
        return value
    raise ValueError(f"unknown field type {spec.type}")


def principals_of(bundle: Bundle, form: Mapping[str, Any], today: dt.date, find: Finder) -> dict[str, str]:
    """Who the form names as its principals (the bundle's `principals`): principal field -> resident ID.

    Decided before any other item is looked up, so that nobody learns what a register holds about
    someone they may not apply for: first the form's own shape is checked (every bad field named,
    nothing looked up); then an entered principal is taken as entered, and a principal looked up (a
    company's legal representative) is the register's: an entered value that differs from it is
    refused naming the field."""
    looked_up = {f.name for f in bundle.fields.values() if f.lookup is not None}
    values = validate_form(bundle, form, today, excused=looked_up)
    principals: dict[str, str] = {}
    for name in bundle.principals:
        spec = bundle.fields[name]
        if spec.lookup is None:
            if values.get(name):
                principals[name] = values[name]
            continue
        key_field = spec.lookup.key_field
        if not values.get(key_field):
            continue
        record = find(spec.lookup.department, spec.lookup.query, values[key_field])  # LookupUnavailable: not now
        held = (record or {}).get(spec.lookup.value, "")
        if not held:
            raise FormInvalid(bundle.id, [FieldError(f"form.{key_field}", f"{spec.lookup.department} holds no "
                                                     f"record of it, so {name} cannot be confirmed")])
        if values.get(name) and values[name] != held:
            raise FormInvalid(bundle.id, [FieldError(f"form.{name}", f"differs from what {spec.lookup.department} "
                                                     f"holds; leave it out to use the register's value")])
        principals[name] = held
    return principals
