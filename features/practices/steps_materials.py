"""Steps of 容缺受理 (deferred_material.feature) and 前台受理 (front_desk.feature): the applicant leaves
a deferrable material out and supplies it later through Supplement; the front desk (an officer of
front_desk, on the coordinator's FrontDesk API) returns a case and accepts it; time moves on the
coordinator's clock."""
from __future__ import annotations

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from lifeevents.client import bad_request_fields
from lifeevents.front_desk import FrontDeskClient
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step
from tests.support.controls import Notifications
from tests.support.polling import eventually

STRANGER = "110105199108210223"  # 刘芳, no party to these applications


@pytest.fixture(scope="session")
def notices(running_suite) -> Notifications:
    return Notifications(running_suite.data_dir)


def code_of(call) -> grpc.StatusCode:
    try:
        call()
    except grpc.RpcError as error:
        return error.code()
    raise AssertionError("not refused")


@given(parsers.parse("the applicant leaves out {field}, committing to supply it"), target_fixture="form")
def leaves_out(form, field):
    return {k: v for k, v in form.items() if k != field}


@when(parsers.parse("{days:d} day passes on the coordinator's clock"))
@when(parsers.parse("{days:d} days pass on the coordinator's clock"))
def days_pass(coordinator_clock, days):
    coordinator_clock.advance(days=days, seconds=1)


@then(parsers.parse("step {step_id} waits for the promised {field} while every other step completes"))
def waits_for_material(applicant, submission, step_id, field):
    def others_done() -> pb.Application:
        application = applicant.get(submission.application_id)
        others = {s.id: pb.Step.Status.Name(s.status) for s in application.steps if s.id != step_id}
        assert set(others.values()) == {"COMPLETED"}, others
        return application

    application = eventually(others_done, timeout=30)
    assert step(application, step_id).status == pb.Step.AWAITING_MATERIALS
    assert application.status == pb.Application.IN_PROGRESS and dict(application.awaited) == {
        field: "promised material"}
    [material] = application.materials
    assert (material.field, material.supplied, list(material.steps)) == (field, False, [step_id])


@when(parsers.parse('the applicant supplies {field} "{value}"'))
@when(parsers.parse('the applicant corrects {field} to "{value}"'))
def supplies(applicant, submission, field, value):
    applicant.as_principal(submission.application_id).supplement(submission.application_id, {field: value})


@then(parsers.parse('step {step_id} was sent {name} "{value}"'))
def was_sent(application, step_id, name, value):
    assert step(application, step_id).inputs[name] == value


@then(parsers.parse("the applicant is reminded that {field} is due"))
def reminded(notices, form, submission, field):
    def heard() -> dict:
        found = [n for n in notices.of(form["legal_rep_id"])
                 if n["application_id"] == submission.application_id and n["kind"] == "MATERIAL_DUE"]
        assert found, "no reminder yet"
        return found[0]

    assert "请按承诺补交材料" in eventually(heard, timeout=30)["title"]


# -- the front desk ----------------------------------------------------------------------------------
@then("the application waits in the front desk's queue and no step has started")
def in_the_queue(applicant, front_desk, submission):
    application = applicant.get(submission.application_id)
    assert application.status == pb.Application.AWAITING_ACCEPTANCE
    assert {s.status for s in application.steps} == {pb.Step.PENDING}

    def queued() -> bool:
        return submission.application_id in {q.application_id for q in front_desk.queue("deregistration",
                                                                                         page_size=100).applications}
    assert eventually(queued, timeout=10)


@when(parsers.parse('the front desk returns it: {field} "{reason}"'), target_fixture="first_due")
def returns(front_desk, submission, field, reason):
    returned = front_desk.return_for_correction(submission.application_id, {field: reason})
    assert returned.status == pb.Application.RETURNED
    return returned.due_at.ToDatetime()


@then(parsers.parse("the applicant sees it RETURNED with the reason for {field}, and was told so"))
def sees_returned(applicant, notices, form, submission, field):
    application = applicant.get(submission.application_id)
    assert application.status == pb.Application.RETURNED and field in application.returned
    assert dict(application.awaited) == {field: "returned by the front desk"}
    eventually(lambda: [n for n in notices.of(form["legal_rep_id"]) if n["application_id"] ==
                        submission.application_id and n["kind"] == "CASE_RETURNED"] or None, timeout=30)


@then(parsers.parse("the application is back in the front desk's queue, due {hours:d} hours later than first "
                    "promised"))
def back_in_queue(applicant, submission, first_due, hours):
    application = applicant.get(submission.application_id)
    assert application.status == pb.Application.AWAITING_ACCEPTANCE
    moved = (application.due_at.ToDatetime() - first_due).total_seconds() / 3600
    assert hours <= moved < hours + 1 and application.paused_hours == pytest.approx(moved), moved


@then("the front desk's opening of the case is in the applicant's data-access log")
def opening_logged(applicant, submission):
    entries = applicant.as_principal(submission.application_id).data_access().entries
    assert any(e.application_id == submission.application_id and e.accessor == "fd-0001"
               and e.department == "front_desk" for e in entries)


@then("a tax officer and the applicant are refused the queue and the acceptance as PERMISSION_DENIED")
def others_refused(running_suite, tokens, submission):
    for token in (tokens.officer("tax", "tx-0001"), tokens.citizen("370202199003070011")):
        client = FrontDeskClient(running_suite.coordinator_address, token)
        try:
            assert code_of(client.queue) == grpc.StatusCode.PERMISSION_DENIED
            assert code_of(lambda: client.accept(submission.application_id)) == grpc.StatusCode.PERMISSION_DENIED
        finally:
            client.close()


@then("another citizen's correction is refused as NOT_FOUND")
def stranger_refused(applicants, submission):
    stranger = applicants.citizen(STRANGER)
    assert code_of(lambda: stranger.supplement(submission.application_id, {"reason": "business_ended"})) == \
        grpc.StatusCode.NOT_FOUND


@then("accepting it again is refused as FAILED_PRECONDITION")
def accepted_twice(front_desk, submission):
    try:
        front_desk.accept(submission.application_id)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "application_id" in bad_request_fields(error)
        return
    raise AssertionError("accepted twice")
