"""Steps of rating.feature: the applicant rates an ended startup (Applications/Rate), an operator
lists and closes the follow-up (Operations/ListFollowUps, CloseFollowUp), the statistics count it."""
from __future__ import annotations

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from google.protobuf import json_format

from lifeevents import cli
from lifeevents.client import bad_request_fields
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import operations_pb2 as ops
from tests.support.controls import Notifications
from tests.support.polling import eventually

STRANGER = "110105199108210223"  # 刘芳, named on none of the forms here


def _refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call()
    return refused.value


def _startup_figures(operator) -> ops.BundleStatistics:
    [figures] = operator.GetStatistics(ops.GetStatisticsRequest(bundle="startup")).bundles
    return figures


def _follow_up(operator, application_id: str, state: str = "") -> ops.FollowUp:
    listed = operator.ListFollowUps(ops.ListFollowUpsRequest(state=state, page_size=500)).follow_ups
    [found] = [f for f in listed if f.application_id == application_id]
    return found


@given("the startup statistics as they stand", target_fixture="figures_before")
def statistics_before(operator):
    return _startup_figures(operator)


@then("the applicant was invited to rate it")
def invited(running_suite, form):
    def invitation() -> list[dict]:
        told = Notifications(running_suite.data_dir).of(form["legal_rep_id"])
        return [n for n in told if n["kind"] == "RATING_INVITATION" and "请对本次服务作出评价" in n["body"]]
    eventually(invitation, timeout=10)


@when(parsers.parse('the applicant rates it {level}: "{comment}", with step {step_id} {step_level}'),
      target_fixture="rating")
def rates(applicant, submission, level, comment, step_id, step_level):
    rating = applicant.as_principal(submission.application_id).rate(submission.application_id, level, comment,
                                                                    {step_id: step_level})
    assert rating.follow_up_id and pb.RatingLevel.Name(rating.level) == level
    return rating


@then("a follow-up of the application is open for operators, not overdue")
def follow_up_open(operator, submission, rating):
    found = eventually(lambda: _follow_up(operator, submission.application_id, "open"), timeout=10)
    assert (found.follow_up_id, found.level, found.overdue) == (rating.follow_up_id, "DISSATISFIED", False)
    assert dict(found.step_levels) == {"seals": "VERY_DISSATISFIED"} and found.comment == "窗口排队太久"


@then(parsers.parse("rating it again is refused as {code}"))
def rating_again(applicant, submission, code):
    error = _refusal(lambda: applicant.as_principal(submission.application_id).rate(submission.application_id,
                                                                                    "VERY_SATISFIED"))
    assert error.code().name == code


@then(parsers.parse("a citizen listing follow-ups is told {code}"))
def citizen_listing(running_suite, tokens, code):
    from tests.support.clients import Operator
    citizen = Operator(running_suite.coordinator_address, tokens.citizen(STRANGER))
    try:
        assert _refusal(lambda: citizen.ListFollowUps(ops.ListFollowUpsRequest())).code().name == code
    finally:
        citizen.close()


@when(parsers.parse("{days:d} days pass on the coordinator's clock"))
def days_pass(coordinator_clock, days):
    coordinator_clock.advance(days=days)


@then("the follow-up is listed overdue")
def listed_overdue(operator, submission):
    assert _follow_up(operator, submission.application_id, "overdue").overdue


def _cli(running_suite, tokens, capsys, *argv: str) -> str:
    """`lifeevents ...` as an operator of the suite; what it printed."""
    capsys.readouterr()
    assert cli.main(["--address", running_suite.coordinator_address, "--token", tokens.operator(), *argv]) == 0
    return capsys.readouterr().out


@when(parsers.parse('the operator closes the follow-up with the command line: "{rectification}"'),
      target_fixture="closed")
def closes(running_suite, tokens, capsys, rating, rectification):
    listed = _cli(running_suite, tokens, capsys, "followups", "list", "--state", "overdue", "--page-size", "500")
    assert rating.follow_up_id in listed and "OVERDUE" in listed
    printed = _cli(running_suite, tokens, capsys, "--json", "followups", "close", rating.follow_up_id,
                   "--rectification", rectification)
    return json_format.Parse(printed, ops.FollowUp())


@then("the follow-up is closed by the operator with that rectification")
def closed_by_operator(operator, submission, closed):
    found = eventually(lambda: _follow_up(operator, submission.application_id, "closed"), timeout=10)
    assert found.closed_by == closed.closed_by == "operator", "the subject of the operator's token"
    assert found.rectification == closed.rectification == "增开窗口并电话回访，已致歉" and not found.overdue


@then(parsers.parse("closing it again is refused as {code}"))
def closing_again(operator, rating, code):
    error = _refusal(lambda: operator.CloseFollowUp(ops.CloseFollowUpRequest(follow_up_id=rating.follow_up_id,
                                                                              rectification="again")))
    assert error.code().name == code and "follow_up_id" in bad_request_fields(error)


@then("the startup statistics count one more DISSATISFIED rating, seals' VERY_DISSATISFIED and a closed follow-up")
def statistics_count(operator, figures_before):
    after = _startup_figures(operator)
    seals_before = {d.department: dict(d.ratings) for d in figures_before.department_ratings}.get("seals", {})
    seals_after = {d.department: dict(d.ratings) for d in after.department_ratings}["seals"]
    assert after.ratings["DISSATISFIED"] == figures_before.ratings.get("DISSATISFIED", 0) + 1
    assert seals_after["VERY_DISSATISFIED"] == seals_before.get("VERY_DISSATISFIED", 0) + 1
    assert after.follow_ups_closed == figures_before.follow_ups_closed + 1
    assert 0 < after.rectification_rate <= 1


@then("the command line's statistics show the ratings and the follow-ups")
def cli_statistics(running_suite, tokens, capsys):
    printed = _cli(running_suite, tokens, capsys, "stats", "--bundle", "startup")
    assert "  ratings: " in printed and "DISSATISFIED" in printed and "    seals: " in printed
    assert "follow-ups: open" in printed and "rectification rate" in printed


def _rating_refusal(client, submission, level="SATISFIED") -> grpc.RpcError:
    return _refusal(lambda: client.rate(submission.application_id, level))


@then(parsers.parse("the applicant rating it is told {code}"))
def applicant_rating_early(applicant, submission, code):
    assert _rating_refusal(applicant.as_principal(submission.application_id), submission).code().name == code


@then(parsers.parse("the applicant rating it with no level is told {code} naming {field}"))
def applicant_rating_without_level(applicant, submission, code, field):
    error = _rating_refusal(applicant.as_principal(submission.application_id), submission, "RATING_LEVEL_UNSPECIFIED")
    assert error.code().name == code and field in bad_request_fields(error)


@then(parsers.parse("another citizen rating it is told {code}"))
def stranger_rating(applicants, submission, code):
    assert _rating_refusal(applicants.citizen(STRANGER), submission).code().name == code


@then(parsers.parse("{department}'s officer rating it is told {code}"))
def officer_rating(applicants, submission, department, code):
    assert _rating_refusal(applicants.officer(department), submission).code().name == code
