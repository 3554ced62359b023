"""The projections store: a tracking recorder of the eventsourcing library with one `tracking` row per
follower of the log by name, and the tables of the views beside it, written in one transaction with
a batch's position (`transaction(tracking, expected)`: a batch checks that its follower is still
where it read from; the library refuses a row that does not move forward).

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
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from eventsourcing.persistence import InterfaceError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.rows import tuple_row

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
