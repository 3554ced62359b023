"""The coordinator's use cases: submit an application, record department answers, chase, end waits,
take objections, operators' retries and skips, dead letters; and reading an application back.

One method per use case, taking ids and primitives. A use case only records events; listeners hear
of every save (the outbox relay, which publishes the commands; Watch), never the other way round.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import uuid
from typing import Any, Callable, Iterator, Mapping

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import IntegrityError, Recording

from lifeevents.text import quote
from saga.domain.answers import check_answer
from saga.domain.application import Application, NewId
from saga.domain.bundle import Bundle, BundleSet
from saga.domain.catalogue import Catalogue
from saga.domain.errors import ApplicationNotFound, MalformedAnswer, UnknownStep
from saga.domain.forms import complete_form
from saga.domain.ports import NoRegisters, RegisterLookups, StepAnswer

log = logging.getLogger(__name__)
_LOCK_STRIPES = 64


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Coordinator(EventSourcedApplication):
    name = "lifeevents"
    # Recently used applications stay decoded in a bounded cache (the store stays the truth: a
    # cached one is brought up to date from the store before use), so an answer does not replay
    # the whole stream; applications that merely wait fall out of it.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}

    def __init__(self, bundles: BundleSet, clock: Callable[[], dt.datetime] = utcnow,
                 env: Mapping[str, str] | None = None, lookups: RegisterLookups | None = None,
                 new_id: NewId = uuid.uuid4, catalogue: Catalogue | None = None):
        super().__init__(env=env)
        self.bundles = bundles
        self.catalogue = catalogue or Catalogue({})
        self.lookups = lookups or NoRegisters()
        self.clock = clock
        self.new_id = new_id
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

    def submit(self, bundle_id: str, form: Mapping[str, Any], idempotency_key: str = "") -> uuid.UUID:
        """Complete the form from department registers, validate it, record the application, and send
        every step that can start."""
        bundle = self.bundles.get(bundle_id)
        now = self.clock()
        completed = complete_form(bundle, form, now.date(), self.lookups)
        application = Application.submit(bundle, completed.values, now, self.new_id, idempotency_key,
                                         completed.looked_up)
        with self._lock_for(application.id):
            application.advance(now, self.new_id)  # recorded with the submission; the relay sends them
            try:
                self.save(application)
            except IntegrityError:
                if idempotency_key:
                    log.info("submit repeated with key %s: application %s", idempotency_key, application.id)
                    return application.id
                raise
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

    def record_results(self, answers: list[StepAnswer]) -> list[bool]:
        """Record a batch of department answers, and start what they unblock, in one store transaction
        (one commit for many answers is what lets results keep up under load). For each answer: False
        if it changed nothing (a duplicate, a late copy, an unknown step). Raises if the batch cannot
        be recorded; the result consumer then records its answers one by one."""
        ids = list(dict.fromkeys(uuid.UUID(str(a.application_id)) for a in answers))
        locks = sorted({self._lock_for(i) for i in ids}, key=self._locks.index)
        for lock in locks:  # always in the same order: no deadlock with single-lock holders
            lock.acquire()
        try:
            now = self.clock()  # one instant for the answers and what they unblock
            applications = {i: self.get_application(i) for i in ids}
            changed = [self._apply_answer(applications[uuid.UUID(str(a.application_id))], a, now) for a in answers]
            self.save(*[a for a in applications.values() if a.pending_events])
        finally:
            for lock in locks:
                lock.release()
        return changed

    def _apply_answer(self, application: Application, answer: StepAnswer, now: dt.datetime) -> bool:
        try:
            changed = application.record_result(answer.step, answer.command_id, answer.completed,
                                                dict(answer.outputs), answer.reason, now, max(answer.delivery, 1),
                                                answer.decided_at)
        except UnknownStep:
            log.warning("result for unknown step %s of %s ignored", answer.step, application.id)
            return False
        if not changed:
            log.info("duplicate or late result for %s/%s ignored", application.id, answer.step)
            return False
        application.advance(now, self.new_id)
        log.info("application %s: step %s %s", application.id, answer.step,
                 "completed" if answer.completed else "refused")
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

    def object(self, application_id: uuid.UUID | str, objector: str, reason: str,
               objector_role: str = "") -> Application:
        """An objection during an objection period (a public notice, say) stops the application."""
        with self._changing(application_id) as application:
            now = self.clock()
            application.object(objector, reason, now, objector_role)
            application.advance(now, self.new_id)
        log.info("application %s stopped by an objection", application_id)
        return application

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
