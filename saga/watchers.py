"""Who watches which application: the Watch streams open on the server's event loop, each woken by
the log follower (saga/adapters/log_follower.py) when its application's stream has grown, bounded
per caller and in all."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, defaultdict
from typing import Iterable, Iterator


class WatchLimitReached(Exception):
    """More Watch streams than a caller, or the server, may hold open at once; names the limit."""


class Watchers:
    """Who watches which application, on the server's event loop: each open stream has an event the
    log follower sets (through `wake`, from its thread) when the application's stream has grown.
    Streams are bounded per caller and in all."""

    def __init__(self, per_caller: int = 32, total: int = 5000):
        self.per_caller, self.total = per_caller, total
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        self._callers: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return sum(self._callers.values())

    def wake(self, application_ids: Iterable[uuid.UUID]) -> None:
        """These applications have new events (any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake, list(application_ids))

    def _wake(self, application_ids: list[uuid.UUID]) -> None:
        for application_id in application_ids:
            for woken in self._woken.get(application_id, ()):
                woken.set()

    @contextlib.contextmanager
    def watching(self, application_id: uuid.UUID, caller: str) -> Iterator[asyncio.Event]:
        """An open stream (on the running loop): its event is set when the application changes."""
        if self.open >= self.total:
            raise WatchLimitReached(f"the coordinator holds at most {self.total} Watch streams open at once; "
                                    f"try again shortly")
        if self._callers[caller] >= self.per_caller:
            raise WatchLimitReached(f"at most {self.per_caller} Watch streams per caller are open at once; "
                                    f"close one first")
        self._loop = asyncio.get_running_loop()
        woken = asyncio.Event()
        self._woken[application_id].add(woken)
        self._callers[caller] += 1
        try:
            yield woken
        finally:
            self._callers[caller] -= 1
            if not self._callers[caller]:
                del self._callers[caller]
            self._woken[application_id].discard(woken)
            if not self._woken[application_id]:
                del self._woken[application_id]
