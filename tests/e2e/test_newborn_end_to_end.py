"""The newborn bundle through the public gRPC API, on the real suite: RabbitMQ, nameko departments,
the coordinator and its SQLite event store."""
import sqlite3
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deploy.sample_forms import newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.identifiers import make_resident_id, parse_resident_id
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step

pytestmark = pytest.mark.e2e
STEPS = ["birth_certificate", "vaccination_record", "household_registration", "medical_insurance",
         "social_security_card"]


def stored_event_count(running_suite) -> int:
    with sqlite3.connect(f"file:{running_suite.env['LIFEEVENTS_DATA_DIR']}/events.sqlite?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM stored_events").fetchone()[0]


def test_health_check_reports_serving(running_suite):
    with grpc.insecure_channel(running_suite.coordinator_address) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="lifeevents.v1.Applications"), timeout=5)
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_bundles_and_form_are_offered(applicant):
    bundles = applicant.stub.ListBundles(pb.ListBundlesRequest(), timeout=5).bundles
    newborn = next(b for b in bundles if b.id == "newborn")
    assert (newborn.name.zh, newborn.name.en) == ("出生一件事", "Newborn")
    assert newborn.step_count == 5
    form = applicant.stub.GetForm(pb.GetFormRequest(bundle="newborn"), timeout=5)
    names = [f.name for f in form.fields]
    assert len(names) == len(set(names)), "each field is asked once"
    mother = next(f for f in form.fields if f.name == "mother_id")
    assert mother.type == "resident_id" and mother.required and mother.label.zh == "母亲身份证号"
    assert set(mother.used_by) == {"birth_certificate", "household_registration", "medical_insurance"}


def test_a_newborn_application_completes_and_every_register_holds_its_effect(applicant, registers):
    form = newborn_form(child_sex="male")
    application_id = applicant.submit(form)
    events = applicant.watch(application_id)
    application = applicant.get(application_id)

    assert application.status == pb.Application.COMPLETED
    assert [e.type for e in events][0] == "Submitted" and events[-1].type == "Completed"
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    assert [s.id for s in application.steps] == STEPS
    assert all(s.status == pb.Step.COMPLETED for s in application.steps)

    health, civil = registers.health, registers.civil_registration
    certificate_no = step(application, "birth_certificate").result["birth_certificate_no"]
    certificate = health.GetBirthCertificate(number=certificate_no)
    assert (certificate.child_name, certificate.mother_id) == (form["child_name"], form["mother_id"])
    record_no = step(application, "vaccination_record").result["vaccination_record_no"]
    record = health.GetVaccinationRecord(number=record_no)
    assert record.birth_certificate_no == certificate.number and len(record.schedule) == 3
    child_id = step(application, "household_registration").result["child_id"]
    child = parse_resident_id(child_id)
    assert child.birth_date.isoformat() == form["birth_date"] and child.sex == "male"
    person = civil.GetPerson(resident_id=child_id)
    assert (person.name, person.birth_certificate_no) == (form["child_name"], certificate.number)
    household = civil.GetHousehold(member_id=form["mother_id"])
    assert child_id in [m.resident_id for m in household.members]
    enrolment = registers.medical_insurance.GetEnrolment(resident_id=child_id)
    assert enrolment.insured_no == step(application, "medical_insurance").result["insured_no"]
    card = registers.social_security.GetCard(resident_id=child_id)
    assert card.card_no == step(application, "social_security_card").result["card_no"]


def test_an_unknown_mother_is_refused_and_later_steps_never_start(applicant, registers):
    unknown_mother = make_resident_id("110105", parse_resident_id("110105199108210223").birth_date, 998)
    application = applicant.settle(applicant.submit(newborn_form(mother_id=unknown_mother, father_id=None,
                                                                 father_name=None)))
    assert application.status == pb.Application.REJECTED
    household_registration = step(application, "household_registration")
    assert household_registration.status == pb.Step.REJECTED
    assert "not in the civil register" in household_registration.reason
    assert step(application, "medical_insurance").status == pb.Step.CANCELLED
    assert step(application, "social_security_card").status == pb.Step.CANCELLED
    assert any("household_registration" in r for r in application.reasons)
    with pytest.raises(grpc.RpcError) as err:
        registers.civil_registration.GetPerson(resident_id=unknown_mother)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_an_empty_form_is_refused_naming_every_required_field_and_nothing_is_stored(applicant, running_suite):
    before = stored_event_count(running_suite)
    with pytest.raises(grpc.RpcError) as err:
        applicant.submit({})
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = bad_request_fields(err.value)
    # mother_name and mailing_address are looked up by mother_id: only the missing mother_id is reported.
    assert set(fields) == {"form.mother_id", "form.child_name", "form.child_sex",
                           "form.birth_date", "form.birth_hospital", "form.contact_phone"}
    assert stored_event_count(running_suite) == before


def test_every_bad_field_is_named_at_once(applicant):
    with pytest.raises(grpc.RpcError) as err:
        applicant.submit(newborn_form(mother_id="370202199205140023", birth_date="2999-01-01",
                                      contact_phone="12345", shoe_size="38"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad_request_fields(err.value)) == {"form.mother_id", "form.birth_date", "form.contact_phone",
                                                  "form.shoe_size"}


def test_an_unknown_bundle_is_not_found(applicant):
    with pytest.raises(grpc.RpcError) as err:
        applicant.submit(newborn_form(), bundle="wedding")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "bundle" in bad_request_fields(err.value)
    with pytest.raises(grpc.RpcError) as err:
        applicant.stub.GetForm(pb.GetFormRequest(bundle="wedding"), timeout=5)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_unknown_and_malformed_application_ids(applicant):
    with pytest.raises(grpc.RpcError) as err:
        applicant.get(str(uuid.uuid4()))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        applicant.get("not-an-id")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "application_id" in bad_request_fields(err.value)


def test_a_retried_submit_with_the_same_key_is_one_application(applicant, running_suite):
    form, key = newborn_form(), uuid.uuid4().hex
    first = applicant.submit(form, idempotency_key=key)
    applicant.settle(first)
    count = stored_event_count(running_suite)
    assert applicant.submit(form, idempotency_key=key) == first
    assert stored_event_count(running_suite) == count
    assert applicant.get(first).status == pb.Application.COMPLETED


def test_watching_a_settled_application_replays_its_stream_and_ends(applicant):
    application_id = applicant.submit(newborn_form())
    live = applicant.watch(application_id)
    replayed = applicant.watch(application_id, timeout=10)
    assert [(e.version, e.type, e.step) for e in replayed] == [(e.version, e.type, e.step) for e in live]
    assert replayed[-1].status == pb.Application.COMPLETED


def test_the_mailing_address_is_looked_up_in_the_civil_register_when_left_out(applicant, registers):
    form = newborn_form(mailing_address=None)
    application = applicant.settle(applicant.submit(form))
    assert application.status == pb.Application.COMPLETED
    child_id = step(application, "household_registration").result["child_id"]
    card = registers.social_security.GetCard(resident_id=child_id)
    assert card.mailing_address == registers.civil_registration.GetHousehold(member_id=form["mother_id"]).address


def test_a_lookup_that_finds_nothing_asks_for_the_item(applicant):
    unknown_mother = make_resident_id("110105", parse_resident_id("110105199108210223").birth_date, 996)
    with pytest.raises(grpc.RpcError) as err:
        applicant.submit(newborn_form(mother_id=unknown_mother, father_id=None, father_name=None,
                                      mailing_address=None))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = bad_request_fields(err.value)
    assert list(fields) == ["form.mailing_address"] and "please enter it" in fields["form.mailing_address"]


def test_the_form_says_what_is_looked_up(applicant):
    form = applicant.stub.GetForm(pb.GetFormRequest(bundle="newborn"), timeout=5)
    address = next(f for f in form.fields if f.name == "mailing_address")
    assert (address.lookup.department, address.lookup.key_field) == ("civil_registration", "mother_id")
    assert (form.asked_count, form.looked_up_count) == (8, 2)
