"""What a test turns on a running suite from outside: the coordinator's clock, the departments'
fault rules, the read side's files."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

# The coordinator's rebuildable projections in its data dir (saga/adapters/projections.py): the
# timer index and the read models with their tables, each with its row in the one tracking table.
PROJECTIONS_FILE = "projections.sqlite"
READ_MODEL_TABLES = ("applications", "pending_steps", "step_durations", "bundle_durations")


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
    """Drop the timer index and its position, as a lost index would leave it (the log is untouched)."""
    db = sqlite3.connect(data_dir / PROJECTIONS_FILE)
    with db:
        db.execute("DROP TABLE timers")
        db.execute("DELETE FROM tracking WHERE application_name='timers'")
    db.close()
