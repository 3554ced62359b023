"""An application a department's event started (proactive service, 无感审批): OFFERED to the people the
bundle's trigger names (saga/domain/triggers.py), with what is already known filled in and where it
came from. Its principal confirms it (the form then holds exactly what a Submit would, and the
steps start), declines it, or lets it expire; a reminder is due halfway.

The offer's events are classes of their own with an `apply`, mixed into the Application aggregate
(saga/domain/application.py names them, so their stored topics are the aggregate's); `Offered` is a
second way an application is created, beside `Submitted`.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from lifeevents.callers import Role
from saga.domain.bundle import Bundle
from saga.domain.errors import FieldError, OfferClosed
from saga.domain.field_values import check_value
from saga.domain.forms import Finder
from saga.domain.ports import DepartmentEvent
from saga.domain.reads import SERVICE_SUBJECT, Read, is_resident_id
from saga.domain.statuses import ApplicationStatus
from saga.domain.steps import plan_of

if TYPE_CHECKING:
    from saga.domain.application import Application

EVENT, REGISTER = "event", "register"  # where a known item came from


@dataclass
class OfferState:
    trigger: str  # department.event
    event_id: str
    occurred_at: dt.datetime
    offered_at: dt.datetime
    expires_at: dt.datetime
    remind_at: dt.datetime
    sources: dict[str, str]  # field -> "event:health.birth_recorded" or "register:civil_registration.person"
    asked: list[str]  # the required fields the principal is asked for (the optional ones may be added)
    reminded_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None
    typed: list[str] = field(default_factory=list)  # what the principal typed when confirming

    def source_of(self, name: str) -> tuple[str, str]:
        kind, _, source = self.sources[name].partition(":")
        return kind, source


@dataclass(frozen=True)
class Prefilled:
    values: dict[str, str]
    sources: dict[str, str]
    looked_up: list[str]  # by the form's own lookups (looked up again when the offer is confirmed)
    principals: dict[str, str]  # principal field -> resident ID
    asked: list[str]
    # What the registers were asked and gave: (department, query, key) -> the items taken (lookup
    # value -> value), for the data-access logs of the people they are about.
    registers: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)

    def reads(self, application_id: str, trigger: str) -> list[Read]:
        """The register reads the offer made, for the logs of the person each key names and of any
        person a value names (the spouse the civil register holds)."""
        reads = []
        for (department, query, key), taken in self.registers.items():
            subjects = [v for v in (key, *taken.values()) if is_resident_id(v)]
            reads += [Read(subject, SERVICE_SUBJECT, Role.SERVICE.value, department, tuple(sorted(taken)),
                           application_id, f"materials reuse: {query} for an offer on {trigger}", on_behalf_of=trigger)
                      for subject in dict.fromkeys(subjects)]
        return reads


def prefill(bundle: Bundle, payload: Mapping[str, str], today: dt.date, find: Finder) -> Prefilled:
    """What the event and the registers already say for the bundle's form: the trigger's items from
    the payload (an item that is not valid for its field is left to ask), then those looked up with
    them, then the form's own lookups whose keys are now known. LookupUnavailable when a register
    cannot be asked."""
    trigger = bundle.proactive
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    looked_up: list[str] = []
    registers: dict[tuple[str, str, str], dict[str, str]] = {}

    def take(name: str, value: Any, source: str, by_form_lookup: bool = False) -> bool:
        try:
            values[name] = check_value(bundle.fields[name], value, today)
        except ValueError:
            return False
        sources[name] = source
        if by_form_lookup:
            looked_up.append(name)
        return True

    for name, item in trigger.prefill.items():
        if item.lookup is None and str(payload.get(item.payload) or "").strip():
            take(name, payload[item.payload], f"{EVENT}:{trigger.event.key}")
    lookups = [(name, item.lookup, False) for name, item in trigger.prefill.items() if item.lookup is not None]
    lookups += [(f.name, f.lookup, True) for f in bundle.fields.values() if f.lookup is not None]
    for name, lookup, by_form_lookup in lookups:
        key = values.get(lookup.key_field)
        if name in values or not key:
            continue
        held = (find(lookup.department, lookup.query, key) or {}).get(lookup.value)
        if held and take(name, held, f"{REGISTER}:{lookup.department}.{lookup.query}", by_form_lookup):
            registers.setdefault((lookup.department, lookup.query, key), {})[lookup.value] = values[name]
    principals = {name: values[name] for name in trigger.principals if values.get(name)}
    asked = [f.name for f in bundle.fields.values() if f.required and f.name not in values]
    return Prefilled(values, sources, looked_up, principals, asked, registers)


def confirmed_form(bundle: Bundle, application: Application, entered: Mapping[str, Any]) -> tuple[dict, list[str],
                                                                                                  list[FieldError]]:
    """The form to check as a Submit would: what the offer fixed (from the event, and registers the
    trigger asked), and what the principal entered; the form's own lookups are left out, to be looked
    up again. Returns it, the fields the principal typed, and an error for each entered value that
    differs from a fixed one."""
    fixed = {k: v for k, v in application.form.items() if k not in application.looked_up}
    form: dict[str, Any] = dict(fixed)
    typed, errors = [], []
    for name, value in entered.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name in fixed and name in bundle.fields:
            try:
                same = check_value(bundle.fields[name], value, dt.date.max) == fixed[name]
            except ValueError:
                same = False
            if not same:
                _, source = application.offer.source_of(name)
                errors.append(FieldError(f"form.{name}", f"already known from {source}; leave it out"))
            continue
        form[name] = value
        typed.append(name)
    return form, typed, errors


# -- events: each changes state only; the commands below decide ------------------------------------
class Offered(Aggregate.Created):
    """An application created by a department's event, waiting for its principal (beside Submitted)."""

    bundle: str
    bundle_version: str
    form: dict
    sources: dict
    looked_up: list
    asked: list
    plan: list
    time_limit_s: float
    principals: list
    trigger: str
    event_id: str
    occurred_at: dt.datetime
    offered_at: dt.datetime
    expires_at: dt.datetime
    remind_at: dt.datetime

    def mutate(self, aggregate: None) -> Application:
        aggregate_class = resolve_topic(self.originator_topic)
        application = aggregate_class.__new__(aggregate_class)
        application.__base_init__(self.originator_id, self.originator_version, self.timestamp)
        application.__init__(id=self.originator_id, bundle=self.bundle, bundle_version=self.bundle_version,
                             form=self.form, plan=self.plan, time_limit_s=self.time_limit_s,
                             submitted_at=self.offered_at, looked_up=self.looked_up, principals=self.principals)
        application.status = ApplicationStatus.OFFERED
        application.offer = OfferState(self.trigger, self.event_id, self.occurred_at, self.offered_at,
                                       self.expires_at, self.remind_at, dict(self.sources), list(self.asked))
        return application


class OfferReminded(Aggregate.Event):
    at: dt.datetime

    def apply(self, application: Application) -> None:
        application.offer.reminded_at = self.at


class Confirmed(Aggregate.Event):
    """The principal (or their agent) confirmed: the form as a Submit would have it; the steps start."""

    form: dict
    looked_up: list
    typed: list
    confirmed_by: str
    agent: str
    at: dt.datetime

    def apply(self, application: Application) -> None:
        application.form, application.looked_up = dict(self.form), list(self.looked_up)
        application.agent, application.status, application.submitted_at = self.agent, ApplicationStatus.IN_PROGRESS, self.at
        application.offer.confirmed_at, application.offer.typed = self.at, list(self.typed)


class Declined(Aggregate.Event):
    declined_by: str
    reason: str
    at: dt.datetime

    def apply(self, application: Application) -> None:
        application.status, application.settled_at = ApplicationStatus.DECLINED, self.at
        application.reasons = [f"declined: {self.reason}" if self.reason else "declined"]
        application.steps.cancel_the_rest()


class Expired(Aggregate.Event):
    at: dt.datetime

    def apply(self, application: Application) -> None:
        application.status, application.settled_at = ApplicationStatus.EXPIRED, self.at
        application.reasons = [f"not confirmed by {application.offer.expires_at.isoformat()}"]
        application.steps.cancel_the_rest()


class Offering:
    """The offer's commands, mixed into the Application aggregate."""

    @classmethod
    def offer(cls, bundle: Bundle, application_id: uuid.UUID, event: DepartmentEvent, prefilled: Prefilled,
              now: dt.datetime) -> Application:
        trigger = bundle.proactive
        return cls._create(cls.Offered, id=application_id, bundle=bundle.id, bundle_version=bundle.version,
                           form=prefilled.values, sources=prefilled.sources, looked_up=prefilled.looked_up,
                           asked=prefilled.asked, plan=plan_of(bundle), time_limit_s=bundle.time_limit.total_seconds(),
                           principals=list(dict.fromkeys(prefilled.principals.values())), trigger=event.key,
                           event_id=event.event_id, occurred_at=event.occurred_at, offered_at=now,
                           expires_at=now + trigger.confirm_within, remind_at=now + trigger.remind_after)

    @property
    def is_open_offer(self) -> bool:
        return self.status == ApplicationStatus.OFFERED

    def check_open_offer(self, now: dt.datetime) -> None:
        """OfferClosed unless the offer may still be confirmed or declined now."""
        if self.offer is None:
            raise OfferClosed(f"application {self.id} was submitted, not offered")
        if not self.is_open_offer:
            raise OfferClosed(f"the offer is {self.status}, no longer open")
        if now >= self.offer.expires_at:
            raise OfferClosed(f"the offer expired on {self.offer.expires_at.isoformat()}")

    def confirm(self, form: Mapping[str, str], looked_up: list[str], typed: list[str], confirmed_by: str, agent: str,
                now: dt.datetime) -> None:
        self.check_open_offer(now)
        self.trigger_event(self.Confirmed, form=dict(form), looked_up=list(looked_up), typed=list(typed),
                           confirmed_by=confirmed_by, agent=agent, at=now)

    def decline(self, declined_by: str, reason: str, now: dt.datetime) -> None:
        self.check_open_offer(now)
        self.trigger_event(self.Declined, declined_by=declined_by, reason=reason, at=now)

    def remind(self, now: dt.datetime) -> bool:
        """A reminder is due halfway through an open offer's window, once; False if not (now)."""
        if not self.is_open_offer or self.offer.reminded_at is not None or now < self.offer.remind_at:
            return False
        self.trigger_event(self.OfferReminded, at=now)
        return True

    def expire(self, now: dt.datetime) -> bool:
        """An open offer not confirmed within its window ends EXPIRED; False if it is not due (or not open)."""
        if not self.is_open_offer or now < self.offer.expires_at:
            return False
        self.trigger_event(self.Expired, at=now)
        return True
