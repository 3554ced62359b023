"""A step of an application: its state (status from saga/domain/statuses.py), how it is chased and how
it is undone.

The plan recorded in the Submitted event is plain data (plan_of); StepState.from_plan reads it
back, so streams keep their meaning when a bundle definition later changes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from saga.domain.approval import Approval, CaseReview
from saga.domain.errors import OperatorActionRefused
from saga.domain.statuses import ApplicationStatus, StepStatus

if TYPE_CHECKING:
    from saga.domain.bundle import Bundle, StepSpec


@dataclass(frozen=True)
class RetryPolicy:
    """How an unanswered command is chased: re-sent (same command id) after `after`, then at doubling
    intervals up to `max_interval`; after `attempts` sends with no answer the step fails, a fault
    rather than a refusal. The defaults are the only ones: the parser, the plan and old streams
    without a policy use them."""

    after: dt.timedelta = dt.timedelta(seconds=30)
    max_interval: dt.timedelta = dt.timedelta(minutes=10)
    attempts: int = 8

    def __deepcopy__(self, memo: dict) -> RetryPolicy:
        return self  # immutable: a copy of an application (the aggregate cache makes one per change) shares it

    def interval(self, sends: int) -> dt.timedelta:
        """The pause after the `sends`-th send."""
        return dt.timedelta(seconds=min(self.after.total_seconds() * 2 ** sends, self.max_interval.total_seconds()))

    def as_plan(self) -> dict[str, Any]:
        return {"retry_after_s": self.after.total_seconds(),
                "retry_max_interval_s": self.max_interval.total_seconds(), "retry_attempts": self.attempts}

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any]) -> RetryPolicy:
        default = cls()
        return cls(dt.timedelta(seconds=entry.get("retry_after_s", default.after.total_seconds())),
                   dt.timedelta(seconds=entry.get("retry_max_interval_s", default.max_interval.total_seconds())),
                   entry.get("retry_attempts", default.attempts))


@dataclass
class CompensationState:
    """How a completed step is undone (another action of its department), and how that undo goes."""

    action: str
    inputs: dict[str, str]  # input name -> "form.<field>" or "<step>.<result>"
    command_id: str = ""
    sends: int = 0
    due_at: dt.datetime | None = None
    next_resend_at: dt.datetime | None = None
    result: dict[str, str] = field(default_factory=dict)
    refused: bool = False  # refused by the department or never answered: the step's effect stays

    def resent(self, next_resend_at: dt.datetime) -> None:
        self.sends += 1
        self.next_resend_at = next_resend_at


@dataclass
class StepState:
    id: str
    department: str
    action: str
    inputs: dict[str, str]  # input name -> "form.<field>" or "<step>.<result>"
    depends_on: list[str]
    time_limit: dt.timedelta
    wait: dt.timedelta | None = None  # a period the coordinator waits out instead of a department action
    objections: bool = False  # whether an objection during the wait stops the application
    retry: RetryPolicy = RetryPolicy()
    compensation: CompensationState | None = None  # None: the step declares no undo
    approval: Approval = Approval()  # who decides its command: the department's rules or an officer
    status: StepStatus = StepStatus.PENDING
    command_id: str = ""
    sent_inputs: dict[str, str] = field(default_factory=dict)
    result: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    sends: int = 0
    delivery: int = 0  # which delivery of the command the department answered (>1: faults retried)
    dispatched_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    next_resend_at: dt.datetime | None = None
    overdue_since: dt.datetime | None = None  # flagged when the step's time limit ran out unanswered
    fires_at: dt.datetime | None = None  # when a wait ends
    decided_at: dt.datetime | None = None  # when the department decided, by its own clock
    settled_at: dt.datetime | None = None
    case: CaseReview = field(default_factory=CaseReview)  # who decides the command sent, and how that goes
    remaining: dt.timedelta | None = None  # reopened after a return: what was left of its time limit

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any]) -> StepState:
        undo = entry.get("compensation")
        return cls(entry["id"], entry["department"], entry["action"], dict(entry["inputs"]),
                   list(entry["depends_on"]), dt.timedelta(seconds=entry["time_limit_s"]),
                   dt.timedelta(seconds=entry["wait_s"]) if entry.get("wait_s") is not None else None,
                   entry.get("objections", False), RetryPolicy.from_plan(entry),
                   CompensationState(undo["action"], dict(undo["inputs"])) if undo else None,
                   Approval.from_plan(entry.get("approval")))

    @property
    def is_wait(self) -> bool:
        return self.wait is not None

    @property
    def may_need_undo(self) -> bool:
        """Completed, or still in flight, with an undo the department has not refused."""
        return (self.compensation is not None and not self.compensation.refused
                and (self.status == StepStatus.COMPLETED or self.status.is_in_flight))

    @property
    def next_check(self) -> dt.datetime | None:
        """When the coordinator must look at this step again, if its command (or undo) is unanswered."""
        if self.status == StepStatus.COMPENSATING:
            return self.compensation.next_resend_at
        if not self.status.is_in_flight:
            return None
        if self.overdue_since is None:
            return min(self.next_resend_at, self.due_at)
        return self.next_resend_at

    def is_current(self, command_id: str) -> bool:
        """Whether the command is the step's, still awaited."""
        return self.status.is_in_flight and command_id == self.command_id

    def is_undo(self, command_id: str) -> bool:
        """Whether the command is this step's undo, still awaited."""
        return self.status == StepStatus.COMPENSATING and command_id == self.compensation.command_id

    # -- changes, applied by the aggregate's events ------------------------------------------------
    def dispatched(self, command_id: str, inputs: Mapping[str, str], at: dt.datetime, due_at: dt.datetime,
                   review: str = "", review_reasons: list[str] | tuple[str, ...] = ()) -> None:
        self.status, self.command_id, self.sent_inputs = StepStatus.DISPATCHED, command_id, dict(inputs)
        self.reason = ""
        self.case = CaseReview(review, list(review_reasons))
        self.dispatched_at, self.due_at, self.settled_at, self.overdue_since = at, due_at, None, None
        self.remaining = None
        self.sends, self.next_resend_at = 1, at + self.retry.after

    def completed(self, result: Mapping[str, str], at: dt.datetime, delivery: int = 1,
                  decided_at: dt.datetime | None = None) -> None:
        self.status, self.result, self.settled_at = StepStatus.COMPLETED, dict(result), at
        self.delivery, self.decided_at = delivery, decided_at

    def ended(self, status: StepStatus, reason: str, at: dt.datetime, delivery: int | None = None,
              decided_at: dt.datetime | None = None) -> None:
        self.status, self.reason, self.settled_at = status, reason, at
        if delivery is not None:  # an answer from the department
            self.delivery, self.decided_at = delivery, decided_at

    def resent(self, next_resend_at: dt.datetime) -> None:
        self.sends += 1
        self.next_resend_at = next_resend_at

    def waiting_until(self, at: dt.datetime, fires_at: dt.datetime) -> None:
        self.status, self.dispatched_at, self.fires_at, self.due_at = StepStatus.WAITING, at, fires_at, fires_at

    def undo_dispatched(self, command_id: str, due_at: dt.datetime, check_at: dt.datetime | None) -> None:
        self.status = StepStatus.COMPENSATING
        undo = self.compensation
        undo.command_id, undo.sends, undo.due_at, undo.next_resend_at = command_id, 1, due_at, check_at

    def undo_settled(self, completed: bool, result: Mapping[str, str]) -> None:
        """Undone, or (refused or never answered) left in place, completed."""
        self.status = StepStatus.COMPENSATED if completed else StepStatus.COMPLETED
        self.compensation.result, self.compensation.refused = dict(result), not completed


class Steps(dict[str, StepState]):
    """An application's steps by id, in plan order: a step comes after the steps it depends on."""

    @classmethod
    def from_plan(cls, plan: list[Mapping[str, Any]]) -> Steps:
        return cls((entry["id"], StepState.from_plan(entry)) for entry in plan)

    def ready(self) -> list[StepState]:
        """Pending steps whose dependencies are done."""
        return [s for s in self.values()
                if s.status == StepStatus.PENDING and all(self[d].status.is_done for d in s.depends_on)]

    def resolve(self, form: Mapping[str, str], refs: Mapping[str, str]) -> dict[str, str]:
        """The values the references ("form.<field>", "<step>.<result>") point to, where there are any."""
        values: dict[str, str] = {}
        for name, ref in refs.items():
            head, _, key = ref.partition(".")
            source = form if head == "form" else self[head].result
            if source.get(key):
                values[name] = source[key]
        return values

    def in_flight(self) -> list[StepState]:
        """Sent and not yet answered (a department, or its officer, has them)."""
        return [s for s in self.values() if s.status.is_in_flight]

    def waiting(self) -> list[StepState]:
        return [s for s in self.values() if s.status == StepStatus.WAITING]

    def all_done(self) -> bool:
        return all(s.status.is_done for s in self.values())

    def using_results_of(self, step_id: str) -> list[str]:
        return [s.id for s in self.values() if any(ref.partition(".")[0] == step_id for ref in s.inputs.values())]

    def cancel_the_rest(self) -> None:
        """What has not started will not: pending, waiting and returned steps are cancelled."""
        for step in self.values():
            if step.status in (StepStatus.PENDING, StepStatus.WAITING, StepStatus.RETURNED,
                               StepStatus.AWAITING_MATERIALS):
                step.status = StepStatus.CANCELLED

    def uncancel(self) -> None:
        for step in self.values():
            if step.status == StepStatus.CANCELLED:
                step.status = StepStatus.PENDING

    # -- compensation ----------------------------------------------------------------------------------
    def may_need_undo(self) -> bool:
        return any(s.may_need_undo for s in self.values())

    def undoing(self) -> bool:
        """An undo is on its way (or has been): the application was compensating."""
        return any(s.status == StepStatus.COMPENSATING for s in self.values())

    def check_operable(self, step: StepState, application: ApplicationStatus, action: str) -> StepState:
        """An operator may retry or skip a step FAILED in an application that failed with nothing undone
        yet, or one DISPATCHED past its time limit in a running application."""
        failed_untouched = (step.status == StepStatus.FAILED and application == ApplicationStatus.FAILED and not any(
            s.status in (StepStatus.COMPENSATING, StepStatus.COMPENSATED) for s in self.values()))
        stuck = (step.status.is_in_flight and step.overdue_since is not None
                 and application == ApplicationStatus.IN_PROGRESS)
        if not (failed_untouched or stuck):
            raise OperatorActionRefused(
                f"{action} needs a FAILED step of a FAILED application with nothing undone, or an overdue "
                f"DISPATCHED step; {step.id} is {step.status} and the application {application}")
        return step

    def next_to_undo(self) -> StepState | None:
        """The completed step to undo next, in reverse dependency order: a step is undone only once
        nothing that depends on it is still running or still to be undone. None if none can be yet."""
        blocked: set[str] = set()
        for step in reversed(self.values()):  # dependents before what they need
            undoable = step.status == StepStatus.COMPLETED and step.may_need_undo
            if undoable and step.id not in blocked:
                return step
            if undoable or step.id in blocked or step.status.is_in_flight:
                blocked.update(step.depends_on)
        return None


def plan_of(bundle: Bundle) -> list[dict[str, Any]]:
    """The bundle's steps as plain data, to be recorded in the Submitted event."""
    return [plan_entry(step) for step in bundle.steps.values()]


def plan_entry(step: StepSpec) -> dict[str, Any]:
    entry = {"id": step.id, "department": step.department, "action": step.action,
             "inputs": {name: src.ref for name, src in step.inputs.items()}, "depends_on": list(step.depends_on),
             "time_limit_s": step.time_limit.total_seconds()}
    if step.is_wait:
        return {**entry, "wait_s": step.wait.total_seconds(), "objections": step.objections}
    undo = step.compensation
    approval = step.approval.as_plan()  # recorded only when an officer may decide
    return {**entry, **step.retry.as_plan(), **({"approval": approval} if approval else {}),
            "compensation": undo and {"action": undo.action, "inputs": {n: s.ref for n, s in undo.inputs.items()}}}
