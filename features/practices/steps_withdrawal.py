"""Steps of withdrawal.feature: the applicant withdraws a running startup (Applications/Withdraw) while
a department is stopped or an officer holds a case; others are refused."""
from __future__ import annotations

import grpc
import pytest
from pytest_bdd import parsers, then, when

from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step, step_reaching
from lifeevents.client import bad_request_fields

STRANGER = "110105199108210223"  # 刘芳, named on none of the forms here


@when(parsers.parse("step {done} is COMPLETED and step {flying} is in flight"))
def completed_and_in_flight(applicant, submission, done, flying):
    client = applicant.as_principal(submission.application_id)
    step_reaching(client, submission.application_id, done, pb.Step.COMPLETED)
    step_reaching(client, submission.application_id, flying, pb.Step.DISPATCHED)


@when(parsers.parse('the applicant withdraws it: "{reason}"'))
def withdraws(applicant, submission, reason):
    withdrawn = applicant.as_principal(submission.application_id).withdraw(submission.application_id, reason)
    assert withdrawn.status in (pb.Application.COMPENSATING, pb.Application.WITHDRAWN)


@then(parsers.parse("the application is COMPENSATING, waiting for step {step_id}"))
def compensating_waiting_for(applicant, submission, step_id):
    application = applicant.as_principal(submission.application_id).get(submission.application_id)
    assert application.status == pb.Application.COMPENSATING
    assert step(application, step_id).status in (pb.Step.DISPATCHED, pb.Step.WITH_OFFICER)
    assert all(s.status != pb.Step.PENDING for s in application.steps), "what had not started is cancelled"


@then(parsers.parse('its reason is "{reason}"'))
def its_reason(application, reason):
    assert list(application.reasons) == [reason]


def _refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call()
    return refused.value


@then(parsers.parse("withdrawing it again is refused as {code}"))
def withdrawing_again(applicant, submission, code):
    error = _refusal(lambda: applicant.as_principal(submission.application_id).withdraw(submission.application_id,
                                                                                         "again"))
    assert error.code().name == code and "application_id" in bad_request_fields(error)


@then(parsers.parse("another citizen withdrawing it is told {code}"))
def stranger_withdrawing(applicants, submission, code):
    error = _refusal(lambda: applicants.citizen(STRANGER).withdraw(submission.application_id, "not mine"))
    assert error.code().name == code


@then(parsers.parse("{department}'s officer withdrawing it is told {code}"))
def officer_withdrawing(applicants, submission, department, code):
    error = _refusal(lambda: applicants.officer(department).withdraw(submission.application_id, "not mine"))
    assert error.code().name == code


@then(parsers.parse("the applicant withdrawing it without a reason is told {code} naming {field}"))
def withdrawing_without_reason(applicant, submission, code, field):
    client = applicant.as_principal(submission.application_id)
    error = _refusal(lambda: client.withdraw(submission.application_id, "  "))
    assert error.code().name == code and field in bad_request_fields(error)
    assert client.get(submission.application_id).status == pb.Application.IN_PROGRESS, "nothing changed"
