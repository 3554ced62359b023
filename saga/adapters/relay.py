"""The outbox relay: step commands are published from the stored events, never straight from a use case.

A command exists once the event that decides it is in the application's stream: StepDispatched,
CommandResent, CompensationDispatched, CompensationResent or StepRetried (each carries the whole
command). The relay follows the notification log from a tracked position and publishes each of them
with publisher confirms, then advances the position. A crash before the save loses nothing (nothing was decided);
a crash after the save and before publishing is caught up from the position; a crash after
publishing and before the position is saved publishes again, which departments answer once (the
command id is the same) and the coordinator ignores as a duplicate.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from saga.adapters.tracked import event_name
from saga.domain.model import Dispatch
from saga.domain.ports import CommandBus

log = logging.getLogger(__name__)


class MemoryPosition:
    """A tracked position that lives as long as the process: for unit tests."""

    def __init__(self) -> None:
        self.value = 0

    def get(self) -> int:
        return self.value

    def set(self, position: int) -> None:
        self.value = position


class SqlitePosition:
    """A tracked position in a small SQLite file."""

    def __init__(self, path: Path, name: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        # WAL with NORMAL sync survives a killed process; a power cut may take the position back a
        # little, and the relay then re-publishes commands departments answer once.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS tracking (name TEXT PRIMARY KEY, position INTEGER NOT NULL)")
        self._db.execute("INSERT OR IGNORE INTO tracking VALUES (?, 0)", (name,))
        self._name = name
        self._lock = threading.Lock()

    def get(self) -> int:
        with self._lock:
            return self._db.execute("SELECT position FROM tracking WHERE name=?", (self._name,)).fetchone()[0]

    def set(self, position: int) -> None:
        with self._lock:
            self._db.execute("UPDATE tracking SET position=? WHERE name=?", (position, self._name))

    def close(self) -> None:
        self._db.close()


# Events that are a command to send: the first dispatch, re-sends of an unanswered one, undos and
# their re-sends, and an operator's retry.
COMMAND_EVENTS = ("StepDispatched", "CommandResent", "CompensationDispatched", "CompensationResent", "StepRetried")


def dispatch_of(event) -> Dispatch:
    return Dispatch(event.originator_id, event.bundle, event.step, event.command_id, event.department,
                    event.action, dict(event.inputs), event.at, event.due_at)


class CommandRelay(threading.Thread):
    """Publishes the command events (COMMAND_EVENTS) as commands. Without start(), `notify` relays synchronously
    in the caller's thread (unit tests); started, it relays in its own thread when notified."""

    def __init__(self, recorder, mapper, bus: CommandBus, position, batch: int = 200, idle_s: float = 0.5):
        super().__init__(name="outbox-relay", daemon=True)
        self.recorder, self.mapper, self.bus, self.position = recorder, mapper, bus, position
        self.batch, self.idle_s = batch, idle_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._relay_lock = threading.Lock()

    def relay_pending(self) -> int:
        """Publish every command recorded after the tracked position; return how many."""
        published = 0
        with self._relay_lock:
            while True:
                start = self.position.get() + 1
                notifications = self.recorder.select_notifications(start=start, limit=self.batch)
                if not notifications:
                    return published
                dispatches = [dispatch_of(self.mapper.to_domain_event(n)) for n in notifications
                              if event_name(n.topic) in COMMAND_EVENTS]  # decode only what is sent
                self.bus.send(dispatches)
                self.position.set(notifications[-1].id)
                published += len(dispatches)
                if len(notifications) < self.batch:
                    return published

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
            try:
                self.relay_pending()
            except Exception:
                log.exception("relaying commands failed; retrying")
                self._stopping.wait(1)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
