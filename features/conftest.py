"""Steps shared by the features of several contexts; each context's own steps are in its
`features/<context>/conftest.py`. State passes between steps as values returned through
`target_fixture`: `form`, `submission` (what Submit did), `application` (as it ended)."""
from __future__ import annotations

import grpc
from pytest_bdd import given, parsers, then, when

from deploy.sample_forms import new_company_form, newborn_form
from lifeevents.client import bad_request_fields
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import Submission, step, submit


# -- forms ----------------------------------------------------------------------------------------
@given(parsers.parse('the form\'s {field} is "{value}"'), target_fixture="form")
def a_form_value(form, field, value):
    return {**form, field: value}


@given(parsers.parse('a newborn form for a child named "{name}"'), target_fixture="form")
def a_newborn_form_for(name):
    return newborn_form(child_name=name)


@given(parsers.parse("the {bundle} example form for a company nobody has registered yet"), target_fixture="form")
def example_company_form(bundle):
    return new_company_form(bundle)


@given(parsers.parse("a deregistration form for the seeded company {code} of legal representative {legal_rep_id}"),
       target_fixture="form")
def seeded_deregistration_form(code, legal_rep_id):
    return {"credit_code": code, "legal_rep_id": legal_rep_id, "reason": "business_ended"}


@given("a company opened through the startup bundle", target_fixture="company")
def opened_company(applicant):
    form = new_company_form("startup")
    application = applicant.settle(applicant.submit(form, bundle="startup"))
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    return {**form, "credit_code": step(application, "business_registration").result["credit_code"]}


@given("a deregistration form for that company giving only its code, its legal representative and a reason",
       target_fixture="form")
def deregistration_form(company):
    return {"credit_code": company["credit_code"], "legal_rep_id": company["legal_rep_id"], "reason": "business_ended"}


@given(parsers.parse("the applicant accepts the {name} commitment"), target_fixture="form")
def accepts_commitment(form, name):
    """告知承诺: the form value that accepts one of the bundle's commitments."""
    return {**form, f"commitment.{name}": "accepted"}


@given(parsers.parse('the {department} department fails every delivery of {action} for that child with "{error}"'))
def fails_every_delivery(fault_rules, form, department, action, error):
    fault_rules.add(department=department, action=action, inputs={"child_name": form["child_name"]}, error=error)


# -- submission and outcome -------------------------------------------------------------------------
@when(parsers.parse("the {bundle} bundle is submitted"), target_fixture="submission")
def the_bundle_is_submitted(applicant, form, bundle) -> Submission:
    return submit(applicant, form, bundle)


@when("the front desk accepts it")
def the_front_desk_accepts(front_desk, submission):
    """前台受理: the bundle waits for the front desk before any step starts."""
    accepted = front_desk.accept(submission.application_id)
    assert accepted.status == pb.Application.IN_PROGRESS and accepted.accepted_by == "fd-0001"


@then(parsers.parse("the application reaches {status}"), target_fixture="application")
def reaches(applicant, submission, status):
    application = applicant.settle(submission.application_id)
    assert pb.Application.Status.Name(application.status) == status, list(application.reasons)
    return application


@then(parsers.parse("the submission is refused as INVALID_ARGUMENT naming {field}"))
def refused_at_the_door(submission, field):
    error = submission.refusal
    assert error is not None, f"accepted as {submission.accepted_as}"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in bad_request_fields(error)


@then("the steps end as follows:")
def steps_end(application, datatable):
    header, *rows = datatable
    for row in rows:
        expected = dict(zip(header, row))
        ended = step(application, expected["step"])
        assert ended.department == expected["department"]
        assert pb.Step.Status.Name(ended.status) == expected["status"], (ended.id, ended.reason)


@then(parsers.parse('step {step_id} is {status} with a reason mentioning "{words}"'))
def ended_with_reason(application, step_id, status, words):
    ended = step(application, step_id)
    assert pb.Step.Status.Name(ended.status) == status and words in ended.reason, (ended.status, ended.reason)


@given(parsers.parse("the {department} department is down"))
def department_down(department_outage, department):
    stop, _ = department_outage
    stop(department)


@when(parsers.parse("the {department} department is back"))
def department_back(department_outage, department):
    _, restore = department_outage
    restore(department)
