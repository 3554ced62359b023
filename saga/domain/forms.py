"""The combined form at the door: items looked up in department registers where they can be,
every bad or missing field named at once, nothing half-accepted.

A form value is a scalar: text, or a number where the field's type is numeric (converted
explicitly), never a nested structure (the gRPC edge refuses those before they get here). Each
value is checked against its field's type by saga/domain/field_values.py. An error quotes at most
a short prefix of a bad value.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lifeevents.text import quote, summarise
from saga.domain.bundle import Bundle, FieldSpec
from saga.domain.commitment_specs import acceptance_errors, is_commitment_key
from saga.domain.errors import FieldError, FormInvalid, LookupUnavailable
from saga.domain.field_values import check_value

# Unknown fields are named one by one up to this many (when their names are short identifiers);
# beyond, one violation on `form` counts them.
NAMED_UNKNOWN_FIELDS = 5
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)

# department, query, key -> the values its register holds, or None when it holds nothing.
Finder = Callable[[str, str, str], "Mapping[str, str] | None"]


@dataclass(frozen=True)
class CompletedForm:
    values: dict[str, str]
    looked_up: list[str]


def complete_form(bundle: Bundle, form: Mapping[str, Any], today: dt.date, find: Finder,
                  deferring: bool = True) -> CompletedForm:
    """Fill what the registers hold, check everything; raise FormInvalid naming every problem, or
    LookupUnavailable (naming the departments) when a register that must be asked cannot be.

    An item the applicant leaves out is looked up. An item the applicant enters is checked against
    the register: one that differs is refused (leave it out to take the register's value), unless
    the bundle says the register only suggests it (`suggested`: where to mail a card). An item
    that cannot be looked up because its key is missing or bad is not reported twice: the key's own
    error says what to fix.
    """
    errors = _unknown_fields(bundle, form) + acceptance_errors(bundle, form)
    values: dict[str, str] = {}
    blank: set[str] = set()
    for name, spec in bundle.fields.items():
        value = form.get(name)
        if _blank(value):
            blank.add(name)
            continue
        try:
            values[name] = check_value(spec, value, today)
        except ValueError as err:
            errors.append(FieldError(f"form.{name}", str(err)))
    looked_up, excused, unavailable = _look_up(bundle, values, blank, find, errors)
    if deferring:
        excused |= set(bundle.deferrable_fields)
    for name in sorted(blank - excused - set(looked_up), key=list(bundle.fields).index):
        if bundle.fields[name].required:
            errors.append(FieldError(f"form.{name}", "required"))
    if errors:
        raise FormInvalid(bundle.id, errors)
    if unavailable:
        raise LookupUnavailable(", ".join(sorted(unavailable)))
    return CompletedForm(values, looked_up)


def _look_up(bundle: Bundle, values: dict[str, str], blank: set[str], find: Finder,
             errors: list[FieldError]) -> tuple[list[str], set[str], set[str]]:
    """Fill blank looked-up items from the registers and check entered ones against them. Returns
    the items filled, the blank items excused from "required" (their key is bad, or the register had
    nothing and said so), and the departments that could not be asked."""
    looked_up: list[str] = []
    excused: set[str] = set()
    unavailable: set[str] = set()
    groups: dict[tuple[str, str, str], list[FieldSpec]] = defaultdict(list)
    for spec in bundle.fields.values():
        if spec.lookup is not None and (spec.name in blank or spec.name in values):
            groups[(spec.lookup.department, spec.lookup.query, spec.lookup.key_field)].append(spec)
    for (department, query, key_field), wanted in groups.items():
        key = values.get(key_field)
        if not key:  # the key's own error (or "required") says what to fix
            excused.update(spec.name for spec in wanted)
            continue
        try:
            record = find(department, query, key) or {}
        except LookupUnavailable:
            unavailable.add(department)
            excused.update(spec.name for spec in wanted)
            continue
        for spec in wanted:
            held = record.get(spec.lookup.value)
            if not held:
                if spec.name in blank and spec.required:
                    errors.append(FieldError(f"form.{spec.name}", f"{department} holds no record for {key_field} "
                                                                  f"{quote(key)}; please enter it"))
                    excused.add(spec.name)
                continue
            try:
                held = check_value(spec, held, dt.date.max)
            except ValueError as err:
                errors.append(FieldError(f"form.{spec.name}", f"what {department} holds for it is not valid "
                                                              f"here ({err}); please ask {department}"))
                excused.add(spec.name)
                continue
            if spec.name in blank:
                values[spec.name] = held
                looked_up.append(spec.name)
            elif values[spec.name] != held and not spec.lookup.suggested:
                errors.append(FieldError(f"form.{spec.name}", f"differs from what {department} holds; leave it out "
                                                              f"to use the register's value"))
    return looked_up, excused, unavailable


def validate_form(bundle: Bundle, form: Mapping[str, Any], today: dt.date,
                  excused: set[str] = frozenset()) -> dict[str, str]:
    """Return the form's values normalised to strings, or raise FormInvalid naming every bad field.
    Fields in `excused` are not reported missing (their absence is explained elsewhere)."""
    errors = _unknown_fields(bundle, form)
    clean: dict[str, str] = {}
    for name, spec in bundle.fields.items():
        value = form.get(name)
        if _blank(value):
            if spec.required and name not in excused:
                errors.append(FieldError(f"form.{name}", "required"))
            continue
        try:
            clean[name] = check_value(spec, value, today)
        except ValueError as err:
            errors.append(FieldError(f"form.{name}", str(err)))
    if errors:
        raise FormInvalid(bundle.id, errors)
    return clean


def supplied_values(bundle: Bundle, form: Mapping[str, Any], today: dt.date, awaited: Mapping[str, str]) -> dict[str, str]:
    """What an applicant sends later (Applications/Supplement): each value checked exactly as at Submit,
    only items awaited from them (a promised material, a returned field), every bad one named; at
    least one. FormInvalid otherwise."""
    errors = _unknown_fields(bundle, form)
    values: dict[str, str] = {}
    for name, value in form.items():
        if name not in bundle.fields:
            continue
        if name not in awaited:
            errors.append(FieldError(f"form.{name}", f"not awaited; the application awaits "
                                                     f"{', '.join(sorted(awaited)) or 'nothing'}"))
        elif _blank(value):
            errors.append(FieldError(f"form.{name}", "required"))
        else:
            try:
                values[name] = check_value(bundle.fields[name], value, today)
            except ValueError as err:
                errors.append(FieldError(f"form.{name}", str(err)))
    if not form:
        errors.append(FieldError("form", f"no value; the application awaits {', '.join(sorted(awaited))}"))
    if errors:
        raise FormInvalid(bundle.id, errors)
    return values


def _unknown_fields(bundle: Bundle, form: Mapping[str, Any]) -> list[FieldError]:
    """Each unknown field named, or, when there are many (or odd names), one violation counting them."""
    unknown = [name for name in form if name not in bundle.fields and not is_commitment_key(bundle, name)]
    if not unknown:
        return []
    if len(unknown) <= NAMED_UNKNOWN_FIELDS and all(_PLAIN_NAME.fullmatch(str(n)) for n in unknown):
        return [FieldError(f"form.{name}", f"not a field of the {bundle.id} form") for name in unknown]
    return [FieldError("form", f"{len(unknown)} unknown field(s), e.g. {summarise([str(n) for n in unknown])}; "
                               f"the {bundle.id} form has {', '.join(bundle.fields)}")]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def principals_of(bundle: Bundle, form: Mapping[str, Any], today: dt.date, find: Finder) -> dict[str, str]:
    """Who the form names as its principals (the bundle's `principals`): principal field -> resident ID.

    Decided before any other item is looked up, so that nobody learns what a register holds about
    someone they may not apply for: first the form's own shape is checked (every bad field named,
    nothing looked up); then an entered principal is taken as entered, and a principal looked up (a
    company's legal representative) is the register's: an entered value that differs from it is
    refused naming the field."""
    looked_up = {f.name for f in bundle.fields.values() if f.lookup is not None}
    values = validate_form(bundle, form, today, excused=looked_up | set(bundle.deferrable_fields))
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
