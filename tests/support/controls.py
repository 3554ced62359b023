"""What a test turns on a running suite from outside: the coordinator's clock, the departments'
fault rules, the read side's files."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path

from services.notifier.delivery import FileDelivery

# The coordinator's rebuildable projections in its data dir (saga/adapters/projection_store.py): the
# timer index and the read models with their tables, each with its row in the one tracking table.
PROJECTIONS_FILE = "projections.sqlite"
READ_MODEL_TABLES = ("applications", "pending_steps", "step_durations", "bundle_durations")
# Where the data-access log's events are defined: their stored topics start with it.
ACCESS_LOG_MODULE = "saga.domain.access_log"


class CoordinatorClock:
    """Moves the running coordinator's clock forward (it reads an offset file), for long waits."""

    def __init__(self, path: Path):
        self.path = path

    def advance(self, **delta: float) -> None:
        current = float(self.path.read_text()) if self.path.exists() else 0.0
        self.path.write_text(str(current + dt.timedelta(**delta).total_seconds()))

    def now(self) -> dt.datetime:
        """The coordinator's time: the wall clock plus the offset tests have added."""
        offset = float(self.path.read_text()) if self.path.exists() else 0.0
        return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset)


def stored_submissions(data_dir: Path) -> int:
    """How many submissions and data-access log entries the suite's SQLite event store holds: what a
    Submit stores (the coordinator's own timers never store either)."""
    with sqlite3.connect(f"file:{data_dir}/events.sqlite?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM stored_events WHERE topic LIKE '%Application.Submitted' "
                          "OR topic LIKE '%AccessLog.%'").fetchone()[0]


class Notifications:
    """What the notifier delivered to each person (its development adapter's files in the data dir)."""

    def __init__(self, data_dir: Path):
        self.files = FileDelivery(data_dir / "notifications")

    def of(self, resident_id: str) -> list[dict]:
        return self.files.read(resident_id)


class FaultFile:
    """Fault-injection rules the running departments read (services/common/faults.py)."""

    def __init__(self, path: Path):
        self.path = path

    def add(self, **rule) -> None:
        rules = json.loads(self.path.read_text()) if self.path.exists() else []
        self.path.write_text(json.dumps([*rules, rule], ensure_ascii=False))

    def clear(self) -> None:
        self.path.write_text("[]")


def wipe_read_models(data_dir: Path) -> None:
    """Empty every read model, as a lost read side would leave it (the event log is untouched)."""
    db = sqlite3.connect(data_dir / PROJECTIONS_FILE)
    with db:
        for table in READ_MODEL_TABLES:
            db.execute(f"DELETE FROM {table}")
    db.close()


def lose_timer_index(data_dir: Path) -> None:
    """Empty the timer index and forget its position, as a lost index would leave it (the log is untouched)."""
    db = sqlite3.connect(data_dir / PROJECTIONS_FILE)
    with db:
        db.execute("DELETE FROM timers")
        db.execute("DELETE FROM tracking WHERE application_name='timers'")
    db.close()


class EventLog:
    """The running coordinator's event store (SQLite) read directly: the notification log's head
    and which applications have events after a position. For checking that a refused request
    stored nothing."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "events.sqlite"

    def _rows(self, sql: str, *parameters) -> list[tuple]:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute(sql, parameters).fetchall()
        finally:
            db.close()

    def head(self) -> int:
        """The notification log's last id (0 when empty)."""
        return self._rows("SELECT coalesce(max(rowid), 0) FROM stored_events")[0][0]

    def originators_after(self, position: int) -> set[str]:
        """The applications with events after the position."""
        return {str(uuid.UUID(row[0])) for row in
                self._rows("SELECT DISTINCT originator_id FROM stored_events WHERE rowid > ?", position)}

    def originators(self) -> set[str]:
        return self.originators_after(0)

    def data_access_logs(self) -> set[str]:
        """The people's data-access logs (saga/domain/access_log.py): every read of someone's data by
        someone else is recorded there, a refused attempt too."""
        return {str(uuid.UUID(row[0])) for row in self._rows(
            "SELECT DISTINCT originator_id FROM stored_events WHERE topic LIKE ?", f"{ACCESS_LOG_MODULE}:%")}
