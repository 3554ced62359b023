"""Bundle definitions as data: parsed, checked and queried here; no file I/O.

A bundle names steps; each step is one action of one department (from the
department catalogue) with inputs taken from the combined form (`form.<field>`)
or from an earlier step's result (`<step>.<output>`). Dependencies follow from
those references, plus an optional `after` list.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, Mapping

FIELD_TYPES = ("text", "date", "resident_id", "credit_code", "phone", "choice", "amount")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class BundleDefinitionError(ValueError):
    """A definition that cannot be used; names the file and every bad item."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + f"\n{source}: ".join(problems))


class UnknownBundle(LookupError):
    def __init__(self, bundle_id: str):
        self.bundle_id = bundle_id
        super().__init__(f"no bundle {bundle_id!r}")


@dataclass(frozen=True)
class Text:
    zh: str
    en: str


@dataclass(frozen=True)
class ActionSpec:
    name: str
    title: Text
    inputs: Mapping[str, bool]  # input name -> required
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class LookupSpec:
    """A question a department's register answers: given a key, these values."""

    name: str
    key: str
    gives: tuple[str, ...]


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    title: Text
    actions: Mapping[str, ActionSpec]
    lookups: Mapping[str, LookupSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    departments: Mapping[str, DepartmentSpec]


@dataclass(frozen=True)
class FieldLookup:
    """Where a form item is looked up instead of asked: department.query keyed by another field."""

    department: str
    query: str
    key_field: str
    value: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    label: Text
    options: tuple[str, ...] = ()
    not_after_today: bool = False
    lookup: FieldLookup | None = None


@dataclass(frozen=True)
class Source:
    """Where a step input comes from: a form field, or an output of an earlier step."""

    step: str | None  # None for the form
    key: str

    @property
    def ref(self) -> str:
        return f"{self.step or 'form'}.{self.key}"


@dataclass(frozen=True)
class CompensationSpec:
    """How a completed step is undone when the application fails: another action of its department."""

    action: str
    inputs: Mapping[str, "Source"]


@dataclass(frozen=True)
class StepSpec:
    """A department's action, or (with `wait`) a period the coordinator itself waits out."""

    id: str
    department: str
    action: str
    inputs: Mapping[str, Source]
    depends_on: tuple[str, ...]
    time_limit: dt.timedelta
    wait: dt.timedelta | None = None
    objections: bool = False  # whether an objection during the wait stops the application
    # A command with no reply is re-sent after `retry_after`, then at doubling intervals up to the cap.
    retry_after: dt.timedelta = dt.timedelta(seconds=30)
    retry_max_interval: dt.timedelta = dt.timedelta(minutes=10)
    retry_attempts: int = 8  # sends with no answer before the step fails (a fault, not a refusal)
    compensation: CompensationSpec | None = None

    @property
    def is_wait(self) -> bool:
        return self.wait is not None


@dataclass(frozen=True)
class Bundle:
    id: str
    name: Text
    description: Text
    fields: Mapping[str, FieldSpec]
    steps: Mapping[str, StepSpec]  # in an order where every step follows its dependencies
    time_limit: dt.timedelta
    version: str  # digest of the definition, recorded with every application
    # What the separate items it replaces cost (published figures): steps, materials, promised_days,
    # visits — whichever are known.
    baseline: Mapping[str, float] = field(default_factory=dict)

    def bundled(self) -> dict[str, float]:
        """The same measures for the bundle: one application, the fields the applicant enters,
        the bundle's promised days, no visit (all online)."""
        return {"steps": 1, "materials": len(self.asked_fields), "promised_days": round(self.time_limit.total_seconds() / 86400, 2),
                "visits": 0}

    @property
    def departments(self) -> list[str]:
        return sorted({step.department for step in self.steps.values() if not step.is_wait})

    @property
    def asked_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.lookup is None]

    @property
    def looked_up_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.lookup is not None]

    def steps_using(self, field_name: str) -> list[str]:
        return [s.id for s in self.steps.values()
                if any(src.step is None and src.key == field_name for src in s.inputs.values())]


def _text(value: Any, where: str, problems: list[str]) -> Text:
    if isinstance(value, Mapping) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str):
        return Text(value["zh"], value["en"])
    problems.append(f"{where}: needs zh and en text")
    return Text("", "")


def parse_duration(value: Any) -> dt.timedelta:
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like 30m, 4h or 2d")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_catalogue(data: Any, source: str) -> Catalogue:
    problems: list[str] = []
    departments: dict[str, DepartmentSpec] = {}
    for dept_name, dept in ((data or {}).get("departments") or {}).items():
        actions: dict[str, ActionSpec] = {}
        for action_name, action in (dept.get("actions") or {}).items():
            where = f"departments.{dept_name}.actions.{action_name}"
            inputs: dict[str, bool] = {}
            for item in action.get("inputs") or []:
                if isinstance(item, str):
                    inputs[item] = True
                elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    inputs[item["name"]] = not item.get("optional", False)
                else:
                    problems.append(f"{where}.inputs: {item!r} is neither a name nor {{name, optional}}")
            actions[action_name] = ActionSpec(action_name, _text(action.get("name"), where, problems),
                                              inputs, tuple(action.get("outputs") or ()))
        lookups: dict[str, LookupSpec] = {}
        for query, spec in (dept.get("lookups") or {}).items():
            if not isinstance(spec, Mapping) or not isinstance(spec.get("key"), str) or not spec.get("gives"):
                problems.append(f"departments.{dept_name}.lookups.{query}: needs a key and what it gives")
                continue
            lookups[query] = LookupSpec(query, spec["key"], tuple(spec["gives"]))
        departments[dept_name] = DepartmentSpec(
            dept_name, _text(dept.get("name"), f"departments.{dept_name}", problems), actions, lookups)
    if not departments:
        problems.append("no departments declared")
    if problems:
        raise BundleDefinitionError(source, problems)
    return Catalogue(departments)


def parse_bundle(data: Any, source: str, catalogue: Catalogue) -> Bundle:
    """Build a Bundle from its parsed definition, or raise BundleDefinitionError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise BundleDefinitionError(source, ["a bundle definition is a mapping"])
    bundle_id = data.get("id")
    if not isinstance(bundle_id, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", bundle_id):
        problems.append(f"id: {bundle_id!r} is not a lower-case identifier")
    time_limit = _duration(data.get("time_limit"), "time_limit", problems)
    name = _text(data.get("name"), "name", problems)
    description = _text(data.get("description"), "description", problems)

    fields: dict[str, FieldSpec] = {}
    for name, spec in (data.get("fields") or {}).items():
        where = f"fields.{name}"
        spec = spec or {}
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            problems.append(f"{where}.type: {ftype!r} is not one of {', '.join(FIELD_TYPES)}")
        options = tuple(str(o) for o in spec.get("options") or ())
        if ftype == "choice" and not options:
            problems.append(f"{where}.options: a choice field needs options")
        fields[name] = FieldSpec(name, ftype, bool(spec.get("required", False)),
                                 _text(spec.get("label"), f"{where}.label", problems),
                                 options, bool(spec.get("not_after_today", False)),
                                 _field_lookup(spec.get("lookup"), where, catalogue, problems))
    for fspec in fields.values():
        if fspec.lookup is not None:
            key = fields.get(fspec.lookup.key_field)
            if key is None:
                problems.append(f"fields.{fspec.name}.lookup.key: no form field {fspec.lookup.key_field!r}")
            elif key.lookup is not None or not key.required:
                problems.append(f"fields.{fspec.name}.lookup.key: {key.name} must be a required field the "
                                f"applicant enters")

    raw_steps = data.get("steps") or {}
    if not raw_steps:
        problems.append("steps: a bundle needs at least one step")
    steps: dict[str, StepSpec] = {}
    for step_id, spec in raw_steps.items():
        where = f"steps.{step_id}"
        spec = spec or {}
        if "wait" in spec:
            if "department" in spec or "action" in spec or spec.get("inputs"):
                problems.append(f"{where}: a wait step has no department, action or inputs")
            wait = _duration(spec.get("wait"), f"{where}.wait", problems)
            steps[step_id] = StepSpec(step_id, "", "wait", {}, tuple(spec.get("after") or ()), wait, wait=wait,
                                      objections=bool(spec.get("objections", False)))
            continue
        dept = catalogue.departments.get(spec.get("department"))
        action = None
        if dept is None:
            problems.append(f"{where}.department: unknown department {spec.get('department')!r} "
                            f"(known: {', '.join(sorted(catalogue.departments))})")
        else:
            action = dept.actions.get(spec.get("action"))
            if action is None:
                problems.append(f"{where}.action: department {dept.name} has no action "
                                f"{spec.get('action')!r} (it has: {', '.join(sorted(dept.actions))})")
        inputs = _sources(spec.get("inputs"), f"{where}.inputs", problems)
        compensation = None
        if spec.get("compensation") is not None:
            undo = spec["compensation"] or {}
            compensation = CompensationSpec(str(undo.get("action")),
                                            _sources(undo.get("inputs"), f"{where}.compensation.inputs", problems))
        after = tuple(spec.get("after") or ())
        depends_on = tuple(dict.fromkeys([s.step for s in inputs.values() if s.step] + list(after)))
        retry = spec.get("retry") or {}
        steps[step_id] = StepSpec(step_id, str(spec.get("department")), str(spec.get("action")),
                                  inputs, depends_on, _duration(spec.get("time_limit"), f"{where}.time_limit", problems),
                                  retry_after=_duration(retry.get("after", "30s"), f"{where}.retry.after", problems),
                                  retry_max_interval=_duration(retry.get("max_interval", "10m"),
                                                               f"{where}.retry.max_interval", problems),
                                  retry_attempts=_attempts(retry.get("attempts", 8), f"{where}.retry.attempts", problems),
                                  compensation=compensation)
        if action is not None:
            _check_inputs(action, dept.name, inputs, f"{where}.inputs", problems)
        if compensation is not None and dept is not None:
            undo_action = dept.actions.get(compensation.action)
            if undo_action is None:
                problems.append(f"{where}.compensation.action: department {dept.name} has no action "
                                f"{compensation.action!r}")
            else:
                _check_inputs(undo_action, dept.name, compensation.inputs, f"{where}.compensation.inputs", problems)

    for step in steps.values():
        references = [(f"steps.{step.id}.inputs.{name}", name, src) for name, src in step.inputs.items()]
        if step.compensation is not None:
            references += [(f"steps.{step.id}.compensation.inputs.{name}", name, src)
                           for name, src in step.compensation.inputs.items()]
        for where, input_name, src in references:
            if src.step is None:
                fspec = fields.get(src.key)
                if fspec is None:
                    problems.append(f"{where}: no form field {src.key!r} provides it")
                elif not fspec.required and _action_requires(catalogue, step, input_name):
                    problems.append(f"{where}: required by the department but form field {src.key!r} is optional")
            elif src.step not in steps:
                problems.append(f"{where}: no step {src.step!r} provides it")
            else:
                producer = steps[src.step]
                outputs = _action_outputs(catalogue, producer)
                if outputs is not None and src.key not in outputs:
                    problems.append(f"{where}: step {src.step!r} has no result {src.key!r} "
                                    f"(it gives: {', '.join(outputs) or 'nothing'})")
        for dep in step.depends_on:
            if dep not in steps:
                problems.append(f"steps.{step.id}.after: no step {dep!r}")

    used = {src.key for step in steps.values()
            for src in [*step.inputs.values(), *(step.compensation.inputs.values() if step.compensation else ())]
            if src.step is None}
    for name in fields:
        if name not in used:
            problems.append(f"fields.{name}: no step uses it, so the form must not ask for it")

    order: list[str] = []
    try:
        graph = {sid: [d for d in s.depends_on if d in steps] for sid, s in steps.items()}
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as err:
        problems.append(f"steps: dependency cycle {' -> '.join(err.args[1])}")
    baseline = _baseline(data.get("baseline"), problems)
    if problems:
        raise BundleDefinitionError(source, problems)

    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return Bundle(bundle_id, name, description, fields, {sid: steps[sid] for sid in order}, time_limit, digest, baseline)


BASELINE_MEASURES = ("steps", "materials", "promised_days", "visits")


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


def _attempts(value: Any, where: str, problems: list[str]) -> int:
    if isinstance(value, int) and value >= 1:
        return value
    problems.append(f"{where}: {value!r} is not a whole number of sends, at least 1")
    return 1


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


def _duration(value: Any, where: str, problems: list[str]) -> dt.timedelta:
    try:
        return parse_duration(value)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        return dt.timedelta(0)


def _action_requires(catalogue: Catalogue, step: StepSpec, input_name: str) -> bool:
    dept = catalogue.departments.get(step.department)
    action = dept.actions.get(step.action) if dept else None
    return bool(action and action.inputs.get(input_name))


def _action_outputs(catalogue: Catalogue, step: StepSpec) -> tuple[str, ...] | None:
    dept = catalogue.departments.get(step.department)
    action = dept.actions.get(step.action) if dept else None
    return action.outputs if action else None


@dataclass
class BundleSet:
    """The bundles on offer, by id."""

    bundles: dict[str, Bundle] = field(default_factory=dict)

    def get(self, bundle_id: str) -> Bundle:
        try:
            return self.bundles[bundle_id]
        except KeyError:
            raise UnknownBundle(bundle_id) from None

    def __iter__(self):
        return iter(self.bundles.values())
