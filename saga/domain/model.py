"""The application aggregate: one bundle application, its steps and their results.

Every transition is a past-tense event; the aggregate's state is whatever those
events say, so any stream can be replayed to any point. The plan (each step's
department, action, inputs and dependencies) is recorded when the application is
submitted, so a stream stays meaningful when the bundle definition later changes.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from eventsourcing.domain import Aggregate, event

from saga.domain.bundles import Bundle

# Namespace for application ids derived from a client's idempotency key.
_IDEMPOTENCY_NS = uuid.UUID("6f1c2a52-6a9e-4a0b-9a57-2f4e0d6b7c31")

IN_PROGRESS, COMPENSATING, COMPLETED, REJECTED, FAILED = (
    "IN_PROGRESS", "COMPENSATING", "COMPLETED", "REJECTED", "FAILED")
PENDING, DISPATCHED, WAITING, CANCELLED = "PENDING", "DISPATCHED", "WAITING", "CANCELLED"
SKIPPED = "SKIPPED"  # an operator let the application go on without this step (with a reason)
DONE = (COMPLETED, SKIPPED)
COMPENSATED = "COMPENSATED"  # a completed step undone by its compensation (COMPENSATING while it runs)
TERMINAL = (COMPLETED, REJECTED, FAILED)


class UnknownStep(LookupError):
    pass


def objection_text(role: str, objector: str, reason: str) -> str:
    return f"objection by {role + ' ' if role else ''}{objector}: {reason}"


class ObjectionNotOpen(ValueError):
    """An objection when no objection period of the application is running."""


class OperatorActionRefused(ValueError):
    """An operator's retry or skip that the application's state does not allow; says why."""


@dataclass
class StepState:
    id: str
    department: str
    action: str
    inputs: dict[str, str]  # input name -> "form.<field>" or "<step>.<result>"
    depends_on: list[str]
    time_limit_s: float
    wait_s: float | None = None  # a period the coordinator waits out instead of a department action
    objections: bool = False
    retry_after_s: float = 30.0
    retry_max_interval_s: float = 600.0
    retry_attempts: int = 8
    compensation: dict | None = None  # {"action": ..., "inputs": {name: ref}}
    status: str = PENDING
    command_id: str = ""
    sent_inputs: dict[str, str] = field(default_factory=dict)
    result: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    dispatched_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    settled_at: dt.datetime | None = None
    fires_at: dt.datetime | None = None
    compensation_command_id: str = ""
    compensation_result: dict[str, str] = field(default_factory=dict)
    overdue_since: dt.datetime | None = None  # flagged when the step's time limit ran out unanswered
    sends: int = 0
    next_resend_at: dt.datetime | None = None
    delivery: int = 0  # which delivery of the command the department answered (>1: faults retried)
    decided_at: dt.datetime | None = None  # when the department decided, by its own clock
    compensation_sends: int = 0
    compensation_due_at: dt.datetime | None = None
    compensation_next_resend_at: dt.datetime | None = None

    @property
    def next_check(self) -> dt.datetime | None:
        """When the coordinator must look at this step again, if its command (or undo) is unanswered."""
        if self.status == COMPENSATING:
            return self.compensation_next_resend_at
        if self.status != DISPATCHED:
            return None
        if self.overdue_since is None:
            return min(self.next_resend_at, self.due_at)
        return self.next_resend_at

    def resend_interval(self, sends: int) -> float:
        return min(self.retry_after_s * 2 ** sends, self.retry_max_interval_s)


@dataclass(frozen=True)
class Dispatch:
    """A command the saga has decided to send: what a department must do for this application."""

    application_id: uuid.UUID
    bundle: str
    step: str
    command_id: str
    department: str
    action: str
    inputs: dict[str, str]
    issued_at: dt.datetime
    due_at: dt.datetime


def plan_of(bundle: Bundle) -> list[dict[str, Any]]:
    """The bundle's steps as plain data, to be recorded in the Submitted event."""
    return [
        {
            "id": step.id,
            "department": step.department,
            "action": step.action,
            "inputs": {name: src.ref for name, src in step.inputs.items()},
            "depends_on": list(step.depends_on),
            "time_limit_s": step.time_limit.total_seconds(),
            **({"wait_s": step.wait.total_seconds(), "objections": step.objections} if step.is_wait else
               {"retry_after_s": step.retry_after.total_seconds(),
                "retry_max_interval_s": step.retry_max_interval.total_seconds(),
                "retry_attempts": step.retry_attempts,
                "compensation": {"action": step.compensation.action,
                                 "inputs": {name: src.ref for name, src in step.compensation.inputs.items()}}
                if step.compensation else None}),
        }
        for step in bundle.steps.values()
    ]


class Application(Aggregate):
    @staticmethod
    def create_id(bundle: str, idempotency_key: str = "") -> uuid.UUID:
        if idempotency_key:
            return uuid.uuid5(_IDEMPOTENCY_NS, f"{bundle}/{idempotency_key}")
        return uuid.uuid4()

    @event("Submitted")
    def __init__(self, bundle: str, bundle_version: str, form: dict[str, str], plan: list[dict[str, Any]],
                 time_limit_s: float, submitted_at: dt.datetime, idempotency_key: str = "",
                 looked_up: list[str] | None = None):
        self.bundle = bundle
        self.looked_up = list(looked_up or [])  # form items taken from department registers
        self.bundle_version = bundle_version
        self.form = dict(form)
        self.time_limit_s = time_limit_s
        self.submitted_at = submitted_at
        self.status = IN_PROGRESS
        self.reasons: list[str] = []
        self.faulted = False  # the failure is a fault (retries exhausted), not a refusal
        self.settled_at: dt.datetime | None = None
        self.steps: dict[str, StepState] = {
            p["id"]: StepState(p["id"], p["department"], p["action"], dict(p["inputs"]),
                               list(p["depends_on"]), p["time_limit_s"], p.get("wait_s"), p.get("objections", False),
                               p.get("retry_after_s", 30.0), p.get("retry_max_interval_s", 600.0),
                               p.get("retry_attempts", 8), p.get("compensation"))
            for p in plan
        }

    # -- queries -----------------------------------------------------------------
    @property
    def is_settled(self) -> bool:
        return self.status in TERMINAL

    def _all_done(self) -> bool:
        return all(s.status in DONE for s in self.steps.values())

    def ready_steps(self) -> list[StepState]:
        if self.is_settled or self.status == COMPENSATING:
            return []
        return [s for s in self.steps.values()
                if s.status == PENDING and all(self.steps[d].status in DONE for d in s.depends_on)]

    def resolve_inputs(self, step: StepState, refs: dict[str, str] | None = None) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, ref in (step.inputs if refs is None else refs).items():
            head, _, key = ref.partition(".")
            source = self.form if head == "form" else self.steps[head].result
            if source.get(key):
                values[name] = source[key]
        return values

    # -- commands ----------------------------------------------------------------
    def advance(self, now: dt.datetime, new_command_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> list[Dispatch]:
        """Dispatch every step whose dependencies are met; return what must be sent."""
        dispatches = []
        for step in self.ready_steps():
            if step.wait_s is not None:
                self.start_wait(step.id, now, now + dt.timedelta(seconds=step.wait_s))
                continue
            due_at = now + dt.timedelta(seconds=step.time_limit_s)
            self.dispatch_step(step.id, new_command_id(), self.resolve_inputs(step), now, due_at,
                               self.bundle, step.department, step.action,
                               min(now + dt.timedelta(seconds=step.retry_after_s), due_at))
            dispatches.append(self.dispatch_of(step))
        return dispatches

    def dispatch_of(self, step: StepState) -> Dispatch:
        return Dispatch(self.id, self.bundle, step.id, step.command_id, step.department, step.action,
                        dict(step.sent_inputs), step.dispatched_at, step.due_at)

    def chase(self, step_id: str, now: dt.datetime) -> bool:
        """Look again at an unanswered step: flag it once its time limit has run out, and re-send its
        command (same id: departments answer it once) when the reply is late. False if nothing to do."""
        step = self.steps.get(step_id)
        if step is None or self.is_settled or step.next_check is None or now < step.next_check:
            return False
        if step.status == COMPENSATING:
            self._chase_compensation(step, now)
            return True
        if step.overdue_since is None and now >= step.due_at:
            self.flag_overdue(step_id, now, step.next_resend_at)
        if now >= step.next_resend_at and step.sends >= step.retry_attempts:
            reason = f"no answer from {step.department} after {step.sends} attempts"
            self.give_up(step_id, reason, now)
            self.fail([f"{step_id} ({step.department}): {reason}"], now)
            return True
        if now >= step.next_resend_at:
            next_resend = now + dt.timedelta(seconds=step.resend_interval(step.sends))
            check_at = next_resend if step.overdue_since else min(next_resend, step.due_at)
            self.resend_command(step_id, step.command_id, dict(step.sent_inputs), now, next_resend, self.bundle,
                                step.department, step.action, step.due_at, check_at)
        return True

    def _chase_compensation(self, step: StepState, now: dt.datetime) -> None:
        """An undo is unanswered: re-send it (same id) at the step's retry pace, until its attempts
        are used up; then record that it could not be undone and go on with the rest."""
        if step.compensation_sends >= step.retry_attempts:
            reason = f"no answer from {step.department} after {step.compensation_sends} attempts"
            self.settle_compensation(step.id, step.compensation_command_id, False, {}, reason, now)
            self._compensate_next(now)
            return
        next_resend = now + dt.timedelta(seconds=step.resend_interval(step.compensation_sends))
        self.resend_compensation(step.id, step.compensation_command_id,
                                 self.resolve_inputs(step, step.compensation["inputs"]), now,
                                 step.compensation_due_at, self.bundle, step.department,
                                 step.compensation["action"], next_resend)

    # -- operators ---------------------------------------------------------------
    def _operable(self, step_id: str, action: str) -> StepState:
        """The step an operator may retry or skip: FAILED in an application that failed with nothing
        undone yet, or DISPATCHED past its time limit in a running one."""
        step = self.steps.get(step_id)
        if step is None:
            raise UnknownStep(f"application {self.id} has no step {step_id!r}")
        failed_untouched = (step.status == FAILED and self.status == FAILED
                            and not any(s.status in (COMPENSATED, COMPENSATING) for s in self.steps.values()))
        stuck = step.status == DISPATCHED and step.overdue_since is not None and self.status == IN_PROGRESS
        if not (failed_untouched or stuck):
            raise OperatorActionRefused(
                f"{action} needs a FAILED step of a FAILED application with nothing undone, or an overdue "
                f"DISPATCHED step; {step_id} is {step.status} and the application {self.status}")
        return step

    def retry(self, step_id: str, operator: str, reason: str, now: dt.datetime) -> Dispatch:
        """Send the step again, under the same command id: a department that did the work but whose
        answer was lost answers what it recorded (a new id would be refused as a second card or
        certificate), and one that never got it does it now."""
        step = self._operable(step_id, "a retry")
        due_at = now + dt.timedelta(seconds=step.time_limit_s)
        self.retry_step(step_id, step.command_id, self.resolve_inputs(step), now, due_at, self.bundle, step.department,
                        step.action, min(now + dt.timedelta(seconds=step.retry_after_s), due_at), operator, reason)
        return self.dispatch_of(step)

    def skip(self, step_id: str, operator: str, reason: str, now: dt.datetime) -> None:
        """Go on without the step, if no later step needs what it would have issued."""
        self._operable(step_id, "a skip")
        needing = [s.id for s in self.steps.values()
                   if any(ref.partition(".")[0] == step_id for ref in s.inputs.values())]
        if needing:
            raise OperatorActionRefused(f"{', '.join(needing)} need(s) the results of {step_id}; it cannot be skipped")
        self.skip_step(step_id, operator, reason, now)
        self.advance(now)
        if self._all_done():
            self.complete(now)

    def _resume(self) -> None:
        """A failed application an operator picks up again: running, its cancelled steps pending."""
        if self.status == FAILED:
            self.status, self.settled_at, self.reasons, self.faulted = IN_PROGRESS, None, [], False
            for state in self.steps.values():
                if state.status == CANCELLED:
                    state.status = PENDING

    @event("StepRetried")
    def retry_step(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime, due_at: dt.datetime,
                   bundle: str, department: str, action: str, check_at: dt.datetime, operator: str,
                   reason: str) -> None:
        self._resume()
        state = self.steps[step]
        state.status, state.command_id, state.sent_inputs, state.reason = DISPATCHED, command_id, dict(inputs), ""
        state.dispatched_at, state.due_at, state.settled_at, state.overdue_since = at, due_at, None, None
        state.sends, state.next_resend_at = 1, at + dt.timedelta(seconds=state.retry_after_s)

    @event("StepSkipped")
    def skip_step(self, step: str, operator: str, reason: str, at: dt.datetime) -> None:
        self._resume()
        state = self.steps[step]
        state.status, state.reason, state.settled_at = SKIPPED, f"skipped by {operator}: {reason}", at

    def dead_lettered(self, step_id: str, command_id: str, error: str, now: dt.datetime) -> bool:
        """A command of this application (or its answer) was given up as undeliverable: the step
        fails with the error, and the application compensates and ends FAILED. False if the command
        is no longer the step's current one (an old copy), which changes nothing."""
        step = self.steps.get(step_id)
        if step is None:
            raise UnknownStep(f"application {self.id} has no step {step_id!r}")
        if step.status == COMPENSATING and command_id == step.compensation_command_id:
            self.settle_compensation(step_id, command_id, False, {}, f"dead-lettered: {error}", now)
            self._compensate_next(now)
            return True
        if step.status != DISPATCHED or step.command_id != command_id:
            return False
        self.flag_dead_letter(step_id, command_id, error, now)
        if self.status == COMPENSATING:
            self._compensate_next(now)
        elif not self.is_settled:
            self.fail([f"{step_id} ({step.department}): dead-lettered: {error}"], now)
        return True

    @event("StepDeadLettered")
    def flag_dead_letter(self, step: str, command_id: str, error: str, at: dt.datetime) -> None:
        state = self.steps[step]
        state.status, state.reason, state.settled_at = FAILED, f"dead-lettered: {error}", at
        self.faulted = True

    # check_at on these events is when the coordinator must look at the step again (the timer index).
    @event("StepFailed")
    def give_up(self, step: str, reason: str, at: dt.datetime) -> None:
        state = self.steps[step]
        state.status, state.reason, state.settled_at = FAILED, reason, at
        self.faulted = True

    @event("StepOverdue")
    def flag_overdue(self, step: str, at: dt.datetime, check_at: dt.datetime) -> None:
        self.steps[step].overdue_since = at

    @event("CommandResent")
    def resend_command(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                       next_resend_at: dt.datetime, bundle: str, department: str, action: str,
                       due_at: dt.datetime, check_at: dt.datetime) -> None:
        state = self.steps[step]
        state.sends += 1
        state.next_resend_at = next_resend_at

    def waits(self) -> list[StepState]:
        return [s for s in self.steps.values() if s.status == WAITING]

    def end_wait(self, step_id: str, now: dt.datetime) -> bool:
        """The wait is over if its time has come: complete the step. False if not (yet) or not waiting."""
        step = self.steps.get(step_id)
        if step is None or step.status != WAITING or self.is_settled or now < step.fires_at:
            return False
        self.complete_step(step_id, "", {"waited_until": step.fires_at.isoformat()}, now)
        if self._all_done():
            self.complete(now)
        return True

    def object(self, objector: str, reason: str, now: dt.datetime, objector_role: str = "") -> None:
        """An objection during an objection period stops the application."""
        open_periods = [s for s in self.waits() if s.objections]
        if self.is_settled or self.status == COMPENSATING or not open_periods:
            raise ObjectionNotOpen(f"application {self.id} has no objection period running")
        step = open_periods[0]
        self.raise_objection(step.id, objector_role, objector, reason, now)
        self.fail([f"{step.id}: {objection_text(objector_role, objector, reason)}"], now)

    @event("WaitStarted")
    def start_wait(self, step: str, at: dt.datetime, fires_at: dt.datetime) -> None:
        state = self.steps[step]
        state.status, state.dispatched_at, state.fires_at, state.due_at = WAITING, at, fires_at, fires_at

    class ObjectionRaised(Aggregate.Event):
        """Version 2 records who objected as a role (债权人, a creditor) and a name; version 1 had
        one `objector` text, "债权人 青岛某供应商", which the upcaster splits at the first space."""

        class_version = 2
        step: str
        objector_role: str
        objector: str
        reason: str
        at: dt.datetime

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            role, _, name = state["objector"].partition(" ")
            state["objector_role"], state["objector"] = (role, name) if name else ("", state["objector"])

    @event(ObjectionRaised)
    def raise_objection(self, step: str, objector_role: str, objector: str, reason: str, at: dt.datetime) -> None:
        state = self.steps[step]
        state.status, state.reason, state.settled_at = REJECTED, objection_text(objector_role, objector, reason), at

    def record_result(self, step_id: str, command_id: str, completed: bool, outputs: dict[str, str],
                      reason: str, now: dt.datetime, delivery: int = 1,
                      decided_at: dt.datetime | None = None) -> bool:
        """Apply a department's answer. Returns False for a duplicate or late answer, which changes nothing."""
        step = self.steps.get(step_id)
        if step is None:
            raise UnknownStep(f"application {self.id} has no step {step_id!r}")
        if step.status == COMPENSATING and command_id == step.compensation_command_id:
            self.settle_compensation(step_id, command_id, completed, dict(outputs), reason, now)
            self._compensate_next(now)
            return True
        if step.status != DISPATCHED or step.command_id != command_id:
            return False
        if self.is_settled:
            # The application ended while this step was in flight: record what the department did,
            # so the stream tells the truth, but start nothing more.
            self._record_answer(step_id, command_id, completed, outputs, reason, now, delivery, decided_at)
            return True
        if self.status == COMPENSATING:  # a step that was in flight when the application failed
            self._record_answer(step_id, command_id, completed, outputs, reason, now, delivery, decided_at)
            self._compensate_next(now)
            return True
        self._record_answer(step_id, command_id, completed, outputs, reason, now, delivery, decided_at)
        if not completed:
            self.fail([f"{step_id} ({step.department}): {reason}"], now)
        elif self._all_done():
            self.complete(now)
        return True

    def _record_answer(self, step_id: str, command_id: str, completed: bool, outputs: dict[str, str],
                       reason: str, now: dt.datetime, delivery: int, decided_at: dt.datetime | None) -> None:
        if completed:
            self.complete_step(step_id, command_id, dict(outputs), now, delivery, decided_at)
        else:
            self.reject_step(step_id, command_id, reason, now, delivery, decided_at)

    def fail(self, reasons: list[str], now: dt.datetime) -> None:
        """The application cannot complete: undo what declares an undo, then end REJECTED (FAILED after a fault)."""
        if any(s.compensation and s.status in (COMPLETED, DISPATCHED) for s in self.steps.values()):
            self.start_compensation(reasons, now)
            self._compensate_next(now)
        else:
            self._end_unsuccessfully(reasons, now)

    def _end_unsuccessfully(self, reasons: list[str], now: dt.datetime) -> None:
        if self.faulted:
            self.end_failed(reasons, now)
        else:
            self.reject(reasons, now)

    def _compensate_next(self, now: dt.datetime) -> None:
        """Undo one completed step at a time, in reverse dependency order: a step is undone only once
        nothing that depends on it is still running or still to be undone."""
        if any(s.status == COMPENSATING for s in self.steps.values()):
            return
        blocked: set[str] = set()
        for step in reversed(list(self.steps.values())):  # the plan lists dependents after what they need
            waiting_on_it = step.id in blocked or step.status == DISPATCHED
            if step.status == COMPLETED and step.compensation and not waiting_on_it:
                inputs = self.resolve_inputs(step, step.compensation["inputs"])
                self.dispatch_compensation(step.id, str(uuid.uuid4()), inputs, now,
                                           now + dt.timedelta(seconds=step.time_limit_s), self.bundle,
                                           step.department, step.compensation["action"],
                                           now + dt.timedelta(seconds=step.retry_after_s))
                return
            if waiting_on_it or (step.status == COMPLETED and step.compensation):
                blocked.update(step.depends_on)
        if not any(s.compensation and s.status in (COMPLETED, DISPATCHED) for s in self.steps.values()):
            self._end_unsuccessfully(self.reasons, now)
        # otherwise an answer still in flight must come first (it may need undoing); it calls this again

    @event("CompensationStarted")
    def start_compensation(self, reasons: list[str], at: dt.datetime) -> None:
        self.status, self.reasons = COMPENSATING, list(reasons)
        for state in self.steps.values():
            if state.status in (PENDING, WAITING):
                state.status = CANCELLED

    @event("CompensationDispatched")
    def dispatch_compensation(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                              due_at: dt.datetime, bundle: str, department: str, action: str,
                              check_at: dt.datetime | None = None) -> None:
        state = self.steps[step]
        state.status, state.compensation_command_id = COMPENSATING, command_id
        state.compensation_sends, state.compensation_next_resend_at = 1, check_at
        state.compensation_due_at = due_at

    @event("CompensationResent")
    def resend_compensation(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                            due_at: dt.datetime, bundle: str, department: str, action: str,
                            check_at: dt.datetime) -> None:
        state = self.steps[step]
        state.compensation_sends += 1
        state.compensation_next_resend_at = check_at

    @event("StepCompensated")
    def settle_compensation(self, step: str, command_id: str, completed: bool, result: dict[str, str],
                            reason: str, at: dt.datetime) -> None:
        state = self.steps[step]
        # A refused undo leaves the step's effect in place; the reasons say so for an officer to follow up.
        state.status = COMPENSATED if completed else COMPLETED
        state.compensation_result = dict(result)
        if not completed:
            state.compensation = None
            self.reasons = self.reasons + [f"could not undo {step}: {reason}"]

    @event("StepDispatched")
    def dispatch_step(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                      due_at: dt.datetime, bundle: str = "", department: str = "", action: str = "",
                      check_at: dt.datetime | None = None) -> None:
        # bundle, department and action are repeated from the plan so that the event alone is the
        # command the outbox relay publishes.
        state = self.steps[step]
        state.status, state.command_id, state.sent_inputs = DISPATCHED, command_id, dict(inputs)
        state.dispatched_at, state.due_at = at, due_at
        state.sends, state.next_resend_at = 1, at + dt.timedelta(seconds=state.retry_after_s)

    @event("StepCompleted")
    def complete_step(self, step: str, command_id: str, result: dict[str, str], at: dt.datetime,
                      delivery: int = 1, decided_at: dt.datetime | None = None) -> None:
        state = self.steps[step]
        state.status, state.result, state.settled_at, state.delivery = COMPLETED, dict(result), at, delivery
        state.decided_at = decided_at

    @event("StepRejected")
    def reject_step(self, step: str, command_id: str, reason: str, at: dt.datetime, delivery: int = 1,
                    decided_at: dt.datetime | None = None) -> None:
        state = self.steps[step]
        state.status, state.reason, state.settled_at, state.delivery = REJECTED, reason, at, delivery
        state.decided_at = decided_at

    @event("Completed")
    def complete(self, at: dt.datetime) -> None:
        self.status, self.settled_at = COMPLETED, at

    @event("Failed")
    def end_failed(self, reasons: list[str], at: dt.datetime) -> None:
        self.status, self.settled_at, self.reasons = FAILED, at, list(reasons)
        for state in self.steps.values():
            if state.status in (PENDING, WAITING):
                state.status = CANCELLED

    @event("Rejected")
    def reject(self, reasons: list[str], at: dt.datetime) -> None:
        self.status, self.settled_at, self.reasons = REJECTED, at, list(reasons)
        for state in self.steps.values():
            if state.status in (PENDING, WAITING):
                state.status = CANCELLED
