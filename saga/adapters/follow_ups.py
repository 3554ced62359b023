"""Ratings and the follow-ups of bad ones, projected from the event log (saga/adapters/projections.py)
for the operators: the rating distribution per bundle and per department, and each follow-up a
rating of 不满意 or below opened, open or closed (by whom, with the rectification). Whether one is
overdue (open more than 15 days) is computed from the clock when asked, so it needs no timer.

Why a projection and not an aggregate of its own: a follow-up belongs to the case it follows (the
application's stream records the rating that opened it and the closing, so the case's history is
traceable end to end and replays with it); what operators need beside that is a listing across
applications and counts, which is what a projection is for, rebuilt from the log like the others.
Its SQL runs on SQLite and PostgreSQL (times as UTC ISO text, arithmetic on times in Python)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import singledispatchmethod

from lifeevents.privacy import mask_text
from saga.adapters.projections import Projection, TrackedView
from saga.domain.rating import FOLLOW_UP_DUE, Rating

BUNDLE = ""  # the step of a rating of the bundle as a whole
OPEN, CLOSED, OVERDUE = "open", "closed", "overdue"  # the listing's filters ("" for all)
FOLLOW_UP_COLUMNS = ("follow_up_id", "application_id", "bundle", "level", "steps", "comment", "opened_at",
                     "closed_at", "closed_by", "rectification")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class FollowUpsView(TrackedView):
    schema = (
        "CREATE TABLE IF NOT EXISTS ratings (application_id TEXT NOT NULL, version INTEGER NOT NULL, "
        "step TEXT NOT NULL, bundle TEXT NOT NULL, department TEXT NOT NULL, level TEXT NOT NULL, "
        "PRIMARY KEY (application_id, version, step))",
        "CREATE INDEX IF NOT EXISTS ratings_by_bundle ON ratings (bundle)",
        "CREATE TABLE IF NOT EXISTS follow_ups (follow_up_id TEXT PRIMARY KEY, application_id TEXT NOT NULL, "
        "bundle TEXT NOT NULL, level TEXT NOT NULL, steps TEXT NOT NULL, comment TEXT NOT NULL, "
        "opened_at TEXT NOT NULL, closed_at TEXT, closed_by TEXT, rectification TEXT)",
        "CREATE INDEX IF NOT EXISTS follow_ups_by_opening ON follow_ups (opened_at)")
    tables = ("ratings", "follow_ups")

    def rated(self, tx, application_id, version: int, bundle: str, level: str, steps: dict[str, str],
              departments: dict[str, str]) -> None:
        for step, department, rated in [(BUNDLE, "", level)] + [(s, departments.get(s, ""), v) for s, v in steps.items()]:
            tx.execute("INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (application_id, version, step) "
                       "DO UPDATE SET level=excluded.level", (str(application_id), version, step, bundle, department,
                                                             rated))

    def opened(self, tx, follow_up_id: str, application_id, bundle: str, level: str, steps: dict[str, str],
               comment: str, at: dt.datetime) -> None:
        listed = ",".join(f"{step}:{level}" for step, level in sorted(steps.items()))
        tx.execute("INSERT INTO follow_ups VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL) ON CONFLICT (follow_up_id) "
                   "DO UPDATE SET closed_at=NULL, closed_by=NULL, rectification=NULL",
                   (follow_up_id, str(application_id), bundle, level, listed, mask_text(comment), _iso(at)))

    def closed(self, tx, follow_up_id: str, operator: str, rectification: str, at: dt.datetime) -> None:
        tx.execute("UPDATE follow_ups SET closed_at=?, closed_by=?, rectification=? WHERE follow_up_id=?",
                   (_iso(at), operator, mask_text(rectification), follow_up_id))

    # -- queries -------------------------------------------------------------------------------------
    def follow_ups(self, state: str, bundle: str, now: dt.datetime, limit: int = 50,
                   offset: int = 0) -> tuple[list[dict], int]:
        """Follow-ups, oldest first, each with `overdue`; filtered by state (open, closed, overdue) and
        bundle; and how many match."""
        where, args = ["1=1"], []
        if bundle:
            where.append("bundle=?")
            args.append(bundle)
        if state in (OPEN, OVERDUE):
            where.append("closed_at IS NULL")
        if state == CLOSED:
            where.append("closed_at IS NOT NULL")
        if state == OVERDUE:
            where.append("opened_at<=?")
            args.append(_iso(now - FOLLOW_UP_DUE))
        condition = " AND ".join(where)
        total = self.rows(f"SELECT count(*) FROM follow_ups WHERE {condition}", args)[0][0]
        rows = self.rows(f"SELECT {', '.join(FOLLOW_UP_COLUMNS)} FROM follow_ups WHERE {condition} "
                         f"ORDER BY opened_at, follow_up_id LIMIT ? OFFSET ?", [*args, limit, offset])
        return [self._row(row, now) for row in rows], total

    def follow_up(self, follow_up_id: str, now: dt.datetime) -> dict | None:
        rows = self.rows(f"SELECT {', '.join(FOLLOW_UP_COLUMNS)} FROM follow_ups WHERE follow_up_id=?", (follow_up_id,))
        return self._row(rows[0], now) if rows else None

    @staticmethod
    def _row(row: tuple, now: dt.datetime) -> dict:
        found = dict(zip(FOLLOW_UP_COLUMNS, row))
        found["steps"] = dict(item.split(":", 1) for item in found["steps"].split(",")) if found["steps"] else {}
        opened_at = dt.datetime.fromisoformat(found["opened_at"])
        found["due_at"] = opened_at + FOLLOW_UP_DUE
        found["overdue"] = found["closed_at"] is None and now >= found["due_at"]
        return found

    def figures(self, bundle: str, now: dt.datetime) -> dict:
        """The rating distribution (level -> count) of the bundle and per department, and its follow-ups
        open, closed and overdue, with the rectification rate (closed over opened)."""
        ratings: dict[str, int] = defaultdict(int)
        per_department: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for step, department, level, count in self.rows(
                "SELECT step, department, level, count(*) FROM ratings WHERE bundle=? GROUP BY step, department, level",
                (bundle,)):
            if step == BUNDLE:
                ratings[level] += count
            else:
                per_department[department][level] += count
        rows = self.rows("SELECT closed_at, opened_at FROM follow_ups WHERE bundle=?", (bundle,))
        closed = sum(closed_at is not None for closed_at, _ in rows)
        overdue_before = _iso(now - FOLLOW_UP_DUE)
        return {"ratings": dict(ratings), "department_ratings": {d: dict(levels) for d, levels in per_department.items()},
                "follow_ups_open": len(rows) - closed, "follow_ups_closed": closed,
                "follow_ups_overdue": sum(c is None and o <= overdue_before for c, o in rows),
                "rectification_rate": closed / len(rows) if rows else 0.0}


class FollowUps(Projection):
    name = "follow_ups"
    view: FollowUpsView

    @singledispatchmethod
    def process_event(self, event, tx) -> None:
        raise NotImplementedError(type(event))

    @process_event.register(Rating.Rated)
    def _rated(self, event, tx) -> None:
        self.view.rated(tx, event.originator_id, event.originator_version, event.bundle, event.level, event.steps,
                        event.departments)
        if event.follow_up:
            self.view.opened(tx, event.follow_up, event.originator_id, event.bundle, event.level, event.steps,
                             event.comment, event.at)

    @process_event.register(Rating.FollowUpClosed)
    def _closed(self, event, tx) -> None:
        self.view.closed(tx, event.follow_up, event.operator, event.rectification, event.at)
