"""The coordinator's use cases over an in-memory event store and a recording bus."""
import datetime as dt
import uuid

import pytest

from saga.coordinator import ApplicationNotFound, Coordinator
from saga.domain.bundles import UnknownBundle
from saga.domain.forms import FormInvalid
from tests.support.clients import newborn_form
from tests.support.fakes import RecordingBus, shipped_bundles

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
OUTPUTS = {"birth_certificate": {"birth_certificate_no": "Q1"},
           "vaccination_record": {"vaccination_record_no": "V1", "first_dose_due": "2026-11-18"},
           "household_registration": {"child_id": "370202202611180024", "household_no": "1", "household_address": "青岛"},
           "medical_insurance": {"insured_no": "MI1", "coverage_start": "2026-11-18"},
           "social_security_card": {"card_no": "S1"}}


@pytest.fixture
def coordinator():
    app = Coordinator(shipped_bundles(), RecordingBus(), clock=lambda: NOW, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def form():
    return newborn_form(birth_date="2026-11-18")


def test_results_drive_an_application_to_completion(coordinator):
    application_id = coordinator.submit("newborn", form())
    assert [d.step for d in coordinator.bus.sent] == ["birth_certificate"]
    while len(coordinator.bus.sent) < 6:
        pending = [d for d in coordinator.bus.sent
                   if coordinator.get_application(application_id).steps[d.step].status == "DISPATCHED"]
        if not pending:
            break
        for dispatch in pending:
            assert coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True,
                                             OUTPUTS[dispatch.step])
    assert coordinator.get_application(application_id).status == "COMPLETED"
    assert len(coordinator.bus.sent) == 5


def test_a_bad_form_stores_and_sends_nothing(coordinator):
    with pytest.raises(FormInvalid):
        coordinator.submit("newborn", {})
    assert not coordinator.recorder.max_notification_id()
    assert coordinator.bus.sent == []


def test_an_unknown_bundle_or_application(coordinator):
    with pytest.raises(UnknownBundle):
        coordinator.submit("wedding", form())
    with pytest.raises(ApplicationNotFound):
        coordinator.get_application(uuid.uuid4())
    with pytest.raises(ApplicationNotFound):
        coordinator.get_application("nonsense")


def test_a_repeated_submit_with_a_key_is_one_application(coordinator):
    first = coordinator.submit("newborn", form(), idempotency_key="abc")
    assert coordinator.submit("newborn", form(), idempotency_key="abc") == first
    assert len(coordinator.bus.sent) == 1


def test_a_duplicate_result_is_ignored(coordinator):
    application_id = coordinator.submit("newborn", form())
    [dispatch] = coordinator.bus.sent
    assert coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])
    assert not coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, {"x": "y"})
    assert len(coordinator.bus.sent) == 3


def test_history_and_watchers_see_every_event_in_order(coordinator):
    application_id = coordinator.submit("newborn", form())
    inbox = coordinator.watchers.subscribe(application_id)
    [dispatch] = coordinator.bus.sent
    coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])
    heard = [inbox.get_nowait() for _ in range(inbox.qsize())]
    assert [type(e).__name__ for e in heard] == ["StepCompleted", "StepDispatched", "StepDispatched"]
    history = coordinator.history(application_id)
    assert [e.originator_version for e in history] == list(range(1, 6))
    assert [type(e).__name__ for e in coordinator.history(application_id, after_version=3)] == ["StepDispatched"] * 2
