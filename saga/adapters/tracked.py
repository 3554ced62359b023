"""Read models that follow the event log from a tracked position, in SQLite.

Each batch of notifications is applied and the position advanced in one transaction, so every
event counts exactly once and a crash loses nothing; a lost file is rebuilt from position 0. WAL
with NORMAL sync: a killed process loses nothing; a power cut may take the last batches back,
and they are applied again from the log.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterable

_TRACKING = """
CREATE TABLE IF NOT EXISTS tracking (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
INSERT OR IGNORE INTO tracking (id, position) VALUES (1, 0);
"""


def event_name(topic: str) -> str:
    """The event's class name from its stored topic ("saga.domain.model:Application.StepDispatched")."""
    return topic.rpartition(".")[2]


class TrackedProjection:
    """A subclass gives its `schema`, the `tables` a rebuild drops, the event names it `uses`, and
    `apply_event` (called inside the transaction, with `self.db`)."""

    schema: str = ""
    tables: tuple[str, ...] = ()
    uses: frozenset[str] = frozenset()

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.prepare()
        self.db.executescript(_TRACKING + self.schema)
        self.lock = threading.Lock()
        # One follower at a time, and never during a rebuild: a batch read before a reset must not
        # be applied after it.
        self.following = threading.RLock()

    def prepare(self) -> None:
        """Before the schema is created: a chance to drop tables of an older shape."""

    @property
    def position(self) -> int:
        with self.lock:
            return self.db.execute("SELECT position FROM tracking").fetchone()[0]

    def apply(self, notifications: Iterable[tuple[int, object]]) -> None:
        """Apply events of the log, given with their positions, exactly once: in one transaction
        with the position, skipping what the position says is already applied. An event given as
        None is one this projection does not use; it only moves the position."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                applied = self.db.execute("SELECT position FROM tracking").fetchone()[0]
                for position, event in notifications:
                    if position > applied:
                        if event is not None:
                            self.apply_event(event)
                        applied = position
                self.db.execute("UPDATE tracking SET position=?", (applied,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def apply_event(self, event) -> None:
        raise NotImplementedError

    def follow(self, recorder, mapper, batch: int = 500,
               progress: Callable[[int], None] | None = None) -> int:
        """Apply what the log holds beyond the tracked position; return how many events were read."""
        with self.following:
            return self._follow(recorder, mapper, batch, progress)

    def _follow(self, recorder, mapper, batch: int, progress: Callable[[int], None] | None) -> int:
        read = 0
        while True:
            notifications = recorder.select_notifications(start=self.position + 1, limit=batch)
            if notifications:
                self.apply([(n.id, mapper.to_domain_event(n) if event_name(n.topic) in self.uses else None)
                            for n in notifications])
                read += len(notifications)
                if progress:
                    progress(read)
            if len(notifications) < batch:
                return read

    def reset(self) -> None:
        """Drop everything and go back to position 0: the next follow rebuilds from the log."""
        with self.following, self.lock:
            self.db.executescript("".join(f"DROP TABLE IF EXISTS {t};" for t in (*self.tables, "tracking")))
            self.db.executescript(_TRACKING + self.schema)

    def rebuild(self, recorder, mapper, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
        """Drop and rebuild from the whole log; return how many events were read."""
        with self.following:
            self.reset()
            return self._follow(recorder, mapper, batch, progress)

    def close(self) -> None:
        self.db.close()
