"""The web's stop, as live pages see it. On SIGTERM uvicorn stops accepting and waits for the
requests under way; a live page (Server-Sent Events relaying Watch) would run until its application
ends, so uvicorn would cancel it at the end of the grace period and log the cancellation as an error.
Instead each live stream ends on its own as soon as the stop begins, and the browser reconnects
after the stream's `retry` (to another instance, or to this one started again)."""
from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from typing import TypeVar

import uvicorn

T = TypeVar("T")

_events: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}  # one per loop: an Event is bound to one


def _stopping() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    if loop not in _events:
        _events.clear()  # a loop that ran before (tests run several) streams no more
        _events[loop] = asyncio.Event()
    return _events[loop]


def stop_began() -> None:
    """Called on the loop's thread (a signal handler runs there): wakes every live stream."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop running: nothing streams
        return
    loop.call_soon_threadsafe(_stopping().set)


async def until_stopping(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """The items of `events` until they end or the web begins to stop, whichever comes first."""
    stopped = asyncio.ensure_future(_stopping().wait())
    try:
        while True:
            following = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({following, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if following not in done:
                following.cancel()  # and let it finish, so the generator can be closed
                await asyncio.gather(following, return_exceptions=True)
                return
            try:
                yield following.result()
            except StopAsyncIteration:
                return
    finally:
        stopped.cancel()
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


class Server(uvicorn.Server):
    """uvicorn's server, which also tells the live streams when a stop begins."""

    def handle_exit(self, sig: int, frame) -> None:
        if sig in (signal.SIGTERM, signal.SIGINT):
            stop_began()
        super().handle_exit(sig, frame)
