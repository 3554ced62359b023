"""The coordinator's event store on SQLite and on PostgreSQL: one test case, run on both by
subclassing it with another environment. A restarted coordinator (a new instance on the same
store) sees exactly what the old one recorded."""
from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest

from deploy.sample_forms import newborn_form
from saga.adapters.projection_store import projections_datastore
from saga.bootstrap import wire
from saga.config import Config
from saga.domain.errors import FormInvalid
from saga.domain.statuses import ApplicationStatus
from tests.support.fakes import MOTHER, RecordingBus

pytestmark = pytest.mark.integration
COMPLETED = ApplicationStatus.COMPLETED
NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)
OUTPUTS = {
    "birth_certificate": {"birth_certificate_no": "Q260000042"},
    "vaccination_record": {"vaccination_record_no": "V260000042", "first_dose_due": "2026-11-19"},
    "household_registration": {"child_id": "370202202611190020", "household_no": "370202000101",
                               "household_address": "青岛"},
    "medical_insurance": {"insured_no": "MI1", "coverage_start": "2026-11-19"},
    "social_security_card": {"card_no": "S1"},
}


@pytest.fixture(scope="module")
def database():
    """A fresh PostgreSQL database (trust auth on 127.0.0.1), dropped afterwards."""
    name = f"lifeevents_test_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class EventStoreContract:
    """Subclasses provide `store` (a fixture giving the config of the event store). The coordinator is
    wired as in production (saga/bootstrap.py), with a recording bus."""

    def coordinator(self, config, bus=None):
        return wire(config, bus=bus or RecordingBus(), clock=lambda: NOW, projections=projections_datastore()).coordinator

    def run_to_completion(self, coordinator, application_id, bus):
        while True:
            pending = [d for d in bus.sent if coordinator.get_application(application_id).steps[d.step].status == "DISPATCHED"]
            if not pending:
                return
            for dispatch in pending:
                coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True,
                                          OUTPUTS[dispatch.step])

    def test_a_completed_application_survives_a_restart(self, store):
        bus = RecordingBus()
        first = self.coordinator(store, bus)
        application_id = first.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
        self.run_to_completion(first, application_id, bus)
        recorded = first.get_application(application_id)
        assert recorded.status == COMPLETED
        first.close()

        restarted = self.coordinator(store)
        again = restarted.get_application(application_id)
        assert (again.status, again.version) == (COMPLETED, recorded.version)
        assert {s: again.steps[s].result for s in OUTPUTS} == OUTPUTS
        kinds = [type(e).__name__ for e in restarted.history(application_id)]
        assert kinds[0] == "Submitted" and kinds[-1] == "Completed" and kinds.count("StepCompleted") == 5
        restarted.close()

    def test_replay_to_an_earlier_version(self, store):
        bus = RecordingBus()
        coordinator = self.coordinator(store, bus)
        application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
        self.run_to_completion(coordinator, application_id, bus)
        at_two = coordinator.get_application(application_id, version=2)
        assert at_two.status == "IN_PROGRESS"
        assert at_two.steps["birth_certificate"].status == "DISPATCHED"
        assert at_two.steps["household_registration"].status == "PENDING"
        coordinator.close()

    def test_a_bad_form_stores_nothing(self, store):
        coordinator = self.coordinator(store)
        before = coordinator.recorder.max_notification_id()
        with pytest.raises(FormInvalid):
            coordinator.submit("newborn", newborn_form(mother_id="370202199205140023"), caller=MOTHER)
        assert coordinator.recorder.max_notification_id() == before
        coordinator.close()

    def test_one_application_per_idempotency_key_across_restarts(self, store):
        key, form = uuid.uuid4().hex, newborn_form(birth_date="2026-11-19")
        first = self.coordinator(store)
        application_id = first.submit("newborn", form, idempotency_key=key, caller=MOTHER)
        first.close()
        bus = RecordingBus()
        second = self.coordinator(store, bus)
        assert second.submit("newborn", form, idempotency_key=key, caller=MOTHER) == application_id
        assert bus.sent == [], "the repeat dispatches nothing"
        assert second.get_application(application_id).version == 2
        second.close()


class TestSqliteEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        return Config(data_dir=tmp_path, event_store="sqlite", create_schema=True)


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, database, tmp_path):
        return Config(data_dir=tmp_path, event_store=database, create_schema=True)
