"""The outbox: a command is in the stream before it is published; the relay publishes from the
stored events and a crash at any point loses nothing and duplicates nothing observable."""
import pytest
from eventsourcing.persistence import Tracking

from saga.adapters.projection_store import projections_datastore
from saga.adapters.relay import CommandRelay
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER, RecordingBus

FORM = newborn_form(birth_date="2026-11-18")


class Positions:
    """A position store in memory (the relay's port); `lose` drops every move, as a crash would."""

    def __init__(self, lose: bool = False):
        self.positions, self.lose = {}, lose

    def position(self, name):
        return self.positions.get(name, 0)

    def advance(self, tracking):
        if not self.lose:
            self.positions[tracking.application_name] = tracking.notification_id


@pytest.fixture
def bus():
    return RecordingBus(failures=1)  # the broker is down for the first send


def test_a_failed_publish_loses_nothing_and_goes_out_with_the_next_relay(coordinator, bus, wiring):
    application_id = coordinator.submit("newborn", FORM, caller=MOTHER)
    assert bus.sent == [], "the broker was down"
    assert coordinator.get_application(application_id).steps["birth_certificate"].status == "DISPATCHED"
    assert wiring.relay.relay_pending() == 1
    [sent] = bus.sent
    assert (sent.application_id, sent.step, sent.department) == (application_id, "birth_certificate", "health")
    assert wiring.relay.relay_pending() == 0, "published once"


def test_a_relay_restarted_from_its_position_publishes_only_what_was_not_published(coordinator, bus, wiring):
    bus.failures = 0
    first = coordinator.submit("newborn", FORM, caller=MOTHER)
    assert [d.application_id for d in bus.sent] == [first]
    bus.failures = 1_000  # the process "dies" with the next command recorded but not published
    second = coordinator.submit("newborn", FORM, caller=MOTHER)
    restarted = CommandRelay(coordinator.recorder, coordinator.mapper, RecordingBus(),
                             wiring.projections)  # the same projections database
    assert restarted.relay_pending() == 1
    assert [d.application_id for d in restarted.bus.sent] == [second]


def test_the_relay_position_is_a_row_of_the_one_tracking_table(coordinator, bus, wiring, scheduler):
    coordinator.submit("newborn", FORM, caller=MOTHER)
    wiring.relay.relay_pending()
    scheduler.tick()
    head = coordinator.recorder.max_notification_id()
    positions = wiring.projections
    assert {name: positions.position(name) for name in ("commands", "timers", "read_models")} == dict.fromkeys(
        ("commands", "timers", "read_models"), head)


def test_a_crash_after_publishing_and_before_saving_the_position_republishes_the_same_command(coordinator):
    bus, positions = RecordingBus(), Positions(lose=True)  # the crash: the position never reaches disk
    coordinator.submit("newborn", FORM, caller=MOTHER)
    CommandRelay(coordinator.recorder, coordinator.mapper, bus, positions).relay_pending()  # position lost
    CommandRelay(coordinator.recorder, coordinator.mapper, bus, positions).relay_pending()  # after a restart
    first, again = bus.sent
    assert first.command_id == again.command_id, "same id: the department answers once"


@pytest.mark.parametrize("completed", [True, False])
def test_results_unblock_steps_through_the_relay_only(coordinator, completed):
    relayed = RecordingBus()
    relay = CommandRelay(coordinator.recorder, coordinator.mapper, relayed, Positions())
    application_id = coordinator.submit("newborn", FORM, caller=MOTHER)
    relay.relay_pending()
    [first] = relayed.sent
    coordinator.record_result(application_id, "birth_certificate", first.command_id, completed,
                              {"birth_certificate_no": "Q1"} if completed else {}, "" if completed else "no")
    relay.relay_pending()
    expected = {"vaccination_record", "household_registration"} if completed else set()
    assert {d.step for d in relayed.sent[1:]} == expected


def test_a_position_kept_in_a_file_survives_a_restart(tmp_path):
    positions = projections_datastore(tmp_path / "projections.sqlite")
    positions.create(())
    positions.advance(Tracking("commands", 41))
    positions.close()
    assert projections_datastore(tmp_path / "projections.sqlite").position("commands") == 41
