"""Compensation on the application, one of the Application aggregate's bases: once a running
application cannot complete (a refusal, a fault, an objection, a missed deadline, a commitment found
false, a withdrawal), the rest is cancelled and each completed step that declares an undo is undone,
latest first, one at a time (`CompensationStarted`, `CompensationDispatched`, re-sent at the step's
pace as `CompensationResent`, answered as `StepCompensated`: undone, or recorded not undone); then
the aggregate's `_end` ends it. Nothing to undo: it ends at once.

The events are defined on this class, so they are stored under its topic
(saga.domain.compensation:Compensation.<Event>): dispatch on `Compensation.<Event>` (or
`Application.<Event>`, the same class). Streams stored before they moved here name
saga.domain.application:Application.<Event>; saga/domain/application.py registers those topics.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from saga.domain.statuses import ApplicationStatus
from saga.domain.steps import StepState

if TYPE_CHECKING:
    from saga.domain.application import NewId

COMPENSATION_EVENTS = ("CompensationStarted", "CompensationDispatched", "CompensationResent", "StepCompensated")


class Compensation(Aggregate):
    """Needs the aggregate's steps, status, reasons, bundle, `_inputs`, `_end` and `awaits_in_flight`."""

    def _stop(self, reasons: list[str], now: dt.datetime) -> None:
        """The running application cannot complete: compensate (advance sends the undos and ends it), or
        end at once. Once compensating or ended, an answer still in flight only adds to the record."""
        if self.status == ApplicationStatus.IN_PROGRESS and self.steps.may_need_undo():
            self._start_compensation(reasons, now)
        elif self.status == ApplicationStatus.IN_PROGRESS:
            self._end(reasons, now)

    def _compensate_next(self, now: dt.datetime, new_id: NewId) -> None:
        """Send the next undo, or end once nothing may need undoing; wait while an answer is on its way."""
        if self.steps.undoing():
            return
        if step := self.steps.next_to_undo():
            undo = step.compensation
            self._dispatch_compensation(step.id, str(new_id()), self._inputs(undo.inputs), now,
                                        now + step.time_limit, self.bundle, step.department, undo.action,
                                        now + step.retry.after)
        elif not self.steps.may_need_undo() and not self.awaits_in_flight:  # a withdrawal waits for them
            self._end(self.reasons, now)

    def _chase_compensation(self, step: StepState, now: dt.datetime) -> None:
        """Re-send an unanswered undo (same id) at the step's pace; after its attempts, record it not undone."""
        undo = step.compensation
        if undo.sends >= step.retry.attempts:
            reason = f"no answer from {step.department} after {undo.sends} attempts"
            self._settle_compensation(step.id, undo.command_id, False, {}, reason, now)
        else:
            self._resend_compensation(step.id, undo.command_id, self._inputs(undo.inputs), now, undo.due_at,
                                      self.bundle, step.department, undo.action, now + step.retry.interval(undo.sends))

    # -- events ----------------------------------------------------------------------------------------
    @event("CompensationStarted")
    def _start_compensation(self, reasons: list[str], at: dt.datetime) -> None:
        self.status, self.reasons = ApplicationStatus.COMPENSATING, list(reasons)
        self.steps.cancel_the_rest()

    @event("CompensationDispatched")
    def _dispatch_compensation(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                               due_at: dt.datetime, bundle: str, department: str, action: str,
                               check_at: dt.datetime | None = None) -> None:
        self.steps[step].undo_dispatched(command_id, due_at, check_at)

    @event("CompensationResent")
    def _resend_compensation(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                             due_at: dt.datetime, bundle: str, department: str, action: str, check_at: dt.datetime):
        self.steps[step].compensation.resent(check_at)

    @event("StepCompensated")
    def _settle_compensation(self, step: str, command_id: str, completed: bool, result: dict[str, str], reason: str,
                             at: dt.datetime) -> None:
        self.steps[step].undo_settled(completed, result)
        if not completed:  # the effect stays: the reasons say so, for an officer to follow up
            self.reasons = self.reasons + [f"could not undo {step}: {reason}"]
