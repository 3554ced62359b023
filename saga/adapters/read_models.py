"""The operators' read models, projected from the event log (saga/adapters/projections.py):
applications by status, each department's pending steps, overdue steps, and the durations
statistics need. They can be dropped and rebuilt from the log at any time; the stream stays the truth."""
from __future__ import annotations

import datetime as dt
import statistics
from functools import singledispatchmethod

from saga.adapters import metrics
from saga.adapters.projections import Projection, TrackedView
from saga.domain.application import Application
from saga.domain.commitments import Commitments
from saga.domain.compensation import Compensation
from saga.domain.front_desk import FrontDesk
from saga.domain.operator_actions import OperatorActions
from saga.domain.review import OfficerReview
from saga.domain.statuses import ApplicationStatus
from saga.domain.withdrawal import Withdrawal


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class ReadModelsView(TrackedView):
    schema = (
        "CREATE TABLE IF NOT EXISTS applications (application_id TEXT PRIMARY KEY, bundle TEXT NOT NULL, "
        "status TEXT NOT NULL, submitted_at TEXT NOT NULL, settled_at TEXT, version INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS applications_by_submission ON applications (submitted_at)",
        "CREATE TABLE IF NOT EXISTS pending_steps (application_id TEXT NOT NULL, step TEXT NOT NULL, "
        "department TEXT NOT NULL, since TEXT NOT NULL, overdue_since TEXT, PRIMARY KEY (application_id, step))",
        "CREATE INDEX IF NOT EXISTS pending_by_department ON pending_steps (department)",
        "CREATE TABLE IF NOT EXISTS step_durations (application_id TEXT NOT NULL, bundle TEXT NOT NULL, "
        "step TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL, PRIMARY KEY (application_id, step))",
        "CREATE TABLE IF NOT EXISTS bundle_durations (application_id TEXT PRIMARY KEY, bundle TEXT NOT NULL, "
        "seconds DOUBLE PRECISION NOT NULL)")
    tables = ("applications", "pending_steps", "step_durations", "bundle_durations")

    # -- changes, within a batch's transaction ---------------------------------------------------------
    def submitted(self, tx, application_id, bundle: str, at: dt.datetime, version: int,
                  status: ApplicationStatus = ApplicationStatus.IN_PROGRESS) -> None:
        tx.execute("INSERT INTO applications VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (application_id) DO UPDATE "
                   "SET bundle=excluded.bundle, status=excluded.status, submitted_at=excluded.submitted_at, "
                   "settled_at=NULL, version=excluded.version",
                   (str(application_id), bundle, str(status), _iso(at), version))

    def confirmed(self, tx, application_id, at: dt.datetime) -> None:
        """An offer confirmed: running from now (its durations count from the confirmation, as a Submit's)."""
        tx.execute("UPDATE applications SET status=?, submitted_at=? WHERE application_id=?",
                   (str(ApplicationStatus.IN_PROGRESS), _iso(at), str(application_id)))

    def seen(self, tx, application_id, version: int) -> None:
        tx.execute("UPDATE applications SET version=? WHERE application_id=?", (version, str(application_id)))

    def status(self, tx, application_id, status: ApplicationStatus, settled_at: dt.datetime | None = None) -> None:
        tx.execute("UPDATE applications SET status=?, settled_at=? WHERE application_id=?",
                   (str(status), settled_at and _iso(settled_at), str(application_id)))
        if status == ApplicationStatus.COMPLETED:
            row = tx.execute("SELECT bundle, submitted_at FROM applications WHERE application_id=?",
                             (str(application_id),)).fetchone()
            if row:
                seconds = (settled_at - dt.datetime.fromisoformat(row[1])).total_seconds()
                tx.execute("INSERT INTO bundle_durations VALUES (?, ?, ?) ON CONFLICT (application_id) DO UPDATE "
                           "SET bundle=excluded.bundle, seconds=excluded.seconds", (str(application_id), row[0], seconds))

    def resumed(self, tx, application_id) -> None:
        """An operator picked a failed application up again."""
        tx.execute("UPDATE applications SET status=?, settled_at=NULL WHERE application_id=? AND status=?",
                   (str(ApplicationStatus.IN_PROGRESS), str(application_id), str(ApplicationStatus.FAILED)))

    def step_sent(self, tx, application_id, step: str, department: str, at: dt.datetime) -> None:
        tx.execute("INSERT INTO pending_steps VALUES (?, ?, ?, ?, NULL) ON CONFLICT (application_id, step) DO UPDATE "
                   "SET department=excluded.department, since=excluded.since, overdue_since=NULL",
                   (str(application_id), step, department, _iso(at)))

    def step_overdue(self, tx, application_id, step: str, at: dt.datetime) -> None:
        tx.execute("UPDATE pending_steps SET overdue_since=? WHERE application_id=? AND step=?",
                   (_iso(at), str(application_id), step))

    def step_settled(self, tx, application_id, step: str, at: dt.datetime, completed: bool) -> tuple[float, str] | None:
        """No longer pending; a completed step's time from sending to answer is recorded (and returned,
        with its department)."""
        app = str(application_id)
        sent = tx.execute("SELECT since, department FROM pending_steps WHERE application_id=? AND step=?",
                          (app, step)).fetchone()
        tx.execute("DELETE FROM pending_steps WHERE application_id=? AND step=?", (app, step))
        if completed and sent:
            seconds = (at - dt.datetime.fromisoformat(sent[0])).total_seconds()
            tx.execute("INSERT INTO step_durations SELECT ?, bundle, ?, ? FROM applications WHERE application_id=? "
                       "ON CONFLICT (application_id, step) DO UPDATE SET seconds=excluded.seconds",
                       (app, step, seconds, app))
            return seconds, sent[1]
        return None

    # -- queries -------------------------------------------------------------------------------------
    def applications(self, bundle: str = "", status: str = "", department: str = "", overdue_only: bool = False,
                     limit: int = 50, offset: int = 0, oldest_first: bool = False) -> tuple[list[dict], int]:
        """Applications, newest first (or oldest: a queue), and how many match in all."""
        where, args = ["1=1"], []
        for column, value in (("a.bundle", bundle), ("a.status", status)):
            if value:
                where.append(f"{column}=?")
                args.append(value)
        pending = "EXISTS (SELECT 1 FROM pending_steps p WHERE p.application_id=a.application_id AND {})"
        if department:
            where.append(pending.format("p.department=?"))
            args.append(department)
        if overdue_only:
            where.append(pending.format("p.overdue_since IS NOT NULL"))
        condition = " AND ".join(where)
        total = self.rows(f"SELECT count(*) FROM applications a WHERE {condition}", args)[0][0]
        rows = self.rows(
            f"SELECT a.application_id, a.bundle, a.status, a.submitted_at, a.settled_at, a.version, "
            f"{pending.format('p.overdue_since IS NOT NULL')} FROM applications a WHERE {condition} "
            f"ORDER BY a.submitted_at {'ASC' if oldest_first else 'DESC'}, a.application_id LIMIT ? OFFSET ?", [*args, limit, offset])
        steps: dict[str, list[str]] = {}
        if rows:
            ids = [row[0] for row in rows]
            for application_id, step in self.rows(
                    f"SELECT application_id, step FROM pending_steps WHERE application_id IN "
                    f"({', '.join('?' * len(ids))}) ORDER BY step", ids):
                steps.setdefault(application_id, []).append(step)
        keys = ("application_id", "bundle", "status", "submitted_at", "settled_at", "version", "overdue")
        return [{**dict(zip(keys, row)), "pending_steps": ",".join(steps.get(row[0], [])) or None,
                 "overdue": bool(row[6])} for row in rows], total

    def pending_steps(self, department: str = "", overdue_only: bool = False, limit: int = 500) -> list[dict]:
        """Steps sent and not yet answered, oldest first."""
        where, args = ["1=1"], []
        if department:
            where.append("department=?")
            args.append(department)
        if overdue_only:
            where.append("overdue_since IS NOT NULL")
        rows = self.rows(f"SELECT application_id, step, department, since, overdue_since FROM pending_steps "
                         f"WHERE {' AND '.join(where)} ORDER BY since LIMIT ?", [*args, limit])
        return [dict(zip(("application_id", "step", "department", "since", "overdue_since"), r)) for r in rows]

    def by_status(self) -> dict[str, int]:
        return dict(self.rows("SELECT status, count(*) FROM applications GROUP BY status"))

    def pending_per_department(self) -> dict[str, int]:
        return dict(self.rows("SELECT department, count(*) FROM pending_steps GROUP BY department"))

    def statistics(self, bundle: str) -> dict:
        """Counts by status and duration figures of one bundle, overall and per step."""
        by_status = dict(self.rows("SELECT status, count(*) FROM applications WHERE bundle=? GROUP BY status",
                                   (bundle,)))
        durations = [r[0] for r in self.rows("SELECT seconds FROM bundle_durations WHERE bundle=?", (bundle,))]
        steps: dict[str, list[float]] = {}
        for step, seconds in self.rows("SELECT step, seconds FROM step_durations WHERE bundle=?", (bundle,)):
            steps.setdefault(step, []).append(seconds)
        return {"by_status": by_status, "durations": summary(durations),
                "steps": {step: summary(values) for step, values in steps.items()}}

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every read model, in a stable order: to compare two builds."""
        return {t: self.rows(f"SELECT * FROM {t} ORDER BY 1, 2") for t in self.tables}


def summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"count": 0, "median_s": 0.0, "p90_s": 0.0}
    ordered = sorted(seconds)
    return {"count": len(ordered), "median_s": statistics.median(ordered),
            "p90_s": ordered[max(0, -(-9 * len(ordered) // 10) - 1)]}


class ReadModels(Projection):
    """Each event it uses also records the application's version."""

    name = "read_models"
    view: ReadModelsView

    @singledispatchmethod
    def process_event(self, event, tx) -> None:
        raise NotImplementedError(type(event))

    @process_event.register(Application.Submitted)
    def _submitted(self, event, tx) -> None:
        self.view.submitted(tx, event.originator_id, event.bundle, event.submitted_at, event.originator_version)

    @process_event.register(Application.Offered)
    def _offered(self, event, tx) -> None:
        self.view.submitted(tx, event.originator_id, event.bundle, event.offered_at, event.originator_version,
                            ApplicationStatus.OFFERED)

    @process_event.register(Application.Confirmed)
    def _confirmed(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        self.view.confirmed(tx, event.originator_id, event.at)

    @process_event.register(Application.StepDispatched)
    @process_event.register(OperatorActions.StepRetried)
    def _sent(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        self.view.step_sent(tx, event.originator_id, event.step, event.department, event.at)
        if isinstance(event, OperatorActions.StepRetried):
            self.view.resumed(tx, event.originator_id)

    @process_event.register(Application.StepOverdue)
    def _overdue(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        self.view.step_overdue(tx, event.originator_id, event.step, event.at)

    @process_event.register(Application.StepCompleted)
    @process_event.register(Application.StepRejected)
    @process_event.register(Application.StepFailed)
    @process_event.register(Application.StepDeadLettered)
    @process_event.register(OperatorActions.StepSkipped)
    @process_event.register(Application.ObjectionRaised)
    @process_event.register(OfficerReview.StepReturned)  # no longer pending at the department
    def _settled(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        took = self.view.step_settled(tx, event.originator_id, event.step, event.at,
                                      isinstance(event, Application.StepCompleted))
        if took and not self.rebuilding:
            seconds, department = took
            metrics.STEP_SECONDS.labels(department).observe(max(seconds, 0.0))
        if isinstance(event, OperatorActions.StepSkipped):
            self.view.resumed(tx, event.originator_id)

    @process_event.register(FrontDesk.AcceptanceAwaited)
    @process_event.register(FrontDesk.AcceptedAtFrontDesk)
    @process_event.register(FrontDesk.ReturnedForCorrection)
    @process_event.register(FrontDesk.CorrectionReceived)
    def _front_desk(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        status = _FRONT_DESK.get(type(event))
        if isinstance(event, FrontDesk.CorrectionReceived):
            status = ApplicationStatus.AWAITING_ACCEPTANCE if event.requeued else None
        if status is not None:
            self.view.status(tx, event.originator_id, status)

    @process_event.register(Compensation.CompensationStarted)
    def _compensating(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        self.view.status(tx, event.originator_id, ApplicationStatus.COMPENSATING)

    @process_event.register(Commitments.Revoked)
    @process_event.register(Application.Completed)
    @process_event.register(Application.Rejected)
    @process_event.register(Application.Failed)
    @process_event.register(Application.Declined)
    @process_event.register(Application.Expired)
    @process_event.register(Withdrawal.Withdrawn)
    def _ended(self, event, tx) -> None:
        self.view.seen(tx, event.originator_id, event.originator_version)
        self.view.status(tx, event.originator_id, _ENDINGS[type(event)], event.at)


_ENDINGS = {Application.Completed: ApplicationStatus.COMPLETED, Application.Rejected: ApplicationStatus.REJECTED,
            Application.Failed: ApplicationStatus.FAILED, Application.Declined: ApplicationStatus.DECLINED,
            Application.Expired: ApplicationStatus.EXPIRED, Commitments.Revoked: ApplicationStatus.REVOKED,
            Withdrawal.Withdrawn: ApplicationStatus.WITHDRAWN}
_FRONT_DESK = {FrontDesk.AcceptanceAwaited: ApplicationStatus.AWAITING_ACCEPTANCE,
               FrontDesk.AcceptedAtFrontDesk: ApplicationStatus.IN_PROGRESS,
               FrontDesk.ReturnedForCorrection: ApplicationStatus.RETURNED}
