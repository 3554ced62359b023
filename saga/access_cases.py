"""Who acts and reads for whom, mixed into the Coordinator (saga/coordinator.py): delegations (帮办代办:
a citizen lets an agent act for them on one bundle, renewed or revoked), an application's principals,
opening an application for someone with what they may see of it (saga/domain/access.py), and each
read of someone's data appended to their data-access log (saga/domain/access_log.py), saved again
when another coordinator appended to the same log meanwhile."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from lifeevents.callers import Principal
from saga.domain.access import Delegated, Purpose, Sight, check_may_delegate, check_reason, sight_of
from saga.domain.access_log import AccessLog
from saga.domain.application import Application
from saga.domain.delegation import Delegation
from saga.domain.errors import NoSuchDelegation, NotVisible, UnknownBundle
from saga.domain.reads import Read, reads_of, refusals_of

log = logging.getLogger(__name__)


class AccessUseCases:
    """Needs the Coordinator's store, clock, bundles, locks and `save_attempts`, `pause_before_again`."""

    def grant_delegation(self, agent: str, bundle_id: str, until: dt.datetime | None, *,
                         caller: Principal) -> Delegation:
        """A citizen lets an agent act for them on one bundle until a moment (granted again: renewed)."""
        bundle = self.bundles.get(bundle_id)
        now = self.clock()
        agent = check_may_delegate(caller, agent, until, now)
        delegation_id = Delegation.id_for(caller.subject, agent, bundle.id)
        with self._locked(delegation_id):
            delegation = self._delegation(delegation_id)
            if delegation is None:
                delegation = Delegation.grant(caller.subject, agent, bundle.id, until, now)
            else:
                delegation.renew(until, now)
            self.save(delegation)
        log.info("delegation %s granted for %s", delegation_id, bundle.id)
        return delegation

    def revoke_delegation(self, agent: str, bundle_id: str, *, caller: Principal) -> Delegation:
        delegation_id = Delegation.id_for(caller.subject, agent.strip().upper(), bundle_id)
        with self._locked(delegation_id):
            delegation = self._delegation(delegation_id)
            if delegation is None:
                raise NoSuchDelegation(f"no delegation to that agent for {bundle_id!r}")
            if delegation.revoke(self.clock()):
                self.save(delegation)
        log.info("delegation %s revoked", delegation_id)
        return delegation

    def _delegation(self, delegation_id: uuid.UUID) -> Delegation | None:
        try:
            return self.repository.get(delegation_id)
        except AggregateNotFoundError:
            return None

    def _delegated(self, agent: str, bundle_id: str, now: dt.datetime) -> Delegated:
        """Whether a principal's delegation to this agent for this bundle holds now."""
        def holds(principal: str) -> bool:
            delegation = self._delegation(Delegation.id_for(principal, agent, bundle_id))
            return delegation is not None and delegation.holds(now)
        return holds

    def principals_of(self, application: Application) -> list[str]:
        """Whom the application is for; for one recorded before principals were (Submitted v1), the
        values of its bundle's principal fields in its form."""
        if application.principals:
            return list(application.principals)
        try:
            bundle = self.bundles.get(application.bundle)
        except UnknownBundle:
            return []
        return list(dict.fromkeys(application.form[f] for f in bundle.principals if application.form.get(f)))

    def open_application(self, application_id: uuid.UUID | str, purpose: Purpose = Purpose.FOLLOW,
                         reason: str = "", *, caller: Principal) -> tuple[Application, Sight]:
        """The application and what the caller may see of it; NotVisible if nothing. Opening it as
        anyone but a principal is recorded in each principal's data-access log, and so is a refusal."""
        if purpose in (Purpose.HISTORY, Purpose.REPLAY):
            reason = check_reason(reason)
        application = self.read_application(application_id)
        principals = self.principals_of(application)
        now = self.clock()
        try:
            sight = sight_of(caller, principals, application.agent, application.departments,
                             self._delegated(caller.subject, application.bundle, now), purpose)
        except NotVisible:
            self.record_reads(refusals_of(caller, principals, str(application.id), purpose))
            raise NotVisible(str(application_id)) from None
        shown = [s for s in application.steps.values() if sight.shows(s.id)]
        items = (sorted({name for s in shown for name in s.inputs}) if sight.steps is not None
                 else sorted(application.form))
        self.record_reads(reads_of(caller, sight, principals, str(application.id), items, purpose, reason))
        return application, sight

    def record_reads(self, reads: list[Read]) -> None:
        """Append reads to their people's data-access logs, in one transaction."""
        if not reads:
            return
        now = self.clock()
        for attempt in range(1, self.save_attempts + 1):
            try:
                with self._locked(*(AccessLog.id_for(r.subject) for r in reads)):
                    self.save(*self._logs_with(reads, now))
                return
            except IntegrityError:
                if attempt == self.save_attempts:
                    raise
                log.info("a data-access log moved meanwhile; appending again")
                self.pause_before_again(attempt)

    def _logs_with(self, reads: list[Read], now: dt.datetime) -> list[AccessLog]:
        """The data-access logs of the reads' people, each with its new entries (call under their locks).
        The locks keep this process's threads in turn; another coordinator may append to the same log
        at the same moment, and then the store refuses one of the two saves (IntegrityError: that
        version exists), which the caller makes again from the logs as they now are."""
        by_subject: dict[str, list[Read]] = defaultdict(list)
        for read in reads:
            by_subject[read.subject].append(read)
        logs = []
        for subject, entries in by_subject.items():
            try:
                access_log = self.repository.get(AccessLog.id_for(subject))
            except AggregateNotFoundError:
                access_log = AccessLog.open(subject)
            for read in entries:
                access_log.record(read, now)
            logs.append(access_log)
        return logs

    def data_access(self, subject: str, limit: int = 50, before: int | None = None) -> list[Any]:
        """The entries of a person's data-access log, newest first, before a position if given."""
        log_id = AccessLog.id_for(subject)
        return [e for e in self.events.get(log_id, desc=True, lte=before - 1 if before else None, limit=limit)
                if isinstance(e, AccessLog.AccessRecorded)]
