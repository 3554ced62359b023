"""Parsing a bundle definition and checking it against the department catalogue. Every problem is
collected and raised at once, naming the file and the item; no file I/O.

A definition may come from an operator (WhatIf) as well as from bundles/: whatever YAML-shaped data
it is, the only error raised is BundleDefinitionError, and a problem quotes at most a short prefix
of a bad value.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from graphlib import CycleError, TopologicalSorter
from typing import Any, Mapping

from lifeevents.text import quote
from saga.domain.approval import parse_approval
from saga.domain.bundle import (BASELINE_MEASURES, FIELD_TYPES, MAX_TEXT_LENGTH, Bundle, CompensationSpec,
                                FieldLookup, FieldSpec, Source, StepSpec)
from saga.domain.catalogue import ActionSpec, Catalogue, parse_text
from saga.domain.commitment_specs import parse_commitments
from saga.domain.errors import BundleDefinitionError
from saga.domain.materials import check_deferrals, parse_deferrable
from saga.domain.steps import RetryPolicy
from saga.domain.triggers import parse_trigger

_DURATION = re.compile(r"\s*([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([smhd])\s*", re.ASCII)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The longest time a step, a wait or a bundle may declare: ten years.
MAX_DURATION = dt.timedelta(days=3650)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
_BUNDLE_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}", re.ASCII)
MAX_FIELDS = MAX_STEPS = 64
MAX_ATTEMPTS = 100


def parse_bundle(data: Any, source: str, catalogue: Catalogue) -> Bundle:
    """Build a Bundle from its parsed definition, or raise BundleDefinitionError listing every problem."""
    if not isinstance(data, Mapping):
        raise BundleDefinitionError(source, ["a bundle definition is a mapping"])
    problems: list[str] = []
    bundle_id = data.get("id")
    if not isinstance(bundle_id, str) or not _BUNDLE_ID.fullmatch(bundle_id):
        problems.append(f"id: {quote(bundle_id)} is not a lower-case identifier")
    name = parse_text(data.get("name"), "name", problems)
    description = parse_text(data.get("description"), "description", problems)
    time_limit = _duration(data.get("time_limit"), "time_limit", problems)
    fields = _fields(_mapping(data.get("fields"), "fields", MAX_FIELDS, problems), catalogue, problems)
    steps = _steps(_mapping(data.get("steps"), "steps", MAX_STEPS, problems), catalogue, problems)
    principals = _principals(data.get("principals"), fields, problems)
    _check_references(steps, fields, catalogue, problems)
    _check_unused(fields, steps, principals, problems)
    order = _order(steps, problems)
    baseline = _baseline(data.get("baseline"), problems)
    trigger = parse_trigger(data.get("proactive"), fields, principals, catalogue, problems, _duration, _field_lookup)
    commitments = parse_commitments(data.get("commitments"), fields, steps, catalogue, problems, _duration,
                                    _sources, time_limit)
    check_deferrals(fields, steps, principals, problems)
    front_desk = _acceptance(data.get("acceptance"), problems)
    if problems:
        raise BundleDefinitionError(source, problems)
    return Bundle(bundle_id, name, description, fields, {sid: steps[sid] for sid in order}, time_limit,
                  _digest(data), baseline, principals, trigger, commitments, front_desk)


def _acceptance(value: Any, problems: list[str]) -> bool:
    """`acceptance: front_desk` (前台受理: a front-desk officer accepts before any step starts) or
    `immediate` (the default: the steps start at Submit)."""
    if value not in (None, "immediate", "front_desk"):
        problems.append(f"acceptance: {quote(value)} is not immediate or front_desk")
    return value == "front_desk"


def _digest(data: Mapping[str, Any]) -> str:
    try:
        text = json.dumps(data, sort_keys=True, default=str)
    except TypeError:  # keys of mixed types somewhere the checks do not look: their order is the file's
        text = json.dumps(data, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_duration(value: Any) -> dt.timedelta:
    """30m, 4h, 2d: at most MAX_DURATION. Raises ValueError saying what is wrong."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{quote(value)} is not a duration like 30m, 4h or 2d")
    seconds = Decimal(match.group(1)) * _UNITS[match.group(2)]
    if seconds > Decimal(MAX_DURATION.total_seconds()):
        raise ValueError(f"{quote(value)} is longer than {MAX_DURATION.days}d")
    return dt.timedelta(seconds=float(seconds))


# -- shapes ------------------------------------------------------------------------------------------
def _mapping(value: Any, where: str, most: int, problems: list[str]) -> dict[str, Any]:
    """A mapping of names (lower-case identifiers) to items; anything else is a problem."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: a mapping of names to items, not {_kind(value)}")
        return {}
    if len(value) > most:
        problems.append(f"{where}: at most {most} items, not {len(value)}")
        return {}
    items = {}
    for name, item in value.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(f"{where}: {quote(name)} is not a lower-case identifier")
        else:
            items[name] = item
    return items


def _entry(value: Any, where: str, problems: list[str]) -> Mapping[str, Any]:
    """One item's definition: a mapping (empty if left empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: a mapping, not {_kind(value)}")
        return {}
    return value


def _names(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    """A list of names (`after: [a, b]`)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: a list of names, not {_kind(value)}")
        return ()
    return tuple(value)


def _flag(value: Any, where: str, problems: list[str]) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.append(f"{where}: true or false, not {quote(value)}")
        return False
    return value


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: f"the text {quote(value)}"}.get(type(value), quote(value))


# -- fields ------------------------------------------------------------------------------------------
def _fields(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for name, spec in specs.items():
        where = f"fields.{name}"
        spec = _entry(spec, where, problems)
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
        fields[name] = FieldSpec(name, ftype, _flag(spec.get("required"), f"{where}.required", problems),
                                 parse_text(spec.get("label"), f"{where}.label", problems), options,
                                 _flag(spec.get("not_after_today"), f"{where}.not_after_today", problems),
                                 _field_lookup(spec.get("lookup"), where, catalogue, problems),
                                 max_length, kind.pattern, minimum, maximum,
                                 _flag(spec.get("personal"), f"{where}.personal", problems),
                                 parse_deferrable(spec.get("deferrable"), where, problems, _duration))
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
        problems.append(f"{where}: a list of texts, not {_kind(value)}")
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


def _field_lookup(spec: Any, where: str, catalogue: Catalogue, problems: list[str]) -> FieldLookup | None:
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


def _principals(spec: Any, fields: Mapping[str, FieldSpec], problems: list[str]) -> tuple[str, ...]:
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


# -- steps -------------------------------------------------------------------------------------------
def _steps(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, StepSpec]:
    if not specs:
        problems.append("steps: a bundle needs at least one step")
    steps = {}
    for step_id, spec in specs.items():
        spec = _entry(spec, f"steps.{step_id}", problems)
        steps[step_id] = (_wait_step if "wait" in spec else _action_step)(step_id, spec, catalogue, problems)
    return steps


def _wait_step(step_id: str, spec: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> StepSpec:
    where = f"steps.{step_id}"
    if "department" in spec or "action" in spec or spec.get("inputs") or "approval" in spec:
        problems.append(f"{where}: a wait step has no department, action, inputs or approval")
    wait = _duration(spec.get("wait"), f"{where}.wait", problems)
    return StepSpec(step_id, "", "wait", {}, _names(spec.get("after"), f"{where}.after", problems), wait, wait=wait,
                    objections=_flag(spec.get("objections"), f"{where}.objections", problems))


def _action_step(step_id: str, spec: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> StepSpec:
    where = f"steps.{step_id}"
    department, action = spec.get("department"), spec.get("action")
    dept = catalogue.departments.get(department) if isinstance(department, str) else None
    if dept is None:
        problems.append(f"{where}.department: unknown department {quote(department)} "
                        f"(known: {', '.join(sorted(catalogue.departments))})")
    elif not isinstance(action, str) or action not in dept.actions:
        problems.append(f"{where}.action: department {dept.name} has no action {quote(action)} "
                        f"(it has: {', '.join(sorted(dept.actions))})")
    inputs = _sources(spec.get("inputs"), f"{where}.inputs", problems)
    spec_of_action = catalogue.action(department, action) if dept is not None and isinstance(action, str) else None
    if spec_of_action is not None:
        _check_inputs(spec_of_action, department, inputs, f"{where}.inputs", problems)
    compensation = None
    if spec.get("compensation") is not None:
        undo = _entry(spec["compensation"], f"{where}.compensation", problems)
        undo_name = undo.get("action")
        compensation = CompensationSpec(str(undo_name) if isinstance(undo_name, str) else "",
                                        _sources(undo.get("inputs"), f"{where}.compensation.inputs", problems))
        if dept is not None:
            if not isinstance(undo_name, str) or (undo_action := dept.actions.get(undo_name)) is None:
                problems.append(f"{where}.compensation.action: department {dept.name} has no action "
                                f"{quote(undo_name)}")
            else:
                _check_inputs(undo_action, dept.name, compensation.inputs, f"{where}.compensation.inputs", problems)
    after = _names(spec.get("after"), f"{where}.after", problems)
    depends_on = tuple(dict.fromkeys([s.step for s in inputs.values() if s.step] + list(after)))
    return StepSpec(step_id, str(department), str(action), inputs, depends_on,
                    _duration(spec.get("time_limit"), f"{where}.time_limit", problems),
                    retry=_retry(_entry(spec.get("retry"), f"{where}.retry", problems), f"{where}.retry", problems),
                    compensation=compensation,
                    approval=parse_approval(spec.get("approval"), f"{where}.approval", inputs, problems))


def _retry(spec: Mapping[str, Any], where: str, problems: list[str]) -> RetryPolicy:
    default = RetryPolicy()
    after = _duration(spec["after"], f"{where}.after", problems) if "after" in spec else default.after
    max_interval = (_duration(spec["max_interval"], f"{where}.max_interval", problems) if "max_interval" in spec
                    else default.max_interval)
    attempts = spec.get("attempts", default.attempts)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= MAX_ATTEMPTS:
        problems.append(f"{where}.attempts: {quote(attempts)} is not a whole number of sends from 1 to {MAX_ATTEMPTS}")
        attempts = 1
    if after <= dt.timedelta(0):
        problems.append(f"{where}.after: a re-send waits longer than 0s")
        after = default.after
    return RetryPolicy(after, max_interval, attempts)


def _sources(spec: Any, where: str, problems: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for input_name, ref in _mapping(spec, where, MAX_FIELDS, problems).items():
        head, _, key = ref.partition(".") if isinstance(ref, str) else ("", "", "")
        if not head or not key:
            problems.append(f"{where}.{input_name}: {quote(ref)} is not form.<field> or <step>.<result>")
            continue
        sources[input_name] = Source(None if head == "form" else head, key)
    return sources


def _check_inputs(action: ActionSpec, department: str, inputs: Mapping[str, Source], where: str,
                  problems: list[str]) -> None:
    for input_name in inputs:
        if input_name not in action.inputs:
            problems.append(f"{where}.{input_name}: {department}.{action.name} takes no such input")
    for input_name, required in action.inputs.items():
        if required and input_name not in inputs:
            problems.append(f"{where}: {department}.{action.name} needs {input_name!r}, which is not given")


# -- references, unused fields, order ----------------------------------------------------------------
def _check_references(steps: Mapping[str, StepSpec], fields: Mapping[str, FieldSpec], catalogue: Catalogue,
                      problems: list[str]) -> None:
    """Every input comes from a form field (a required one, if the department requires the input) or
    from a result an earlier step gives; every `after` names a step."""
    for step in steps.values():
        for where, input_name, src in step.sources:
            if src.step is None:
                field = fields.get(src.key)
                action = catalogue.action(step.department, step.action)
                if field is None:
                    problems.append(f"{where}: no form field {quote(src.key)} provides it")
                elif not field.required and action is not None and action.inputs.get(input_name):
                    problems.append(f"{where}: required by the department but form field {src.key!r} is optional")
            elif src.step not in steps:
                problems.append(f"{where}: no step {quote(src.step)} provides it")
            else:
                producer = catalogue.action(steps[src.step].department, steps[src.step].action)
                if producer is not None and src.key not in producer.outputs:
                    problems.append(f"{where}: step {src.step!r} has no result {quote(src.key)} "
                                    f"(it gives: {', '.join(producer.outputs) or 'nothing'})")
        for dep in step.depends_on:
            if dep not in steps:
                problems.append(f"steps.{step.id}.after: no step {quote(dep)}")


def _check_unused(fields: Mapping[str, FieldSpec], steps: Mapping[str, StepSpec], principals: tuple[str, ...],
                  problems: list[str]) -> None:
    """A field no step uses must not be asked, unless it names a principal (who may apply)."""
    used = {src.key for step in steps.values() for _, _, src in step.sources if src.step is None} | set(principals)
    for name in fields:
        if name not in used:
            problems.append(f"fields.{name}: no step uses it, so the form must not ask for it")


def _order(steps: Mapping[str, StepSpec], problems: list[str]) -> list[str]:
    """The steps in an order where each follows what it depends on."""
    try:
        graph = {sid: [d for d in s.depends_on if d in steps] for sid, s in steps.items()}
        return list(TopologicalSorter(graph).static_order())
    except CycleError as err:
        problems.append(f"steps: dependency cycle {' -> '.join(err.args[1])}")
        return []


def _baseline(spec: Any, problems: list[str]) -> dict[str, float]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        problems.append("baseline: a mapping of measures (and a source)")
        return {}
    values = {}
    for name, value in spec.items():
        if name == "source":
            continue
        if name not in BASELINE_MEASURES:
            problems.append(f"baseline.{quote(name)}: not one of {', '.join(BASELINE_MEASURES)}")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1e9:
            problems.append(f"baseline.{name}: {quote(value)} is not a number from 0 to 1e9")
        else:
            values[name] = float(value)
    return values


def _duration(value: Any, where: str, problems: list[str]) -> dt.timedelta:
    try:
        return parse_duration(value)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        return dt.timedelta(0)
