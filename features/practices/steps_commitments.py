"""Steps of commitment.feature (告知承诺): the verification thirty days on, what a broken commitment
does to the application and to the market register, and officers' findings (lifeevents.v1.Commitments)
with their own tokens."""
from __future__ import annotations

import grpc
import pytest
from pytest_bdd import parsers, then, when

from lifeevents.client import bad_request_fields
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import commitments_pb2
from lifeevents.v1 import operations_pb2 as ops
from tests.support.applications import step, step_reaching, submit
from tests.support.polling import eventually


def _status_of(applicant, submission) -> str:
    return pb.Application.Status.Name(applicant.get(submission.application_id).status)


@when("the notice period of twenty days passes")
def notice_period_passes(applicant, submission, coordinator_clock):
    step_reaching(applicant, submission.application_id, "notice_period", pb.Step.WAITING)
    coordinator_clock.advance(days=20, seconds=1)


@when("thirty days have passed since the submission")
def thirty_days_on(coordinator_clock):
    coordinator_clock.advance(days=10)  # twenty passed with the notice


@then(parsers.parse('commitment {name} is {status} with a finding mentioning "{words}"'))
def commitment_settled(applicant, submission, name, status, words):
    def settled():
        [commitment] = [c for c in applicant.get(submission.application_id).commitments if c.name == name]
        return commitment if commitment.status == commitments_pb2.Commitment.Status.Value(status) else None
    commitment = eventually(settled, timeout=30)
    assert words in commitment.finding and commitment.settled_at.seconds, commitment


@then(parsers.parse('the application is {status} with a reason mentioning "{words}"'))
def ends_with_reason(applicant, submission, status, words):
    eventually(lambda: _status_of(applicant, submission) == status, timeout=30)
    assert any(words in reason for reason in applicant.get(submission.application_id).reasons)


@then(parsers.parse("the application is still {status}"))
def application_is(applicant, submission, status):
    assert _status_of(applicant, submission) == status


@then(parsers.parse("step {step_id} is now {status}"))
def step_is(applicant, submission, step_id, status):
    assert pb.Step.Status.Name(step(applicant.get(submission.application_id), step_id).status) == status


@then(parsers.parse("the market register shows company {code} {status}"))
def company_status(registers, code, status):
    eventually(lambda: registers.market_regulation.GetCompany(credit_code=code).status == status, timeout=30)


@then(parsers.parse("the application's events as Watch streams them include {first}, {second} and {third}"))
def watched(applicant, submission, first, second, third):
    types = [event.type for event in applicant.watch(submission.application_id)]
    assert {first, second, third} <= set(types), types
    assert types[-1] == "Revoked" and types.index("Completed") < types.index(second), "revoked after completion"


@then(parsers.parse("the statistics of {bundle} count it {status}"))
def statistics_count(operator, bundle, status):
    def counted():
        statistics = operator.GetStatistics(ops.GetStatisticsRequest())
        return next(b.by_status.get(status, 0) for b in statistics.bundles if b.bundle == bundle) >= 1
    eventually(counted, timeout=10)


@when("the company applies for simplified deregistration again", target_fixture="submission")
def applies_again(applicant, form):
    return submit(applicant, form, "deregistration_simplified")


# -- officers' findings ----------------------------------------------------------------------------
@when(parsers.parse('an officer of {department} finds {name} false: "{finding}"'))
def officer_finds_false(applicants, submission, department, name, finding):
    officer = applicants.officer(department, f"{department}-officer")
    commitment = officer.record_finding(submission.application_id, name, False, finding)
    assert commitment.status == commitments_pb2.Commitment.BROKEN and commitment.found_by == f"{department}-officer"


@then(parsers.re(r"a finding on (?P<name>\w+) by (?:an officer of (?P<department>\w+)|(?P<applicant>the applicant)) "
                 r"is refused as (?P<code>[A-Z_]+)(?: naming (?P<field>\w+))?"))
def finding_refused(applicants, submission, form, name, department, applicant, code, field):
    client = applicants.citizen(form["legal_rep_id"]) if applicant else applicants.officer(department)
    with pytest.raises(grpc.RpcError) as refused:
        client.record_finding(submission.application_id, name, False, "a finding")
    assert refused.value.code() == getattr(grpc.StatusCode, code), refused.value.details()
    if field:
        assert field in bad_request_fields(refused.value)
