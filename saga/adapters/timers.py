"""Durable timers: an index of running waits, kept as a projection of the event log.

The index follows the application's notification log from a tracked position; each batch of
notifications is applied and the position advanced in one SQLite transaction, so every event
counts exactly once and a crash loses nothing (a lost index file is rebuilt from position 0).
Only pending timers are stored, and only due ones are read, so nothing is held in memory for
applications that are merely waiting.
"""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Callable

from saga.adapters.relay import event_name

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tracking (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
INSERT OR IGNORE INTO tracking (id, position) VALUES (1, 0);
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
WAIT, CHASE = "wait", "chase"
TIMER_EVENTS = frozenset(("WaitStarted", *_CHASE, *_SETTLES_STEP, *_ENDS_APPLICATION))


class TimerIndex:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A crash of the process loses nothing in WAL mode; a power cut may lose the last batches,
        # which are applied again from the log (applying an event twice leaves the same timers).
        self._db.execute("PRAGMA synchronous=NORMAL")
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(timers)")]
        if columns and "kind" not in columns:  # an index of an older shape: rebuild it from the log
            self._db.executescript("DROP TABLE timers; DROP TABLE tracking;")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @property
    def position(self) -> int:
        with self._lock:
            return self._db.execute("SELECT position FROM tracking").fetchone()[0]

    def apply(self, notifications: list[tuple[int, object]]) -> None:
        """Apply events of the log, given with their positions, exactly once: in one transaction
        with the position, skipping what the position says is already applied. An event given as
        None touches no timer and only moves the position."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                applied = self._db.execute("SELECT position FROM tracking").fetchone()[0]
                for position, event in notifications:
                    if position > applied:
                        if event is not None:
                            self._apply_one(event)
                        applied = position
                self._db.execute("UPDATE tracking SET position=?", (applied,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _apply_one(self, event) -> None:
        kind = type(event).__name__
        app = str(event.originator_id)
        if kind == "WaitStarted":
            self._db.execute("INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)",
                             (app, event.step, WAIT, _utc(event.fires_at)))
        elif kind in _CHASE and getattr(event, "check_at", None) is not None:
            self._db.execute("INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)",
                             (app, event.step, CHASE, _utc(event.check_at)))
        elif kind in _SETTLES_STEP:
            self._db.execute("DELETE FROM timers WHERE application_id=? AND step=?", (app, event.step))
        elif kind in _ENDS_APPLICATION:
            self._db.execute("DELETE FROM timers WHERE application_id=?", (app,))

    def due(self, now: dt.datetime, limit: int = 100) -> list[tuple[str, str, str]]:
        """(application id, step, kind) of the timers due at `now`, earliest first."""
        with self._lock:
            return self._db.execute(
                "SELECT application_id, step, kind FROM timers WHERE fires_at <= ? ORDER BY fires_at LIMIT ?",
                (_utc(now), limit)).fetchall()

    def count(self, kind: str = WAIT) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM timers WHERE kind=?", (kind,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class WaitScheduler(threading.Thread):
    """Follows the event log into the timer index; ends the waits that are due and chases the steps
    whose reply is late or whose time limit has run out."""

    def __init__(self, coordinator, index: TimerIndex, clock: Callable[[], dt.datetime], tick_s: float = 0.5):
        super().__init__(name="wait-scheduler", daemon=True)
        self.coordinator, self.index, self.clock, self.tick_s = coordinator, index, clock, tick_s
        self._stopping = threading.Event()

    def follow(self, batch: int = 500) -> int:
        """Apply what the log holds beyond the tracked position; return how many events were applied."""
        applied = 0
        while True:
            start = self.index.position + 1
            notifications = self.coordinator.recorder.select_notifications(start=start, limit=batch)
            if notifications:
                # Only the events that touch timers are decoded; the others just move the position.
                self.index.apply([(n.id, self.coordinator.mapper.to_domain_event(n)
                                   if event_name(n.topic) in TIMER_EVENTS else None) for n in notifications])
            applied += len(notifications)
            if len(notifications) < batch:
                return applied

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
            except Exception:
                log.exception("wait scheduler tick failed; retrying")

    def stop(self) -> None:
        self._stopping.set()
