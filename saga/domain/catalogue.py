"""The department catalogue (bundles/departments.yaml) as value objects: each department's actions
with their inputs and outputs, the lookups its register answers, and the events it publishes. No
file I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from saga.domain.errors import BundleDefinitionError


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
    # Outputs that are personal data and not recognisable by their shape (an address, a name).
    personal_outputs: frozenset[str] = frozenset()
    # Set when the department may send a case of this action to an officer by rules of its own (its
    # register's data), whatever the bundle says: why, as `may_escalate: {zh, en}` declares it.
    escalates: Text | None = None


@dataclass(frozen=True)
class LookupSpec:
    """A question a department's register answers: given a key, these values."""

    name: str
    key: str
    gives: tuple[str, ...]


@dataclass(frozen=True)
class EventSpec:
    """What a department publishes when something happens in its register: its payload's fields."""

    department: str
    name: str
    title: Text
    payload: tuple[str, ...]

    @property
    def key(self) -> str:
        """department.event, as bundles name it and as its routing key."""
        return f"{self.department}.{self.name}"


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    title: Text
    actions: Mapping[str, ActionSpec]
    lookups: Mapping[str, LookupSpec] = field(default_factory=dict)
    events: Mapping[str, EventSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    departments: Mapping[str, DepartmentSpec]

    def action(self, department: str, action: str) -> ActionSpec | None:
        spec = self.departments.get(department)
        return spec.actions.get(action) if spec else None

    def event(self, key: str) -> EventSpec | None:
        """The event named department.event, or None."""
        department, _, name = key.partition(".")
        spec = self.departments.get(department)
        return spec.events.get(name) if spec else None


def parse_text(value: Any, where: str, problems: list[str]) -> Text:
    if isinstance(value, Mapping) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str):
        return Text(value["zh"], value["en"])
    problems.append(f"{where}: needs zh and en text")
    return Text("", "")


def parse_catalogue(data: Any, source: str) -> Catalogue:
    problems: list[str] = []
    departments = {name: _department(name, spec or {}, problems)
                   for name, spec in ((data or {}).get("departments") or {}).items()}
    if not departments:
        problems.append("no departments declared")
    if problems:
        raise BundleDefinitionError(source, problems)
    return Catalogue(departments)


def _department(name: str, spec: Mapping[str, Any], problems: list[str]) -> DepartmentSpec:
    actions = {action: _action(f"departments.{name}.actions.{action}", action, body or {}, problems)
               for action, body in (spec.get("actions") or {}).items()}
    lookups: dict[str, LookupSpec] = {}
    for query, lookup in (spec.get("lookups") or {}).items():
        if not isinstance(lookup, Mapping) or not isinstance(lookup.get("key"), str) or not lookup.get("gives"):
            problems.append(f"departments.{name}.lookups.{query}: needs a key and what it gives")
            continue
        lookups[query] = LookupSpec(query, lookup["key"], tuple(lookup["gives"]))
    events: dict[str, EventSpec] = {}
    for event, body in (spec.get("events") or {}).items():
        where = f"departments.{name}.events.{event}"
        payload = (body or {}).get("payload") if isinstance(body, Mapping) else None
        if not isinstance(payload, list) or not payload or not all(isinstance(f, str) for f in payload):
            problems.append(f"{where}.payload: a list of the payload's field names")
            continue
        events[event] = EventSpec(name, event, parse_text(body.get("name"), where, problems), tuple(payload))
    return DepartmentSpec(name, parse_text(spec.get("name"), f"departments.{name}", problems), actions, lookups,
                          events)


def _action(where: str, name: str, spec: Mapping[str, Any], problems: list[str]) -> ActionSpec:
    inputs: dict[str, bool] = {}
    for item in spec.get("inputs") or []:
        if isinstance(item, str):
            inputs[item] = True
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            inputs[item["name"]] = not item.get("optional", False)
        else:
            problems.append(f"{where}.inputs: {item!r} is neither a name nor {{name, optional}}")
    outputs = tuple(spec.get("outputs") or ())
    personal = frozenset(spec.get("personal") or ())
    if personal - set(outputs):
        problems.append(f"{where}.personal: {', '.join(sorted(personal - set(outputs)))} is not an output")
    escalates = (parse_text(spec["may_escalate"], f"{where}.may_escalate", problems)
                 if spec.get("may_escalate") is not None else None)
    return ActionSpec(name, parse_text(spec.get("name"), where, problems), inputs, outputs, personal, escalates)
