"""How applications start, projected from the event log (saga/adapters/projections.py) for the
statistics of the proactive service: by a Submit, or by a department's event and its principal's
confirmation; how many fields the citizen typed on each path; the time from the event to the last
result; offers expired and declined. Rebuilt from the log like the other read models; its SQL runs
on SQLite and PostgreSQL (times as UTC ISO text, arithmetic on times in Python)."""
from __future__ import annotations

import datetime as dt
import statistics
from functools import singledispatchmethod

from saga.adapters.projections import Projection, TrackedView
from saga.adapters.read_models import summary
from saga.domain.application import Application

SUBMITTED, PROACTIVE = "submitted", "proactive"  # the two paths
OFFERED, STARTED, DECLINED, EXPIRED = "offered", "started", "declined", "expired"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class StartsView(TrackedView):
    schema = (
        "CREATE TABLE IF NOT EXISTS starts (application_id TEXT PRIMARY KEY, bundle TEXT NOT NULL, "
        "path TEXT NOT NULL, state TEXT NOT NULL, typed INTEGER, event_at TEXT, started_at TEXT, "
        "event_to_last_result_s DOUBLE PRECISION)",
        "CREATE INDEX IF NOT EXISTS starts_by_bundle ON starts (bundle)")
    tables = ("starts",)

    def began(self, tx, application_id, bundle: str, path: str, state: str, typed: int | None,
              event_at: dt.datetime | None, started_at: dt.datetime | None) -> None:
        tx.execute("INSERT INTO starts VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (application_id) DO UPDATE "
                   "SET bundle=excluded.bundle, path=excluded.path, state=excluded.state, typed=excluded.typed, "
                   "event_at=excluded.event_at, started_at=excluded.started_at, event_to_last_result_s=NULL",
                   (str(application_id), bundle, path, state, typed, event_at and _iso(event_at),
                    started_at and _iso(started_at)))

    def confirmed(self, tx, application_id, typed: int, at: dt.datetime) -> None:
        tx.execute("UPDATE starts SET state=?, typed=?, started_at=? WHERE application_id=?",
                   (STARTED, typed, _iso(at), str(application_id)))

    def ended(self, tx, application_id, state: str) -> None:
        tx.execute("UPDATE starts SET state=? WHERE application_id=?", (state, str(application_id)))

    def completed(self, tx, application_id, at: dt.datetime) -> None:
        """The last result is in: from the department's event to now, for an application an event started."""
        row = tx.execute("SELECT event_at FROM starts WHERE application_id=?", (str(application_id),)).fetchone()
        if row and row[0]:
            seconds = (at - dt.datetime.fromisoformat(row[0])).total_seconds()
            tx.execute("UPDATE starts SET event_to_last_result_s=? WHERE application_id=?",
                       (seconds, str(application_id)))

    # -- queries -------------------------------------------------------------------------------------
    def figures(self, bundle: str) -> dict:
        rows = self.rows("SELECT path, state, typed, started_at, event_to_last_result_s FROM starts WHERE bundle=?",
                         (bundle,))
        started = [(path, typed) for path, _, typed, started_at, _ in rows if started_at is not None]
        typed = {path: statistics.median([t for p, t in started if p == path])
                 for path in (SUBMITTED, PROACTIVE) if any(p == path for p, _ in started)}
        offers = [state for path, state, *_ in rows if path == PROACTIVE]
        return {"proactive_share": (sum(p == PROACTIVE for p, _ in started) / len(started)) if started else 0.0,
                "typed_fields_median": {path: float(median) for path, median in typed.items()},
                "event_to_last_result": summary([r[4] for r in rows if r[4] is not None]),
                "offers_made": len(offers), "offers_expired": offers.count(EXPIRED),
                "offers_declined": offers.count(DECLINED)}


class Starts(Projection):
    name = "starts"
    view: StartsView

    @singledispatchmethod
    def process_event(self, event, tx) -> None:
        raise NotImplementedError(type(event))

    @process_event.register(Application.Submitted)
    def _submitted(self, event, tx) -> None:
        typed = len([k for k in event.form if k not in set(event.looked_up or ())])
        self.view.began(tx, event.originator_id, event.bundle, SUBMITTED, STARTED, typed, None, event.submitted_at)

    @process_event.register(Application.Offered)
    def _offered(self, event, tx) -> None:
        self.view.began(tx, event.originator_id, event.bundle, PROACTIVE, OFFERED, None, event.occurred_at, None)

    @process_event.register(Application.Confirmed)
    def _confirmed(self, event, tx) -> None:
        self.view.confirmed(tx, event.originator_id, len(event.typed), event.at)

    @process_event.register(Application.Declined)
    @process_event.register(Application.Expired)
    def _not_taken(self, event, tx) -> None:
        self.view.ended(tx, event.originator_id, DECLINED if isinstance(event, Application.Declined) else EXPIRED)

    @process_event.register(Application.Completed)
    def _completed(self, event, tx) -> None:
        self.view.completed(tx, event.originator_id, event.at)
