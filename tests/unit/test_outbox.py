"""The outbox: a command is in the stream before it is published; the relay publishes from the
stored events and a crash at any point loses nothing and duplicates nothing observable."""
import datetime as dt
from pathlib import Path

import pytest

from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.relay import CommandRelay, MemoryPosition, SqlitePosition
from saga.coordinator import Coordinator
from saga.domain.ports import CommandBus
from tests.support.clients import newborn_form

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = load_bundles(ROOT / "bundles", load_catalogue(ROOT / "bundles" / "departments.yaml"))
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)


class FlakyBus(CommandBus):
    """Fails the first `failures` sends, as a broker outage would."""

    def __init__(self, failures=0):
        self.failures, self.sent = failures, []

    def send(self, dispatches):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.sent.extend(dispatches)


def coordinator(bus, position=None):
    return Coordinator(BUNDLES, bus, clock=lambda: NOW, env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                       relay_position=position or MemoryPosition())


def test_a_failed_publish_loses_nothing_and_goes_out_with_the_next_relay():
    bus = FlakyBus(failures=1)
    app = coordinator(bus)
    application_id = app.submit("newborn", newborn_form(birth_date="2026-11-18"))
    assert bus.sent == [], "the broker was down"
    assert app.get_application(application_id).steps["birth_certificate"].status == "DISPATCHED"
    assert app.relay.relay_pending() == 1
    [sent] = bus.sent
    assert (sent.application_id, sent.step, sent.department) == (application_id, "birth_certificate", "health")
    assert app.relay.relay_pending() == 0, "published once"


def test_a_relay_restarted_from_its_position_publishes_only_what_was_not_published(tmp_path):
    bus = FlakyBus()
    app = coordinator(bus, SqlitePosition(tmp_path / "relay.sqlite", "commands"))
    first = app.submit("newborn", newborn_form(birth_date="2026-11-18"))
    assert [d.application_id for d in bus.sent] == [first]
    bus.failures = 1_000  # the process "dies" with the next command recorded but not published
    second = app.submit("newborn", newborn_form(birth_date="2026-11-18"))
    restarted = CommandRelay(app.recorder, app.mapper, FlakyBus(), SqlitePosition(tmp_path / "relay.sqlite", "commands"))
    assert restarted.relay_pending() == 1
    assert [d.application_id for d in restarted.bus.sent] == [second]


def test_a_crash_after_publishing_and_before_saving_the_position_republishes_the_same_command():
    class LosingPosition(MemoryPosition):
        def set(self, position):  # the crash: the position never reaches disk
            pass

    bus = FlakyBus()
    app = coordinator(bus, LosingPosition())
    app.submit("newborn", newborn_form(birth_date="2026-11-18"))  # published, position lost
    app.relay.relay_pending()  # as after a restart
    first, again = bus.sent[0], bus.sent[-1]
    assert len(bus.sent) == 2 and first.command_id == again.command_id, "same id: the department answers once"


@pytest.mark.parametrize("completed", [True, False])
def test_results_unblock_steps_through_the_relay_only(completed):
    bus = FlakyBus()
    app = coordinator(bus)
    application_id = app.submit("newborn", newborn_form(birth_date="2026-11-18"))
    [first] = bus.sent
    app.record_result(application_id, "birth_certificate", first.command_id, completed,
                      {"birth_certificate_no": "Q1"} if completed else {}, "" if completed else "no")
    expected = {"vaccination_record", "household_registration"} if completed else set()
    assert {d.step for d in bus.sent[1:]} == expected
