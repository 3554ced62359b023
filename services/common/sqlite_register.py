"""A department register in one SQLite file: records as JSON by kind and key, plus counters."""
from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Mapping

from services.common.domain import DuplicateRecord, Register

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class SqliteRegister(Register):
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit below. WAL keeps readers off the writer's back.
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM records WHERE kind=? AND key=?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, record: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO records(kind, key, data) VALUES (?, ?, ?)",
                             (kind, key, json.dumps(record, ensure_ascii=False, sort_keys=True)))

    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT INTO records(kind, key, data) VALUES (?, ?, ?)",
                                 (kind, key, json.dumps(record, ensure_ascii=False, sort_keys=True)))
            except sqlite3.IntegrityError:
                raise DuplicateRecord(f"{kind} {key} is already recorded") from None

    def find(self, kind: str, **equal: Any) -> list[dict[str, Any]]:
        sql, args = "SELECT data FROM records WHERE kind=?", [kind]
        for name, value in equal.items():
            sql += " AND json_extract(data, ?) = ?"
            args += [f"$.{name}", value]
        with self._lock:
            return [json.loads(r[0]) for r in self._db.execute(sql, args)]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return self.find(kind)

    def next_number(self, counter: str) -> int:
        with self._lock:
            self._db.execute("INSERT INTO counters(name, value) VALUES (?, 1) "
                             "ON CONFLICT(name) DO UPDATE SET value = value + 1", (counter,))
            return self._db.execute("SELECT value FROM counters WHERE name=?", (counter,)).fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            savepoint = f"sp{self._depth}"
            self._db.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                if outer:
                    self._db.execute("ROLLBACK")
                else:
                    self._db.execute(f"ROLLBACK TO {savepoint}")
                    self._db.execute(f"RELEASE {savepoint}")
                raise
            else:
                self._db.execute("COMMIT" if outer else f"RELEASE {savepoint}")
            finally:
                self._depth -= 1

    def close(self) -> None:
        self._db.close()
