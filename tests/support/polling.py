"""One way to wait for what the suite does in its own time."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def eventually(predicate: Callable[[], T], timeout: float = 20, interval: float = 0.1) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return that.

    An AssertionError it raises means "not yet"; once `timeout` seconds have passed the last one is
    raised, so the failure says what was still wrong. Any other error ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            outcome, failure = predicate(), None
        except AssertionError as error:
            outcome, failure = None, error
        if outcome:
            return outcome
        if time.monotonic() >= deadline:
            raise failure or AssertionError(f"still {outcome!r} after {timeout:g} s")
        time.sleep(interval)
