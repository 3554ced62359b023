"""告知承诺 on the application: the commitments the applicant made instead of proofs, their
verification, and what a false one does (this class is one of the Application aggregate's bases).

At submission each commitment the bundle declares is recorded (`CommitmentMade`, with its plan as
plain data); the steps go ahead. When its `after` has passed, a durable timer has the coordinator
send the verifying department's action (`CommitmentCommandSent`: a command like a step's, published
by the relay, answered on the results exchange; re-sent under the same id while unanswered). The
answer says whether the commitment holds: `CommitmentVerified`, or `CommitmentBroken`. An officer of
the verifying department may record the same finding (`record_finding`). A broken commitment sends
its register record (the department's `record:` action) and undoes what it allowed with the
application's own compensation, even after it COMPLETED; the application then ends REVOKED
(`Revoked`) with the finding as its reason.

Events defined here are stored under this class's topic: dispatch on `Commitments.<Event>`.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from eventsourcing.domain import Aggregate, event

from lifeevents.callers import Principal, Role
from saga.domain.commitment_specs import FINDING, HOLDS
from saga.domain.errors import CommitmentNotOpen, InvalidRequest, PermissionDenied
from saga.domain.ports import Outcome, StepAnswer
from saga.domain.statuses import ApplicationStatus

VERIFY, RECORD = "verify", "record"
PREFIX = "commitment."
# An unanswered verification or record is sent again after this, then at doubling intervals up to a day.
RESEND_AFTER, RESEND_AT_MOST = dt.timedelta(hours=1), dt.timedelta(days=1)
# While these hold, a commitment may still be verified: what it allowed can be undone.
_OPEN = (ApplicationStatus.IN_PROGRESS, ApplicationStatus.COMPLETED)


class CommitmentStatus(enum.StrEnum):
    MADE = "MADE"  # recorded; its verification is not due yet
    VERIFYING = "VERIFYING"  # the verifying department has been asked
    VERIFIED = "VERIFIED"
    BROKEN = "BROKEN"

    @property
    def is_settled(self) -> bool:
        return self in (CommitmentStatus.VERIFIED, CommitmentStatus.BROKEN)


def command_step(name: str, purpose: str) -> str:
    """The `step` a commitment's command travels under (no bundle step has a dot in its id)."""
    return f"{PREFIX}{name}.{purpose}"


def parse_command_step(step: str) -> tuple[str, str] | None:
    """(commitment, purpose) of a command step, None for a bundle step."""
    if not step.startswith(PREFIX):
        return None
    name, _, purpose = step[len(PREFIX):].rpartition(".")
    return (name, purpose) if name and purpose in (VERIFY, RECORD) else None


@dataclass
class SentCommand:
    department: str
    action: str
    inputs: dict[str, str]  # input name -> "form.<field>"
    command_id: str = ""
    sends: int = 0
    answered: bool = False
    result: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any] | None) -> SentCommand | None:
        return cls(entry["department"], entry["action"], dict(entry["inputs"])) if entry else None

    @property
    def awaited(self) -> bool:
        return bool(self.command_id) and not self.answered


@dataclass
class CommitmentState:
    name: str
    text: dict[str, str]
    allows: list[str]
    verify: SentCommand
    record: SentCommand | None
    made_at: dt.datetime
    verify_at: dt.datetime | None
    status: CommitmentStatus = CommitmentStatus.MADE
    finding: str = ""
    found_by: str = ""  # the officer whose finding it was; empty when the department's answer was
    settled_at: dt.datetime | None = None
    refusals: list[str] = field(default_factory=list)  # why the department could not verify it

    def command(self, purpose: str) -> SentCommand | None:
        return self.verify if purpose == VERIFY else self.record


class Commitments(Aggregate):
    """What the Application aggregate does with the commitments its applicant made."""

    @property
    def commitments(self) -> dict[str, CommitmentState]:
        return self.__dict__.setdefault("_commitments", {})

    @property
    def revoking(self) -> bool:
        """A commitment was found false: the application ends REVOKED once what it allowed is undone."""
        return any(c.status == CommitmentStatus.BROKEN for c in self.commitments.values())

    def make_commitments(self, plans: list[Mapping[str, Any]], now: dt.datetime) -> None:
        """Record the commitments the applicant accepted, each with when it is to be verified."""
        for plan in plans:
            after = plan.get("after_s")
            self._commitment_made(plan["name"], dict(plan), now, now + dt.timedelta(seconds=after) if after else None)

    def commitment_due(self, step: str, now: dt.datetime) -> bool:
        """A commitment's timer: send its verification (or record) when due, or again while unanswered.
        False when nothing was due (settled meanwhile, the application ended, not yet)."""
        parsed = parse_command_step(step)
        state = self.commitments.get(parsed[0]) if parsed else None
        if state is None:
            return False
        purpose = parsed[1]
        command = state.command(purpose)
        if command is None or command.answered:
            return False
        if purpose == VERIFY and (state.status.is_settled or self.status not in _OPEN
                                  or state.verify_at is None or now < state.verify_at):
            return False
        self._send(state, purpose, now)
        return True

    def record_answer(self, answer: StepAnswer, now: dt.datetime) -> bool:
        """Any department's answer: a commitment's command's here, a step's as OfficerReview takes it."""
        if parse_command_step(answer.step) is None:
            return super().record_answer(answer, now)
        return self.record_commitment_answer(answer, now)

    def record_commitment_answer(self, answer: StepAnswer, now: dt.datetime) -> bool:
        """A department's answer to a commitment's command; False for one not awaited (a duplicate)."""
        name, purpose = parse_command_step(answer.step)
        state = self.commitments.get(name)
        command = state.command(purpose) if state else None
        if command is None or not command.awaited or command.command_id != answer.command_id:
            return False
        if purpose == RECORD:
            self._commitment_recorded(name, answer.command_id, answer.completed, dict(answer.outputs),
                                      answer.reason, now)
            return True
        if answer.outcome is not Outcome.COMPLETED:  # the department could not tell: an officer may
            self._verification_refused(name, answer.command_id, answer.reason or "refused", now)
            return True
        holds, finding = answer.outputs.get(HOLDS) == "true", answer.outputs.get(FINDING, "")
        self._settle(state, holds, finding, "", answer.command_id, now)
        return True

    def record_finding(self, name: str, holds: bool, finding: str, officer: str, now: dt.datetime) -> None:
        """An officer of the verifying department found the commitment true or false."""
        state = self.commitments.get(name)
        if state is None:
            raise CommitmentNotOpen(f"application {self.id} has no commitment {name!r}", "commitment")
        if state.status.is_settled:
            raise CommitmentNotOpen(f"commitment {name} is already {state.status.value.lower()}", "commitment")
        if self.status not in _OPEN:
            raise CommitmentNotOpen(f"application {self.id} is {self.status.value}: nothing left to verify",
                                    "application_id")
        self._settle(state, holds, finding, officer, "", now)

    def _settle(self, state: CommitmentState, holds: bool, finding: str, officer: str, command_id: str,
                now: dt.datetime) -> None:
        if holds:
            self._commitment_verified(state.name, command_id, officer, finding, now)
            return
        self._commitment_broken(state.name, command_id, officer, finding, now)
        if state.record is not None:
            self._send(state, RECORD, now)
        reasons = [revocation_text(state)]
        if self.status in _OPEN and self.steps.may_need_undo():
            self._start_compensation(reasons, now)  # advance sends the undos, then ends it REVOKED
        elif self.status in _OPEN:
            self._revoke(reasons, now)

    def _send(self, state: CommitmentState, purpose: str, now: dt.datetime) -> None:
        """Send (or send again, under the same id) a commitment's command; its id is derived from the
        application and the command's step, so every copy is the same command to the department."""
        command, step = state.command(purpose), command_step(state.name, purpose)
        pause = min(RESEND_AFTER * 2 ** command.sends, RESEND_AT_MOST)
        inputs = self.steps.resolve(self.form, command.inputs)
        if purpose == RECORD:
            inputs.update(commitment=state.name, finding=revocation_text(state))
        self._commitment_command_sent(step, str(uuid.uuid5(self.id, step)), inputs, now, now + pause,
                                      self.bundle, command.department, command.action, now + pause)

    # -- events --------------------------------------------------------------------------------------
    @event("CommitmentMade")
    def _commitment_made(self, name: str, plan: dict[str, Any], at: dt.datetime,
                         verify_at: dt.datetime | None) -> None:
        self.commitments[name] = CommitmentState(
            name, dict(plan["text"]), list(plan.get("allows") or []), SentCommand.from_plan(plan["verify"]),
            SentCommand.from_plan(plan.get("record")), at, verify_at)

    # Shaped as a step's command event (the relay publishes it): step, command, inputs, department, action.
    @event("CommitmentCommandSent")
    def _commitment_command_sent(self, step: str, command_id: str, inputs: dict[str, str], at: dt.datetime,
                                 due_at: dt.datetime, bundle: str, department: str, action: str,
                                 check_at: dt.datetime) -> None:
        name, purpose = parse_command_step(step)
        state = self.commitments[name]
        command = state.command(purpose)
        command.command_id, command.sends = command_id, command.sends + 1
        if purpose == VERIFY:
            state.status = CommitmentStatus.VERIFYING

    @event("CommitmentVerified")
    def _commitment_verified(self, name: str, command_id: str, officer: str, finding: str, at: dt.datetime) -> None:
        self._settled(name, CommitmentStatus.VERIFIED, officer, finding, at)

    @event("CommitmentBroken")
    def _commitment_broken(self, name: str, command_id: str, officer: str, finding: str, at: dt.datetime) -> None:
        self._settled(name, CommitmentStatus.BROKEN, officer, finding, at)

    def _settled(self, name: str, status: CommitmentStatus, officer: str, finding: str, at: dt.datetime) -> None:
        state = self.commitments[name]
        state.status, state.found_by, state.finding, state.settled_at = status, officer, finding, at
        state.verify.answered = state.verify.answered or bool(state.verify.command_id)

    @event("VerificationRefused")
    def _verification_refused(self, name: str, command_id: str, reason: str, at: dt.datetime) -> None:
        state = self.commitments[name]
        state.verify.answered, state.verify.reason = True, reason
        state.refusals = state.refusals + [reason]

    @event("CommitmentRecorded")
    def _commitment_recorded(self, name: str, command_id: str, completed: bool, result: dict[str, str],
                             reason: str, at: dt.datetime) -> None:
        record = self.commitments[name].record
        record.answered, record.result, record.reason = True, dict(result), "" if completed else reason

    @event("Revoked")
    def _revoke(self, reasons: list[str], at: dt.datetime) -> None:
        self._ended(ApplicationStatus.REVOKED, reasons, at)


MAX_FINDING = 1000


def check_finding(finding: str) -> str:
    """What an officer found: 1 to MAX_FINDING characters, no control characters."""
    finding = (finding or "").strip()
    if not finding or len(finding) > MAX_FINDING or not finding.isprintable():
        raise InvalidRequest("a finding says what was found", "finding", f"1 to {MAX_FINDING} printable characters")
    return finding


def check_may_record_finding(caller: Principal, application: Commitments, name: str) -> None:
    """Only an officer of the department that verifies the commitment records a finding on it."""
    state = application.commitments.get(name)
    department = state.verify.department if state is not None else ""
    if caller.role is not Role.OFFICER:
        raise PermissionDenied("only an officer of the verifying department records a finding")
    if state is not None and caller.department != department:
        raise PermissionDenied(f"commitment {name} is verified by {department}, not {caller.department}",
                               "commitment", f"verified by {department}")


def revocation_text(state: CommitmentState) -> str:
    """Why the application is revoked."""
    who = f"officer {state.found_by}" if state.found_by else state.verify.department
    finding = f": {state.finding}" if state.finding else ""
    return f"commitment {state.name} found false by {who}{finding} ({state.text.get('en', '')})"[:1000]
