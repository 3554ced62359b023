"""Steps of the newborn features: a mother, her form, and the child in the registers."""
from __future__ import annotations

import uuid

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from deploy.sample_forms import newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.identifiers import parse_resident_id
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import Submission, step, submit
from tests.support.controls import stored_submissions


@given(parsers.parse("a registered mother {name} with resident ID {mother_id}"), target_fixture="mother")
def a_registered_mother(registers, name, mother_id):
    # NOT_FOUND here means the scenario names someone the seed lacks
    person = registers.civil_registration.GetPerson(resident_id=mother_id)
    assert (person.name, person.sex) == (name, "female"), person
    return {"resident_id": mother_id, "name": name, "registered": True}


@given(parsers.parse("a mother unknown to the civil register, {name}, with resident ID {mother_id}"),
       target_fixture="mother")
def an_unknown_mother(registers, name, mother_id):
    assert parse_resident_id(mother_id).sex == "female"  # a valid ID of a woman: only the register refuses her
    with pytest.raises(grpc.RpcError) as err:
        registers.civil_registration.GetPerson(resident_id=mother_id)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    return {"resident_id": mother_id, "name": name, "registered": False}


@given("a newborn form for a new child", target_fixture="form")
def a_newborn_form(mother):
    form = newborn_form(mother_id=mother["resident_id"], mother_name=mother["name"])
    if not mother["registered"]:  # the seeded father and address belong to a registered mother
        form.update(father_id=None, father_name=None, mailing_address="北京市朝阳区朝阳北路101号")
    return {k: v for k, v in form.items() if v is not None}


@given("she has already submitted this form once and it COMPLETED", target_fixture="first")
def submitted_once(applicant, form):
    application = applicant.settle(applicant.submit(form, bundle="newborn"))
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    return application


@when(parsers.parse("she submits the {bundle} bundle"), target_fixture="submission")
def she_submits(applicant, form, bundle, running_suite) -> Submission:
    """Counting what the store holds first, so that a refused Submit can be shown to have recorded nothing."""
    return submit(applicant, form, bundle, idempotency_key=str(uuid.uuid4()),
                  stored_before=stored_submissions(running_suite.data_dir))


@then(parsers.parse("every step is {status}:"))
def every_step(application, datatable, status):
    header, *rows = datatable
    expected = {row[header.index("step")]: row[header.index("department")] for row in rows}
    assert {s.id: s.department for s in application.steps} == expected
    for each in application.steps:
        assert pb.Step.Status.Name(each.status) == status, (each.id, each.reason)


@then(parsers.parse("step {step_id} is REJECTED with a reason naming the first birth certificate"))
def rejected_naming_first_certificate(application, first, step_id):
    rejected = step(application, step_id)
    number = step(first, "birth_certificate").result["birth_certificate_no"]
    assert rejected.status == pb.Step.REJECTED and number in rejected.reason, rejected.reason


@then(parsers.parse("the form is refused at the door as INVALID_ARGUMENT naming {field} and no other field"))
def refused_naming_only(submission, field):
    error = submission.refusal
    assert error is not None, f"accepted as {submission.accepted_as}"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
    assert set(bad_request_fields(error)) == {field}, bad_request_fields(error)


@then("no application was started")
def nothing_started(submission, running_suite):
    assert stored_submissions(running_suite.data_dir) == submission.stored_before


@then("the civil register lists the child in the mother's household with a resident ID carrying the child's birth date")
def child_in_household(application, registers, form):
    result = step(application, "household_registration").result
    household = registers.civil_registration.GetHousehold(member_id=form["mother_id"])
    assert result["household_no"] == household.household_no
    child = parse_resident_id(result["child_id"])
    assert child.birth_date.isoformat() == form["birth_date"], child
    assert (child.area_code, child.sex) == (household.area_code, form["child_sex"]), child
    members = {m.resident_id: m for m in household.members}
    assert members[child.number].name == form["child_name"]
    assert form["mother_id"] in members


@then("the civil register lists the child once in the mother's household")
def child_once_in_household(registers, form):
    members = registers.civil_registration.GetHousehold(member_id=form["mother_id"]).members
    assert [(m.name, m.birth_date) for m in members].count((form["child_name"], form["birth_date"])) == 1


@then("medical insurance and social security hold the child's enrolment and card")
def enrolment_and_card(application, registers, form):
    child_id = step(application, "household_registration").result["child_id"]
    enrolment = registers.medical_insurance.GetEnrolment(resident_id=child_id)
    card = registers.social_security.GetCard(resident_id=child_id)
    assert (enrolment.insured_no, enrolment.name) == (step(application, "medical_insurance").result["insured_no"],
                                                      form["child_name"])
    assert (card.card_no, card.name, card.mailing_address) == (
        step(application, "social_security_card").result["card_no"], form["child_name"], form["mailing_address"])
