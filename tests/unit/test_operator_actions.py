"""Operators' retry and skip: a failed step of an application that failed with nothing undone (or an
overdue one) is sent again under its command id, or skipped if nothing needs its results; each
is an event naming the operator and the reason."""
import pytest

from saga.domain.errors import OperatorActionRefused
from saga.domain.operator_actions import OperatorActions
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER


def failed_at_medical_insurance(coordinator, bus):
    """A newborn application whose medical insurance command was dead-lettered: FAILED, nothing undone."""
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    answers = {"birth_certificate": {"birth_certificate_no": "Q1"}, "household_registration": {"child_id": "C1"},
               "vaccination_record": {"vaccination_record_no": "V1"}, "social_security_card": {"card_no": "S1"}}
    answered = set()
    while pending := [d for d in bus.sent if d.step in answers and d.step not in answered]:
        for dispatch in pending:
            answered.add(dispatch.step)
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, answers[dispatch.step])
    medical = next(d for d in bus.sent if d.step == "medical_insurance")
    coordinator.dead_lettered(application_id, "medical_insurance", medical.command_id, "poisoned")
    assert coordinator.get_application(application_id).status == "FAILED"
    return application_id, medical


def test_a_retried_step_is_sent_again_under_its_command_id_and_completes_the_application(coordinator, bus):
    application_id, medical = failed_at_medical_insurance(coordinator, bus)
    application = coordinator.retry_step(application_id, "medical_insurance", "alice", "register fixed")
    retried = bus.sent[-1]
    # the same command id: a department that did the work answers what it recorded, once
    assert (retried.step, retried.command_id, retried.inputs) == ("medical_insurance", medical.command_id,
                                                                  medical.inputs)
    assert application.status == "IN_PROGRESS" and application.reasons == []
    last = coordinator.history(application_id)[-1]
    assert (type(last), last.operator, last.reason) == (OperatorActions.StepRetried, "alice", "register fixed")
    coordinator.record_result(application_id, "medical_insurance", retried.command_id, True, {"insured_no": "M1"})
    assert coordinator.get_application(application_id).status == "COMPLETED"
    # a second copy of that answer changes nothing
    assert not coordinator.record_result(application_id, "medical_insurance", medical.command_id, True, {"x": "1"})


def test_a_skipped_step_lets_the_application_complete(coordinator, bus):
    application_id, _ = failed_at_medical_insurance(coordinator, bus)
    application = coordinator.skip_step(application_id, "medical_insurance", "bob", "enrolled at the counter")
    assert application.status == "COMPLETED"
    assert application.steps["medical_insurance"].status == "SKIPPED"
    assert application.steps["medical_insurance"].reason == "skipped by bob: enrolled at the counter"


def test_a_step_whose_results_are_needed_cannot_be_skipped(coordinator, bus):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [first] = bus.sent
    coordinator.dead_lettered(application_id, first.step, first.command_id, "poisoned")
    with pytest.raises(OperatorActionRefused, match="household_registration.*need"):
        coordinator.skip_step(application_id, "birth_certificate", "bob", "no")


def test_a_running_step_within_its_limit_is_neither_retried_nor_skipped(coordinator, bus):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    version = coordinator.get_application(application_id).version
    for act in (coordinator.retry_step, coordinator.skip_step):
        with pytest.raises(OperatorActionRefused, match="birth_certificate is DISPATCHED"):
            act(application_id, "birth_certificate", "alice", "why not")
    assert coordinator.get_application(application_id).version == version


def test_an_overdue_step_can_be_retried(coordinator, bus, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    clock.advance(days=2)
    coordinator.chase(application_id, "birth_certificate")
    coordinator.retry_step(application_id, "birth_certificate", "alice", "department asked for it again")
    step = coordinator.get_application(application_id).steps["birth_certificate"]
    assert step.status == "DISPATCHED" and step.overdue_since is None and step.sends == 1
