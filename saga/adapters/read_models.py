"""The operators' read models, projected from the event log (saga/adapters/tracked.py): applications
by status, each department's pending steps, overdue steps, and the durations statistics need.
They can be dropped and rebuilt from the log at any time; the stream stays the truth."""
from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from saga.adapters.tracked import TrackedProjection

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    application_id TEXT PRIMARY KEY, bundle TEXT NOT NULL, status TEXT NOT NULL, submitted_at TEXT NOT NULL,
    settled_at TEXT, version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS applications_by_submission ON applications (submitted_at);
CREATE TABLE IF NOT EXISTS pending_steps (
    application_id TEXT NOT NULL, step TEXT NOT NULL, department TEXT NOT NULL, since TEXT NOT NULL,
    overdue_since TEXT, PRIMARY KEY (application_id, step));
CREATE INDEX IF NOT EXISTS pending_by_department ON pending_steps (department);
CREATE TABLE IF NOT EXISTS step_durations (
    application_id TEXT NOT NULL, bundle TEXT NOT NULL, step TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (application_id, step));
CREATE TABLE IF NOT EXISTS bundle_durations (
    application_id TEXT PRIMARY KEY, bundle TEXT NOT NULL, seconds REAL NOT NULL);
"""
_STATUS_AFTER = {"CompensationStarted": "COMPENSATING", "Completed": "COMPLETED", "Rejected": "REJECTED",
                 "Failed": "FAILED"}
_STEP_SENT = ("StepDispatched", "StepRetried")
_STEP_SETTLED = ("StepCompleted", "StepRejected", "StepFailed", "StepDeadLettered", "StepSkipped", "ObjectionRaised")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class ReadModels(TrackedProjection):
    schema = _SCHEMA
    tables = ("applications", "pending_steps", "step_durations", "bundle_durations")
    uses = frozenset(("Submitted", *_STATUS_AFTER, *_STEP_SENT, *_STEP_SETTLED, "StepOverdue"))

    def apply_event(self, event) -> None:
        kind = type(event).__name__
        app = str(event.originator_id)
        db = self.db
        if kind == "Submitted":
            db.execute("INSERT OR REPLACE INTO applications VALUES (?, ?, 'IN_PROGRESS', ?, NULL, ?)",
                       (app, event.bundle, _iso(event.submitted_at), event.originator_version))
            return
        db.execute("UPDATE applications SET version=? WHERE application_id=?", (event.originator_version, app))
        if kind in _STEP_SENT:
            db.execute("INSERT OR REPLACE INTO pending_steps VALUES (?, ?, ?, ?, NULL)",
                       (app, event.step, event.department, _iso(event.at)))
            if kind == "StepRetried":  # an operator picked a failed application up again
                db.execute("UPDATE applications SET status='IN_PROGRESS', settled_at=NULL "
                           "WHERE application_id=? AND status='FAILED'", (app,))
        elif kind == "StepOverdue":
            db.execute("UPDATE pending_steps SET overdue_since=? WHERE application_id=? AND step=?",
                       (_iso(event.at), app, event.step))
        elif kind in _STEP_SETTLED:
            sent = db.execute("SELECT since FROM pending_steps WHERE application_id=? AND step=?",
                              (app, event.step)).fetchone()
            db.execute("DELETE FROM pending_steps WHERE application_id=? AND step=?", (app, event.step))
            if kind == "StepCompleted" and sent:
                seconds = (event.at - dt.datetime.fromisoformat(sent[0])).total_seconds()
                db.execute("INSERT OR REPLACE INTO step_durations SELECT ?, bundle, ?, ? FROM applications "
                           "WHERE application_id=?", (app, event.step, seconds, app))
            if kind == "StepSkipped":
                db.execute("UPDATE applications SET status='IN_PROGRESS', settled_at=NULL "
                           "WHERE application_id=? AND status='FAILED'", (app,))
        elif kind in _STATUS_AFTER:
            settled = _iso(event.at) if kind != "CompensationStarted" else None
            db.execute("UPDATE applications SET status=?, settled_at=? WHERE application_id=?",
                       (_STATUS_AFTER[kind], settled, app))
            if kind == "Completed":
                db.execute("INSERT OR REPLACE INTO bundle_durations SELECT application_id, bundle, "
                           "(julianday(?) - julianday(submitted_at)) * 86400 FROM applications "
                           "WHERE application_id=?", (_iso(event.at), app))

    # -- queries ---------------------------------------------------------------------
    def applications(self, bundle: str = "", status: str = "", department: str = "", overdue_only: bool = False,
                     limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        """Applications, newest first, and how many match in all."""
        where, args = ["1=1"], []
        if bundle:
            where.append("a.bundle=?")
            args.append(bundle)
        if status:
            where.append("a.status=?")
            args.append(status)
        if department:
            where.append("EXISTS (SELECT 1 FROM pending_steps p WHERE p.application_id=a.application_id "
                         "AND p.department=?)")
            args.append(department)
        if overdue_only:
            where.append("EXISTS (SELECT 1 FROM pending_steps p WHERE p.application_id=a.application_id "
                         "AND p.overdue_since IS NOT NULL)")
        condition = " AND ".join(where)
        with self.lock:
            total = self.db.execute(f"SELECT count(*) FROM applications a WHERE {condition}", args).fetchone()[0]
            rows = self.db.execute(
                f"SELECT a.application_id, a.bundle, a.status, a.submitted_at, a.settled_at, a.version, "
                f"(SELECT group_concat(step) FROM pending_steps p WHERE p.application_id=a.application_id), "
                f"EXISTS (SELECT 1 FROM pending_steps p WHERE p.application_id=a.application_id "
                f"AND p.overdue_since IS NOT NULL) "
                f"FROM applications a WHERE {condition} ORDER BY a.submitted_at DESC, a.application_id "
                f"LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        keys = ("application_id", "bundle", "status", "submitted_at", "settled_at", "version", "pending_steps",
                "overdue")
        return [dict(zip(keys, row)) for row in rows], total

    def pending_steps(self, department: str = "", overdue_only: bool = False, limit: int = 500) -> list[dict]:
        """Steps sent and not yet answered, oldest first."""
        where, args = ["1=1"], []
        if department:
            where.append("department=?")
            args.append(department)
        if overdue_only:
            where.append("overdue_since IS NOT NULL")
        with self.lock:
            rows = self.db.execute(
                f"SELECT application_id, step, department, since, overdue_since FROM pending_steps "
                f"WHERE {' AND '.join(where)} ORDER BY since LIMIT ?", [*args, limit]).fetchall()
        return [dict(zip(("application_id", "step", "department", "since", "overdue_since"), r)) for r in rows]

    def pending_per_department(self) -> dict[str, int]:
        with self.lock:
            return dict(self.db.execute("SELECT department, count(*) FROM pending_steps GROUP BY department"))

    def statistics(self, bundle: str) -> dict:
        """Counts by status and duration figures of one bundle, overall and per step."""
        with self.lock:
            by_status = dict(self.db.execute(
                "SELECT status, count(*) FROM applications WHERE bundle=? GROUP BY status", (bundle,)).fetchall())
            durations = [r[0] for r in self.db.execute(
                "SELECT seconds FROM bundle_durations WHERE bundle=?", (bundle,))]
            steps: dict[str, list[float]] = {}
            for step, seconds in self.db.execute("SELECT step, seconds FROM step_durations WHERE bundle=?", (bundle,)):
                steps.setdefault(step, []).append(seconds)
        return {"by_status": by_status, "durations": summary(durations),
                "steps": {step: summary(values) for step, values in steps.items()}}

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every read model, in a stable order: to compare two builds."""
        with self.lock:
            return {t: self.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in self.tables}


def summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"count": 0, "median_s": 0.0, "p90_s": 0.0}
    ordered = sorted(seconds)
    return {"count": len(ordered), "median_s": statistics.median(ordered),
            "p90_s": ordered[max(0, -(-9 * len(ordered) // 10) - 1)]}
