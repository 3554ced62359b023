"""Front desk acceptance and correction (前台受理、补正), as the Application aggregate's events (this
class is one of its bases), and the pause of the promised time limit while a case is with the
applicant.

A bundle that declares `acceptance: front_desk` is not started at Submit: the application is
AWAITING_ACCEPTANCE in the front desk's queue (`AcceptanceAwaited`). A front-desk officer accepts it
(`AcceptedAtFrontDesk`: the steps start) or returns it for correction with a reason per field
(`ReturnedForCorrection`: RETURNED, with the applicant). The applicant's Supplement (materials.py
`supply`) puts a returned case back in the queue (`CorrectionReceived`); only an accepted case
starts its steps.

The clock of a correction does not count (statutory practice for 补正): the time a case spends with
the applicant — returned by the front desk, or a step returned by a department's officer
(review.py) — is added to the application's time limit (`paused_s`, `due_at`), and a step sent
again after its return keeps what was left of its own time limit.

Events are defined on this class and stored under its topic: dispatch on `FrontDesk.<Event>`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from eventsourcing.domain import Aggregate, event

from saga.domain.errors import NotAwaited
from saga.domain.statuses import ApplicationStatus, StepStatus

if TYPE_CHECKING:
    from saga.domain.bundle import Bundle

# The longest reason the front desk may give for one field.
MAX_REASON = 500


@dataclass
class Acceptance:
    """The case at the front desk: queued, returned (what to correct, by whom), accepted."""

    queued_at: dt.datetime
    accepted_at: dt.datetime | None = None
    accepted_by: str = ""
    returned: dict[str, str] = field(default_factory=dict)  # field -> why, while RETURNED
    returned_by: str = ""
    returned_at: dt.datetime | None = None
    returns: int = 0  # how many times it was returned


class FrontDesk(Aggregate):
    """The front desk's commands and the paused clock, mixed into the Application aggregate."""

    acceptance: Acceptance | None = None  # set by AcceptanceAwaited
    paused_s: float = 0.0  # time spent with the applicant, added to the time limit

    def await_acceptance(self, bundle: Bundle, now: dt.datetime) -> None:
        """At submission: a bundle accepted at the front desk waits in its queue; no step starts."""
        if bundle.front_desk:
            self._await_acceptance(now)

    @property
    def due_at(self) -> dt.datetime | None:
        """When the promised time limit runs out: from submission, plus the time with the applicant."""
        if self.submitted_at is None:
            return None
        return self.submitted_at + dt.timedelta(seconds=self.time_limit_s + self.paused_s)

    def check_in_queue(self) -> None:
        if self.status != ApplicationStatus.AWAITING_ACCEPTANCE:
            raise NotAwaited(f"application {self.id} is not in the front desk's queue (it is {self.status})")

    def accept(self, officer: str, now: dt.datetime) -> None:
        """A front-desk officer accepts the case: it runs (the caller's `advance` starts its steps)."""
        self.check_in_queue()
        self._accept(officer, now)

    def return_for_correction(self, officer: str, reasons: Mapping[str, str], now: dt.datetime) -> None:
        """A front-desk officer returns the case with what to correct, field by field (checked by the caller)."""
        self.check_in_queue()
        self._return_for_correction(officer, dict(reasons), now)

    def correction_received(self, now: dt.datetime) -> None:
        """The applicant answered a return (the front desk's, or an officer's of a step): the time since
        it was returned is added to the time limit, and a case the front desk returned is queued again."""
        if self.status == ApplicationStatus.RETURNED and self.acceptance is not None:
            since = self.acceptance.returned_at
        else:
            since = min((s.case.returned_at for s in self.steps.values()
                         if s.status == StepStatus.RETURNED and s.case.returned_at is not None), default=None)
        if since is not None:
            self._receive_correction(max(0.0, (now - since).total_seconds()), self.status == ApplicationStatus.RETURNED,
                                     now)

    # -- events --------------------------------------------------------------------------------------
    @event("AcceptanceAwaited")
    def _await_acceptance(self, at: dt.datetime) -> None:
        self.status, self.acceptance = ApplicationStatus.AWAITING_ACCEPTANCE, Acceptance(at)

    @event("AcceptedAtFrontDesk")
    def _accept(self, officer: str, at: dt.datetime) -> None:
        self.status = ApplicationStatus.IN_PROGRESS
        self.acceptance.accepted_at, self.acceptance.accepted_by = at, officer

    @event("ReturnedForCorrection")
    def _return_for_correction(self, officer: str, reasons: dict[str, str], at: dt.datetime) -> None:
        self.status = ApplicationStatus.RETURNED
        acceptance = self.acceptance
        acceptance.returned, acceptance.returned_by, acceptance.returned_at = dict(reasons), officer, at
        acceptance.returns += 1

    @event("CorrectionReceived")
    def _receive_correction(self, paused_s: float, requeued: bool, at: dt.datetime) -> None:
        self.paused_s = self.paused_s + paused_s
        if requeued:  # the front desk's return: back in its queue
            self.status = ApplicationStatus.AWAITING_ACCEPTANCE
            self.acceptance.returned, self.acceptance.returned_at = {}, None
