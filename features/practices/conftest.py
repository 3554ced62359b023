"""Steps of the practices features. Officers' review (officer_review.feature): an officer of the
department decides a step from its worklist (lifeevents.departments.v1.Cases) with their own token,
as the suite's development identity provider issues it."""
from __future__ import annotations

import uuid

import pytest
from pytest_bdd import given, parsers, then, when

from lifeevents.officers import OfficerClient
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step, step_reaching
from tests.support.polling import eventually


@pytest.fixture
def officers(running_suite, tokens):
    """Worklist clients by (department, staff id), each with that officer's token."""
    clients: dict[tuple[str, str], OfficerClient] = {}

    def officer(department: str, subject: str) -> OfficerClient:
        if (department, subject) not in clients:
            clients[department, subject] = OfficerClient(department, tokens.officer(department, subject),
                                                         running_suite.department_addresses[department])
        return clients[department, subject]

    yield officer
    for client in clients.values():
        client.close()


@given(parsers.parse("a retirement form for {resident_id} with bank account {account} and post type {post_type}"),
       target_fixture="form")
def retirement_form_with_post_type(resident_id, account, post_type):
    return {"resident_id": resident_id, "bank_account": account, "post_type": post_type}


@given(parsers.parse('the company\'s name holds "{word}"'), target_fixture="form")
def name_holding(form, word):
    return {**form, "company_name": f"青岛{word}海洋文化{uuid.uuid4().int % 10**6:06d}有限公司"}


@then(parsers.re(r"step (?P<step_id>\w+) waits with an officer in (?P<department>\w+)'s worklist"
                 r'(, because of "(?P<why>[^"]+)")?$'), target_fixture="case")
def waits_with_an_officer(applicant, submission, officers, step_id, department, why):
    client = applicant.as_principal(submission.application_id)
    shown = step_reaching(client, submission.application_id, step_id, pb.Step.WITH_OFFICER)
    assert shown.department == department and shown.with_officer_since.seconds and not shown.officer
    case = officers(department, "queue-reader").case_of(submission.application_id, step_id)
    assert case.state == case.OPEN and not case.inputs, "the worklist shows nobody's data before a claim"
    if why:
        assert any(why in reason for reason in case.reasons), list(case.reasons)
        assert any(why in reason for reason in shown.review_reasons), list(shown.review_reasons)
    return case


@when(parsers.parse("{department}'s officer {officer} claims the case and approves it"))
def claims_and_approves(officers, case, department, officer):
    claimed = officers(department, officer).claim(case.case_id)
    assert claimed.claimed_by == officer and claimed.inputs, "the officer who holds the case sees its inputs"
    decided = officers(department, officer).approve(case.case_id)
    assert (decided.decided_by, decided.outcome) == (officer, "completed"), decided.reason


@when(parsers.parse('{department}\'s officer {officer} rejects the case: "{reason}"'))
def rejects(officers, case, department, officer, reason):
    decided = officers(department, officer).reject(case.case_id, reason)
    assert (decided.decided_by, decided.outcome) == (officer, "refused")


@then(parsers.parse("step {step_id} was decided by {officer}, retiring on {date}"))
def decided_by_retiring_on(application, step_id, officer, date):
    decided = step(application, step_id)
    assert (decided.decided_by, decided.result["retirement_date"]) == (officer, date)


@then(parsers.parse("step {step_id} was decided by {officer}"))
def decided_by(application, step_id, officer):
    assert step(application, step_id).decided_by == officer


@then(parsers.parse("no officer decided step {step_id}"))
def decided_by_the_rules(application, step_id):
    decided = step(application, step_id)
    assert (decided.decided_by, decided.officer, list(decided.review_reasons)) == ("", "", [])


@then(parsers.parse("the applicant's data-access log shows that {officer} of {department} opened the case"))
def opening_in_the_log(applicant, submission, officer, department):
    client = applicant.as_principal(submission.application_id)

    def logged():
        entries = [e for e in client.data_access().entries
                   if e.application_id == submission.application_id and e.accessor == officer]
        assert entries, "no entry of the officer yet"
        return entries

    [entry] = eventually(logged, timeout=10)
    assert (entry.accessor_role, entry.department, entry.allowed) == ("officer", department, True)
    assert "post_type" in entry.items and "resident_id" in entry.items


# -- commitments (告知承诺): commitment.feature's steps are in their own module ------------------------
from features.practices.steps_commitments import *  # noqa: E402,F401,F403
# -- 容缺受理 and 前台受理 (deferred_material.feature, front_desk.feature) ---------------------------------
from features.practices.steps_materials import *  # noqa: E402,F401,F403


# -- withdrawal and rating (withdrawal.feature, rating.feature): their own modules ----------------------
from features.practices.steps_rating import *  # noqa: E402,F401,F403
from features.practices.steps_withdrawal import *  # noqa: E402,F401,F403
