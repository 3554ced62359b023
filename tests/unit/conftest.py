"""The coordinator as production wires it (saga/bootstrap.py `wire`), with fakes injected: an
in-memory event store and projections database, a recording bus, a clock that moves when a test
moves it. Nothing is started: the relay publishes as each save happens, and a test ticks the
scheduler itself."""
from __future__ import annotations

import pytest

from saga.adapters.projection_store import projections_datastore
from saga.bootstrap import wire
from saga.config import Config
from tests.support.fakes import RecordingBus, SeededRegisters, SteppingClock, shipped_bundles

SHIPPED = shipped_bundles()


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def bus():
    return RecordingBus()


@pytest.fixture
def bundles():
    """The shipped bundles; a test may override this fixture with its own."""
    return SHIPPED


@pytest.fixture
def registers():
    return SeededRegisters()


@pytest.fixture
def wiring(tmp_path, bus, clock, bundles, registers):
    wired = wire(Config(data_dir=tmp_path, event_store="memory", create_schema=True), bus=bus, clock=clock,
                 bundles=bundles, projections=projections_datastore(), lookups=registers)
    yield wired
    wired.close()


@pytest.fixture
def coordinator(wiring):
    return wiring.coordinator


@pytest.fixture
def scheduler(wiring):
    return wiring.scheduler


@pytest.fixture
def tick(scheduler, clock):
    """Move the clock on and run one round of the scheduler; returns how many timers fired."""
    def tick(**delta) -> int:
        clock.advance(**delta)
        return scheduler.tick()
    return tick
