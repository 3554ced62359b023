"""The application aggregate: one bundle application, its steps and their results. Every transition
is a past-tense event, so any stream replays to any point; the plan is recorded at submission, so a
stream keeps its meaning when the bundle changes. Commands record what happened; `advance` then
starts what can start (steps, the next undo, the ending), with new ids from the caller's factory.
Each practice is a base with its own events (compensation.py, operator_actions.py, review.py, ...)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any, Callable, Mapping

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from lifeevents.text import quote
from saga.domain import offers, versions
from saga.domain.bundle import Bundle
from saga.domain.commitments import Commitments
from saga.domain.compensation import COMPENSATION_EVENTS, Compensation
from saga.domain.errors import ObjectionNotOpen, UnknownStep
from saga.domain.front_desk import FrontDesk
from saga.domain.materials import Materials
from saga.domain.operator_actions import OperatorActions
from saga.domain.rating import Rating
from saga.domain.review import OfficerReview
from saga.domain.statuses import ApplicationStatus, StepStatus
from saga.domain.steps import StepState, Steps, plan_of
from saga.domain.versions import objection_text
from saga.domain.withdrawal import Withdrawal

NewId = Callable[[], uuid.UUID]
IN_PROGRESS, COMPENSATING = ApplicationStatus.IN_PROGRESS, ApplicationStatus.COMPENSATING


class Application(Commitments, Materials, FrontDesk, OfficerReview, offers.Offering, Withdrawal, Rating,
                  OperatorActions, Compensation, Aggregate):
    @classmethod
    def submit(cls, bundle: Bundle, form: Mapping[str, str], now: dt.datetime, application_id: uuid.UUID,
               idempotency_key: str = "", looked_up: list[str] | None = None, principals: list[str] | None = None,
               agent: str = "") -> Application:
        """A new application of the bundle, for its principals (resident IDs), submitted by them or by
        their agent; with its commitments (commitments.py, accepted on the form), with the applicant's commitment to supply the deferrable materials left out
        (materials.py), and in the front desk's queue if the bundle is accepted there (front_desk.py)."""
        application = cls(id=application_id, bundle=bundle.id, bundle_version=bundle.version, form=dict(form),
                          plan=plan_of(bundle), submitted_at=now, time_limit_s=bundle.time_limit.total_seconds(),
                          idempotency_key=idempotency_key, looked_up=list(looked_up or []),
                          principals=list(dict.fromkeys(principals or [])), agent=agent)
        application.make_commitments([c.as_plan() for c in bundle.commitments], now)  # accepted on the form
        application.commit_missing(bundle, now)
        application.await_acceptance(bundle, now)
        return application

    @staticmethod
    def keyed_id(secret: bytes, caller: str, bundle: str, idempotency_key: str) -> uuid.UUID:
        """The id of the application a caller submits with this key: the same caller, bundle and key
        give the same id; without the secret nobody can tell the id from the key, and another caller's
        key is another application."""
        message = "\x1f".join((caller, bundle, idempotency_key)).encode()
        return uuid.UUID(bytes=hmac.new(secret, message, hashlib.sha256).digest()[:16], version=4)

    @property
    def is_settled(self) -> bool:
        return self.status.is_terminal

    @property
    def has_public_notice(self) -> bool:
        """Whether a step is a period open to objections: then anyone may know the application exists."""
        return any(step.objections for step in self.steps.values())

    @property
    def departments(self) -> dict[str, str]:
        """Each step's department (a wait has none)."""
        return {step.id: step.department for step in self.steps.values() if step.department}

    def entered_form(self) -> dict[str, str]:
        """The items the applicant entered, without those looked up in registers."""
        return {k: v for k, v in self.form.items() if k not in self.looked_up}

    # -- commands ------------------------------------------------------------------------------------
    def advance(self, now: dt.datetime, new_id: NewId) -> None:
        """Start the steps whose dependencies are met, or complete; compensating, the next undo or the end."""
        if self.status == COMPENSATING:
            self._compensate_next(now, new_id)
        if self.status != IN_PROGRESS:
            return
        for step in self.steps.ready():
            if step.is_wait:
                self._start_wait(step.id, now, now + step.wait)
                continue
            # A step sent again after a return keeps what was left of its limit (the correction's time does not count).
            due_at = now + (step.remaining if step.remaining is not None else step.time_limit)
            inputs = self._inputs(step.inputs)
            review = step.approval.review(inputs)  # who decides it: the department's rules, or an officer
            self._dispatch_step(step.id, str(new_id()), inputs, now, due_at, self.bundle, step.department,
                                step.action, min(now + step.retry.after, due_at), review.wire, list(review.reasons))
        if self.steps.all_done():
            self._complete(now)

    def record_result(self, step_id: str, command_id: str, completed: bool, outputs: Mapping[str, str], reason: str,
                      now: dt.datetime, delivery: int = 1, decided_at: dt.datetime | None = None) -> bool:
        """A department's answer to a step or its undo; False for a duplicate or foreign one, which changes
        nothing. An answer after the end is recorded (the work was done) but starts nothing."""
        step = self._step(step_id)
        if step.is_undo(command_id):
            self._settle_compensation(step_id, command_id, completed, dict(outputs), reason, now)
        elif not step.is_current(command_id):
            return False
        elif completed:
            self._complete_step(step_id, command_id, dict(outputs), now, delivery, decided_at)
        else:
            self._reject_step(step_id, command_id, reason, now, delivery, decided_at)
            self._stop([f"{step_id} ({step.department}): {reason}"], now)
        return True

    def chase(self, step_id: str, now: dt.datetime) -> bool:
        """An unanswered step or undo is due a look: flag it overdue past its time limit, re-send it (same
        id: departments answer it once), give up after its attempts. False if nothing is due."""
        step = self.steps.get(step_id)
        if step is None or self.is_settled or step.next_check is None or now < step.next_check:
            return False
        if step.status == StepStatus.COMPENSATING:
            self._chase_compensation(step, now)
            return True
        if step.overdue_since is None and now >= step.due_at:
            self._flag_overdue(step_id, now, step.next_resend_at)
        # An officer's pace is no fault: a step in a worklist is chased and flagged, never given up.
        if now >= step.next_resend_at and step.sends >= step.retry.attempts and step.status != StepStatus.WITH_OFFICER:
            reason = f"no answer from {step.department} after {step.sends} attempts"
            self._fail_step(step_id, reason, now)
            self._stop([f"{step_id} ({step.department}): {reason}"], now)
        elif now >= step.next_resend_at:
            next_resend = now + step.retry.interval(step.sends)
            check_at = next_resend if step.overdue_since else min(next_resend, step.due_at)
            self._resend_command(step_id, step.command_id, dict(step.sent_inputs), now, next_resend, self.bundle,
                                 step.department, step.action, step.due_at, check_at, step.case.review,
                                 list(step.case.reasons))
        return True

    def end_wait(self, step_id: str, now: dt.datetime) -> bool:
        """The wait is over if its time has come: complete the step. False if not (yet) or not waiting."""
        if (step := self.steps.get(step_id)) is None or step.status != StepStatus.WAITING or now < step.fires_at:
            return False
        self._complete_step(step_id, "", {"waited_until": step.fires_at.isoformat()}, now)
        return True

    def object(self, objector: str, reason: str, now: dt.datetime, objector_role: str = "",
               objector_subject: str = "") -> None:
        """An objection during an objection period stops the application."""
        step = next((s for s in self.steps.waiting() if s.objections), None)
        if self.status != IN_PROGRESS or step is None:
            raise ObjectionNotOpen(f"application {self.id} has no objection period running")
        self._raise_objection(step.id, objector_subject, objector_role, objector, reason, now)
        self._stop([f"{step.id}: {objection_text(objector_role, objector, reason)}"], now)

    def dead_lettered(self, step_id: str, command_id: str, error: str, now: dt.datetime) -> bool:
        """A command (or its answer) was given up as undeliverable: the step fails with the error, and the
        application compensates and ends FAILED. False for an old copy, which changes nothing."""
        step = self._step(step_id)
        if step.is_undo(command_id):
            self._settle_compensation(step_id, command_id, False, {}, f"dead-lettered: {error}", now)
        elif not step.is_current(command_id):
            return False
        else:
            self._dead_letter_step(step_id, command_id, error, now)
            self._stop([f"{step_id} ({step.department}): dead-lettered: {error}"], now)
        return True

    def _end(self, reasons: list[str], now: dt.datetime) -> None:
        """End unsuccessfully: REVOKED after a commitment found false, WITHDRAWN after a withdrawal, FAILED
        after a fault, REJECTED after a refusal or an objection."""
        (self._revoke if self.revoking else self._end_withdrawn if self.withdrawal is not None
         else self._fail if self.faulted else self._reject)(reasons, now)

    def _inputs(self, refs: Mapping[str, str]) -> dict[str, str]:
        return self.steps.resolve(self.form, refs)

    def _step(self, step_id: str) -> StepState:
        if (step := self.steps.get(step_id)) is None:
            raise UnknownStep(f"application {self.id} has no step {quote(step_id)}")
        return step

    # -- events: each changes state only; the commands above decide ----------------------------------
    Submitted = versions.Submitted

    @event(Submitted)
    def __init__(self, id: uuid.UUID, bundle: str, bundle_version: str, form: dict[str, str],  # noqa: A002
                 plan: list[dict[str, Any]], time_limit_s: float, submitted_at: dt.datetime,
                 idempotency_key: str = "", looked_up: list[str] | None = None,
                 principals: list[str] | None = None, agent: str = ""):
        self.bundle, self.bundle_version, self.form = bundle, bundle_version, dict(form)
        self.looked_up = list(looked_up or [])  # form items taken from department registers
        self.principals = list(principals or [])  # whom it is for (resident IDs); empty in version 1
        self.agent = agent  # who submitted it for them, under a delegation
        self.time_limit_s, self.submitted_at, self.settled_at = time_limit_s, submitted_at, None
        self.status, self.reasons = IN_PROGRESS, []
        self.faulted = False  # the failure is a fault (no answer, a dead letter), not a refusal
        self.steps = Steps.from_plan(plan)
        self.offer: offers.OfferState | None = None  # set when a department's event offered it

    # An application a department's event offered (saga/domain/offers.py): created by Offered instead.
    Offered, OfferReminded, Confirmed = offers.Offered, offers.OfferReminded, offers.Confirmed
    Declined, Expired = offers.Declined, offers.Expired

    # A command event repeats bundle, department and action, and says who decides it (review): it alone is
    # the command the relay publishes.
    StepDispatched, CommandResent = versions.StepDispatched, versions.CommandResent  # StepRetried: operator_actions.py

    @event(StepDispatched)
    def _dispatch_step(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime, due_at: dt.datetime,
                       bundle: str = "", department: str = "", action: str = "", check_at: dt.datetime | None = None,
                       review: str = "", review_reasons: list[str] | None = None):
        self.steps[step].dispatched(command_id, inputs, at, due_at, review, review_reasons or ())

    @event(CommandResent)
    def _resend_command(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                        next_resend_at: dt.datetime, bundle: str, department: str, action: str, due_at: dt.datetime,
                        check_at: dt.datetime, review: str = "", review_reasons: list[str] | None = None) -> None:
        self.steps[step].resent(next_resend_at)

    # check_at on these events is when the step must be looked at again (the timer index).
    @event("StepOverdue")
    def _flag_overdue(self, step: str, at: dt.datetime, check_at: dt.datetime) -> None:
        self.steps[step].overdue_since = at

    @event("WaitStarted")
    def _start_wait(self, step: str, at: dt.datetime, fires_at: dt.datetime) -> None:
        self.steps[step].waiting_until(at, fires_at)

    @event("StepCompleted")
    def _complete_step(self, step: str, command_id: str, result: dict[str, str], at: dt.datetime, delivery: int = 1,
                       decided_at: dt.datetime | None = None) -> None:
        self.steps[step].completed(result, at, delivery, decided_at)

    @event("StepRejected")
    def _reject_step(self, step: str, command_id: str, reason: str, at: dt.datetime, delivery: int = 1,
                     decided_at: dt.datetime | None = None) -> None:
        self.steps[step].ended(StepStatus.REJECTED, reason, at, delivery, decided_at)

    @event("StepFailed")
    def _fail_step(self, step: str, reason: str, at: dt.datetime) -> None:
        self.steps[step].ended(StepStatus.FAILED, reason, at)
        self.faulted = True

    @event("StepDeadLettered")
    def _dead_letter_step(self, step: str, command_id: str, error: str, at: dt.datetime) -> None:
        self.steps[step].ended(StepStatus.FAILED, f"dead-lettered: {error}", at)
        self.faulted = True

    ObjectionRaised = versions.ObjectionRaised

    @event(ObjectionRaised)
    def _raise_objection(self, step: str, objector_subject: str, objector_role: str, objector: str, reason: str,
                         at: dt.datetime) -> None:
        self.steps[step].ended(StepStatus.REJECTED, objection_text(objector_role, objector, reason), at)

    @event("Completed")
    def _complete(self, at: dt.datetime) -> None:
        self.status, self.settled_at = ApplicationStatus.COMPLETED, at

    @event("Rejected")
    def _reject(self, reasons: list[str], at: dt.datetime) -> None:
        self._ended(ApplicationStatus.REJECTED, reasons, at)

    @event("Failed")
    def _fail(self, reasons: list[str], at: dt.datetime) -> None:
        self._ended(ApplicationStatus.FAILED, reasons, at)

    def _ended(self, status: ApplicationStatus, reasons: list[str], at: dt.datetime) -> None:
        self.status, self.settled_at, self.reasons = status, at, list(reasons)
        self.steps.cancel_the_rest()


# Streams stored before the aggregate left saga/domain/model.py: the old topic (and its events') resolves here.
register_topic("saga.domain.model:Application", Application)

# The events of these bases were defined on the aggregate itself before they moved to their modules.
# The aggregate's own (sub)classes of them apply nothing: the aggregate names its bases' classes,
# and the topics they were stored under (here, or under saga/domain/model.py) resolve to them.
for _base, _names in ((Compensation, COMPENSATION_EVENTS), (OperatorActions, ("StepRetried", "StepSkipped"))):
    for _name in _names:
        setattr(Application, _name, getattr(_base, _name))
        for _module in ("saga.domain.application", "saga.domain.model"):
            register_topic(f"{_module}:Application.{_name}", getattr(_base, _name))
