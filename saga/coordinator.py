"""The coordinator's use cases: submit an application, apply department results, read state.

One method per use case, taking ids and primitives. Department commands leave
through the CommandBus port; watchers hear of every saved event.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import IntegrityError, Recording

from saga.domain.bundles import Bundle, BundleSet
from saga.domain.forms import complete_form
from saga.domain.model import Application, UnknownStep, plan_of
from saga.adapters.relay import CommandRelay, MemoryPosition
from saga.domain.ports import CommandBus, NoRegisters, RegisterLookups

log = logging.getLogger(__name__)
_LOCK_STRIPES = 64


@dataclass(frozen=True)
class StepAnswer:
    """A department's answer to one step command, as the coordinator applies it."""

    application_id: str
    step: str
    command_id: str
    completed: bool
    outputs: Mapping[str, str]
    reason: str = ""
    delivery: int = 1
    decided_at: dt.datetime | None = None


class ApplicationNotFound(LookupError):
    def __init__(self, application_id: str):
        self.application_id = application_id
        super().__init__(f"no application {application_id}")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Watchers:
    """In-process fan-out of newly saved events to the streams watching an application."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[uuid.UUID, list[queue.Queue]] = defaultdict(list)

    def subscribe(self, application_id: uuid.UUID) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            self._queues[application_id].append(q)
        return q

    def unsubscribe(self, application_id: uuid.UUID, q: queue.Queue) -> None:
        with self._lock:
            subscribers = self._queues.get(application_id, [])
            if q in subscribers:
                subscribers.remove(q)
            if not subscribers:
                self._queues.pop(application_id, None)

    def publish(self, events: list[Any]) -> None:
        with self._lock:
            for event in events:
                for q in self._queues.get(event.originator_id, ()):
                    q.put(event)


class Coordinator(EventSourcedApplication):
    name = "lifeevents"
    # Recently used applications stay decoded in a bounded cache (the store stays the truth: a
    # cached one is brought up to date from the store before use), so an answer does not replay
    # the whole stream; applications that merely wait fall out of it.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000"}

    def __init__(self, bundles: BundleSet, bus: CommandBus, clock: Callable[[], dt.datetime] = utcnow,
                 env: Mapping[str, str] | None = None, lookups: RegisterLookups | None = None,
                 relay_position=None):
        super().__init__(env=env)
        self.bundles = bundles
        self.bus = bus
        # Commands leave through the outbox: the relay publishes what the stream records.
        self.relay = CommandRelay(self.recorder, self.mapper, bus, relay_position or MemoryPosition())
        self.lookups = lookups or NoRegisters()
        self.clock = clock
        self.watchers = Watchers()
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def _lock_for(self, application_id: uuid.UUID) -> threading.Lock:
        return self._locks[application_id.int % _LOCK_STRIPES]

    def _notify(self, recordings: list[Recording]) -> None:
        self.watchers.publish([r.domain_event for r in recordings])
        self.relay.notify()

    # -- use cases -----------------------------------------------------------------
    def bundle(self, bundle_id: str) -> Bundle:
        return self.bundles.get(bundle_id)

    def submit(self, bundle_id: str, form: Mapping[str, Any], idempotency_key: str = "") -> uuid.UUID:
        """Complete the form from department registers, validate it, record the application, and send
        every step that can start."""
        bundle = self.bundles.get(bundle_id)
        now = self.clock()
        completed = complete_form(bundle, form, now.date(), self.lookups)
        application = Application(bundle=bundle.id, bundle_version=bundle.version, form=completed.values,
                                  plan=plan_of(bundle), time_limit_s=bundle.time_limit.total_seconds(),
                                  submitted_at=now, idempotency_key=idempotency_key,
                                  looked_up=completed.looked_up)
        with self._lock_for(application.id):
            dispatches = application.advance(now)  # recorded with the submission; the relay sends them
            try:
                self.save(application)
            except IntegrityError:
                if idempotency_key:
                    log.info("submit repeated with key %s: application %s", idempotency_key, application.id)
                    return application.id
                raise
        log.info("application %s submitted (%s), %d step(s) dispatched", application.id, bundle.id, len(dispatches))
        return application.id

    @contextlib.contextmanager
    def _changing(self, application_id: uuid.UUID | str) -> Iterator[Application]:
        """One application, locked against concurrent changes, saved if the block changed it."""
        application_id = uuid.UUID(str(application_id))
        with self._lock_for(application_id):
            application = self.get_application(application_id)
            yield application
            if application.pending_events:
                self.save(application)

    def record_result(self, application_id: uuid.UUID | str, step: str, command_id: str, completed: bool,
                      outputs: Mapping[str, str], reason: str = "", delivery: int = 1,
                      decided_at: dt.datetime | None = None) -> bool:
        """Apply one department answer, and start the steps it unblocks. False if it changed nothing."""
        with self._changing(application_id) as application:
            now = self.clock()  # one instant for the result and what it unblocks
            try:
                changed = application.record_result(step, command_id, completed, dict(outputs), reason, now,
                                                    max(delivery, 1), decided_at)
            except UnknownStep:
                log.warning("result for unknown step %s of %s ignored", step, application_id)
                return False
            if not changed:
                log.info("duplicate or late result for %s/%s ignored", application_id, step)
                return False
            application.advance(now)
        log.info("application %s: step %s %s", application_id, step, "completed" if completed else "rejected")
        return True

    def record_results(self, results: list[StepAnswer]) -> list[bool]:
        """Apply a batch of department answers in one store transaction (one commit for many answers,
        which is what lets results keep up under load). Each answer is applied exactly as
        record_result would; if anything in the batch fails, the answers are applied one by one,
        so one bad answer cannot hold back the others (and its error is raised to its caller)."""
        ids = list(dict.fromkeys(uuid.UUID(str(r.application_id)) for r in results))
        locks = sorted({self._lock_for(i) for i in ids}, key=self._locks.index)
        for lock in locks:  # always in the same order: no deadlock with single-lock holders
            lock.acquire()
        try:
            now = self.clock()
            applications: dict[uuid.UUID, Application] = {}
            changed = []
            for result in results:
                app_id = uuid.UUID(str(result.application_id))
                application = applications.get(app_id) or applications.setdefault(
                    app_id, self.get_application(app_id))
                done = application.record_result(result.step, result.command_id, result.completed,
                                                 dict(result.outputs), result.reason, now, max(result.delivery, 1),
                                                 result.decided_at)
                if done:
                    application.advance(now)
                changed.append(done)
            self.save(*[a for a in applications.values() if a.pending_events])
        except Exception:
            log.warning("a batch of %d results failed; applying them one by one", len(results), exc_info=True)
            changed = None
        finally:
            for lock in locks:
                lock.release()
        if changed is None:
            return [self.record_result(r.application_id, r.step, r.command_id, r.completed, r.outputs, r.reason,
                                       r.delivery, r.decided_at) for r in results]
        return changed

    def end_wait(self, application_id: uuid.UUID | str, step: str) -> bool:
        """A timer is due: end the wait if its time has come, and start what it unblocks."""
        with self._changing(application_id) as application:
            now = self.clock()
            if not application.end_wait(step, now):
                return False
            application.advance(now)
        log.info("application %s: wait %s is over", application_id, step)
        return True

    def chase(self, application_id: uuid.UUID | str, step: str) -> bool:
        """An unanswered step is due a look: flag it overdue and/or re-send its command."""
        with self._changing(application_id) as application:
            if not application.chase(step, self.clock()):
                return False
        log.warning("application %s: step %s unanswered; chased (overdue: %s)", application_id, step,
                    application.steps[step].overdue_since is not None)
        return True

    def dead_lettered(self, application_id: uuid.UUID | str, step: str, command_id: str, error: str) -> bool:
        """A command of the application, or its answer, was dead-lettered: flag the step failed."""
        with self._changing(application_id) as application:
            try:
                changed = application.dead_lettered(step, command_id, error, self.clock())
            except UnknownStep:
                log.warning("dead letter for unknown step %s of %s ignored", step, application_id)
                return False
        if changed:
            log.error("application %s: step %s dead-lettered: %s", application_id, step, error)
        return changed

    def object(self, application_id: uuid.UUID | str, objector: str, reason: str,
               objector_role: str = "") -> Application:
        """An objection during an objection period (e.g. a deregistration notice) stops the application."""
        with self._changing(application_id) as application:
            application.object(objector, reason, self.clock(), objector_role)
        log.info("application %s stopped by an objection from %s", application_id, objector)
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
            application.skip(step, operator, reason, self.clock())
        log.warning("application %s: step %s skipped by %s: %s", application_id, step, operator, reason)
        return application

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
