"""Rating (好差评) on the application, and the follow-up a bad rating opens; this class is one of the
Application aggregate's bases.

Once the application has ended (any terminal status: ApplicationStatus.is_terminal), each of its
principals may rate it once: one of five levels for the bundle, an optional comment, and optionally
a level per department step. A rating of 不满意 (dissatisfied) or below, for the bundle or for any
step, opens a follow-up for operators: its id is recorded in `Rated`, and an operator closes it with
the rectification made (`FollowUpClosed`, recorded with who closed it). Both are events of the
application's own stream, so its history shows the case from submission to rectification, and the
follow-ups' listing and the statistics are a projection of them (saga/adapters/follow_ups.py).

The events are defined on this class, so they are stored under its topic
(saga.domain.rating:Rating.<Event>): dispatch on `Rating.<Event>`.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Mapping

from eventsourcing.domain import Aggregate, event

from lifeevents.text import quote
from saga.domain.errors import AlreadyRated, FollowUpClosed, FollowUpNotFound, InvalidRequest, RatingRefused

FOLLOW_UP_DUE = dt.timedelta(days=15)  # an open follow-up older than this is overdue


class RatingLevel(enum.StrEnum):  # the names of lifeevents.v1.RatingLevel, best first
    VERY_SATISFIED = "VERY_SATISFIED"  # 非常满意
    SATISFIED = "SATISFIED"  # 满意
    BASICALLY_SATISFIED = "BASICALLY_SATISFIED"  # 基本满意
    DISSATISFIED = "DISSATISFIED"  # 不满意
    VERY_DISSATISFIED = "VERY_DISSATISFIED"  # 非常不满意

    @property
    def is_bad(self) -> bool:
        """不满意 or below: a follow-up is opened."""
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)

    @property
    def zh(self) -> str:
        return ZH[self]


ZH = {RatingLevel.VERY_SATISFIED: "非常满意", RatingLevel.SATISFIED: "满意", RatingLevel.BASICALLY_SATISFIED: "基本满意",
      RatingLevel.DISSATISFIED: "不满意", RatingLevel.VERY_DISSATISFIED: "非常不满意"}


@dataclass(frozen=True)
class RatingState:
    level: RatingLevel
    comment: str
    steps: Mapping[str, RatingLevel]  # step id -> level
    at: dt.datetime
    follow_up: str = ""  # the follow-up it opened, if any


@dataclass(frozen=True)
class FollowUpState:
    id: str
    rater: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None
    closed_by: str = ""
    rectification: str = ""


class Rating(Aggregate):
    """The rating's commands and events, mixed into the Application aggregate."""

    # Replaced, never changed in place (the class's empty ones are shared): rater -> RatingState,
    # follow-up id -> FollowUpState.
    ratings = {}  # type: dict[str, RatingState]  (not annotated: the library makes an aggregate a dataclass)
    follow_ups = {}  # type: dict[str, FollowUpState]

    def rate(self, rater: str, level: RatingLevel, comment: str, steps: Mapping[str, RatingLevel], now: dt.datetime,
             follow_up_id: str) -> RatingState:
        """The principal's rating, once the application has ended; `follow_up_id` is the id of the
        follow-up it opens if it is bad. RatingRefused before the end, AlreadyRated the second time,
        InvalidRequest naming `steps` for a step that is not one of its department steps."""
        if not self.status.is_terminal:
            raise RatingRefused(f"the application is {self.status}; it may be rated once it has ended")
        if rater in self.ratings:
            raise AlreadyRated(f"you rated this application on {self.ratings[rater].at.date().isoformat()}; "
                               f"each principal rates it once")
        departments = self.departments
        if unknown := [s for s in steps if s not in departments]:
            raise InvalidRequest("a rated step is not a department step of the application", "steps",
                                 f"no department step {quote(unknown[0])}; one of {', '.join(departments)}")
        bad = level.is_bad or any(RatingLevel(s).is_bad for s in steps.values())
        self._rated(rater, self.bundle, level.value, comment, {s: RatingLevel(v).value for s, v in steps.items()},
                    {s: departments[s] for s in steps}, follow_up_id if bad else "", now)
        return self.ratings[rater]

    def close_follow_up(self, follow_up_id: str, operator: str, rectification: str, now: dt.datetime) -> None:
        """An operator records the rectification made and closes the follow-up. FollowUpNotFound for
        another application's, FollowUpClosed for one closed already."""
        follow_up = self.follow_ups.get(follow_up_id)
        if follow_up is None:
            raise FollowUpNotFound(follow_up_id)
        if follow_up.closed_at is not None:
            raise FollowUpClosed(f"the follow-up was closed by {follow_up.closed_by} on "
                                 f"{follow_up.closed_at.date().isoformat()}")
        self._close_follow_up(follow_up_id, operator, rectification, now)

    # -- events --------------------------------------------------------------------------------------
    @event("Rated")
    def _rated(self, rater: str, bundle: str, level: str, comment: str, steps: dict[str, str], departments: dict[str, str],
               follow_up: str, at: dt.datetime) -> None:
        state = RatingState(RatingLevel(level), comment, {s: RatingLevel(v) for s, v in steps.items()}, at, follow_up)
        self.ratings = {**self.ratings, rater: state}
        if follow_up:
            self.follow_ups = {**self.follow_ups, follow_up: FollowUpState(follow_up, rater, at)}

    @event("FollowUpClosed")
    def _close_follow_up(self, follow_up: str, operator: str, rectification: str, at: dt.datetime) -> None:
        opened = self.follow_ups[follow_up]
        closed = FollowUpState(opened.id, opened.rater, opened.opened_at, at, operator, rectification)
        self.follow_ups = {**self.follow_ups, follow_up: closed}
