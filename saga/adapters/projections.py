"""Everything that follows the event log keeps its position in one place: the projections store, a
tracking recorder of the eventsourcing library with one `tracking` row per follower by name: the
outbox relay ("commands"), the timer index ("timers"), the read models ("read_models"). A view keeps
its tables in the same database, and each batch of the log is applied together with its tracking
row in one transaction, so every event counts exactly once and a crash resumes where it stopped
(the library refuses a tracking row that does not move forward, and a batch checks that its follower
is still where it read from).

Two stores, one SQL: with a PostgreSQL event store, the projections live in the event store's
database, beside its events table (`PostgresProjections`), shared by every coordinator; with the
embedded SQLite store, in one SQLite file of the data directory (`SqliteProjections`, WAL with
synchronous=NORMAL: all of it can be rebuilt from the log). A view writes its SQL once, with `?`
placeholders and what both databases understand (`INSERT ... ON CONFLICT ... DO UPDATE`, no
SQLite-only functions); the store translates the placeholders.

Tables are created by `lifeevents migrate` (saga/bootstrap.py `migrate`), never by a running instance.
"""
from __future__ import annotations

import abc
import inspect
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from functools import singledispatchmethod
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from eventsourcing.persistence import InterfaceError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import TopicError, resolve_topic
from psycopg.rows import tuple_row

from saga.adapters.log import log_of

TRACKING_TABLE = "tracking"


class StaleBatch(Exception):
    """A follower's position moved (a rebuild, another instance) between reading a batch and applying it."""


class Tx:
    """A transaction's cursor for SQL written once: `?` placeholders, rows as tuples."""

    def __init__(self, cursor, placeholder: str):
        self.cursor, self.placeholder = cursor, placeholder

    def execute(self, sql: str, args: Iterable[Any] = ()) -> "Tx":
        if self.placeholder != "?":
            sql = sql.replace("?", self.placeholder)
        self.cursor.execute(sql, tuple(args))
        return self

    def fetchone(self) -> tuple | None:
        row = self.cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.cursor.fetchall()]


class ProjectionStore(abc.ABC):
    """The port: one database for the followers' positions and their views' tables. A store has the
    library's `datastore` and tracking recorder (`tracking`)."""

    datastore: Any
    tracking: Any

    def create(self, statements: Sequence[str]) -> None:
        """Create the tracking table and run the views' create statements (`lifeevents migrate`)."""
        self.tracking.create_table()
        with self.datastore.transaction(commit=True) as cursor:
            for statement in statements:
                cursor.execute(statement)

    def position(self, name: str) -> int:
        """Where the follower has reached in the log (0 before its first event)."""
        return self.tracking.max_tracking_id(name) or 0

    def advance(self, tracking: Tracking) -> None:
        """Move a follower with no tables (the relay) forward; refused if it does not move forward."""
        self.tracking.insert_tracking(tracking)

    def close(self) -> None:
        self.datastore.close()

    @abc.abstractmethod
    def transaction(self, tracking: Tracking | None = None, expected: int | None = None) -> Any:
        """A context manager: a transaction (Tx) that records `tracking` with whatever it wrote, and
        first checks that the follower is still at `expected` (else StaleBatch)."""

    @abc.abstractmethod
    def rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple]:
        """The rows of one query, outside any batch."""

    @abc.abstractmethod
    def columns(self, table: str) -> set[str]:
        """The columns of a table; empty if there is no such table."""

    def wait(self, name: str, position: int, timeout: float) -> None:
        """Until the follower has reached `position`; TimeoutError after `timeout` seconds."""
        deadline, pause = time.monotonic() + timeout, 0.02
        while self.position(name) < position:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} has not reached {position}")
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


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


class SqliteProjections(ProjectionStore):
    """The projections of an embedded coordinator: one SQLite file (or a private in-memory database)."""

    def __init__(self, path: Path | None = None):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        name = str(path) if path is not None else f"file:projections-{uuid.uuid4().hex}?mode=memory&cache=shared"
        self.datastore = SQLiteDatastore(name, lock_timeout=10)
        self.datastore.pool = _ProjectionsPool(db_name=name, lock_timeout=10)
        self.tracking = SQLiteTrackingRecorder(self.datastore)

    @contextmanager
    def transaction(self, tracking: Tracking | None = None, expected: int | None = None) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as cursor:
            if expected is not None and tracking is not None:
                cursor.execute(f"SELECT notification_id FROM {TRACKING_TABLE} WHERE application_name=?",
                               (tracking.application_name,))
                row = cursor.fetchone()
                if (row[0] if row else 0) != expected:
                    raise StaleBatch(tracking.application_name)
            yield Tx(cursor, "?")
            if tracking is not None:
                self.tracking._insert_tracking(cursor, tracking)

    def rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, tuple(args))
            return [tuple(row) for row in cursor.fetchall()]

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.rows(f"PRAGMA table_info({table})")}



class PostgresProjections(ProjectionStore):
    """The projections of coordinators on a PostgreSQL event store: tables in the same database,
    shared by every instance (one of them follows the log into them at a time)."""

    def __init__(self, env: Mapping[str, str], pool_size: int = 4):
        self.datastore = PostgresDatastore(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], pool_size=pool_size, max_overflow=4,
            idle_in_transaction_session_timeout=30)
        self.tracking = PostgresTrackingRecorder(self.datastore, tracking_table_name=TRACKING_TABLE)

    @contextmanager
    def transaction(self, tracking: Tracking | None = None, expected: int | None = None) -> Iterator[Tx]:
        with self.datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor(row_factory=tuple_row)
            if expected is not None and tracking is not None:
                # Locks the follower's row: a rebuild (or another instance) waits, or this batch is stale.
                cursor.execute(f"SELECT notification_id FROM {TRACKING_TABLE} WHERE application_name=%s FOR UPDATE",
                               (tracking.application_name,))
                row = cursor.fetchone()
                if (row[0] if row else 0) != expected:
                    raise StaleBatch(tracking.application_name)
            yield Tx(cursor, "%s")
            if tracking is not None:
                self.tracking._insert_tracking(connection.cursor(), tracking)

    def rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple]:
        with self.datastore.get_connection() as connection:
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(statement.replace("?", "%s"), tuple(args))
            return cursor.fetchall()

    def columns(self, table: str) -> set[str]:
        return {row[0] for row in self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=current_schema() AND table_name=?",
            (table,))}



def projections_datastore(path: Path | None = None) -> SqliteProjections:
    """The SQLite projections store in a file, or (no path) a private one in memory, for tests."""
    return SqliteProjections(path)


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
