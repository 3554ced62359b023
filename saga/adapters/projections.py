"""Everything that follows the event log keeps its position in one place, the projections store
(saga/adapters/projection_store.py), with one `tracking` row per follower by name: the outbox relay
("commands"), the timer index ("timers"), the read models ("read_models"). Here are the followers'
side of it: a `TrackedView` keeps its tables in the store's database, and a `Projection` applies
each batch of the log together with its tracking row in one transaction, so every event counts
exactly once and a crash resumes where it stopped; `EventTypes` decodes only the events a follower
uses.
"""
from __future__ import annotations

import inspect
import threading
from functools import singledispatchmethod
from typing import Any, Callable, Iterable

from eventsourcing.persistence import Tracking
from eventsourcing.utils import TopicError, resolve_topic

from saga.adapters.log import log_of
from saga.adapters.projection_store import TRACKING_TABLE, ProjectionStore, StaleBatch


class TrackedView:
    """Tables kept in the projections store, with a follower's position in its tracking table. A
    subclass gives its `schema` (create statements, SQL both databases run) and the `tables` a reset
    drops, and writes through the Tx of a batch. On its own it is the position store of a follower
    with no tables (the relay)."""

    schema: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    def __init__(self, store: ProjectionStore):
        self.store = store

    def create(self) -> None:
        self.store.create(self.schema)

    def position(self, name: str) -> int:
        return self.store.position(name)

    def transaction(self, tracking: Tracking, expected: int | None = None):
        """One transaction for a batch of the log and the follower's new position: both, or neither."""
        return self.store.transaction(tracking, expected)

    def rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple]:
        return self.store.rows(statement, args)

    def wait(self, name: str, position: int, timeout: float) -> None:
        self.store.wait(name, position, timeout)

    def reset(self, name: str) -> None:
        """Drop the tables and forget the follower's position: the next follow rebuilds from the log.
        The position goes first: it locks the follower's row, so a batch under way elsewhere waits,
        then finds itself stale."""
        with self.store.transaction() as tx:
            tx.execute(f"DELETE FROM {TRACKING_TABLE} WHERE application_name=?", (name,))
            for table in self.tables:
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in self.schema:
                tx.execute(statement)


class EventTypes:
    """The event classes a follower uses. A stored event is decoded only if its topic resolves to one
    of them, so a follower decodes only what it uses; a topic registered for a moved class resolves
    too, and a renamed class is an import error rather than a silent miss."""

    def __init__(self, classes: Iterable[type]):
        self.classes = tuple(classes)
        self._by_topic: dict[str, bool] = {}

    def __contains__(self, topic: str) -> bool:
        if topic not in self._by_topic:
            try:
                found = resolve_topic(topic)
            except TopicError:
                found = None
            self._by_topic[topic] = isinstance(found, type) and issubclass(found, self.classes)
        return self._by_topic[topic]


class Projection:
    """Follows the log into a view. A subclass names itself and registers a handler per event class on
    its own `process_event` (a functools.singledispatchmethod); the registered classes are the events
    it decodes. Handlers write through the view, within the batch's transaction `tx`.

    Why not the library's ProjectionRunner: it commits once per event and builds its own application
    from a class; one transaction per batch is what lets the timer index keep up under load, and a
    rebuild must run on the coordinator's own recorder."""

    name = ""

    def __init__(self, view: TrackedView):
        self.view = view
        self.events = EventTypes(self.handled())
        self._handlers: dict[str, Callable | None] = {}
        self.rebuilding = False
        # One follower at a time in this process, and never during a rebuild: a batch read before a
        # reset must not be applied after it (across processes, the batch's position check does that).
        self._following = threading.RLock()

    @singledispatchmethod
    def process_event(self, event: Any, tx: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no handler for {type(event).__name__}")

    @classmethod
    def handled(cls) -> list[type]:
        registry = inspect.getattr_static(cls, "process_event").dispatcher.registry
        return [event_class for event_class in registry if event_class is not object]

    @property
    def position(self) -> int:
        return self.view.position(self.name)

    def _handler(self, topic: str) -> Callable | None:
        """process_event's handler for the class the stored topic resolves to, None for an event this
        projection does not use; found once per topic (a dispatch per event is measurably slower)."""
        if topic not in self._handlers:
            dispatcher = inspect.getattr_static(type(self), "process_event").dispatcher
            self._handlers[topic] = dispatcher.dispatch(resolve_topic(topic)) if topic in self.events else None
        return self._handlers[topic]

    def _reader(self, source):
        """The log reader to follow: given, or this projection's own reader of a recorder (kept, since
        a gap-aware reader remembers the gap it waits on)."""
        if hasattr(source, "read"):
            return source
        if getattr(self, "_log_source", None) is not source:
            self._log_source, self._log = source, log_of(source)
        return self._log

    def follow(self, log, mapper, batch: int = 500, progress: Callable[[int], None] | None = None) -> int:
        """Apply what the log (saga/adapters/log.py, or a recorder's) holds beyond the tracked position;
        return how many events were read."""
        log = self._reader(log)
        with self._following:
            read = 0
            while True:
                start = self.position
                notifications = log.read(start, batch)
                if notifications:
                    try:
                        with self.view.transaction(Tracking(self.name, notifications[-1].id), expected=start) as tx:
                            for notification in notifications:
                                if handler := self._handler(notification.topic):
                                    handler(self, mapper.to_domain_event(notification), tx)
                    except StaleBatch:
                        continue  # moved by someone else meanwhile: read again from where it is now
                    read += len(notifications)
                    if progress:
                        progress(read)
                if len(notifications) < batch:
                    return read

    def rebuild(self, log, mapper, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
        """Drop and rebuild from the whole log; return how many events were read."""
        with self._following:
            self.view.reset(self.name)
            self.rebuilding = True
            try:
                return self.follow(log, mapper, batch, progress)
            finally:
                self.rebuilding = False
