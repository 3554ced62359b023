"""What starts a bundle without an application (proactive service, 无感审批): a department's event,
declared as bundle data, and how the form is prefilled from it.

    proactive:
      on: health.birth_recorded          # department.event of the catalogue
      principals: [mother_id]            # whom the offer is made to: some of the bundle's principals
      confirm_within: 30d                # then the offer expires; a reminder is due halfway
      prefill:
        mother_id: event.mother_id       # a payload field of the event
        father_id: {lookup: {query: civil_registration.spouse_of, key: mother_id, value: resident_id}}

A prefilled item comes from the event's payload, or from a register, keyed by an item the event
prefilled. The form's own looked-up fields are looked up as at Submit. Checked at load against the
catalogue: the event exists, prefilled names are fields, sources are payload fields (or lookups the
catalogue has), every principal is one of the bundle's and is prefilled. No file I/O.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lifeevents.text import quote
from saga.domain.bundle import FieldLookup, FieldSpec
from saga.domain.catalogue import Catalogue, EventSpec

EVENT_PREFIX = "event."
_KEYS = ("on", "principals", "confirm_within", "prefill")


@dataclass(frozen=True)
class Prefill:
    """Where a prefilled item comes from: a payload field of the event, or a register's value."""

    field: str
    payload: str = ""
    lookup: FieldLookup | None = None

    @property
    def source(self) -> str:
        return f"{self.lookup.department}.{self.lookup.query}" if self.lookup else ""


@dataclass(frozen=True)
class Trigger:
    event: EventSpec
    principals: tuple[str, ...]
    confirm_within: dt.timedelta
    prefill: Mapping[str, Prefill]  # the event's items first, then those looked up with them

    @property
    def remind_after(self) -> dt.timedelta:
        return self.confirm_within / 2


Duration = Callable[[Any, str, list[str]], dt.timedelta]
Lookup = Callable[[Any, str, Catalogue, list[str]], "FieldLookup | None"]


def parse_trigger(spec: Any, fields: Mapping[str, FieldSpec], principals: tuple[str, ...], catalogue: Catalogue,
                  problems: list[str], duration: Duration, field_lookup: Lookup) -> Trigger | None:
    """The bundle's `proactive:` declaration, or None; every problem is added, naming the item."""
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        problems.append("proactive: a mapping with on, principals, confirm_within and prefill")
        return None
    spec = {("on" if key is True else key): value for key, value in spec.items()}  # YAML 1.1 reads a bare on as true
    problems.extend(f"proactive.{quote(key)}: not one of {', '.join(_KEYS)}" for key in spec if key not in _KEYS)
    event = catalogue.event(spec["on"]) if isinstance(spec.get("on"), str) else None
    if event is None:
        known = sorted(e.key for d in catalogue.departments.values() for e in d.events.values())
        problems.append(f"proactive.on: no event {quote(spec.get('on'))} in the department catalogue "
                        f"(known: {', '.join(known) or 'none'})")
    confirm_within = duration(spec.get("confirm_within"), "proactive.confirm_within", problems)
    prefill = _prefill(spec.get("prefill"), event, fields, catalogue, problems, field_lookup)
    chosen = _principals(spec.get("principals"), principals, prefill, problems)
    if event is None or confirm_within <= dt.timedelta(0):
        return None
    return Trigger(event, chosen, confirm_within, prefill)


def _prefill(spec: Any, event: EventSpec | None, fields: Mapping[str, FieldSpec], catalogue: Catalogue,
             problems: list[str], field_lookup: Lookup) -> dict[str, Prefill]:
    if not isinstance(spec, Mapping) or not spec:
        problems.append("proactive.prefill: a mapping of form fields to event.<payload field> (or a lookup)")
        return {}
    from_event, looked_up = {}, {}
    for name, source in spec.items():
        where = f"proactive.prefill.{name}"
        if name not in fields:
            problems.append(f"{where}: no form field {quote(name)}")
        elif isinstance(source, str) and source.startswith(EVENT_PREFIX):
            payload = source[len(EVENT_PREFIX):]
            if event is not None and payload not in event.payload:
                problems.append(f"{where}: {event.key} has no payload field {quote(payload)} "
                                f"(it has: {', '.join(event.payload)})")
            from_event[name] = Prefill(name, payload=payload)
        elif isinstance(source, Mapping) and set(source) == {"lookup"}:
            if (lookup := field_lookup(source["lookup"], where, catalogue, problems)) is not None:
                looked_up[name] = Prefill(name, lookup=lookup)
        else:
            problems.append(f"{where}: {quote(source)} is neither event.<payload field> nor {{lookup: ...}}")
    for name, item in looked_up.items():
        if item.lookup.key_field not in from_event:
            problems.append(f"proactive.prefill.{name}.lookup.key: {quote(item.lookup.key_field)} is not prefilled "
                            f"from the event")
    return {**from_event, **looked_up}


def _principals(spec: Any, bundle_principals: tuple[str, ...], prefill: Mapping[str, Prefill],
                problems: list[str]) -> tuple[str, ...]:
    if not isinstance(spec, list) or not spec or not all(isinstance(name, str) for name in spec):
        problems.append("proactive.principals: a list of the bundle's principals the offer is made to")
        return ()
    for name in spec:
        if name not in bundle_principals:
            problems.append(f"proactive.principals: {quote(name)} is not one of the bundle's principals "
                            f"({', '.join(bundle_principals)})")
        elif name not in prefill:
            problems.append(f"proactive.principals: {name} is not prefilled, so the offer would go to nobody")
    return tuple(dict.fromkeys(spec))
