"""Withdrawal (撤回申请) on the application: its principal (or their agent) withdraws it before it
ends, with a reason; this class is one of the Application aggregate's bases.

A withdrawal reuses the aggregate's compensation: what has not started is cancelled (pending and
waiting steps, steps returned for correction), the steps in flight are waited for (their answers
are recorded as ever), and each completed step that declares an undo is undone, latest first
(`CompensationStarted`, then the undos `advance` sends). The application is COMPENSATING meanwhile,
and ends WITHDRAWN (`Withdrawn`) once nothing is in flight and nothing is left to undo; at once if
nothing was started. A step an officer holds is waited for too: its decision is recorded, then
undone if it was done.

Any status before the end may be withdrawn but an offer (OFFERED: declined, not withdrawn) and an
application already being undone (COMPENSATING: it is ending anyway). After the end:
WithdrawalRefused.

The events are defined on this class, so they are stored under its topic
(saga.domain.withdrawal:Withdrawal.<Event>): dispatch on `Withdrawal.<Event>`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from saga.domain.errors import WithdrawalRefused
from saga.domain.statuses import ApplicationStatus

NOT_WITHDRAWABLE = (ApplicationStatus.OFFERED, ApplicationStatus.COMPENSATING)


@dataclass(frozen=True)
class WithdrawalState:
    by: str  # who withdrew it: a principal's resident ID, or the agent's
    agent: str  # the agent's resident ID when an agent did, else ""
    reason: str
    at: dt.datetime


def withdrawal_text(reason: str) -> str:
    return f"withdrawn by the applicant: {reason}"


class Withdrawal(Aggregate):
    """The withdrawal's command and events, mixed into the Application aggregate."""

    withdrawal = None  # type: WithdrawalState | None  (set by WithdrawalRequested; not annotated, as in rating.py)

    @property
    def awaits_in_flight(self) -> bool:
        """Whether a withdrawal still waits for a step in flight before it may end."""
        return self.withdrawal is not None and bool(self.steps.in_flight())

    def check_withdrawable(self) -> None:
        """WithdrawalRefused unless the application may be withdrawn now."""
        if self.status.is_terminal:
            raise WithdrawalRefused(f"the application has ended ({self.status}); it can no longer be withdrawn")
        if self.status == ApplicationStatus.OFFERED:
            raise WithdrawalRefused("an offer is declined (Decline), not withdrawn")
        if self.status in NOT_WITHDRAWABLE:
            raise WithdrawalRefused(f"the application is {self.status}: it is ending already")

    def withdraw(self, by: str, agent: str, reason: str, now: dt.datetime) -> None:
        """Record the withdrawal, then stop: compensate (the caller's `advance` sends the undos, and ends
        it once the steps in flight have answered), or end WITHDRAWN at once if nothing was started."""
        self.check_withdrawable()
        self._request_withdrawal(by, agent, reason, now)
        reasons = [withdrawal_text(reason)]
        if self.steps.may_need_undo() or self.steps.in_flight():
            self._start_compensation(reasons, now)
        else:
            self._end(reasons, now)

    # -- events --------------------------------------------------------------------------------------
    @event("WithdrawalRequested")
    def _request_withdrawal(self, by: str, agent: str, reason: str, at: dt.datetime) -> None:
        self.withdrawal = WithdrawalState(by, agent, reason, at)

    @event("Withdrawn")
    def _end_withdrawn(self, reasons: list[str], at: dt.datetime) -> None:
        self._ended(ApplicationStatus.WITHDRAWN, reasons, at)
