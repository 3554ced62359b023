"""A department's answer is checked against its step and the catalogue before it is applied: one
from another department, without an outcome, with results the action does not declare (or without
a declared one), a refusal without a reason, or oversized, is malformed (the result consumer
dead-letters it and the dead-letter watcher flags the step FAILED)."""
import dataclasses

import pytest

from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer
from tests.support.fakes import MOTHER
from tests.unit.test_coordinator_use_cases import OUTPUTS, form


@pytest.fixture
def answer(coordinator, bus):
    coordinator.submit("newborn", form(), caller=MOTHER)
    [dispatch] = bus.sent
    return StepAnswer(str(dispatch.application_id), dispatch.step, dispatch.command_id, True,
                      OUTPUTS[dispatch.step], department="health", outcome=Outcome.COMPLETED)


def test_a_well_formed_answer_passes(coordinator, answer):
    coordinator.check_answer(answer)
    coordinator.check_answer(dataclasses.replace(answer, completed=False, outputs={}, reason="a duplicate",
                                                 outcome=Outcome.REJECTED))


@pytest.mark.parametrize("change, words", [
    ({"department": "tax"}, "an answer from 'tax' for step birth_certificate, which health performs"),
    ({"completed": False, "outputs": {}, "outcome": Outcome.UNSPECIFIED}, "no outcome (OUTCOME_UNSPECIFIED)"),
    ({"outputs": {**OUTPUTS["birth_certificate"], "surprise": "1"}}, "declares no result(s) 'surprise'"),
    ({"outputs": {}}, "completed without its declared result(s) birth_certificate_no"),
    ({"completed": False, "outputs": {}, "reason": " ", "outcome": Outcome.REJECTED}, "a refusal of step"),
    ({"outputs": {"birth_certificate_no": "Q" * 201}}, "result birth_certificate_no has 201 characters"),
    ({"completed": False, "outputs": {}, "reason": "r" * 1001, "outcome": Outcome.REJECTED}, "the reason has 1001"),
    ({"step": "wedding_photo"}, "no department step 'wedding_photo'"),
    ({"application_id": "00000000-0000-0000-0000-000000000000"}, "no application"),
])
def test_a_malformed_answer_is_named(coordinator, answer, change, words):
    with pytest.raises(MalformedAnswer) as err:
        coordinator.check_answer(dataclasses.replace(answer, **change))
    assert words in str(err.value)


def test_a_dead_letter_of_a_malformed_answer_flags_the_step_failed(coordinator, answer):
    assert coordinator.dead_lettered(answer.application_id, answer.step, answer.command_id,
                                     "malformed StepResult: no outcome (OUTCOME_UNSPECIFIED)")
    application = coordinator.get_application(answer.application_id)
    assert application.steps[answer.step].status == "FAILED"
    assert "OUTCOME_UNSPECIFIED" in application.steps[answer.step].reason


def test_a_dead_letter_for_no_application_is_ignored(coordinator):
    assert not coordinator.dead_lettered("00000000-0000-0000-0000-000000000000", "x", "c", "error")
    assert not coordinator.dead_lettered("not a uuid" * 1000, "x", "c", "error")
