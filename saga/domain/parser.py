"""Parsing a bundle definition and checking it against the department catalogue. Every problem is
collected and raised at once, naming the file and the item; no file I/O.

A definition may come from an operator (WhatIf) as well as from bundles/: whatever YAML-shaped data
it is, the only error raised is BundleDefinitionError, and a problem quotes at most a short prefix
of a bad value. The parts: the items' shapes (shapes.py), the fields and principals
(field_specs.py), the steps (step_specs.py); here, the references between them, unused fields and
the order of the steps.
"""
from __future__ import annotations

import hashlib
import json
import re
from graphlib import CycleError, TopologicalSorter
from typing import Any, Mapping

from lifeevents.text import quote
from saga.domain.bundle import BASELINE_MEASURES, Bundle, FieldSpec, StepSpec
from saga.domain.catalogue import Catalogue, parse_text
from saga.domain.commitment_specs import parse_commitments
from saga.domain.errors import BundleDefinitionError
from saga.domain.field_specs import field_lookup, parse_fields, parse_principals
from saga.domain.materials import check_deferrals
from saga.domain.shapes import MAX_FIELDS, MAX_STEPS, duration, mapping
from saga.domain.step_specs import parse_steps, sources
from saga.domain.triggers import parse_trigger

_BUNDLE_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}", re.ASCII)


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
    time_limit = duration(data.get("time_limit"), "time_limit", problems)
    fields = parse_fields(mapping(data.get("fields"), "fields", MAX_FIELDS, problems), catalogue, problems)
    steps = parse_steps(mapping(data.get("steps"), "steps", MAX_STEPS, problems), catalogue, problems)
    principals = parse_principals(data.get("principals"), fields, problems)
    _check_references(steps, fields, catalogue, problems)
    _check_unused(fields, steps, principals, problems)
    order = _order(steps, problems)
    baseline = _baseline(data.get("baseline"), problems)
    trigger = parse_trigger(data.get("proactive"), fields, principals, catalogue, problems, duration, field_lookup)
    commitments = parse_commitments(data.get("commitments"), fields, steps, catalogue, problems, duration,
                                    sources, time_limit)
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
