"""The coordinator's use cases: submit an application, chase, end waits, take objections, operators'
retries and skips; reading an application back. The rest are mixed in (see the class).

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
from typing import Any, Callable, Iterator, Mapping

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import IntegrityError, Recording

from lifeevents.callers import Principal
from saga.access_cases import AccessUseCases
from saga.aftercare import AftercareUseCases
from saga.commitment_cases import CommitmentUseCases
from saga.domain.access import Sight, check_may_object, check_may_submit
from saga.domain.access_log import AccessLog
from saga.domain.application import Application, NewId
from saga.domain.bundle import Bundle, BundleSet
from saga.domain.catalogue import Catalogue
from saga.domain.errors import ApplicationNotFound, FormInvalid, IdempotencyKeyReused, NotVisible
from saga.domain.forms import complete_form, principals_of, validate_form
from saga.domain.ports import NoRegisters, RecordedLookups, RegisterLookups
from saga.domain.reads import lookup_reads
from saga.practices import PracticeUseCases
from saga.proactive import ProactiveUseCases
from saga.results import ResultUseCases

log = logging.getLogger(__name__)
_LOCK_STRIPES = 64
# How many times a save that appends to data-access logs is made again after another coordinator
# appended to one of them first (after a short random pause, so that two do not collide again).
SAVE_ATTEMPTS = 10


def _pause_before_again(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.005 * attempt))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# Department answers and dead letters: saga/results.py; delegations and who reads whose data:
# saga/access_cases.py; offers and preferences: saga/proactive.py; commitments' timers and findings:
# saga/commitment_cases.py; a promised material and the front desk: saga/practices.py; withdrawal,
# rating and follow-ups: saga/aftercare.py.
class Coordinator(ResultUseCases, AccessUseCases, AftercareUseCases, PracticeUseCases, ProactiveUseCases,
                  CommitmentUseCases, EventSourcedApplication):
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
