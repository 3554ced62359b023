"""Withdrawal and rating use cases, mixed into the Coordinator (saga/coordinator.py): the applicant
withdraws an application before it ends (saga/domain/withdrawal.py); each principal rates it once it
has ended, a bad rating opening a follow-up, and an operator closes the follow-up with the
rectification made (saga/domain/rating.py). Like the other use cases they only record events."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Mapping

from lifeevents.callers import Principal
from saga.domain.access import Sight, SightKind, check_may_rate, check_may_supplement
from saga.domain.application import Application
from saga.domain.errors import NotVisible
from saga.domain.rating import RatingLevel, RatingState

log = logging.getLogger(__name__)


class AftercareUseCases:
    """Needs the Coordinator's store, clock, ids, locks, delegations and data-access logs."""

    def withdraw(self, application_id: uuid.UUID | str, reason: str, *,
                 caller: Principal) -> tuple[Application, Sight]:
        """The principal (or their agent) withdraws the application: what has not started is cancelled,
        the steps in flight are waited for, what was done and declares an undo is undone, and it ends
        WITHDRAWN. WithdrawalRefused once it has ended."""
        with self._changing(application_id) as application:
            now = self.clock()
            try:
                agent = check_may_supplement(caller, self.principals_of(application),
                                             self._delegated(caller.subject, application.bundle, now), "withdraws it")
            except NotVisible:
                raise NotVisible(str(application_id)) from None
            application.withdraw(caller.subject, agent, reason, now)
            application.advance(now, self.new_id)  # the undos the relay sends, or the end
        self.record_reads(self._agents_reads(application, caller, agent, application.form))
        log.info("application %s withdrawn by its %s; now %s", application_id, "agent" if agent else "principal",
                 application.status)
        return application, Sight(SightKind.AGENT if agent else SightKind.PRINCIPAL)

    def rate(self, application_id: uuid.UUID | str, level: RatingLevel, comment: str,
             steps: Mapping[str, RatingLevel], *, caller: Principal) -> tuple[Application, RatingState]:
        """A principal rates the ended application, once; a bad rating opens a follow-up."""
        with self._changing(application_id) as application:
            try:
                check_may_rate(caller, self.principals_of(application))
            except NotVisible:
                raise NotVisible(str(application_id)) from None
            rating = application.rate(caller.subject, level, comment, steps, self.clock(), str(self.new_id()))
        log.info("application %s rated %s%s", application_id, rating.level,
                 f"; follow-up {rating.follow_up} opened" if rating.follow_up else "")
        return application, rating

    def close_follow_up(self, application_id: uuid.UUID | str, follow_up_id: str, rectification: str,
                        operator: str) -> tuple[Application, dt.datetime]:
        """An operator closes a follow-up of the application with the rectification made (recorded with
        who closed it). FollowUpNotFound, FollowUpClosed."""
        with self._changing(application_id) as application:
            now = self.clock()
            application.close_follow_up(follow_up_id, operator, rectification, now)
        log.info("follow-up %s of application %s closed by %s", follow_up_id, application_id, operator)
        return application, now
