"""The outbox relay: step commands are published from the stored events, never straight from a use case.

A command exists once the event that decides it is in the application's stream: StepDispatched,
CommandResent, CompensationDispatched, CompensationResent or StepRetried (each carries the whole
command). The relay follows the notification log from its tracked position (the "commands" row of
the projections database) and publishes each of them with publisher confirms, then advances the
position. A crash before the save loses nothing (nothing was decided); a crash after the save and
before publishing is caught up from the position; a crash after publishing and before the position
is saved publishes again, which departments answer once (the command id is the same) and the
coordinator ignores as a duplicate.
"""
from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from pathlib import Path

from eventsourcing.persistence import IntegrityError, Tracking

from saga.adapters import metrics
from saga.adapters.log import log_of
from saga.adapters.projection_store import ProjectionStore
from saga.adapters.projections import EventTypes
from saga.domain.application import Application
from saga.domain.commitments import Commitments
from saga.domain.compensation import Compensation
from saga.domain.operator_actions import OperatorActions
from saga.domain.ports import CommandBus, Dispatch

log = logging.getLogger(__name__)

# A commitment's verification or register record (saga/domain/commitments.py) is a command like a step's.
COMMAND_EVENTS = (Application.StepDispatched, Application.CommandResent, Compensation.CompensationDispatched,
                  Compensation.CompensationResent, OperatorActions.StepRetried, Commitments.CommitmentCommandSent)
RESENT = (Application.CommandResent, Compensation.CompensationResent, OperatorActions.StepRetried)


def dispatch_of(event) -> Dispatch:
    """The command an event decided; a step's (not an undo's) says who decides it."""
    return Dispatch(event.originator_id, event.bundle, event.step, event.command_id, event.department,
                    event.action, dict(event.inputs), event.at, event.due_at, getattr(event, "review", ""),
                    tuple(getattr(event, "review_reasons", ())))


class CommandRelay(threading.Thread):
    """Publishes the command events as commands. Without start(), `notify` relays synchronously in the
    caller's thread (unit tests); started, it relays in its own thread when woken, while this instance
    holds the relay lease (`set_active`): one relay at a time across every coordinator on the store,
    each starting from the shared position, so a new instance never publishes history again."""

    name_of_position = "commands"
    event_classes: tuple[type, ...] = COMMAND_EVENTS  # what it publishes; a subclass names its own
    follower = "relay"  # its name in lifeevents_follower_lag_events

    def __init__(self, recorder, mapper, bus: CommandBus, positions: ProjectionStore, batch: int = 200,
                 idle_s: float = 0.5):
        super().__init__(name=f"outbox-relay-{self.name_of_position}", daemon=True)
        self.log = log_of(recorder)  # its own reader: a gap-aware one remembers the gap it waits on
        self.mapper, self.bus, self.positions = mapper, bus, positions
        self.batch, self.idle_s = batch, idle_s
        self.commands = EventTypes(self.event_classes)
        self._position: int | None = None  # the relay alone moves it: read from the store when it takes over
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._relay_lock = threading.Lock()
        self._active = threading.Event()

    @property
    def position(self) -> int:
        if self._position is None:
            self._position = self.positions.position(self.name_of_position)
        return self._position

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def set_active(self, active: bool) -> None:
        """Take the relay over (from the shared position) or give it up (after the batch under way)."""
        with self._relay_lock:
            if active and not self._active.is_set():
                self._position = None  # another instance moved it since
                self._active.set()
                self._wake.set()
            elif not active:
                self._active.clear()

    def relay_pending(self) -> int:
        """Publish every command recorded after the tracked position; return how many."""
        published = 0
        with self._relay_lock:
            while True:
                notifications = self.log.read(self.position, self.batch)
                if not notifications:
                    return published
                events = [self.mapper.to_domain_event(n) for n in notifications
                          if n.topic in self.commands]  # decode only what is sent
                self.send(events)
                try:
                    self.positions.advance(Tracking(self.name_of_position, notifications[-1].id))
                except IntegrityError:
                    # Another instance relayed these meanwhile (it held the lease while this one lost it):
                    # they went out twice, which departments answer once. Go on from where it is now.
                    log.warning("the relay's position moved elsewhere; reading it again")
                    self._position = None
                    return published
                self._position = notifications[-1].id
                published += len(events)
                self.sent(events)
                if len(notifications) < self.batch:
                    return published

    def send(self, events: list) -> None:
        """Publish what these events decided (confirmed), or raise."""
        self.bus.send([dispatch_of(event) for event in events])

    def sent(self, events: list) -> None:
        for event in events:
            metrics.COMMANDS_PUBLISHED.labels(event.department).inc()
            if isinstance(event, RESENT):
                metrics.COMMANDS_RESENT.labels(event.department).inc()

    def lag(self) -> int:
        return max(0, self.log.head() - self.position)

    def notify(self) -> None:
        if self.is_alive():
            self._wake.set()
            return
        try:
            self.relay_pending()
        except Exception:  # the events are stored; what failed to go out goes with the next relay
            log.exception("relaying commands failed; they stay pending")

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.idle_s)
            self._wake.clear()
            if not self._active.is_set():
                continue
            try:
                self.relay_pending()
                metrics.LAG.labels(self.follower).set(self.lag())
            except Exception:
                log.exception("relaying %s failed; retrying", self.name_of_position)
                self._stopping.wait(1)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()


def adopt_legacy_position(positions: ProjectionStore, legacy_file: Path) -> None:
    """A coordinator that kept the relay's position in its own file (var/relay.sqlite, before the
    projections database) goes on from there instead of publishing the whole log again."""
    if positions.position(CommandRelay.name_of_position) or not legacy_file.exists():
        return
    with contextlib.closing(sqlite3.connect(str(legacy_file))) as legacy:
        row = legacy.execute("SELECT position FROM tracking WHERE name='commands'").fetchone()
    if row and row[0]:
        positions.advance(Tracking(CommandRelay.name_of_position, row[0]))
        log.info("relay position %d taken over from %s", row[0], legacy_file)
