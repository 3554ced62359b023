"""Durable timers: an index of running waits, kept as a projection of the event log.

The index follows the notification log from a tracked position (saga/adapters/tracked.py): every
event counts exactly once and a lost index file is rebuilt from position 0. Only pending timers are stored, and only due ones are read, so nothing is held in memory for
applications that are merely waiting.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

from saga.adapters.tracked import TrackedProjection

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS timers (
    application_id TEXT NOT NULL, step TEXT NOT NULL, kind TEXT NOT NULL, fires_at TEXT NOT NULL,
    PRIMARY KEY (application_id, step));
CREATE INDEX IF NOT EXISTS timers_by_time ON timers (fires_at);
"""
_ENDS_APPLICATION = ("Completed", "Rejected", "Failed")
_SETTLES_STEP = ("StepCompleted", "StepRejected", "ObjectionRaised", "StepFailed", "StepDeadLettered",
                 "StepCompensated", "StepSkipped")
# Events after which an unanswered step (or undo) must be looked at again, at their check_at.
_CHASE = ("StepDispatched", "CommandResent", "StepOverdue", "CompensationDispatched", "CompensationResent",
          "StepRetried")
_CANCELS_WAITS = "CompensationStarted"  # pending and waiting steps are cancelled; steps in flight go on
WAIT, CHASE = "wait", "chase"


class TimerIndex(TrackedProjection):
    schema = _SCHEMA
    tables = ("timers",)
    uses = frozenset(("WaitStarted", *_CHASE, *_SETTLES_STEP, *_ENDS_APPLICATION, _CANCELS_WAITS))

    def prepare(self) -> None:
        columns = [row[1] for row in self.db.execute("PRAGMA table_info(timers)")]
        if columns and "kind" not in columns:  # an index of an older shape: rebuild it from the log
            self.db.executescript("DROP TABLE timers; DROP TABLE IF EXISTS tracking;")

    def apply_event(self, event) -> None:
        kind = type(event).__name__
        app = str(event.originator_id)
        if kind == "WaitStarted":
            self.db.execute("INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)",
                            (app, event.step, WAIT, _utc(event.fires_at)))
        elif kind in _CHASE and getattr(event, "check_at", None) is not None:
            self.db.execute("INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)",
                            (app, event.step, CHASE, _utc(event.check_at)))
        elif kind in _SETTLES_STEP:
            self.db.execute("DELETE FROM timers WHERE application_id=? AND step=?", (app, event.step))
        elif kind == _CANCELS_WAITS:
            self.db.execute("DELETE FROM timers WHERE application_id=? AND kind=?", (app, WAIT))
        elif kind in _ENDS_APPLICATION:
            self.db.execute("DELETE FROM timers WHERE application_id=?", (app,))

    def due(self, now: dt.datetime, limit: int = 100) -> list[tuple[str, str, str]]:
        """(application id, step, kind) of the timers due at `now`, earliest first."""
        with self.lock:
            return self.db.execute(
                "SELECT application_id, step, kind FROM timers WHERE fires_at <= ? ORDER BY fires_at LIMIT ?",
                (_utc(now), limit)).fetchall()

    def count(self, kind: str = WAIT) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM timers WHERE kind=?", (kind,)).fetchone()[0]



def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class WaitScheduler(threading.Thread):
    """Follows the event log into the timer index; ends the waits that are due and chases the steps
    whose reply is late or whose time limit has run out."""

    def __init__(self, coordinator, index: TimerIndex, clock: Callable[[], dt.datetime], tick_s: float = 0.5,
                 followers: list[TrackedProjection] = ()):
        super().__init__(name="wait-scheduler", daemon=True)
        self.coordinator, self.index, self.clock, self.tick_s = coordinator, index, clock, tick_s
        self.followers = list(followers)  # other read models kept up with the log on the same tick
        self._stopping = threading.Event()

    def follow(self, batch: int = 500) -> int:
        """Apply what the log holds beyond the tracked position; return how many events were read."""
        return self.index.follow(self.coordinator.recorder, self.coordinator.mapper, batch)

    def fire_due(self) -> int:
        fired = 0
        for application_id, step, kind in self.index.due(self.clock()):
            act = self.coordinator.end_wait if kind == WAIT else self.coordinator.chase
            if act(application_id, step):
                fired += 1
        return fired

    def run(self) -> None:
        while not self._stopping.wait(self.tick_s):
            try:
                self.follow()
                if self.fire_due():
                    self.follow()
                for projection in self.followers:
                    projection.follow(self.coordinator.recorder, self.coordinator.mapper)
            except Exception:
                log.exception("wait scheduler tick failed; retrying")

    def stop(self) -> None:
        self._stopping.set()
