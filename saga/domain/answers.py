"""What a department's answer must be before it is applied, checked against the catalogue: from the
step's department, with an outcome, giving exactly the results the action declares (a refusal with
its reason and none but declared results), within the declared sizes. Anything else is a malformed
answer: a poison message, dead-lettered with its error, and its step flagged FAILED. Progress, an
officer's decision and a return for correction come only for a step whose command asked for an
officer, or whose action the catalogue says the department may escalate."""
from __future__ import annotations

import re

from lifeevents.text import quote
from saga.domain.application import Application
from saga.domain.approval import OFFICER
from saga.domain.catalogue import Catalogue
from saga.domain.commitments import SentCommand, parse_command_step
from saga.domain.steps import StepState
from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer

# The longest result value and refusal reason an answer may carry (characters).
MAX_RESULT_VALUE, MAX_REASON = 200, 1000
MAX_REVIEW_REASONS = 20
_STAFF_ID = re.compile(r"[ -~]{1,64}", re.ASCII)  # as tokens carry a subject: printable ASCII


def check_answer(application: Application, answer: StepAnswer, catalogue: Catalogue) -> None:
    """Raise MalformedAnswer saying what does not fit; return if the answer may be applied."""
    if (command := _commitment_command(application, answer)) is not None:
        if answer.outcome not in (Outcome.COMPLETED, Outcome.REJECTED) or answer.decided_by:
            raise MalformedAnswer(f"{answer.step} is answered COMPLETED or REJECTED by the department's rules")
        _check_results(command.department, command.action, answer, catalogue)
        return
    step = application.steps.get(answer.step)
    if step is None or step.is_wait:
        raise MalformedAnswer(f"application {application.id} has no department step {quote(answer.step)}")
    if answer.department != step.department:
        raise MalformedAnswer(f"an answer from {quote(answer.department)} for step {step.id}, which "
                              f"{step.department} performs")
    if answer.outcome is Outcome.UNSPECIFIED:
        raise MalformedAnswer(f"the answer for step {step.id} has no outcome (OUTCOME_UNSPECIFIED)")
    if answer.outcome in (Outcome.WITH_OFFICER, Outcome.RETURNED) or answer.decided_by:
        _check_reviewed(step, answer, catalogue)
        if answer.outcome in (Outcome.WITH_OFFICER, Outcome.RETURNED):
            return
    undo = step.compensation is not None and step.compensation.command_id == answer.command_id
    _check_results(step.department, step.compensation.action if undo else step.action, answer, catalogue)


def _commitment_command(application: Application, answer: StepAnswer) -> SentCommand | None:
    """The commitment's command the answer is for (its department's own), None for a step's answer."""
    if (parsed := parse_command_step(answer.step)) is None:
        return None
    state = application.commitments.get(parsed[0])
    command = state.command(parsed[1]) if state is not None else None
    if command is None:
        raise MalformedAnswer(f"application {application.id} has no commitment command {quote(answer.step)}")
    if answer.department != command.department:
        raise MalformedAnswer(f"an answer from {quote(answer.department)} for {answer.step}, which "
                              f"{command.department} performs")
    return command


def _check_results(department: str, action: str, answer: StepAnswer, catalogue: Catalogue) -> None:
    """Exactly the results the action declares (none but declared ones in a refusal, with its reason),
    within the declared sizes."""
    spec = catalogue.action(department, action)
    declared = set(spec.outputs) if spec is not None else set()
    given = set(answer.outputs)
    if given - declared:
        raise MalformedAnswer(f"{department}.{action} declares no result(s) "
                              f"{', '.join(quote(n) for n in sorted(given - declared)[:5])}")
    if answer.completed and declared - given:
        raise MalformedAnswer(f"{department}.{action} completed without its declared result(s) "
                              f"{', '.join(sorted(declared - given))}")
    if not answer.completed and not answer.reason.strip():
        raise MalformedAnswer(f"a refusal of step {answer.step} without a reason")
    if len(answer.reason) > MAX_REASON:
        raise MalformedAnswer(f"the reason has {len(answer.reason)} characters (at most {MAX_REASON})")
    for name, value in answer.outputs.items():
        if len(value) > MAX_RESULT_VALUE:
            raise MalformedAnswer(f"result {name} has {len(value)} characters (at most {MAX_RESULT_VALUE})")


def _check_reviewed(step: StepState, answer: StepAnswer, catalogue: Catalogue) -> None:
    """An officer's part in an answer: only where an officer may decide, with who in a staff id's shape,
    progress without results, and a return naming inputs of the step, each with a reason."""
    spec = catalogue.action(step.department, step.action)
    if step.case.review != OFFICER and (spec is None or spec.escalates is None):
        raise MalformedAnswer(f"step {step.id} was sent for {step.department}'s rules to decide, and "
                              f"{step.department}.{step.action} declares no escalation to an officer")
    for name, who in (("officer", answer.officer), ("decided_by", answer.decided_by)):
        if who and not _STAFF_ID.fullmatch(who):
            raise MalformedAnswer(f"{name} {quote(who)} is not a staff id (1 to 64 printable ASCII characters)")
    reasons = [*answer.reasons, *answer.returned.values()]
    if len(answer.reasons) > MAX_REVIEW_REASONS or any(len(r) > MAX_REASON for r in reasons):
        raise MalformedAnswer(f"at most {MAX_REVIEW_REASONS} reasons of at most {MAX_REASON} characters each")
    if answer.outcome in (Outcome.WITH_OFFICER, Outcome.RETURNED) and answer.outputs:
        raise MalformedAnswer(f"{answer.outcome.value} for step {step.id} with results")
    if answer.outcome is Outcome.RETURNED:
        if not answer.returned or not answer.decided_by:
            raise MalformedAnswer(f"a return of step {step.id} names no input to correct, or no officer")
        if unknown := set(answer.returned) - set(step.inputs):
            raise MalformedAnswer(f"{step.id} has no input(s) {', '.join(quote(n) for n in sorted(unknown)[:5])}")
        if not all(why.strip() for why in answer.returned.values()):
            raise MalformedAnswer(f"a return of step {step.id} without a reason for each input")
