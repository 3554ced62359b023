"""The Application aggregate alone: which steps start when, what results do, and replay."""
import datetime as dt
import itertools
import uuid

import pytest

from saga.domain.application import Application
from saga.domain.errors import UnknownStep
from saga.domain.statuses import StepStatus
from tests.support.fakes import shipped_bundles

NEWBORN = shipped_bundles().get("newborn")
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
MOTHER, FATHER, AGENT = "370202199205140022", "370202199003070011", "63010219930930048X"
FORM = {"mother_id": "370202199205140022", "child_name": "王小禾", "child_sex": "female",
        "birth_date": "2026-11-18", "mother_name": "李秀英", "birth_hospital": "医院",
        "contact_phone": "13805320001", "mailing_address": "青岛"}


def new_application(**kwargs) -> Application:
    return Application.submit(NEWBORN, FORM, NOW, uuid.uuid4(), **kwargs)


def advance(application, new_id=uuid.uuid4) -> dict:
    """Start what can start; the steps that this dispatched, by id."""
    before = {s.id for s in application.steps.values() if s.status == StepStatus.DISPATCHED}
    application.advance(NOW, new_id)
    return {s.id: s for s in application.steps.values() if s.status == StepStatus.DISPATCHED and s.id not in before}


def complete(application, step, **outputs):
    return application.record_result(step.id, step.command_id, True, outputs, "", NOW)


@pytest.fixture
def application():
    return new_application()


def test_only_the_birth_certificate_starts_first(application):
    [first] = advance(application).values()
    assert (first.id, first.department, first.action) == ("birth_certificate", "health", "issue_birth_certificate")
    assert first.sent_inputs["mother_id"] == FORM["mother_id"] and "father_id" not in first.sent_inputs
    assert first.due_at == NOW + dt.timedelta(days=1)
    assert advance(application) == {}, "nothing else is ready"


def test_command_ids_come_from_the_callers_factory(application):
    ids = (uuid.UUID(int=n) for n in itertools.count(1))
    [first] = advance(application, lambda: next(ids)).values()
    assert first.command_id == str(uuid.UUID(int=1))
    assert application.collect_events()[-1].command_id == first.command_id


def test_the_certificate_starts_vaccination_and_household_registration_in_parallel(application):
    [first] = advance(application).values()
    complete(application, first, birth_certificate_no="Q260000001")
    ready = advance(application)
    assert set(ready) == {"vaccination_record", "household_registration"}
    assert ready["household_registration"].sent_inputs["birth_certificate_no"] == "Q260000001"
    assert ready["household_registration"].sent_inputs["child_name"] == "王小禾"


def run_to_end(application):
    outputs = {"birth_certificate": {"birth_certificate_no": "Q1"},
               "vaccination_record": {"vaccination_record_no": "V1", "first_dose_due": "2026-11-18"},
               "household_registration": {"child_id": "370202202611180024", "household_no": "1",
                                          "household_address": "青岛"},
               "medical_insurance": {"insured_no": "MI1", "coverage_start": "2026-11-18"},
               "social_security_card": {"card_no": "S1"}}
    pending = advance(application)
    while pending:
        for step in pending.values():
            complete(application, step, **outputs[step.id])
        pending = advance(application)


def test_the_happy_path_completes_with_an_event_per_transition(application):
    run_to_end(application)
    assert application.status == "COMPLETED" and application.settled_at == NOW
    events = application.collect_events()
    assert isinstance(events[0], Application.Submitted) and isinstance(events[-1], Application.Completed)
    assert sum(isinstance(e, Application.StepDispatched) for e in events) == 5
    assert sum(isinstance(e, Application.StepCompleted) for e in events) == 5


def test_a_refusal_rejects_the_application_and_cancels_what_has_not_started(application):
    [first] = advance(application).values()
    complete(application, first, birth_certificate_no="Q1")
    registration = advance(application)["household_registration"]
    assert application.record_result("household_registration", registration.command_id, False, {},
                                      "the mother is not in the civil register", NOW)
    assert application.status == "REJECTED"
    assert application.reasons == ["household_registration (civil_registration): the mother is not in the civil register"]
    assert application.steps["medical_insurance"].status == "CANCELLED"
    assert application.steps["vaccination_record"].status == "DISPATCHED"
    assert advance(application) == {}


def test_duplicate_late_and_foreign_results_change_nothing(application):
    [first] = advance(application).values()
    command_id = first.command_id
    assert complete(application, first, birth_certificate_no="Q1")
    version = application.version
    assert not application.record_result("birth_certificate", command_id, True, {"birth_certificate_no": "Q2"}, "",
                                         NOW), "duplicate"
    assert not application.record_result("vaccination_record", "someone-else", True, {}, "", NOW), "foreign"
    assert application.version == version
    assert application.steps["birth_certificate"].result == {"birth_certificate_no": "Q1"}
    with pytest.raises(UnknownStep):
        application.record_result("wedding_photo", command_id, True, {}, "", NOW)


def test_an_answer_in_flight_at_the_end_is_recorded_but_starts_nothing(application):
    [first] = advance(application).values()
    complete(application, first, birth_certificate_no="Q1")
    ready = advance(application)
    application.record_result("household_registration", ready["household_registration"].command_id, False, {}, "no",
                              NOW)
    vaccination = ready["vaccination_record"]
    assert complete(application, vaccination, vaccination_record_no="V1", first_dose_due="x")
    assert application.steps["vaccination_record"].status == "COMPLETED"
    assert application.status == "REJECTED" and advance(application) == {}
    assert not complete(application, vaccination, vaccination_record_no="V2", first_dose_due="x"), \
        "a duplicate of it is still ignored"


def test_the_stream_replays_to_the_same_state(application):
    run_to_end(application)
    events = application.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.status == application.status and replayed.version == application.version
    assert {k: (s.status, s.result) for k, s in replayed.steps.items()} == \
           {k: (s.status, s.result) for k, s in application.steps.items()}


def test_an_id_from_an_idempotency_key_is_the_callers_own_and_cannot_be_told_from_the_key():
    secret, other_secret = b"s" * 32, b"t" * 32
    mine = Application.keyed_id(secret, MOTHER, "newborn", "k")
    assert mine == Application.keyed_id(secret, MOTHER, "newborn", "k")
    assert mine != Application.keyed_id(secret, FATHER, "newborn", "k"), "another caller's key is another application"
    assert mine != Application.keyed_id(secret, MOTHER, "startup", "k")
    assert mine != Application.keyed_id(other_secret, MOTHER, "newborn", "k"), "without the secret it cannot be told"
    assert Application.submit(NEWBORN, FORM, NOW, uuid.UUID(int=42)).id == uuid.UUID(int=42)


def test_the_application_records_whom_it_is_for_and_who_submitted_it():
    application = Application.submit(NEWBORN, FORM, NOW, uuid.uuid4(), principals=[MOTHER, MOTHER, FATHER],
                                     agent=AGENT)
    assert (application.principals, application.agent) == ([MOTHER, FATHER], AGENT)
