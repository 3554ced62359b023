"""Parsing a bundle definition and checking it against the department catalogue. Every problem is
collected and raised at once, naming the file and the item; no file I/O."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from graphlib import CycleError, TopologicalSorter
from typing import Any, Mapping

from saga.domain.bundle import (BASELINE_MEASURES, FIELD_TYPES, Bundle, CompensationSpec, FieldLookup, FieldSpec,
                                Source, StepSpec)
from saga.domain.catalogue import ActionSpec, Catalogue, parse_text
from saga.domain.errors import BundleDefinitionError
from saga.domain.steps import RetryPolicy

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_bundle(data: Any, source: str, catalogue: Catalogue) -> Bundle:
    """Build a Bundle from its parsed definition, or raise BundleDefinitionError listing every problem."""
    if not isinstance(data, Mapping):
        raise BundleDefinitionError(source, ["a bundle definition is a mapping"])
    problems: list[str] = []
    bundle_id = data.get("id")
    if not isinstance(bundle_id, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", bundle_id):
        problems.append(f"id: {bundle_id!r} is not a lower-case identifier")
    name = parse_text(data.get("name"), "name", problems)
    description = parse_text(data.get("description"), "description", problems)
    time_limit = _duration(data.get("time_limit"), "time_limit", problems)
    fields = _fields(data.get("fields") or {}, catalogue, problems)
    steps = _steps(data.get("steps") or {}, catalogue, problems)
    principals = _principals(data.get("principals"), fields, problems)
    _check_references(steps, fields, catalogue, problems)
    _check_unused(fields, steps, principals, problems)
    order = _order(steps, problems)
    baseline = _baseline(data.get("baseline"), problems)
    if problems:
        raise BundleDefinitionError(source, problems)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return Bundle(bundle_id, name, description, fields, {sid: steps[sid] for sid in order}, time_limit, digest,
                  baseline, principals)


def parse_duration(value: Any) -> dt.timedelta:
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like 30m, 4h or 2d")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


# -- fields ------------------------------------------------------------------------------------------
def _fields(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for name, spec in specs.items():
        where, spec = f"fields.{name}", spec or {}
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            problems.append(f"{where}.type: {ftype!r} is not one of {', '.join(FIELD_TYPES)}")
        options = tuple(str(o) for o in spec.get("options") or ())
        if ftype == "choice" and not options:
            problems.append(f"{where}.options: a choice field needs options")
        fields[name] = FieldSpec(name, ftype, bool(spec.get("required", False)),
                                 parse_text(spec.get("label"), f"{where}.label", problems),
                                 options, bool(spec.get("not_after_today", False)),
                                 _field_lookup(spec.get("lookup"), where, catalogue, problems),
                                 bool(spec.get("personal", False)))
    for field in fields.values():
        if field.lookup is not None:
            key = fields.get(field.lookup.key_field)
            if key is None:
                problems.append(f"fields.{field.name}.lookup.key: no form field {field.lookup.key_field!r}")
            elif key.lookup is not None or not key.required:
                problems.append(f"fields.{field.name}.lookup.key: {key.name} must be a required field the "
                                f"applicant enters")
    return fields


def _field_lookup(spec: Any, where: str, catalogue: Catalogue, problems: list[str]) -> FieldLookup | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        problems.append(f"{where}.lookup: needs query, key and value")
        return None
    department, _, query = str(spec.get("query", "")).partition(".")
    dept = catalogue.departments.get(department)
    lookup = dept.lookups.get(query) if dept else None
    if lookup is None:
        problems.append(f"{where}.lookup.query: no lookup {spec.get('query')!r} in the department catalogue")
        return None
    if spec.get("value") not in lookup.gives:
        problems.append(f"{where}.lookup.value: {department}.{query} gives {', '.join(lookup.gives)}, "
                        f"not {spec.get('value')!r}")
    return FieldLookup(department, query, str(spec.get("key")), str(spec.get("value")))


def _principals(spec: Any, fields: Mapping[str, FieldSpec], problems: list[str]) -> tuple[str, ...]:
    """Who may apply: form fields of type resident_id (the access rules check the caller against them)."""
    if not isinstance(spec, list) or not spec or not all(isinstance(name, str) for name in spec):
        problems.append("principals: a list of the form fields naming who may apply (e.g. [resident_id])")
        return ()
    for name in spec:
        if name not in fields:
            problems.append(f"principals: no form field {name!r}")
        elif fields[name].type != "resident_id":
            problems.append(f"principals: {name} is a {fields[name].type} field, not a resident_id")
    if len(set(spec)) != len(spec):
        problems.append("principals: a field is named twice")
    return tuple(spec)


# -- steps -------------------------------------------------------------------------------------------
def _steps(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, StepSpec]:
    if not specs:
        problems.append("steps: a bundle needs at least one step")
    return {step_id: (_wait_step if "wait" in (spec or {}) else _action_step)(step_id, spec or {}, catalogue, problems)
            for step_id, spec in specs.items()}


def _wait_step(step_id: str, spec: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> StepSpec:
    where = f"steps.{step_id}"
    if "department" in spec or "action" in spec or spec.get("inputs"):
        problems.append(f"{where}: a wait step has no department, action or inputs")
    wait = _duration(spec.get("wait"), f"{where}.wait", problems)
    return StepSpec(step_id, "", "wait", {}, tuple(spec.get("after") or ()), wait, wait=wait,
                    objections=bool(spec.get("objections", False)))


def _action_step(step_id: str, spec: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> StepSpec:
    where = f"steps.{step_id}"
    department, action = spec.get("department"), spec.get("action")
    dept = catalogue.departments.get(department)
    if dept is None:
        problems.append(f"{where}.department: unknown department {department!r} "
                        f"(known: {', '.join(sorted(catalogue.departments))})")
    elif action not in dept.actions:
        problems.append(f"{where}.action: department {dept.name} has no action {action!r} "
                        f"(it has: {', '.join(sorted(dept.actions))})")
    inputs = _sources(spec.get("inputs"), f"{where}.inputs", problems)
    if (spec_of_action := catalogue.action(department, action)) is not None:
        _check_inputs(spec_of_action, department, inputs, f"{where}.inputs", problems)
    compensation = None
    if spec.get("compensation") is not None:
        undo = spec["compensation"] or {}
        compensation = CompensationSpec(str(undo.get("action")),
                                        _sources(undo.get("inputs"), f"{where}.compensation.inputs", problems))
        if dept is not None:
            if (undo_action := dept.actions.get(compensation.action)) is None:
                problems.append(f"{where}.compensation.action: department {dept.name} has no action "
                                f"{compensation.action!r}")
            else:
                _check_inputs(undo_action, dept.name, compensation.inputs, f"{where}.compensation.inputs", problems)
    after = tuple(spec.get("after") or ())
    depends_on = tuple(dict.fromkeys([s.step for s in inputs.values() if s.step] + list(after)))
    return StepSpec(step_id, str(department), str(action), inputs, depends_on,
                    _duration(spec.get("time_limit"), f"{where}.time_limit", problems),
                    retry=_retry(spec.get("retry") or {}, f"{where}.retry", problems), compensation=compensation)


def _retry(spec: Mapping[str, Any], where: str, problems: list[str]) -> RetryPolicy:
    default = RetryPolicy()
    after = _duration(spec["after"], f"{where}.after", problems) if "after" in spec else default.after
    max_interval = (_duration(spec["max_interval"], f"{where}.max_interval", problems) if "max_interval" in spec
                    else default.max_interval)
    attempts = spec.get("attempts", default.attempts)
    if not isinstance(attempts, int) or attempts < 1:
        problems.append(f"{where}.attempts: {attempts!r} is not a whole number of sends, at least 1")
        attempts = 1
    return RetryPolicy(after, max_interval, attempts)


def _sources(spec: Any, where: str, problems: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for input_name, ref in (spec or {}).items():
        head, _, key = str(ref).partition(".")
        if not key:
            problems.append(f"{where}.{input_name}: {ref!r} is not form.<field> or <step>.<result>")
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
                    problems.append(f"{where}: no form field {src.key!r} provides it")
                elif not field.required and action is not None and action.inputs.get(input_name):
                    problems.append(f"{where}: required by the department but form field {src.key!r} is optional")
            elif src.step not in steps:
                problems.append(f"{where}: no step {src.step!r} provides it")
            else:
                producer = catalogue.action(steps[src.step].department, steps[src.step].action)
                if producer is not None and src.key not in producer.outputs:
                    problems.append(f"{where}: step {src.step!r} has no result {src.key!r} "
                                    f"(it gives: {', '.join(producer.outputs) or 'nothing'})")
        for dep in step.depends_on:
            if dep not in steps:
                problems.append(f"steps.{step.id}.after: no step {dep!r}")


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
            problems.append(f"baseline.{name}: not one of {', '.join(BASELINE_MEASURES)}")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            problems.append(f"baseline.{name}: {value!r} is not a number of at least 0")
        else:
            values[name] = float(value)
    return values


def _duration(value: Any, where: str, problems: list[str]) -> dt.timedelta:
    try:
        return parse_duration(value)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        return dt.timedelta(0)
