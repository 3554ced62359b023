"""Steps of the deregistration features: a company to close, the order of the closing steps, the
20-day public notice and objections to it."""
from __future__ import annotations

import datetime as dt
import json

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from tests.support.applications import step, step_reaching

ACCOUNT_STEPS = ("tax_clearance", "social_insurance_closing", "medical_insurance_closing", "housing_fund_closing")
CREDITOR = "110105199108210223"  # 刘芳, who signs for the creditor company: a third party to the deregistration


@then("registration_cancellation started only after the four account steps, and seal_cancellation after it")
def deregistration_order(application):
    cancellation = step(application, "registration_cancellation")
    for account in ACCOUNT_STEPS:
        assert step(application, account).settled_at.ToDatetime() <= cancellation.dispatched_at.ToDatetime()
    assert cancellation.settled_at.ToDatetime() <= step(application, "seal_cancellation").dispatched_at.ToDatetime()


@then("the market register shows the company cancelled")
def company_cancelled(registers, company):
    assert registers.market_regulation.GetCompany(credit_code=company["credit_code"]).status == "cancelled"


@then("the market register shows the company active")
def company_active(registers, company):
    assert registers.market_regulation.GetCompany(credit_code=company["credit_code"]).status == "active"


# -- the public notice ---------------------------------------------------------------------------
@then(parsers.parse("step {step_id} is WAITING until twenty days after the notice"))
@when(parsers.parse("step {step_id} is WAITING until twenty days after the notice"))
def waiting_twenty_days(applicant, submission, step_id):
    waiting = step_reaching(applicant, submission.application_id, step_id, pb.Step.WAITING)
    notice = step(applicant.get(submission.application_id), "public_notice")
    assert waiting.fires_at.ToDatetime() - notice.settled_at.ToDatetime() == dt.timedelta(days=20)


@then("no account is closed during the notice")
def nothing_closed(applicant, submission):
    application = applicant.get(submission.application_id)
    for account in ACCOUNT_STEPS:
        assert step(application, account).status == pb.Step.PENDING


@when("twenty days pass")
def twenty_days_pass(coordinator_clock):
    coordinator_clock.advance(days=20, seconds=1)


@when(parsers.parse('{objector} objects in the role {role} that "{reason}"'))
def objects(applicants, submission, objector, role, reason):
    """A citizen signed in objects, signing for the creditor company."""
    applicants.citizen(CREDITOR).object(submission.application_id, reason, objector_role=role, objector=objector)


@then(parsers.parse("its history records the objection by {objector} in the role {role}"))
def objection_in_history(operator, submission, objector, role):
    history = operator.GetHistory(ops.GetHistoryRequest(application_id=submission.application_id,
                                                        reason="the company asks why it was stopped"))
    [objection] = [json.loads(e.payload_json) for e in history.events if e.type == "ObjectionRaised"]
    assert (objection["objector"], objection["objector_role"]) == (objector, role), objection
    assert objection["objector_subject"] == f"{CREDITOR[:6]}********{CREDITOR[-4:]}", "who objected, masked"


@then("an objection now is refused as FAILED_PRECONDITION")
def objection_refused(applicants, submission):
    with pytest.raises(grpc.RpcError) as err:
        applicants.citizen(CREDITOR).object(submission.application_id, "late")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
