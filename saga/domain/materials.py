"""Accept with a material missing (容缺受理), as the Application aggregate's events (this class is one
of its bases).

A bundle field may be declared `deferrable: {within: 5d}`: the applicant may submit without it,
which records their commitment to supply it within that time (`MaterialsCommitted`). The steps that
need it wait (AWAITING_MATERIALS); the others go ahead. `supply` takes what the applicant sends
through Applications/Supplement (checked by the caller as Submit checks a form): the promised
material resumes the waiting steps; a field the front desk returned, or an input an officer returned,
is corrected (front_desk.py, review.py). Halfway to the deadline the applicant is reminded
(`MaterialReminded`); past it, the waiting steps fail, what was done is compensated and the
application ends REJECTED (`MaterialNotSupplied`).

The loader (parser.py) calls `parse_deferrable` and `check_deferrals`: a deadline no longer than
the time limit of any step that needs the field, and never a field a first step needs.

Events are defined on this class and stored under its topic: dispatch on `Materials.<Event>`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from eventsourcing.domain import Aggregate, event

from saga.domain.errors import NotAwaited
from saga.domain.statuses import ApplicationStatus, StepStatus

if TYPE_CHECKING:
    from saga.domain.bundle import Bundle, FieldSpec, StepSpec


# -- the bundle's declaration --------------------------------------------------------------------------
def parse_deferrable(spec: Any, where: str, problems: list[str],
                     duration: Callable[[Any, str, list[str]], dt.timedelta]) -> dt.timedelta | None:
    """`deferrable: {within: 5d}` of a field: the longest the applicant may take to supply it."""
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or set(spec) != {"within"}:
        problems.append(f"{where}.deferrable: a mapping with within (e.g. {{within: 5d}})")
        return None
    within = duration(spec["within"], f"{where}.deferrable.within", problems)
    if within <= dt.timedelta(0):
        problems.append(f"{where}.deferrable.within: longer than 0s")
        return None
    return within


def check_deferrals(fields: Mapping[str, FieldSpec], steps: Mapping[str, StepSpec], principals: tuple[str, ...],
                    problems: list[str]) -> None:
    """A deferrable field is a required item the applicant enters, not who applies; no first step needs
    it, and no step that needs it has a time limit shorter than its deadline."""
    for spec in fields.values():
        if spec.deferrable is None:
            continue
        where = f"fields.{spec.name}.deferrable"
        if not spec.required or spec.lookup is not None or spec.name in principals:
            problems.append(f"{where}: only a required field the applicant enters (not a lookup, not a principal) "
                            f"may follow later")
        for step in steps.values():
            if not any(src.step is None and src.key == spec.name for _, _, src in step.sources):
                continue
            if not step.depends_on:
                problems.append(f"{where}: step {step.id} needs it and starts first; a main material cannot follow later")
            elif spec.deferrable > step.time_limit:
                problems.append(f"{where}.within: {_days(spec.deferrable)} is longer than the time limit of step "
                                f"{step.id} that needs it ({_days(step.time_limit)})")


def _days(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g}d" if hours >= 24 else f"{hours:g}h"


def steps_needing(bundle: Bundle, names: list[str]) -> dict[str, list[str]]:
    """The steps (including their undo) that need any of these form fields: step -> the fields it needs."""
    needing: dict[str, list[str]] = {}
    for step in bundle.steps.values():
        needed = [n for n in names if any(src.step is None and src.key == n for _, _, src in step.sources)]
        if needed:
            needing[step.id] = needed
    return needing


@dataclass
class Commitment:
    """What the applicant committed to supply, by when, and how that goes."""

    fields: list[str]
    steps: dict[str, list[str]]  # step -> the committed fields it waits for
    committed_at: dt.datetime
    due_at: dt.datetime
    remind_at: dt.datetime
    supplied: list[str] = field(default_factory=list)
    reminded_at: dt.datetime | None = None
    missed_at: dt.datetime | None = None

    @property
    def outstanding(self) -> list[str]:
        return [f for f in self.fields if f not in self.supplied]


RUNNING = (ApplicationStatus.IN_PROGRESS, ApplicationStatus.AWAITING_ACCEPTANCE, ApplicationStatus.RETURNED)


class Materials(Aggregate):
    """The commitment's commands, mixed into the Application aggregate."""

    commitment: Commitment | None = None  # set by MaterialsCommitted

    def commit_missing(self, bundle: Bundle, now: dt.datetime) -> None:
        """At submission: the deferrable fields left out are committed to, the steps needing them wait."""
        missing = [name for name in bundle.deferrable_fields if not self.form.get(name)]
        if not missing:
            return
        within = min(bundle.fields[name].deferrable for name in missing)
        self._commit_to_supply(missing, steps_needing(bundle, missing), now, now + within, now + within / 2)

    @property
    def outstanding_materials(self) -> list[str]:
        return self.commitment.outstanding if self.commitment is not None and self.commitment.missed_at is None else []

    def awaited_fields(self) -> dict[str, str]:
        """What the applicant may send now, and why: a promised material, a field the front desk
        returned, a form item an officer returned."""
        if self.status not in RUNNING:
            return {}
        awaited = {name: "promised material" for name in self.outstanding_materials}
        if self.status == ApplicationStatus.RETURNED and self.acceptance is not None:
            awaited.update({name: "returned by the front desk" for name in self.acceptance.returned})
        for step in self.steps.values():
            if step.status == StepStatus.RETURNED:
                for name in step.case.returned_inputs:
                    head, _, key = step.inputs.get(name, "").partition(".")
                    if head == "form":
                        awaited[key] = f"returned by {step.department}"
        return awaited

    def check_awaited(self) -> None:
        """NotAwaited unless the applicant has something to send now."""
        if not self.awaited_fields():
            raise NotAwaited(f"application {self.id} awaits nothing from the applicant (it is {self.status})")

    def supply(self, values: Mapping[str, str], by: str, now: dt.datetime) -> None:
        """The applicant's Supplement, its values already checked: recorded, then what it unblocks —
        the steps that waited for a material, a front-desk return back in the queue, officers'
        returned steps sent again (the caller's `advance` sends them)."""
        self.check_awaited()
        outstanding = [n for n in self.outstanding_materials if n not in values]
        self._supply(dict(values), by, outstanding, now)
        self.correction_received(now)  # front_desk.py: the time with the applicant stops
        self.reopen_returned(now)  # review.py

    def remind_materials(self, now: dt.datetime) -> bool:
        """A timer is due: remind the applicant once, halfway to the deadline; False if not (now)."""
        commitment = self.commitment
        if (not self.outstanding_materials or commitment.reminded_at is not None or now < commitment.remind_at
                or self.status not in RUNNING):
            return False
        self._remind_materials(commitment.outstanding, commitment.due_at, now)
        return True

    def materials_overdue(self, now: dt.datetime) -> bool:
        """A timer is due: a promised material not supplied by its deadline fails the steps waiting for
        it; what was done is compensated and the application ends REJECTED. False if not (now)."""
        if not self.outstanding_materials or now < self.commitment.due_at or self.status not in RUNNING:
            return False
        reason = (f"material not supplied by the date promised ({self.commitment.due_at.isoformat()}): "
                  f"{', '.join(self.outstanding_materials)}")
        self._miss_materials(self.outstanding_materials, reason, now)
        if self.status == ApplicationStatus.IN_PROGRESS:
            self._stop([reason], now)
        else:  # never accepted: nothing was started
            self._end([reason], now)
        return True

    # -- events --------------------------------------------------------------------------------------
    @event("MaterialsCommitted")
    def _commit_to_supply(self, fields: list[str], steps: dict[str, list[str]], at: dt.datetime,
                          due_at: dt.datetime, remind_at: dt.datetime) -> None:
        self.commitment = Commitment(list(fields), {k: list(v) for k, v in steps.items()}, at, due_at, remind_at)
        for step_id in steps:
            self.steps[step_id].status = StepStatus.AWAITING_MATERIALS

    @event("MaterialsSupplied")
    def _supply(self, values: dict[str, str], by: str, outstanding: list[str], at: dt.datetime) -> None:
        self.form = {**self.form, **values}
        commitment = self.commitment
        if commitment is None or commitment.missed_at is not None:
            return
        commitment.supplied = commitment.supplied + [n for n in values if n in commitment.outstanding]
        for step_id, needed in commitment.steps.items():
            step = self.steps[step_id]
            if step.status == StepStatus.AWAITING_MATERIALS and not set(needed) & set(commitment.outstanding):
                step.status = StepStatus.PENDING

    @event("MaterialReminded")
    def _remind_materials(self, fields: list[str], due_at: dt.datetime, at: dt.datetime) -> None:
        self.commitment.reminded_at = at

    @event("MaterialNotSupplied")
    def _miss_materials(self, fields: list[str], reason: str, at: dt.datetime) -> None:
        self.commitment.missed_at = at
        for step in self.steps.values():
            if step.status == StepStatus.AWAITING_MATERIALS:
                step.ended(StepStatus.FAILED, reason, at)
