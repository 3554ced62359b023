"""A bundle definition's `steps:`: a wait, or a department's action with its inputs (form fields or
earlier steps' results), time limit, retry policy, compensation and approval, checked against the
department catalogue's actions; every problem added to `problems`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from lifeevents.text import quote
from saga.domain.approval import parse_approval
from saga.domain.bundle import CompensationSpec, Source, StepSpec
from saga.domain.catalogue import ActionSpec, Catalogue
from saga.domain.shapes import MAX_FIELDS, duration, entry, flag, mapping, names
from saga.domain.steps import RetryPolicy

MAX_ATTEMPTS = 100


def parse_steps(specs: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> dict[str, StepSpec]:
    if not specs:
        problems.append("steps: a bundle needs at least one step")
    steps = {}
    for step_id, spec in specs.items():
        spec = entry(spec, f"steps.{step_id}", problems)
        steps[step_id] = (_wait_step if "wait" in spec else _action_step)(step_id, spec, catalogue, problems)
    return steps


def _wait_step(step_id: str, spec: Mapping[str, Any], catalogue: Catalogue, problems: list[str]) -> StepSpec:
    where = f"steps.{step_id}"
    if "department" in spec or "action" in spec or spec.get("inputs") or "approval" in spec:
        problems.append(f"{where}: a wait step has no department, action, inputs or approval")
    wait = duration(spec.get("wait"), f"{where}.wait", problems)
    return StepSpec(step_id, "", "wait", {}, names(spec.get("after"), f"{where}.after", problems), wait, wait=wait,
                    objections=flag(spec.get("objections"), f"{where}.objections", problems))


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
    inputs = sources(spec.get("inputs"), f"{where}.inputs", problems)
    spec_of_action = catalogue.action(department, action) if dept is not None and isinstance(action, str) else None
    if spec_of_action is not None:
        check_inputs(spec_of_action, department, inputs, f"{where}.inputs", problems)
    compensation = None
    if spec.get("compensation") is not None:
        undo = entry(spec["compensation"], f"{where}.compensation", problems)
        undo_name = undo.get("action")
        compensation = CompensationSpec(str(undo_name) if isinstance(undo_name, str) else "",
                                        sources(undo.get("inputs"), f"{where}.compensation.inputs", problems))
        if dept is not None:
            if not isinstance(undo_name, str) or (undo_action := dept.actions.get(undo_name)) is None:
                problems.append(f"{where}.compensation.action: department {dept.name} has no action "
                                f"{quote(undo_name)}")
            else:
                check_inputs(undo_action, dept.name, compensation.inputs, f"{where}.compensation.inputs", problems)
    after = names(spec.get("after"), f"{where}.after", problems)
    depends_on = tuple(dict.fromkeys([s.step for s in inputs.values() if s.step] + list(after)))
    return StepSpec(step_id, str(department), str(action), inputs, depends_on,
                    duration(spec.get("time_limit"), f"{where}.time_limit", problems),
                    retry=_retry(entry(spec.get("retry"), f"{where}.retry", problems), f"{where}.retry", problems),
                    compensation=compensation,
                    approval=parse_approval(spec.get("approval"), f"{where}.approval", inputs, problems))


def _retry(spec: Mapping[str, Any], where: str, problems: list[str]) -> RetryPolicy:
    default = RetryPolicy()
    after = duration(spec["after"], f"{where}.after", problems) if "after" in spec else default.after
    max_interval = (duration(spec["max_interval"], f"{where}.max_interval", problems) if "max_interval" in spec
                    else default.max_interval)
    attempts = spec.get("attempts", default.attempts)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= MAX_ATTEMPTS:
        problems.append(f"{where}.attempts: {quote(attempts)} is not a whole number of sends from 1 to {MAX_ATTEMPTS}")
        attempts = 1
    if after <= dt.timedelta(0):
        problems.append(f"{where}.after: a re-send waits longer than 0s")
        after = default.after
    return RetryPolicy(after, max_interval, attempts)


def sources(spec: Any, where: str, problems: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for input_name, ref in mapping(spec, where, MAX_FIELDS, problems).items():
        head, _, key = ref.partition(".") if isinstance(ref, str) else ("", "", "")
        if not head or not key:
            problems.append(f"{where}.{input_name}: {quote(ref)} is not form.<field> or <step>.<result>")
            continue
        sources[input_name] = Source(None if head == "form" else head, key)
    return sources


def check_inputs(action: ActionSpec, department: str, inputs: Mapping[str, Source], where: str,
                  problems: list[str]) -> None:
    for input_name in inputs:
        if input_name not in action.inputs:
            problems.append(f"{where}.{input_name}: {department}.{action.name} takes no such input")
    for input_name, required in action.inputs.items():
        if required and input_name not in inputs:
            problems.append(f"{where}: {department}.{action.name} needs {input_name!r}, which is not given")
