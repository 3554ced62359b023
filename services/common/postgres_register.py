"""A department register in PostgreSQL, in a schema of its own (each department owns its data), so any
number of instances of one department share it: records as JSON by kind and key, and counters.

- A command is decided once across instances: its record ("command", id) is inserted, never replaced,
  so a second instance deciding the same command at the same time fails on the primary key when the
  first commits, its effects roll back with it, and the redelivered command finds the decision.
- Numbers come from counter rows incremented in the deciding transaction (`INSERT ... ON CONFLICT DO
  UPDATE ... RETURNING`): the row lock makes two instances take turns, so no number is issued twice,
  and a refused or failed command gives its number back. (Not sequences: counters are per area, day
  and sex for resident IDs, and a sequence would leave holes in certificate numbers.)

Tables are created by `python -m services.migrate` (`lifeevents migrate`), not by a running instance.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator, Mapping

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from services.common.domain import DuplicateRecord, Register


def create_schema(url: str, schema: str) -> None:
    """The department's schema and tables (idempotent)."""
    with psycopg.connect(url, autocommit=True) as connection:
        name = sql.Identifier(schema)
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        connection.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {}.records (kind TEXT NOT NULL, key TEXT NOT NULL, "
                                   "data JSONB NOT NULL, PRIMARY KEY (kind, key))").format(name))
        connection.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {}.counters (name TEXT PRIMARY KEY, "
                                   "value BIGINT NOT NULL)").format(name))


class PostgresRegister(Register):
    def __init__(self, url: str, schema: str):
        self.schema = schema
        self._db = psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}")
        self._lock = threading.RLock()

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM records WHERE kind=%s AND key=%s", (kind, key)).fetchone()
        return row[0] if row else None

    def put(self, kind: str, key: str, record: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("INSERT INTO records(kind, key, data) VALUES (%s, %s, %s) "
                             "ON CONFLICT (kind, key) DO UPDATE SET data=excluded.data", (kind, key, Jsonb(record)))

    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> None:
        with self._lock:
            try:
                with self._db.transaction():  # a savepoint inside a transaction
                    self._db.execute("INSERT INTO records(kind, key, data) VALUES (%s, %s, %s)",
                                     (kind, key, Jsonb(record)))
            except psycopg.errors.UniqueViolation:
                raise DuplicateRecord(f"{kind} {key} is already recorded") from None

    def find(self, kind: str, **equal: Any) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM records WHERE kind=%s AND data @> %s",
                                    (kind, Jsonb(equal))).fetchall()
        return [row[0] for row in rows]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return self.find(kind)

    def next_number(self, counter: str) -> int:
        with self._lock:
            return self._db.execute("INSERT INTO counters(name, value) VALUES (%s, 1) ON CONFLICT (name) "
                                    "DO UPDATE SET value = counters.value + 1 RETURNING value", (counter,)).fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock, self._db.transaction():  # the lock: the connection is the transaction's; nested: a savepoint
            yield

    def close(self) -> None:
        self._db.close()
