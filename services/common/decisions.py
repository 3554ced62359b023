"""How a department answers a step command, as protobuf messages (no nameko, no broker): its worklist
takes the command (services/common/worklist.py: an officer decides a command that asks for one, or
that the department's own rules escalate), and the answer is the StepResult, or a StepProgress while
the case waits for an officer. services/common/messaging.py sends them; services/common/cases.py
sends an officer's decision later."""
from __future__ import annotations

import datetime as dt
import logging
import time

from lifeevents.v1 import steps_pb2
from services.common import metrics
from services.common.domain import Decision, Department
from services.common.faults import FaultRules
from services.common.worklist import Case, Command, Worklist

log = logging.getLogger(__name__)


class MisroutedCommand(ValueError):
    """A command for another department reached this one's queue."""


Answer = steps_pb2.StepResult | steps_pb2.StepProgress


def decide(department: Department, body: bytes, delivery: int = 1, faults: FaultRules | None = None,
           reply_to: str = "") -> Answer:
    """Parse a StepCommand, let the domain decide it (or its worklist take it: an officer decides a
    command that asks for one, or that the department's rules escalate), and build the answer to send
    back: the StepResult, or a StepProgress while the case waits for an officer."""
    command = steps_pb2.StepCommand.FromString(body)
    if command.department != department.name:
        raise MisroutedCommand(f"command for {command.department!r} reached {department.name!r}")
    if faults is not None:
        faults.check(department.name, command.action, command.inputs, delivery)
    started = time.perf_counter()
    taken = Worklist(department).take(command_of(command, reply_to), command.review == steps_pb2.StepCommand.OFFICER,
                                      list(command.review_reasons))
    outcome = "with_officer" if isinstance(taken, Case) else "completed" if taken.completed else "refused"
    metrics.COMMAND_SECONDS.labels(department.name, command.action, outcome).observe(time.perf_counter() - started)
    log.debug("%s %s for %s/%s: %s", department.name, command.action, command.application_id, command.step, outcome)
    if isinstance(taken, Case):
        return progress_message(department.name, taken)
    return result_message(department.name, command.command_id, command.application_id, command.step, taken,
                          delivery)


def command_of(command: steps_pb2.StepCommand, reply_to: str = "") -> Command:
    due_at = command.due_at.ToDatetime(dt.timezone.utc) if command.HasField("due_at") else None
    return Command(command.command_id, command.application_id, command.bundle, command.step, command.action,
                   dict(command.inputs), due_at, reply_to)


def result_message(department: str, command_id: str, application_id: str, step: str, decision: Decision,
                   delivery: int = 1) -> steps_pb2.StepResult:
    """A decision as the StepResult that answers its command (an officer's: with who decided)."""
    outcome = (steps_pb2.StepResult.COMPLETED if decision.completed else
               steps_pb2.StepResult.RETURNED if decision.returned else steps_pb2.StepResult.REJECTED)
    result = steps_pb2.StepResult(
        command_id=command_id, application_id=application_id, step=step, department=department, outcome=outcome,
        outputs=decision.outputs, reason=decision.reason, delivery=delivery, decided_by=decision.decided_by,
        returned_inputs=decision.returned)
    result.decided_at.FromDatetime(dt.datetime.now(dt.timezone.utc))
    return result


def progress_message(department: str, case: Case) -> steps_pb2.StepProgress:
    """An open case as the StepProgress that tells the coordinator its step is with an officer."""
    command = case.command
    progress = steps_pb2.StepProgress(
        command_id=command.command_id, application_id=command.application_id, step=command.step,
        department=department, state=steps_pb2.StepProgress.WITH_OFFICER, officer=case.claimed_by,
        reasons=case.reasons)
    progress.since.FromDatetime(case.opened_at)
    return progress
