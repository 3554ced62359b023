"""Steps of the access features: who is signed in, what they submit, who may read it, delegations
and the data-access log. Each person is an applicant client with their own token."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from deploy.sample_forms import newborn_form
from lifeevents.client import ApplicantClient, bad_request_fields
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from tests.support.controls import stored_submissions


@dataclass
class Attempt:
    """A Submit and what came of it."""

    stored_before: int
    application_id: str = ""
    refusal: grpc.RpcError | None = None


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value


@pytest.fixture
def people() -> dict[str, ApplicantClient]:
    """Who is signed in in the scenario, by name ("the agent" for the agent): their client."""
    return {}


@pytest.fixture
def subjects() -> dict[str, str]:
    """Their resident IDs, by the same names."""
    return {}


# -- who is signed in -------------------------------------------------------------------------
@given(parsers.parse("{name} is signed in as the citizen {resident_id}"), target_fixture="caller")
def signed_in_citizen(applicants, people, subjects, name, resident_id):
    people[name], subjects[name] = applicants.citizen(resident_id), resident_id
    return people[name]


@given(parsers.parse("{name} is signed in as the agent {resident_id}"))
def signed_in_agent(applicants, people, subjects, name, resident_id):
    people["the agent"], subjects["the agent"] = applicants.agent(resident_id), resident_id


@given("nobody is signed in", target_fixture="caller")
def nobody(applicants):
    return applicants.anonymous()


# -- forms and submissions --------------------------------------------------------------------
@given(parsers.parse("a newborn form of the mother {mother_id} leaving her name and the mailing address out"),
       target_fixture="form")
def newborn_to_complete(mother_id):
    return ("newborn", newborn_form(mother_id=mother_id, mother_name=None, mailing_address=None))


@given(parsers.parse("a newborn form of the mother {mother_id}"), target_fixture="form")
def a_newborn_form(mother_id):
    return ("newborn", newborn_form(mother_id=mother_id))


@given(parsers.parse("a retirement form for {resident_id} paying into {account}"), target_fixture="form")
def a_retirement_form(resident_id, account):
    return ("retirement", {"resident_id": resident_id, "bank_account": account})


@given(parsers.parse("a deregistration form for the company {code} that leaves its legal representative out"),
       target_fixture="form")
def a_deregistration_form(code):
    return ("deregistration", {"credit_code": code, "reason": "business_ended"})


def attempt(client: ApplicantClient, form, running_suite) -> Attempt:
    bundle, values = form
    made = Attempt(stored_submissions(running_suite.data_dir))
    try:
        made.application_id = client.submit(values, bundle=bundle)
    except grpc.RpcError as error:
        made.refusal = error
    return made


@when(parsers.parse("{someone} submits it"), target_fixture="attempt")
@when(parsers.parse("{someone} submit it"), target_fixture="attempt")
def submits(caller, people, form, running_suite, someone):
    return attempt(people.get(someone, caller), form, running_suite)


@given("she has submitted it and it has completed", target_fixture="application")
def submitted_and_completed(caller, form):
    bundle, values = form
    application = caller.settle(caller.submit(values, bundle=bundle))
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    return application


@then(parsers.parse("{someone} is refused as UNAUTHENTICATED"))
@then(parsers.parse("{someone} are refused as UNAUTHENTICATED"))
def unauthenticated(attempt, someone):
    assert attempt.refusal is not None and attempt.refusal.code() == grpc.StatusCode.UNAUTHENTICATED, attempt


@then(parsers.parse("{someone} is refused as PERMISSION_DENIED naming {field}"))
def permission_denied(attempt, someone, field):
    assert attempt.refusal is not None, f"accepted as {attempt.application_id}"
    assert attempt.refusal.code() == grpc.StatusCode.PERMISSION_DENIED, attempt.refusal
    assert set(bad_request_fields(attempt.refusal)) == {field}


@then("nothing was stored")
def nothing_stored(attempt, running_suite):
    assert stored_submissions(running_suite.data_dir) == attempt.stored_before


@then(parsers.parse("it is accepted and {someone} can follow it"))
def accepted(attempt, caller, people, someone):
    assert attempt.refusal is None, attempt.refusal
    follower = people.get(someone, caller)
    assert follower.settle(attempt.application_id).application_id == attempt.application_id


# -- reading -----------------------------------------------------------------------------------
@then(parsers.parse("{name} can read it"))
def can_read(people, application, name):
    assert people[name].get(application.application_id) == application


@then(parsers.parse("the citizen {resident_id} is told it does not exist"))
def citizen_told_nothing(applicants, application, resident_id):
    error = refused(lambda: applicants.citizen(resident_id).get(application.application_id))
    assert error.code() == grpc.StatusCode.NOT_FOUND


@then("a tax officer is told it does not exist")
def tax_officer_told_nothing(applicants, application):
    assert refused(lambda: applicants.officer("tax").get(application.application_id)).code() == \
        grpc.StatusCode.NOT_FOUND


@then(parsers.parse("a health officer sees only the steps {steps}, each with its inputs"))
def health_officer_sees(applicants, application, steps):
    seen = applicants.officer("health").get(application.application_id)
    assert [s.id for s in seen.steps] == steps.split(", ")
    whole = {s.id: s for s in application.steps}
    assert all(s.inputs == whole[s.id].inputs and s.inputs for s in seen.steps)


@then("a front desk officer sees every step")
def front_desk_sees(applicants, application):
    seen = applicants.officer("front_desk").get(application.application_id)
    assert [s.id for s in seen.steps] == [s.id for s in application.steps]


@then(parsers.parse("an operator asking for its history without a reason is refused as INVALID_ARGUMENT "
                    "naming {field}"))
def history_without_reason(operator, application, field):
    error = refused(lambda: operator.GetHistory(ops.GetHistoryRequest(application_id=application.application_id)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and set(bad_request_fields(error)) == {field}


@then(parsers.parse('an operator giving the reason "{reason}" reads its history with her resident ID masked'))
def history_with_reason(operator, application, reason):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=application.application_id, reason=reason))
    submitted = history.events[0].payload_json
    assert "370202********0022" in submitted and "370202199205140022" not in submitted


# -- delegation --------------------------------------------------------------------------------
@when(parsers.parse("{name} grants the agent the {bundle} bundle for {days:d} days"))
def grants(people, subjects, coordinator_clock, name, bundle, days):
    until = coordinator_clock.now() + dt.timedelta(days=days)  # the coordinator's time: tests move it on
    assert people[name].grant_delegation(subjects["the agent"], bundle, until).holds


@when(parsers.parse("{name} revokes the agent's {bundle} delegation"))
def revokes(people, subjects, name, bundle):
    assert not people[name].revoke_delegation(subjects["the agent"], bundle).holds


@then(parsers.parse("both find it among their applications, {name} as principal and the agent as agent"))
def both_find_it(people, attempt, name):
    def listed(client: ApplicantClient) -> set[tuple[str, str]]:
        return {(a.application_id, a.role) for a in client.mine().applications}
    assert (attempt.application_id, "principal") in listed(people[name])
    assert (attempt.application_id, "agent") in listed(people["the agent"])


@then("the agent is told it does not exist")
def agent_told_nothing(people, attempt):
    assert refused(lambda: people["the agent"].get(attempt.application_id)).code() == grpc.StatusCode.NOT_FOUND


# -- the data-access log -----------------------------------------------------------------------
@when("a civil registration officer opens it")
def officer_opens(applicants, application):
    applicants.officer("civil_registration", "C-0042").get(application.application_id)


@when(parsers.parse("the citizen {resident_id} tries to read it"))
def citizen_tries(applicants, application, resident_id):
    refused(lambda: applicants.citizen(resident_id).get(application.application_id))


@pytest.fixture
def entries_of():
    def read(client: ApplicantClient, application_id: str) -> list:
        return [e for e in client.data_access(page_size=100).entries if e.application_id == application_id]
    return read


@then("her data-access log lists for it the civil registration lookups of name and address, on her behalf")
def lookups_listed(caller, application, entries_of):
    lookups = [e for e in entries_of(caller, application.application_id) if e.accessor_role == "service"]
    assert {(e.department, tuple(e.items), e.on_behalf_of) for e in lookups} == {
        ("civil_registration", ("name",), "370202199205140022"),
        ("civil_registration", ("address",), "370202199205140022")}


@then("the civil registration officer's reading")
def officer_listed(caller, application, entries_of):
    assert [(e.accessor, e.department, e.allowed) for e in entries_of(caller, application.application_id)
            if e.accessor_role == "officer"] == [("C-0042", "civil_registration", True)]


@then(parsers.parse("the refused attempt of {resident_id}"))
def attempt_listed(caller, application, entries_of, resident_id):
    assert [(e.accessor, e.allowed) for e in entries_of(caller, application.application_id)
            if e.accessor_role == "citizen"] == [(resident_id, False)]


@then(parsers.parse("the citizen {resident_id} finds none of these entries in their own log"))
def nobody_elses(applicants, application, entries_of, resident_id):
    assert entries_of(applicants.citizen(resident_id), application.application_id) == []
