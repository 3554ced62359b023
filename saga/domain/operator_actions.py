"""An operator's actions on a failed or stuck step, one of the Application aggregate's bases: a retry
sends the step again under its command id (`StepRetried`, a command the relay publishes), a skip
lets the application go on without it (`StepSkipped`) if no later step needs its results; either
resumes a FAILED application (running again, its cancelled steps pending).

The events are defined on this class, so they are stored under its topic
(saga.domain.operator_actions:OperatorActions.<Event>): dispatch on `OperatorActions.<Event>`.
Streams stored before they moved here name saga.domain.application:Application.<Event>, which
still resolves (the aggregate's subclass of each event).
"""
from __future__ import annotations

import datetime as dt

from eventsourcing.domain import Aggregate, event

from saga.domain import versions
from saga.domain.errors import OperatorActionRefused
from saga.domain.statuses import ApplicationStatus, StepStatus


class OperatorActions(Aggregate):
    """Needs the aggregate's steps, status, bundle, `_step` and `_inputs`."""

    def retry(self, step_id: str, operator: str, reason: str, now: dt.datetime) -> None:
        """An operator sends the step again under its command id: a department that did the work answers
        what it recorded (a new id would be refused as a second card), one that never got it does it."""
        step = self.steps.check_operable(self._step(step_id), self.status, "a retry")
        due_at, inputs = now + step.time_limit, self._inputs(step.inputs)
        review = step.approval.review(inputs)
        self._retry_step(step_id, step.command_id, inputs, now, due_at, self.bundle, step.department, step.action,
                         min(now + step.retry.after, due_at), operator, reason, review.wire, list(review.reasons))

    def skip(self, step_id: str, operator: str, reason: str, now: dt.datetime) -> None:
        """An operator lets the application go on without the step, if no later step needs its results."""
        self.steps.check_operable(self._step(step_id), self.status, "a skip")
        if needing := self.steps.using_results_of(step_id):
            raise OperatorActionRefused(f"{', '.join(needing)} need(s) the results of {step_id}; it cannot be skipped")
        self._skip_step(step_id, operator, reason, now)

    # -- events ----------------------------------------------------------------------------------------
    StepRetried = versions.StepRetried  # says who decides the command, like StepDispatched

    def _resume(self) -> None:
        """A failed application an operator picks up again: running, its cancelled steps pending."""
        if self.status == ApplicationStatus.FAILED:
            self.status, self.settled_at, self.reasons, self.faulted = ApplicationStatus.IN_PROGRESS, None, [], False
            self.steps.uncancel()

    @event(StepRetried)
    def _retry_step(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime, due_at: dt.datetime,
                    bundle: str, department: str, action: str, check_at: dt.datetime, operator: str, reason: str,
                    review: str = "", review_reasons: list[str] | None = None):
        self._resume()
        self.steps[step].dispatched(command_id, inputs, at, due_at, review, review_reasons or ())

    @event("StepSkipped")
    def _skip_step(self, step: str, operator: str, reason: str, at: dt.datetime) -> None:
        self._resume()
        self.steps[step].ended(StepStatus.SKIPPED, f"skipped by {operator}: {reason}", at)
