"""Everything that follows the event log keeps its position in one place: the projections database
(one SQLite file, var/projections.sqlite), a tracking recorder of the eventsourcing library with one
`tracking` row per follower by name: the outbox relay ("commands"), the timer index ("timers"), the
read models ("read_models"). A view keeps its tables in the same database, and each batch of the
log is applied together with its tracking row in one transaction, so every event counts exactly
once and a crash resumes where it stopped (the library refuses a tracking row that does not move
forward). Everything here can be rebuilt from the log, hence WAL with synchronous=NORMAL: a killed
process loses nothing; a power cut may take the last batches back, and they are applied again.

Every SQL statement lives in a view class; a PostgreSQL version is one more class per view, on the
library's PostgresTrackingRecorder.
"""
from __future__ import annotations

import inspect
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from functools import singledispatchmethod
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from eventsourcing.persistence import InterfaceError, Tracking
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import TopicError, resolve_topic


class _ProjectionsPool(SQLiteConnectionPool):
    """The library's SQLite connections, with NORMAL sync and a statement cache: the library opens
    them with cached_statements=True, a cache of one statement, and a batch that alternates a few
    statements then prepares each one again (a third slower to rebuild)."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            connection = sqlite3.connect(self.db_name, uri=True, check_same_thread=False, isolation_level=None,
                                         cached_statements=128, timeout=self.lock_timeout or 5)
        except sqlite3.Error as err:
            raise InterfaceError(err) from err
        if not self.is_sqlite_memory_mode:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=connection, max_age=self.max_age)


def projections_datastore(path: Path | None = None) -> SQLiteDatastore:
    """The projections database in a file, or (no path) a private one in memory, for tests."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    name = str(path) if path is not None else f"file:projections-{uuid.uuid4().hex}?mode=memory&cache=shared"
    datastore = SQLiteDatastore(name, lock_timeout=10)
    datastore.pool = _ProjectionsPool(db_name=name, lock_timeout=10)
    return datastore


class TrackedView(SQLiteTrackingRecorder):
    """Tables kept in the projections database, with positions by name in its one tracking table. A
    subclass gives its `schema` (create statements) and the `tables` a reset drops. On its own it is
    the position store of a follower with no tables (the relay)."""

    schema: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    def __init__(self, datastore: SQLiteDatastore):
        super().__init__(datastore)
        self.create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.schema]

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0

    @contextmanager
    def transaction(self, tracking: Tracking) -> Iterator[Any]:
        """One transaction for a batch of the log and the follower's new position: both, or neither."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor
            self._insert_tracking(cursor, tracking)

    def rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, tuple(args))
            return [tuple(row) for row in cursor.fetchall()]

    def reset(self, name: str) -> None:
        """Drop the tables and forget the follower's position: the next follow rebuilds from the log."""
        with self.datastore.transaction(commit=True) as cursor:
            for table in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute("DELETE FROM tracking WHERE application_name=?", (name,))
            for statement in self.schema:
                cursor.execute(statement)


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
        # One follower at a time, and never during a rebuild: a batch read before a reset must not be
        # applied after it.
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

    def follow(self, recorder, mapper, batch: int = 500, progress: Callable[[int], None] | None = None) -> int:
        """Apply what the log holds beyond the tracked position; return how many events were read."""
        with self._following:
            read = 0
            while True:
                notifications = recorder.select_notifications(start=self.position + 1, limit=batch)
                if notifications:
                    with self.view.transaction(Tracking(self.name, notifications[-1].id)) as tx:
                        for notification in notifications:
                            if handler := self._handler(notification.topic):
                                handler(self, mapper.to_domain_event(notification), tx)
                    read += len(notifications)
                    if progress:
                        progress(read)
                if len(notifications) < batch:
                    return read

    def rebuild(self, recorder, mapper, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
        """Drop and rebuild from the whole log; return how many events were read."""
        with self._following:
            self.view.reset(self.name)
            return self.follow(recorder, mapper, batch, progress)
