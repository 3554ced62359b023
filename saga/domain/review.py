"""Back-office review (后台审批) on the application: what the coordinator records while an officer of a
department decides a step, as the Application aggregate's events (this class is one of its bases).

The command said who decides (saga/domain/approval.py); a department that opens a case answers with
progress (WITH_OFFICER, since when, the officer once claimed), then with the officer's decision: a
result with `decided_by`, or the case returned for correction with a reason per input (RETURNED).
A returned step waits; `reopen_returned` (the applicant's correction, for the front desk's
Supplement to call) sends it again under a new command id with the form as it then is.

The events are defined on this class, so they are stored under its topic
(saga.domain.review:OfficerReview.<Event>): dispatch on `OfficerReview.<Event>`, not on
`Application.<Event>` (eventsourcing gives a subclass its own copies of inherited event classes,
which the events recorded are not instances of).
"""
from __future__ import annotations

import datetime as dt

from eventsourcing.domain import Aggregate, event

from saga.domain.approval import CaseReview
from saga.domain.errors import UnknownStep
from saga.domain.ports import Outcome, StepAnswer
from saga.domain.reads import Read, case_reads
from saga.domain.statuses import ApplicationStatus, StepStatus
from saga.domain.steps import StepState


class OfficerReview(Aggregate):
    """What the Application aggregate does with the answers of a department whose officer decides."""

    def record_answer(self, answer: StepAnswer, now: dt.datetime) -> bool:
        """Any answer of a department to a step: progress, an officer's decision (recorded with who
        decided, as an opening of the case if no progress said so), a return for correction, or the
        department's own result (record_result). False when it changed nothing."""
        if answer.outcome is Outcome.WITH_OFFICER:
            return self.record_progress(answer.step, answer.command_id, answer.since or now, answer.officer,
                                        list(answer.reasons), now)
        step = self._reviewed_step(answer.step)
        if answer.decided_by and step.is_current(answer.command_id):
            if step.case.officer != answer.decided_by:
                self._with_officer(step.id, answer.command_id, step.case.since or answer.decided_at or now,
                                   answer.decided_by, [], now)
            self._decided_by_officer(step.id, answer.command_id, answer.decided_by, now)
        if answer.outcome is Outcome.RETURNED:
            if not step.is_current(answer.command_id):
                return False
            self._return_step(step.id, answer.command_id, answer.decided_by, dict(answer.returned), now)
            return True
        return self.record_result(answer.step, answer.command_id, answer.completed, dict(answer.outputs),
                                  answer.reason, now, max(answer.delivery, 1), answer.decided_at)

    def record_progress(self, step_id: str, command_id: str, since: dt.datetime, officer: str, reasons: list[str],
                        now: dt.datetime) -> bool:
        """The department has the case in its worklist (claimed by `officer`, if any). False for a
        command no longer awaited, or when it tells nothing new (a chase answered again)."""
        step = self._reviewed_step(step_id)
        if not step.is_current(command_id):
            return False
        case = step.case
        new_reasons = [r for r in reasons if r not in case.reasons]
        if step.status == StepStatus.WITH_OFFICER and case.officer == officer and not new_reasons:
            return False
        self._with_officer(step_id, command_id, case.since or since, officer, new_reasons, now)
        return True

    def reopen_returned(self, now: dt.datetime) -> list[str]:
        """The applicant corrected what officers returned: the returned steps are pending again (the
        caller's `advance` sends them, under new command ids, with the form as it now is). Returns them."""
        if self.status != ApplicationStatus.IN_PROGRESS:
            return []
        returned = [s.id for s in self.steps.values() if s.status == StepStatus.RETURNED]
        for step_id in returned:
            self._reopen_returned(step_id, now)
        return returned

    def _reviewed_step(self, step_id: str) -> StepState:
        if (step := self.steps.get(step_id)) is None:
            raise UnknownStep(f"application {self.id} has no step {step_id!r}")
        return step

    # -- events --------------------------------------------------------------------------------------
    @event("StepWithOfficer")
    def _with_officer(self, step: str, command_id: str, since: dt.datetime, officer: str, reasons: list[str],
                      at: dt.datetime) -> None:
        state = self.steps[step]
        state.status = StepStatus.WITH_OFFICER
        state.case.since, state.case.officer = since, officer
        state.case.reasons = state.case.reasons + [r for r in reasons if r not in state.case.reasons]

    @event("StepDecidedByOfficer")
    def _decided_by_officer(self, step: str, command_id: str, officer: str, at: dt.datetime) -> None:
        self.steps[step].case.decided_by = officer

    @event("StepReturned")
    def _return_step(self, step: str, command_id: str, officer: str, returned_inputs: dict[str, str],
                     at: dt.datetime) -> None:
        state = self.steps[step]
        state.status, state.case.returned_inputs = StepStatus.RETURNED, dict(returned_inputs)
        state.case.returned_at = at  # with the applicant from now: its time limit stops (front_desk.py)
        state.reason = returned_text(officer, returned_inputs)

    @event("ReturnedStepReopened")
    def _reopen_returned(self, step: str, at: dt.datetime) -> None:
        state = self.steps[step]
        returned_at = state.case.returned_at
        state.status, state.reason, state.case = StepStatus.PENDING, "", CaseReview()
        if returned_at is not None and state.due_at is not None:  # sent again with what was left of its limit
            state.remaining = max(state.due_at - returned_at, dt.timedelta(0))


def returned_text(officer: str, returned_inputs: dict[str, str]) -> str:
    """What the applicant is told to correct."""
    what = "; ".join(f"{name}: {why}" for name, why in sorted(returned_inputs.items()))
    return f"returned for correction by {officer or 'an officer'}: {what}"


def openings_read(application: OfficerReview, principals: list[str]) -> list[Read]:
    """The reads its new events say officers made: each case an officer opened (claimed, or decided
    without a claim the coordinator heard of), with the items its step sent, for the principals' logs."""
    return [read for e in application.pending_events
            if isinstance(e, OfficerReview.StepWithOfficer) and e.officer
            for read in case_reads(e.officer, application.steps[e.step].department, principals, str(application.id),
                                   application.steps[e.step].sent_inputs)]
