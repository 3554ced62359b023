"""A bundle definition's `fields:` (each field's type, limits, options, range, register lookup,
personal flag and deferral) and its `principals:` (who may apply), parsed and checked against the
department catalogue; every problem added to `problems`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from lifeevents.text import quote
from saga.domain.bundle import FIELD_TYPES, MAX_TEXT_LENGTH, FieldLookup, FieldSpec
from saga.domain.catalogue import Catalogue, parse_text
from saga.domain.materials import parse_deferrable
from saga.domain.shapes import duration, entry, flag, kind_of


def parse_fields(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for name, spec in specs.items():
        where = f"fields.{name}"
        spec = entry(spec, where, problems)
        ftype = spec.get("type")
        kind = FIELD_TYPES.get(ftype) if isinstance(ftype, str) else None
        if kind is None:
            problems.append(f"{where}.type: {quote(ftype)} is not one of {', '.join(FIELD_TYPES)}")
            continue
        options = _options(spec.get("options"), f"{where}.options", problems)
        if ftype == "choice" and not options:
            problems.append(f"{where}.options: a choice field needs options")
        max_length = max((len(o) for o in options), default=0) if ftype == "choice" else kind.max_length
        if "max_length" in spec:
            ceiling = MAX_TEXT_LENGTH if ftype == "text" else kind.max_length
            declared = spec["max_length"]
            if not isinstance(declared, int) or isinstance(declared, bool) or not 1 <= declared <= ceiling:
                problems.append(f"{where}.max_length: {quote(declared)} is not a whole number from 1 to {ceiling}")
            else:
                max_length = declared
        minimum, maximum = _range(spec, kind, where, problems)
        fields[name] = FieldSpec(name, ftype, flag(spec.get("required"), f"{where}.required", problems),
                                 parse_text(spec.get("label"), f"{where}.label", problems), options,
                                 flag(spec.get("not_after_today"), f"{where}.not_after_today", problems),
                                 field_lookup(spec.get("lookup"), where, catalogue, problems),
                                 max_length, kind.pattern, minimum, maximum,
                                 flag(spec.get("personal"), f"{where}.personal", problems),
                                 parse_deferrable(spec.get("deferrable"), where, problems, duration))
    for field in fields.values():
        if field.lookup is not None:
            key = fields.get(field.lookup.key_field)
            if key is None:
                problems.append(f"fields.{field.name}.lookup.key: no form field {quote(field.lookup.key_field)}")
            elif key.lookup is not None or not key.required:
                problems.append(f"fields.{field.name}.lookup.key: {key.name} must be a required field the "
                                f"applicant enters")
    return fields


def _options(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(o, (str, int)) and not isinstance(o, bool) for o in value):
        problems.append(f"{where}: a list of texts, not {kind_of(value)}")
        return ()
    options = tuple(str(o) for o in value)
    if any(not o or len(o) > 64 for o in options):
        problems.append(f"{where}: each option has 1 to 64 characters")
        return ()
    return options


def _range(spec: Mapping[str, Any], kind, where: str, problems: list[str]) -> tuple[Decimal | None, Decimal | None]:
    """A numeric field's declared minimum and maximum, within its type's."""
    if not kind.is_numeric:
        for bound in ("minimum", "maximum"):
            if bound in spec:
                problems.append(f"{where}.{bound}: only amount and number fields have one")
        return None, None
    bounds = []
    for bound, default in (("minimum", kind.minimum), ("maximum", kind.maximum)):
        value = spec.get(bound, default)
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value != value \
                or not kind.minimum <= Decimal(str(value)) <= kind.maximum:
            problems.append(f"{where}.{bound}: {quote(value)} is not a number from {kind.minimum} to {kind.maximum}")
            value = default
        bounds.append(Decimal(str(value)))
    if bounds[0] > bounds[1]:
        problems.append(f"{where}: minimum {bounds[0]} is above maximum {bounds[1]}")
    return bounds[0], bounds[1]


def field_lookup(spec: Any, where: str, catalogue: Catalogue, problems: list[str]) -> FieldLookup | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or not all(isinstance(spec.get(k), str) for k in ("query", "key", "value")):
        problems.append(f"{where}.lookup: needs query, key and value")
        return None
    department, _, query = spec["query"].partition(".")
    dept = catalogue.departments.get(department)
    lookup = dept.lookups.get(query) if dept else None
    if lookup is None:
        problems.append(f"{where}.lookup.query: no lookup {quote(spec['query'])} in the department catalogue")
        return None
    if spec["value"] not in lookup.gives:
        problems.append(f"{where}.lookup.value: {department}.{query} gives {', '.join(lookup.gives)}, "
                        f"not {quote(spec['value'])}")
    suggested = spec.get("suggested", False)
    if not isinstance(suggested, bool):
        problems.append(f"{where}.lookup.suggested: true or false, not {quote(str(suggested))}")
    return FieldLookup(department, query, spec["key"], spec["value"], suggested is True)


def parse_principals(spec: Any, fields: Mapping[str, FieldSpec], problems: list[str]) -> tuple[str, ...]:
    """Who may apply: form fields of type resident_id (the access rules check the caller against them)."""
    if not isinstance(spec, list) or not spec or not all(isinstance(name, str) for name in spec):
        problems.append("principals: a list of the form fields naming who may apply (e.g. [resident_id])")
        return ()
    for name in spec:
        if name not in fields:
            problems.append(f"principals: no form field {quote(name)}")
        elif fields[name].type != "resident_id":
            problems.append(f"principals: {name} is a {fields[name].type} field, not a resident_id")
    if len(set(spec)) != len(spec):
        problems.append("principals: a field is named twice")
    return tuple(spec)
