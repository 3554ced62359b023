"""Steps of the guarantees features: compensation after a refusal, faults retried or dead-lettered,
and time limits while a department is down."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step, step_reaching
from tests.support.polling import eventually


# -- compensation ----------------------------------------------------------------------------------
@then("the seals were undone before the registration")
def seals_before_registration(applicant, application):
    undos = [e.step for e in applicant.watch(application.application_id) if e.type == "CompensationDispatched"]
    assert undos.index("seals") < undos.index("business_registration")


@then("the market register shows the new company withdrawn")
def company_withdrawn(registers, application):
    code = step(application, "business_registration").result["credit_code"]
    assert registers.market_regulation.GetCompany(credit_code=code).status == "withdrawn"


# -- faults and dead letters -----------------------------------------------------------------------
@given(parsers.parse('the {department} department fails the first {count:d} deliveries of {action} for that child '
                     'with "{error}"'))
def fails_first_deliveries(fault_rules, form, department, count, action, error):
    fault_rules.add(department=department, action=action, inputs={"child_name": form["child_name"]},
                    deliveries=count, error=error)


@then(parsers.parse("step {step_id} was answered on delivery {delivery:d}"))
def answered_on_delivery(application, step_id, delivery):
    assert step(application, step_id).delivery == delivery


@then(parsers.parse('the application\'s reasons mention "{words}"'))
def reasons_mention(application, words):
    assert any(words in reason for reason in application.reasons), list(application.reasons)


def letters_of(dead_letters, application_id):
    return [letter for letter in dead_letters.list() if letter.application_id == application_id]


@then("the dead-letter queue holds nothing of the application")
def no_dead_letters(dead_letters, application):
    assert letters_of(dead_letters, application.application_id) == []


@then(parsers.parse('the dead-letter queue holds the {action} command of the application, with the error "{error}" '
                    'after {deliveries:d} deliveries'))
def dead_lettered(dead_letters, application, action, error, deliveries):
    letters = letters_of(dead_letters, application.application_id)
    failed = next(s for s in application.steps if s.action == action)
    assert [(letter.step, letter.error, letter.deliveries, letter.type) for letter in letters] == [
        (failed.id, error, deliveries, "lifeevents.v1.StepCommand")]


# -- time limits -----------------------------------------------------------------------------------
@when(parsers.parse("step {step_id} has been sent"))
def step_sent(applicant, submission, step_id):
    step_reaching(applicant, submission.application_id, step_id, pb.Step.DISPATCHED)


@when("a day and a minute pass on the coordinator's clock")
def a_day_passes(coordinator_clock):
    coordinator_clock.advance(days=1, minutes=1)


@then(parsers.parse("step {step_id} is flagged overdue, its command sent more than once"))
def flagged_overdue(applicant, submission, step_id):
    def overdue() -> pb.Step:
        current = step(applicant.get(submission.application_id), step_id)
        assert current.HasField("overdue_since") and current.sends > 1, current
        return current

    flagged = eventually(overdue)
    assert flagged.status == pb.Step.DISPATCHED
    assert flagged.overdue_since.ToDatetime() >= flagged.due_at.ToDatetime()


@then(parsers.parse("step {step_id} is COMPLETED and still shows it was overdue"))
def completed_late(application, step_id):
    completed = step(application, step_id)
    assert completed.status == pb.Step.COMPLETED and completed.HasField("overdue_since")
