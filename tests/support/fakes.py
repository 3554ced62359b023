"""Fakes for the coordinator's ports, and the shipped bundles, for tests that need no broker."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.domain.ports import CommandBus

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)


def shipped_bundles():
    return load_bundles(ROOT / "bundles", load_catalogue(ROOT / "bundles" / "departments.yaml"))


class RecordingBus(CommandBus):
    """Keeps every command it is asked to send."""

    def __init__(self):
        self.sent = []

    def send(self, dispatches):
        self.sent.extend(dispatches)


class SteppingClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime = START):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now
