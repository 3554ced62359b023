"""The Application aggregate alone: which steps start when, what results do, and replay."""
import datetime as dt
from pathlib import Path

import pytest

from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.domain.model import Application, UnknownStep, plan_of

ROOT = Path(__file__).resolve().parents[2]
NEWBORN = load_bundles(ROOT / "bundles", load_catalogue(ROOT / "bundles" / "departments.yaml")).get("newborn")
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
FORM = {"mother_id": "370202199205140022", "child_name": "王小禾", "child_sex": "female",
        "birth_date": "2026-11-18", "mother_name": "李秀英", "birth_hospital": "医院",
        "contact_phone": "13805320001", "mailing_address": "青岛"}


def new_application(**kwargs) -> Application:
    return Application(bundle="newborn", bundle_version=NEWBORN.version, form=FORM, plan=plan_of(NEWBORN),
                       time_limit_s=NEWBORN.time_limit.total_seconds(), submitted_at=NOW, **kwargs)


def complete(application, dispatch, **outputs):
    return application.record_result(dispatch.step, dispatch.command_id, True, outputs, "", NOW)


@pytest.fixture
def application():
    return new_application()


def test_only_the_birth_certificate_starts_first(application):
    [first] = application.advance(NOW)
    assert (first.step, first.department, first.action) == ("birth_certificate", "health", "issue_birth_certificate")
    assert first.inputs["mother_id"] == FORM["mother_id"] and "father_id" not in first.inputs
    assert first.due_at == NOW + dt.timedelta(days=1)
    assert application.advance(NOW) == [], "nothing else is ready"


def test_the_certificate_starts_vaccination_and_household_registration_in_parallel(application):
    [first] = application.advance(NOW)
    complete(application, first, birth_certificate_no="Q260000001")
    ready = {d.step: d for d in application.advance(NOW)}
    assert set(ready) == {"vaccination_record", "household_registration"}
    assert ready["household_registration"].inputs["birth_certificate_no"] == "Q260000001"
    assert ready["household_registration"].inputs["child_name"] == "王小禾"


def run_to_end(application):
    outputs = {"birth_certificate": {"birth_certificate_no": "Q1"},
               "vaccination_record": {"vaccination_record_no": "V1", "first_dose_due": "2026-11-18"},
               "household_registration": {"child_id": "370202202611180024", "household_no": "1",
                                          "household_address": "青岛"},
               "medical_insurance": {"insured_no": "MI1", "coverage_start": "2026-11-18"},
               "social_security_card": {"card_no": "S1"}}
    pending = application.advance(NOW)
    while pending:
        for dispatch in pending:
            complete(application, dispatch, **outputs[dispatch.step])
        pending = application.advance(NOW)


def test_the_happy_path_completes_with_an_event_per_transition(application):
    run_to_end(application)
    assert application.status == "COMPLETED" and application.settled_at == NOW
    kinds = [type(e).__name__ for e in application.collect_events()]
    assert kinds[0] == "Submitted" and kinds[-1] == "Completed"
    assert kinds.count("StepDispatched") == kinds.count("StepCompleted") == 5


def test_a_refusal_rejects_the_application_and_cancels_what_has_not_started(application):
    [first] = application.advance(NOW)
    complete(application, first, birth_certificate_no="Q1")
    ready = {d.step: d for d in application.advance(NOW)}
    registration = ready["household_registration"]
    assert application.record_result("household_registration", registration.command_id, False, {},
                                      "the mother is not in the civil register", NOW)
    assert application.status == "REJECTED"
    assert application.reasons == ["household_registration (civil_registration): the mother is not in the civil register"]
    assert application.steps["medical_insurance"].status == "CANCELLED"
    assert application.steps["vaccination_record"].status == "DISPATCHED"
    assert application.advance(NOW) == []


def test_duplicate_late_and_foreign_results_change_nothing(application):
    [first] = application.advance(NOW)
    assert complete(application, first, birth_certificate_no="Q1")
    version = application.version
    assert not complete(application, first, birth_certificate_no="Q2"), "duplicate"
    assert not application.record_result("vaccination_record", "someone-else", True, {}, "", NOW), "foreign"
    assert application.version == version
    assert application.steps["birth_certificate"].result == {"birth_certificate_no": "Q1"}
    with pytest.raises(UnknownStep):
        application.record_result("wedding_photo", first.command_id, True, {}, "", NOW)


def test_an_answer_in_flight_at_the_end_is_recorded_but_starts_nothing(application):
    [first] = application.advance(NOW)
    complete(application, first, birth_certificate_no="Q1")
    ready = {d.step: d for d in application.advance(NOW)}
    application.record_result("household_registration", ready["household_registration"].command_id, False, {}, "no",
                              NOW)
    assert complete(application, ready["vaccination_record"], vaccination_record_no="V1", first_dose_due="x")
    assert application.steps["vaccination_record"].status == "COMPLETED"
    assert application.status == "REJECTED" and application.advance(NOW) == []
    assert not complete(application, ready["vaccination_record"], vaccination_record_no="V2", first_dose_due="x"), \
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


def test_an_idempotency_key_gives_a_stable_id_and_no_key_a_fresh_one():
    assert new_application(idempotency_key="k").id == new_application(idempotency_key="k").id
    assert new_application().id != new_application().id
