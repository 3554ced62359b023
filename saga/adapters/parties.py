"""Who is party to what, projected from the event log (saga/adapters/projections.py): each
application's principals and agent (`Applications/ListMine`), and the delegations citizens
granted (`Applications/ListDelegations`). Rebuilt from the log like the other read models; its SQL
is written once for SQLite and PostgreSQL (times as UTC ISO text, upserts with ON CONFLICT)."""
from __future__ import annotations

import datetime as dt
from functools import singledispatchmethod

from saga.adapters.projections import Projection, TrackedView
from saga.domain.application import Application
from saga.domain.delegation import Delegation

PRINCIPAL, AGENT = "principal", "agent"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).isoformat() if moment is not None else None


class PartiesView(TrackedView):
    schema = (
        "CREATE TABLE IF NOT EXISTS parties (subject TEXT NOT NULL, application_id TEXT NOT NULL, "
        "role TEXT NOT NULL, bundle TEXT NOT NULL, submitted_at TEXT NOT NULL, "
        "PRIMARY KEY (subject, application_id, role))",
        "CREATE INDEX IF NOT EXISTS parties_by_subject ON parties (subject, submitted_at)",
        "CREATE TABLE IF NOT EXISTS delegations (delegation_id TEXT PRIMARY KEY, principal TEXT NOT NULL, "
        "agent TEXT NOT NULL, bundle TEXT NOT NULL, until TEXT NOT NULL, granted_at TEXT NOT NULL, revoked_at TEXT)",
        "CREATE INDEX IF NOT EXISTS delegations_by_principal ON delegations (principal)",
        "CREATE INDEX IF NOT EXISTS delegations_by_agent ON delegations (agent)")
    tables = ("parties", "delegations")

    def party(self, tx, subject: str, application_id, role: str, bundle: str, submitted_at: dt.datetime) -> None:
        tx.execute("INSERT INTO parties VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject, application_id, role) "
                   "DO UPDATE SET bundle=excluded.bundle, submitted_at=excluded.submitted_at",
                   (subject, str(application_id), role, bundle, _iso(submitted_at)))

    def granted(self, tx, delegation_id, principal: str, agent: str, bundle: str, until: dt.datetime,
                at: dt.datetime) -> None:
        tx.execute("INSERT INTO delegations VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (delegation_id) DO UPDATE "
                   "SET principal=excluded.principal, agent=excluded.agent, bundle=excluded.bundle, "
                   "until=excluded.until, granted_at=excluded.granted_at, revoked_at=NULL",
                   (str(delegation_id), principal, agent, bundle, _iso(until), _iso(at)))

    def renewed(self, tx, delegation_id, until: dt.datetime, at: dt.datetime) -> None:
        tx.execute("UPDATE delegations SET until=?, granted_at=?, revoked_at=NULL WHERE delegation_id=?",
                   (_iso(until), _iso(at), str(delegation_id)))

    def revoked(self, tx, delegation_id, at: dt.datetime) -> None:
        tx.execute("UPDATE delegations SET revoked_at=? WHERE delegation_id=?", (_iso(at), str(delegation_id)))

    # -- queries -------------------------------------------------------------------------------------
    def of(self, subject: str, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        """The applications the person is party to, newest first, and how many."""
        total = self.rows("SELECT count(*) FROM parties WHERE subject=?", (subject,))[0][0]
        rows = self.rows("SELECT application_id, role, bundle, submitted_at FROM parties WHERE subject=? "
                         "ORDER BY submitted_at DESC, application_id LIMIT ? OFFSET ?", (subject, limit, offset))
        return [dict(zip(("application_id", "role", "bundle", "submitted_at"), row)) for row in rows], total

    def delegations(self, subject: str) -> list[dict]:
        rows = self.rows("SELECT principal, agent, bundle, until, granted_at, revoked_at FROM delegations "
                         "WHERE principal=? OR agent=? ORDER BY granted_at DESC", (subject, subject))
        return [dict(zip(("principal", "agent", "bundle", "until", "granted_at", "revoked_at"), row)) for row in rows]


class Parties(Projection):
    name = "parties"
    view: PartiesView

    @singledispatchmethod
    def process_event(self, event, tx) -> None:
        raise NotImplementedError(type(event))

    @process_event.register(Application.Submitted)
    def _submitted(self, event, tx) -> None:
        for principal in event.principals:
            self.view.party(tx, principal, event.originator_id, PRINCIPAL, event.bundle, event.submitted_at)
        if event.agent:
            self.view.party(tx, event.agent, event.originator_id, AGENT, event.bundle, event.submitted_at)

    @process_event.register(Application.Offered)
    def _offered(self, event, tx) -> None:
        for principal in event.principals:
            self.view.party(tx, principal, event.originator_id, PRINCIPAL, event.bundle, event.offered_at)

    @process_event.register(Application.Confirmed)
    def _confirmed(self, event, tx) -> None:
        if event.agent:  # an agent confirmed for the principal: they follow it from now on
            bundle = tx.execute("SELECT bundle, submitted_at FROM parties WHERE application_id=? LIMIT 1",
                                (str(event.originator_id),)).fetchone()
            if bundle:
                self.view.party(tx, event.agent, event.originator_id, AGENT, bundle[0],
                                dt.datetime.fromisoformat(bundle[1]))

    @process_event.register(Delegation.Granted)
    def _granted(self, event, tx) -> None:
        self.view.granted(tx, event.originator_id, event.principal, event.agent, event.bundle, event.until, event.at)

    @process_event.register(Delegation.Renewed)
    def _renewed(self, event, tx) -> None:
        self.view.renewed(tx, event.originator_id, event.until, event.at)

    @process_event.register(Delegation.Revoked)
    def _revoked(self, event, tx) -> None:
        self.view.revoked(tx, event.originator_id, event.at)
