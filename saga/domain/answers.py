"""What a department's answer must be before it is applied, checked against the catalogue: from the
step's department, with an outcome, giving exactly the results the action declares (a refusal with
its reason and none but declared results), within the declared sizes. Anything else is a malformed
answer: a poison message, dead-lettered with its error, and its step flagged FAILED."""
from __future__ import annotations

from lifeevents.text import quote
from saga.domain.application import Application
from saga.domain.catalogue import Catalogue
from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer

# The longest result value and refusal reason an answer may carry (characters).
MAX_RESULT_VALUE, MAX_REASON = 200, 1000


def check_answer(application: Application, answer: StepAnswer, catalogue: Catalogue) -> None:
    """Raise MalformedAnswer saying what does not fit; return if the answer may be applied."""
    step = application.steps.get(answer.step)
    if step is None or step.is_wait:
        raise MalformedAnswer(f"application {application.id} has no department step {quote(answer.step)}")
    if answer.department != step.department:
        raise MalformedAnswer(f"an answer from {quote(answer.department)} for step {step.id}, which "
                              f"{step.department} performs")
    if answer.outcome is Outcome.UNSPECIFIED:
        raise MalformedAnswer(f"the answer for step {step.id} has no outcome (OUTCOME_UNSPECIFIED)")
    undo = step.compensation is not None and step.compensation.command_id == answer.command_id
    action = step.compensation.action if undo else step.action
    spec = catalogue.action(step.department, action)
    declared = set(spec.outputs) if spec is not None else set()
    given = set(answer.outputs)
    if given - declared:
        raise MalformedAnswer(f"{step.department}.{action} declares no result(s) "
                              f"{', '.join(quote(n) for n in sorted(given - declared)[:5])}")
    if answer.completed and declared - given:
        raise MalformedAnswer(f"{step.department}.{action} completed without its declared result(s) "
                              f"{', '.join(sorted(declared - given))}")
    if not answer.completed and not answer.reason.strip():
        raise MalformedAnswer(f"a refusal of step {step.id} without a reason")
    if len(answer.reason) > MAX_REASON:
        raise MalformedAnswer(f"the reason has {len(answer.reason)} characters (at most {MAX_REASON})")
    for name, value in answer.outputs.items():
        if len(value) > MAX_RESULT_VALUE:
            raise MalformedAnswer(f"result {name} has {len(value)} characters (at most {MAX_RESULT_VALUE})")
