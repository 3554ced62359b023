"""Leases: which coordinator instance does the work that must be done by one at a time — the relay,
following the log into the projections, and each partition of the applications (its results, its
timers). A lease is held for as long as the holder lives; when it dies, the lease is free at once.

- `PostgresLeases`: session-level advisory locks on a dedicated connection to the event store's
  database. A process killed -9 closes its socket, PostgreSQL ends the session and frees its locks;
  TCP keepalives bound the time for a machine that vanished. Members are counted in pg_locks.
- `FileLeases`: flock(2) on files in the data directory, for the embedded SQLite store (one machine);
  the kernel frees them when the process dies.

The `Ownership` thread (saga/adapters/ownership.py) decides what to hold.
"""
from __future__ import annotations

import abc
import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import Mapping

import psycopg

log = logging.getLogger(__name__)
MEMBER_SLOTS = 256


class Leases(abc.ABC):
    """The port. Names: "relay", "projections", "partition:<n>", "member:<n>"."""

    @abc.abstractmethod
    def acquire(self, name: str) -> bool:
        """Take the lease if it is free (never waits); True if held now."""

    @abc.abstractmethod
    def release(self, name: str) -> None: ...

    @abc.abstractmethod
    def members(self) -> int:
        """How many instances hold a member lease (this one included)."""

    @abc.abstractmethod
    def alive(self) -> bool:
        """Whether the leases this instance believes it holds are still its own."""

    @abc.abstractmethod
    def close(self) -> None:
        """Give every lease up."""


def _key(namespace: str, name: str) -> tuple[int, int]:
    kind, _, index = name.partition(":")
    return zlib.crc32(f"{namespace}:{kind}".encode()) & 0x7FFFFFFF, int(index or 0)


class PostgresLeases(Leases):
    def __init__(self, env: Mapping[str, str], namespace: str, instance: str, connect_timeout: float = 5):
        self.namespace, self.instance = namespace, instance
        self._conninfo = dict(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                              user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                              connect_timeout=int(connect_timeout), application_name=f"lifeevents {instance}"[:63],
                              keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3)
        self._connection: psycopg.Connection | None = None
        self._held: set[str] = set()

    def _session(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed:
            self._held.clear()  # a new session holds nothing
            self._connection = psycopg.connect(autocommit=True, **self._conninfo)
        return self._connection

    def acquire(self, name: str) -> bool:
        if name in self._held:
            return True
        (taken,) = self._session().execute("SELECT pg_try_advisory_lock(%s, %s)", _key(self.namespace, name)).fetchone()
        if taken:
            self._held.add(name)
        return taken

    def release(self, name: str) -> None:
        if name in self._held:
            self._held.discard(name)
            self._session().execute("SELECT pg_advisory_unlock(%s, %s)", _key(self.namespace, name))

    def members(self) -> int:
        kind, _ = _key(self.namespace, "member")
        (count,) = self._session().execute(
            "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND granted AND objsubid=2 AND classid=%s::oid "
            "AND database=(SELECT oid FROM pg_database WHERE datname=current_database())", (kind,)).fetchone()
        return count

    def alive(self) -> bool:
        if self._connection is None:
            return not self._held
        try:
            self._connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            log.warning("the leases' session is lost; every lease with it")
            try:
                self._connection.close()
            finally:
                self._connection = None
                self._held.clear()
            return False

    def close(self) -> None:
        self._held.clear()
        if self._connection is not None:
            self._connection.close()  # the session ends: PostgreSQL frees its locks
            self._connection = None


class FileLeases(Leases):
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._files: dict[str, int] = {}

    def _path(self, name: str) -> Path:
        return self.directory / f"{name.replace(':', '-')}.lock"

    def acquire(self, name: str) -> bool:
        if name in self._files:
            return True
        fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._files[name] = fd
        return True

    def release(self, name: str) -> None:
        fd = self._files.pop(name, None)
        if fd is not None:
            os.close(fd)  # closing the file frees its lock

    def members(self) -> int:
        held = 0
        for slot in range(MEMBER_SLOTS):
            path = self._path(f"member:{slot}")
            if not path.exists():
                continue
            fd = os.open(path, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held += 1  # another open file holds it: a member (this instance too)
            finally:
                os.close(fd)
        return held

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        for name in list(self._files):
            self.release(name)


def lease_holders(env: Mapping[str, str], namespace: str, partitions: int) -> dict[str, str]:
    """Who holds each lease now, by instance name (from pg_locks and the sessions' application_name):
    {"relay": "coordinator-1", "partition:3": ..., ...}. For operators and the scale tests."""
    names = {_key(namespace, name): name for name in
             ("relay", "projections", *(f"partition:{p}" for p in range(partitions)))}
    with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                         user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None) as connection:
        rows = connection.execute(
            "SELECT l.classid::bigint, l.objid::bigint, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype='advisory' AND l.granted AND l.objsubid=2 "
            "AND l.database=(SELECT oid FROM pg_database WHERE datname=current_database())").fetchall()
    return {names[(kind, index)]: application.removeprefix("lifeevents ")
            for kind, index, application in rows if (kind, index) in names}
