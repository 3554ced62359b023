"""The coordinator's use cases: submit an application, record department answers, chase, end waits,
take objections, operators' retries and skips, dead letters; delegations; opening an application
for someone, with the reads it is recorded in the data-access log; and reading an application back.

One method per use case, taking ids and primitives (and the verified caller, where who calls
decides: saga/domain/access.py holds the rules). A use case only records events; listeners hear
of every save (the outbox relay, which publishes the commands; Watch), never the other way round.
A read of someone's data by someone else is saved in the same transaction as what caused it, where
there is one (a Submit's register lookups), so a refused Submit stores nothing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import secrets
import threading
import time
import uuid
from collections import defaultdict
from typing import Any, Callable, Iterator, Mapping

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import IntegrityError, Recording

from lifeevents.callers import Principal
from lifeevents.text import quote
from saga.domain.access import (Delegated, Purpose, Read, Sight, check_may_delegate, check_may_object,
                                check_may_submit, check_reason, lookup_reads, reads_of, refusals_of, sight_of)
from saga.domain.access_log import AccessLog
from saga.domain.answers import check_answer
from saga.domain.application import Application, NewId
from saga.domain.bundle import Bundle, BundleSet
from saga.domain.catalogue import Catalogue
from saga.domain.delegation import Delegation
from saga.domain.errors import (ApplicationNotFound, FormInvalid, IdempotencyKeyReused, MalformedAnswer,
                                NoSuchDelegation, NotVisible, UnknownBundle, UnknownStep)
from saga.domain.forms import complete_form, principals_of, validate_form
from saga.domain.ports import NoRegisters, Outcome, RecordedLookups, RegisterLookups, StepAnswer
from saga.domain.review import openings_read
from saga.aftercare import AftercareUseCases
from saga.commitment_cases import CommitmentUseCases
from saga.practices import PracticeUseCases
from saga.proactive import ProactiveUseCases

log = logging.getLogger(__name__)
_LOCK_STRIPES = 64
# How many times a save that appends to data-access logs is made again after another coordinator
# appended to one of them first (after a short random pause, so that two do not collide again).
SAVE_ATTEMPTS = 10


def _pause_before_again(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.005 * attempt))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# Offers and preferences: saga/proactive.py; commitments' timers and findings: saga/commitment_cases.py;
# a promised material and the front desk: saga/practices.py; withdrawal, rating and follow-ups: saga/aftercare.py.
class Coordinator(AftercareUseCases, PracticeUseCases, ProactiveUseCases, CommitmentUseCases,
                  EventSourcedApplication):
    name = "lifeevents"
    # Recently used applications stay decoded in a bounded cache (the store stays the truth: a
    # cached one is brought up to date from the store before use), so an answer does not replay
    # the whole stream; applications that merely wait fall out of it.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}
    save_attempts, pause_before_again = SAVE_ATTEMPTS, staticmethod(_pause_before_again)

    def __init__(self, bundles: BundleSet, clock: Callable[[], dt.datetime] = utcnow,
                 env: Mapping[str, str] | None = None, lookups: RegisterLookups | None = None,
                 new_id: NewId = uuid.uuid4, catalogue: Catalogue | None = None, id_secret: bytes | None = None):
        super().__init__(env=env)
        self.bundles = bundles
        self.catalogue = catalogue or Catalogue({})
        self.lookups = lookups or NoRegisters()
        self.clock = clock
        self.new_id = new_id
        # The key of the ids derived from idempotency keys (saga/adapters/secrets.py keeps it in a file).
        self.id_secret = id_secret or secrets.token_bytes(32)
        self._listeners: list[Callable[[list[Any]], None]] = []
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def listen(self, listener: Callable[[list[Any]], None]) -> None:
        """Call `listener` with the events of every save, once they are stored."""
        self._listeners.append(listener)

    def _notify(self, recordings: list[Recording]) -> None:
        events = [r.domain_event for r in recordings]
        for listener in self._listeners:
            listener(events)

    def _lock_for(self, application_id: uuid.UUID) -> threading.Lock:
        return self._locks[application_id.int % _LOCK_STRIPES]

    @contextlib.contextmanager
    def _locked(self, *ids: uuid.UUID) -> Iterator[None]:
        """The locks of several aggregates, always taken in the same order: no deadlock."""
        locks = sorted({self._lock_for(i) for i in ids}, key=self._locks.index)
        for lock in locks:
            lock.acquire()
        try:
            yield
        finally:
            for lock in reversed(locks):
                lock.release()

    @contextlib.contextmanager
    def _changing(self, application_id: uuid.UUID | str) -> Iterator[Application]:
        """One application, locked against concurrent changes, saved if the block changed it."""
        application_id = uuid.UUID(str(application_id))
        with self._lock_for(application_id):
            application = self.get_application(application_id)
            yield application
            if application.pending_events:
                self.save(application)

    # -- use cases -----------------------------------------------------------------------------------
    def bundle(self, bundle_id: str) -> Bundle:
        return self.bundles.get(bundle_id)

    def submit(self, bundle_id: str, form: Mapping[str, Any], idempotency_key: str = "", *,
               caller: Principal) -> uuid.UUID:
        """Decide who the form is for and whether the caller may submit it (before anything else is
        looked up), complete the form from department registers, validate it, record the application
        with the register reads it made, and send every step that can start."""
        bundle = self.bundles.get(bundle_id)
        now = self.clock()
        lookups = RecordedLookups(self.lookups)
        principals = principals_of(bundle, form, now.date(), lookups)
        agent = check_may_submit(caller, bundle, principals, self._delegated(caller.subject, bundle.id, now))
        application_id = (Application.keyed_id(self.id_secret, caller.subject, bundle.id, idempotency_key)
                          if idempotency_key else self.new_id())
        if idempotency_key and (existing := self._stored(application_id)) is not None:
            return self._repeated(existing, bundle, form, now, lookups, caller)
        completed = complete_form(bundle, form, now.date(), lookups)
        reads = lookup_reads(bundle, lookups.made, [*completed.looked_up, *principals], caller, str(application_id))
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            application = Application.submit(bundle, completed.values, now, application_id, idempotency_key,
                                             completed.looked_up, list(principals.values()), agent)
            try:
                with self._locked(application.id, *(AccessLog.id_for(r.subject) for r in reads)):
                    application.advance(now, self.new_id)  # recorded with the submission; the relay sends them
                    self.save(application, *self._logs_with(reads, now))
                break
            except IntegrityError:
                if idempotency_key and (existing := self._stored(application_id)) is not None:
                    return self._repeated(existing, bundle, form, now, RecordedLookups(NoRegisters()), caller)
                if not reads or attempt == SAVE_ATTEMPTS:
                    raise
                log.info("application %s: a data-access log it appends to moved meanwhile; saving again",
                         application_id)
                _pause_before_again(attempt)
        log.info("application %s submitted (%s)", application.id, bundle.id)
        return application.id

    def check_answer(self, answer: StepAnswer) -> None:
        """Raise MalformedAnswer if a department's answer does not fit its step and the catalogue
        (the result consumer dead-letters it, and the step is flagged); return if it may be applied."""
        try:
            application = self.read_application(answer.application_id)
        except ApplicationNotFound:
            raise MalformedAnswer(f"no application {quote(answer.application_id)}") from None
        check_answer(application, answer, self.catalogue)

    def _repeated(self, existing: Application, bundle: Bundle, form: Mapping[str, Any], now: dt.datetime,
                  lookups: RecordedLookups, caller: Principal) -> uuid.UUID:
        """A Submit repeated under the caller's idempotency key: the same application if the form is the
        same (the register reads made to check it are recorded), IdempotencyKeyReused if it is not."""
        try:
            entered = validate_form(bundle, {k: v for k, v in form.items() if v not in (None, "")}, now.date(),
                                    excused=set(bundle.fields))
        except FormInvalid:
            entered = None
        if existing.bundle != bundle.id or entered != existing.entered_form():
            raise IdempotencyKeyReused("this idempotency key was used for another form; use a new key")
        self.record_reads(lookup_reads(bundle, lookups.made, bundle.principals, caller, str(existing.id)))
        log.info("submit repeated under its idempotency key: application %s", existing.id)
        return existing.id

    def _stored(self, application_id: uuid.UUID) -> Application | None:
        try:
            return self.read_application(application_id)
        except ApplicationNotFound:
            return None

    def record_results(self, answers: list[StepAnswer]) -> list[bool]:
        """Record a batch of department answers, and start what they unblock, in one store transaction
        (one commit for many answers is what lets results keep up under load). For each answer: False
        if it changed nothing (a duplicate, a late copy, an unknown step). Raises if the batch cannot
        be recorded; the result consumer then records its answers one by one."""
        ids = list(dict.fromkeys(uuid.UUID(str(a.application_id)) for a in answers))
        with self._locked(*ids, *self._logs_officers_may_read(answers)):
            now = self.clock()  # one instant for the answers and what they unblock
            applications = {i: self.get_application(i) for i in ids}
            changed = [self._apply_answer(applications[uuid.UUID(str(a.application_id))], a, now) for a in answers]
            # An officer opening a case is a read of the principals' data, saved with it.
            reads = [r for a in applications.values() for r in openings_read(a, self.principals_of(a))]
            self.save(*[a for a in applications.values() if a.pending_events], *self._logs_with(reads, now))
        return changed

    def _logs_officers_may_read(self, answers: list[StepAnswer]) -> list[uuid.UUID]:
        """The data-access logs the officers named in these answers may append to (locked with them)."""
        named = {a.application_id for a in answers if a.officer or a.decided_by}
        return [AccessLog.id_for(p) for i in named if (application := self._stored(i)) is not None
                for p in self.principals_of(application)]

    def _apply_answer(self, application: Application, answer: StepAnswer, now: dt.datetime) -> bool:
        try:
            changed = application.record_answer(answer, now)
        except UnknownStep:
            log.warning("result for unknown step %s of %s ignored", answer.step, application.id)
            return False
        if not changed:
            log.info("duplicate or late result for %s/%s ignored", application.id, answer.step)
            return False
        application.advance(now, self.new_id)
        log.info("application %s: step %s %s", application.id, answer.step,
                 "completed" if answer.completed else (answer.outcome or Outcome.REJECTED).value.lower())
        return True

    def record_result(self, application_id: uuid.UUID | str, step: str, command_id: str, completed: bool,
                      outputs: Mapping[str, str], reason: str = "", delivery: int = 1,
                      decided_at: dt.datetime | None = None) -> bool:
        """One department answer (record_results of one)."""
        return self.record_results([StepAnswer(str(application_id), step, command_id, completed, outputs, reason,
                                               delivery, decided_at)])[0]

    def end_wait(self, application_id: uuid.UUID | str, step: str) -> bool:
        """A timer is due: end the wait if its time has come, and start what it unblocks."""
        with self._changing(application_id) as application:
            now = self.clock()
            if not application.end_wait(step, now):
                return False
            application.advance(now, self.new_id)
        log.info("application %s: wait %s is over", application_id, step)
        return True

    def chase(self, application_id: uuid.UUID | str, step: str) -> bool:
        """An unanswered step (or undo) is due a look: flag it overdue, re-send it, or give it up."""
        with self._changing(application_id) as application:
            now = self.clock()
            if not application.chase(step, now):
                return False
            application.advance(now, self.new_id)
        log.warning("application %s: step %s unanswered; chased (overdue: %s)", application_id, step,
                    application.steps[step].overdue_since is not None)
        return True

    def dead_lettered(self, application_id: uuid.UUID | str, step: str, command_id: str, error: str) -> bool:
        """A command of the application, or its answer, was dead-lettered: flag the step failed. False
        (logged) for a dead letter of no application: there is nothing to flag."""
        try:
            self.read_application(application_id)
        except ApplicationNotFound:
            log.warning("dead letter for no application %s ignored: %s", quote(str(application_id)), quote(error, 200))
            return False
        with self._changing(application_id) as application:
            now = self.clock()
            try:
                changed = application.dead_lettered(step, command_id, error, now)
            except UnknownStep:
                log.warning("dead letter for unknown step %s of %s ignored", step, application_id)
                return False
            if changed:
                application.advance(now, self.new_id)
        if changed:
            log.error("application %s: step %s dead-lettered: %s", application_id, step, error)
        return changed

    def object(self, application_id: uuid.UUID | str, reason: str, objector_role: str = "", objector: str = "", *,
               caller: Principal) -> tuple[Application, Sight]:
        """An objection during an objection period (a public notice, say) stops the application. Any
        citizen may object to a public notice; it is recorded with who they are."""
        with self._changing(application_id) as application:
            try:
                sight = check_may_object(caller, self.principals_of(application), application.has_public_notice)
            except NotVisible:
                raise NotVisible(str(application_id)) from None
            now = self.clock()
            application.object(objector or caller.name, reason, now, objector_role, caller.subject)
            application.advance(now, self.new_id)
        log.info("application %s stopped by an objection", application_id)
        return application, sight

    def retry_step(self, application_id: uuid.UUID | str, step: str, operator: str, reason: str) -> Application:
        """An operator sends a failed or stuck step again, under its command id; the relay publishes it."""
        with self._changing(application_id) as application:
            application.retry(step, operator, reason, self.clock())
        log.warning("application %s: step %s retried by %s: %s", application_id, step, operator, reason)
        return application

    def skip_step(self, application_id: uuid.UUID | str, step: str, operator: str, reason: str) -> Application:
        """An operator lets the application go on without a failed or stuck step."""
        with self._changing(application_id) as application:
            now = self.clock()
            application.skip(step, operator, reason, now)
            application.advance(now, self.new_id)
        log.warning("application %s: step %s skipped by %s: %s", application_id, step, operator, reason)
        return application

    # -- delegations ---------------------------------------------------------------------------------
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

    # -- who reads whose data ------------------------------------------------------------------------
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
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                with self._locked(*(AccessLog.id_for(r.subject) for r in reads)):
                    self.save(*self._logs_with(reads, now))
                return
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS:
                    raise
                log.info("a data-access log moved meanwhile; appending again")
                _pause_before_again(attempt)

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

    # -- reads ---------------------------------------------------------------------------------------
    def get_application(self, application_id: uuid.UUID | str, version: int | None = None) -> Application:
        try:
            app_id = application_id if isinstance(application_id, uuid.UUID) else uuid.UUID(str(application_id))
            return self.repository.get(app_id, version=version)
        except (ValueError, AggregateNotFoundError):
            raise ApplicationNotFound(str(application_id)) from None

    def read_application(self, application_id: uuid.UUID | str) -> Application:
        """The application for reading only: the cached copy itself, not a copy of it (a change is
        always made on a copy and then replaces the cached one, so this one never changes)."""
        try:
            app_id = application_id if isinstance(application_id, uuid.UUID) else uuid.UUID(str(application_id))
            return self.repository.get(app_id, deepcopy_from_cache=False)
        except (ValueError, AggregateNotFoundError):
            raise ApplicationNotFound(str(application_id)) from None

    def history(self, application_id: uuid.UUID | str, after_version: int = 0) -> list[Any]:
        application = self.read_application(application_id)
        return list(self.events.get(application.id, gt=after_version or None))
