"""Withdraw, Rate, ListFollowUps and CloseFollowUp at the door (saga/entrypoints/aftercare_api.py):
every bad field named with INVALID_ARGUMENT, all of them at once, nothing reaching a use case; and
the end of a withdrawal is told with an invitation to rate it."""
import grpc
import pytest

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import notifications_pb2
from lifeevents.v1 import operations_pb2 as ops
from saga.entrypoints.aftercare_api import _state, _steps
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.errors import Refused
from saga.entrypoints.operations_api import OperationsServicer
from tests.support.fakes import MOTHER, STARTUP_FORM
from tests.support.identity import LocalTokens


class Context:
    def __init__(self, token: str):
        self.token = token

    def invocation_metadata(self):
        return (("authorization", f"Bearer {self.token}"),)

    def abort(self, code, details, trailing_metadata):
        raise Refused(code, details, [(details, "")])


def refused(call) -> Refused:
    with pytest.raises(Refused) as refusal:
        call()
    return refusal.value


def violations(call) -> set[str]:
    refusal = refused(call)
    assert refusal.code == grpc.StatusCode.INVALID_ARGUMENT, refusal.message
    return {field for field, _ in refusal.violations}


def test_rated_steps_are_named_one_by_one_and_each_once():
    bad = [pb.StepRating(step="", level=pb.SATISFIED), pb.StepRating(step="seals", level=0),
           pb.StepRating(step="x" * 65, level=99)]
    assert violations(lambda: _steps(bad)) == {"steps[0].step", "steps[1].level", "steps[2].step", "steps[2].level"}
    twice = [pb.StepRating(step="seals", level=pb.SATISFIED)] * 2
    assert violations(lambda: _steps(twice)) == {"steps[1].step"}
    assert violations(lambda: _steps([pb.StepRating(step="seals", level=1)] * 21)) == {"steps"}
    assert _steps([pb.StepRating(step="seals", level=pb.DISSATISFIED)]) == {"seals": "DISSATISFIED"}


def test_a_follow_up_state_is_open_closed_overdue_or_empty():
    assert [_state(s) for s in ("", "open", "closed", "overdue")] == ["", "open", "closed", "overdue"]
    assert violations(lambda: _state("stale")) == {"state"}


def test_bad_requests_change_nothing(coordinator, wiring, tmp_path):
    tokens = LocalTokens(tmp_path)
    applications = ApplicationsServicer(coordinator, wiring.queries, tokens.verifier())
    operations = OperationsServicer(coordinator, wiring.queries, None, tokens.verifier())
    application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    mother, operator = Context(tokens.citizen(MOTHER.subject)), Context(tokens.operator())
    stored = coordinator.get_application(application_id).version
    for request in (pb.WithdrawRequest(application_id=str(application_id), reason=" "),
                    pb.WithdrawRequest(application_id="not-a-uuid", reason="x" * 501)):
        refused(lambda: applications.Withdraw(request, mother))
    refused(lambda: applications.Rate(pb.RateRequest(application_id=str(application_id), level=pb.SATISFIED,
                                                     comment="x" * 501), mother))
    refused(lambda: operations.CloseFollowUp(ops.CloseFollowUpRequest(follow_up_id="a b", rectification=""),
                                             operator))
    assert coordinator.get_application(application_id).version == stored
    assert refused(lambda: operations.CloseFollowUp(ops.CloseFollowUpRequest(
        follow_up_id="no-such", rectification="done"), operator)).code == grpc.StatusCode.NOT_FOUND


def test_the_end_of_a_withdrawal_invites_its_principals_to_rate_it(coordinator, wiring, bus):
    application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    [registration] = bus.sent
    coordinator.withdraw(application_id, "changed my mind", caller=MOTHER)
    coordinator.record_result(application_id, registration.step, registration.command_id, False, {}, "name taken")
    [invited] = wiring.notifications.bus.sent
    assert (invited.kind, invited.recipient) == (notifications_pb2.Notification.RATING_INVITATION, MOTHER.subject)
