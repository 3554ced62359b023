"""Durable timers: an index of running waits, unanswered steps, open offers (a reminder halfway, the
expiry) and promised materials (a reminder halfway, the deadline), kept as a projection of the event log (saga/adapters/projections.py), and the scheduler that fires what is due.

Only pending timers are stored, and only due ones are read, so nothing is held in memory for
applications that are merely waiting; a lost index is rebuilt from the log.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from functools import singledispatchmethod
from typing import Callable, Iterable

from lifeevents.messaging import DEFAULT_PARTITIONS
from saga.adapters import metrics
from saga.adapters.projections import Projection, TrackedView
from saga.domain.application import Application
from saga.domain.commitments import RECORD, VERIFY, Commitments, command_step
from saga.domain.compensation import Compensation
from saga.domain.materials import Materials
from saga.domain.operator_actions import OperatorActions
from saga.domain.review import OfficerReview
from saga.domain.withdrawal import Withdrawal

log = logging.getLogger(__name__)
WAIT, CHASE = "wait", "chase"
# An open offer's timers (saga/domain/offers.py): their step column holds the kind, which no step is named.
REMIND, EXPIRE = "offer-reminder", "offer-expiry"
# A commitment's verification and its register record, each re-sent while unanswered (saga/domain/commitments.py):
# the step column holds the command's step (commitment.<name>.verify or .record). A verification outlives the
# application's completion; a record, its revocation.
COMMITMENT, COMMITMENT_RECORD = "commitment", "commitment-record"
# A promised material's timers (saga/domain/materials.py): the reminder halfway, the deadline.
MATERIAL_REMIND, MATERIAL_DUE = "material-reminder", "material-due"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class TimerView(TrackedView):
    """Each timer with its application's partition: the instance that owns a partition fires its timers."""

    schema = ("CREATE TABLE IF NOT EXISTS timers (application_id TEXT NOT NULL, step TEXT NOT NULL, "
              "kind TEXT NOT NULL, fires_at TEXT NOT NULL, partition INTEGER NOT NULL, "
              "PRIMARY KEY (application_id, step))",
              "CREATE INDEX IF NOT EXISTS timers_by_time ON timers (fires_at)")
    tables = ("timers",)

    def __init__(self, store, partitions: int = DEFAULT_PARTITIONS):
        super().__init__(store)
        self.partitions = partitions

    def outdated(self) -> bool:
        """A timer index from before partitions (no partition column): to be dropped and rebuilt."""
        columns = self.store.columns("timers")
        return bool(columns) and "partition" not in columns

    def set(self, tx, application_id, step: str, kind: str, fires_at: dt.datetime) -> None:
        app = uuid.UUID(str(application_id))
        tx.execute("INSERT INTO timers VALUES (?, ?, ?, ?, ?) ON CONFLICT (application_id, step) DO UPDATE "
                   "SET kind=excluded.kind, fires_at=excluded.fires_at, partition=excluded.partition",
                   (str(app), step, kind, _utc(fires_at), app.int % self.partitions))

    def remove(self, tx, application_id, step: str | None = None, kind: str | None = None,
               keep: str = "") -> None:
        """The application's timers: of one step, of one kind, or all (but those of the kind `keep`)."""
        tx.execute("DELETE FROM timers WHERE application_id=? AND step=coalesce(?, step) AND kind=coalesce(?, kind) "
                   "AND kind<>?", (str(application_id), step, kind, keep))

    def due(self, now: dt.datetime, partitions: Iterable[int] | None = None,
            limit: int = 100) -> list[tuple[str, str, str]]:
        """(application id, step, kind) of the timers due at `now` (of these partitions), earliest first."""
        if partitions is None:
            return self.rows("SELECT application_id, step, kind FROM timers WHERE fires_at <= ? "
                             "ORDER BY fires_at LIMIT ?", (_utc(now), limit))
        owned = sorted(partitions)
        if not owned:
            return []
        return self.rows(f"SELECT application_id, step, kind FROM timers WHERE fires_at <= ? AND partition IN "
                         f"({', '.join('?' * len(owned))}) ORDER BY fires_at LIMIT ?", (_utc(now), *owned, limit))

    def count(self, kind: str = WAIT) -> int:
        return self.rows("SELECT count(*) FROM timers WHERE kind=?", (kind,))[0][0]


class TimerIndex(Projection):
    """A wait's timer fires when it ends; an unanswered step's (or undo's) at its event's check_at.
    Settling a step removes its timer; a compensation removes the waits it cancels; the end of the
    application removes them all."""

    name = "timers"
    view: TimerView

    @singledispatchmethod
    def process_event(self, event, tx) -> None:
        raise NotImplementedError(type(event))

    @process_event.register(Application.WaitStarted)
    def _wait(self, event, tx) -> None:
        self.view.set(tx, event.originator_id, event.step, WAIT, event.fires_at)

    @process_event.register(Application.StepDispatched)
    @process_event.register(Application.CommandResent)
    @process_event.register(Application.StepOverdue)
    @process_event.register(Compensation.CompensationDispatched)
    @process_event.register(Compensation.CompensationResent)
    @process_event.register(OperatorActions.StepRetried)
    def _unanswered(self, event, tx) -> None:
        if event.check_at is not None:
            self.view.set(tx, event.originator_id, event.step, CHASE, event.check_at)

    @process_event.register(Application.StepCompleted)
    @process_event.register(Application.StepRejected)
    @process_event.register(Application.ObjectionRaised)
    @process_event.register(Application.StepFailed)
    @process_event.register(Application.StepDeadLettered)
    @process_event.register(Compensation.StepCompensated)
    @process_event.register(OperatorActions.StepSkipped)
    @process_event.register(OfficerReview.StepReturned)  # with the applicant: not chased until sent again
    def _settled(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, step=event.step)

    @process_event.register(Compensation.CompensationStarted)
    def _waits_cancelled(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, kind=WAIT)  # steps in flight are still chased

    @process_event.register(Application.Offered)
    def _offered(self, event, tx) -> None:
        self.view.set(tx, event.originator_id, REMIND, REMIND, event.remind_at)
        self.view.set(tx, event.originator_id, EXPIRE, EXPIRE, event.expires_at)

    @process_event.register(Application.OfferReminded)
    def _reminded(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, step=REMIND)

    @process_event.register(Application.Confirmed)
    def _confirmed(self, event, tx) -> None:
        for timer in (REMIND, EXPIRE):
            self.view.remove(tx, event.originator_id, step=timer)

    @process_event.register(Commitments.CommitmentMade)
    def _commitment_made(self, event, tx) -> None:
        if event.verify_at is not None:
            self.view.set(tx, event.originator_id, command_step(event.name, VERIFY), COMMITMENT, event.verify_at)

    @process_event.register(Commitments.CommitmentCommandSent)
    def _commitment_command(self, event, tx) -> None:
        kind = COMMITMENT_RECORD if event.step.endswith(f".{RECORD}") else COMMITMENT
        self.view.set(tx, event.originator_id, event.step, kind, event.check_at)

    @process_event.register(Commitments.CommitmentVerified)
    @process_event.register(Commitments.CommitmentBroken)
    @process_event.register(Commitments.VerificationRefused)
    def _commitment_settled(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, step=command_step(event.name, VERIFY))

    @process_event.register(Commitments.CommitmentRecorded)
    def _commitment_recorded(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, step=command_step(event.name, RECORD))
    @process_event.register(Materials.MaterialsCommitted)
    def _committed(self, event, tx) -> None:
        self.view.set(tx, event.originator_id, MATERIAL_REMIND, MATERIAL_REMIND, event.remind_at)
        self.view.set(tx, event.originator_id, MATERIAL_DUE, MATERIAL_DUE, event.due_at)

    @process_event.register(Materials.MaterialReminded)
    def _material_reminded(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, step=MATERIAL_REMIND)

    @process_event.register(Materials.MaterialsSupplied)
    @process_event.register(Materials.MaterialNotSupplied)
    def _materials_settled(self, event, tx) -> None:
        if not getattr(event, "outstanding", None):  # all supplied, or the deadline passed
            for timer in (MATERIAL_REMIND, MATERIAL_DUE):
                self.view.remove(tx, event.originator_id, step=timer)

    @process_event.register(Application.Completed)
    def _completed(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, keep=COMMITMENT)  # what it committed to is still to be verified

    @process_event.register(Commitments.Revoked)
    @process_event.register(Application.Rejected)
    @process_event.register(Application.Failed)
    @process_event.register(Application.Declined)
    @process_event.register(Application.Expired)
    @process_event.register(Withdrawal.Withdrawn)
    def _ended(self, event, tx) -> None:
        self.view.remove(tx, event.originator_id, keep=COMMITMENT_RECORD)  # a broken commitment's record is still sent


class Scheduler(threading.Thread):
    """Follows the log into the timer index (and keeps the other projections up with it on the same
    tick) while this instance holds the projections lease; ends the waits that are due and chases the
    steps whose reply is late or whose time limit has run out, for the partitions this instance owns.
    Unstarted, or never told otherwise (`assign`), it does all of it (unit tests, a lone instance)."""

    def __init__(self, coordinator, index: TimerIndex, clock: Callable[[], dt.datetime], tick_s: float = 0.5,
                 followers: list[Projection] = ()):
        super().__init__(name="scheduler", daemon=True)
        self.coordinator, self.index, self.clock, self.tick_s = coordinator, index, clock, tick_s
        self.followers = list(followers)
        self.follows_log = True
        self.partitions: frozenset[int] | None = None  # None: every partition
        self._stopping = threading.Event()
        self._wake = threading.Event()

    def assign(self, follows_log: bool, partitions: Iterable[int]) -> None:
        self.follows_log, self.partitions = follows_log, frozenset(partitions)

    def wake(self) -> None:
        self._wake.set()

    def follow(self, batch: int = 500) -> int:
        """Bring the timer index up to date with the log; return how many events were read."""
        return self.index.follow(self.coordinator.recorder, self.coordinator.mapper, batch)

    def fire_due(self) -> int:
        coordinator = self.coordinator
        acts = {WAIT: coordinator.end_wait, CHASE: coordinator.chase, REMIND: coordinator.remind_offer,
                EXPIRE: coordinator.expire_offer, COMMITMENT: coordinator.commitment_due,
                COMMITMENT_RECORD: coordinator.commitment_due, MATERIAL_REMIND: coordinator.remind_materials,
                MATERIAL_DUE: coordinator.materials_overdue}
        fired = 0
        for application_id, step, kind in self.index.view.due(self.clock(), self.partitions):
            if acts[kind](application_id, step):
                fired += 1
        return fired

    def tick(self, fire: bool = True) -> int:
        """One round: follow the log, fire what is due, follow what that recorded; then the others."""
        if self.follows_log:
            self.follow()
        fired = self.fire_due() if fire else 0
        if self.follows_log:
            if fired:
                self.follow()
            for projection in self.followers:
                projection.follow(self.coordinator.recorder, self.coordinator.mapper)
            head = self.coordinator.recorder.max_notification_id() or 0
            for projection in (self.index, *self.followers):
                metrics.LAG.labels(projection.name).set(max(0, head - projection.position))
        return fired

    def run(self) -> None:
        next_fire = 0.0
        while not self._stopping.is_set():
            self._wake.wait(self.tick_s)  # an append wakes it: the projections keep up at once
            self._wake.clear()
            if self._stopping.is_set():
                break
            fire = time.monotonic() >= next_fire  # timers are looked at every tick_s, not at every append
            if not (fire or self.follows_log):
                continue
            try:
                self.tick(fire)
            except Exception:
                log.exception("scheduler tick failed; retrying")
                self._stopping.wait(self.tick_s)
            if fire:
                next_fire = time.monotonic() + self.tick_s

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
