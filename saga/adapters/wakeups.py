"""Wake-ups for the followers of the log: something was appended, read it now instead of at the next
poll. Every save of this process wakes them (the coordinator's listener); with a PostgreSQL store,
`PostgresWakeups` LISTENs on the channel the insert function NOTIFYs, so a save by another instance
wakes them too. A follower still polls: a wake-up is a hint, never the only way to see an event."""
from __future__ import annotations

import logging
import threading
from typing import Callable, Mapping

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


class Wakeups:
    """In-process wake-ups: `subscribe(callback)`, `wake()`."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def wake(self) -> None:
        for callback in self._callbacks:
            callback()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class PostgresWakeups(Wakeups):
    """Also wakes on every NOTIFY of the events table's channel, from any instance."""

    def __init__(self, env: Mapping[str, str], channel: str):
        super().__init__()
        self._conninfo = dict(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                              user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None)
        self.channel = channel
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="log-wakeups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(autocommit=True, **self._conninfo) as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.wake()  # whatever was appended while not listening
                    while not self._stopping.is_set():
                        if any(True for _ in connection.notifies(timeout=0.5, stop_after=1)):
                            self.wake()
            except psycopg.Error as err:
                log.warning("listening for appends failed (%s); again in 1 s", err)
                self._stopping.wait(1)

    def stop(self) -> None:
        self._stopping.set()
