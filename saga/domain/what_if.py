"""What-if replay: a recorded application's form and department answers, run off-line against
another definition of its bundle. Nothing is stored and nothing is sent: the simulated
application is an aggregate that is never saved."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from saga.domain.application import Application
from saga.domain.bundle import Bundle
from saga.domain.statuses import StepStatus

_ANSWERS = (Application.StepCompleted, Application.StepRejected)


@dataclass
class WhatIf:
    recorded_status: str
    what_if_status: str
    recorded_path: list[str]
    what_if_path: list[str]
    differences: list[str] = field(default_factory=list)


def recorded_path(history: list[Any]) -> list[str]:
    """The steps in the order the department answers came, with their outcome."""
    path = []
    for event in history:
        if isinstance(event, _ANSWERS):
            path.append(f"{event.step}: {'completed' if isinstance(event, Application.StepCompleted) else 'refused'}")
        elif isinstance(event, Application.WaitStarted):
            path.append(f"{event.step}: waited")
    return path


def what_if(recorded: Application, history: list[Any], other: Bundle) -> WhatIf:
    answers = {event.step: event for event in history if isinstance(event, _ANSWERS)}
    now = recorded.submitted_at
    ids = itertools.count(1)
    new_id = lambda: uuid.UUID(int=next(ids))  # noqa: E731  (the simulation's ids are never stored)
    simulated = Application.submit(other, recorded.form, now, new_id())
    path: list[str] = []
    unanswered: set[str] = set()
    while not simulated.is_settled:
        simulated.advance(now, new_id)
        progressed = False
        for step in list(simulated.steps.values()):
            if step.status == StepStatus.WAITING:
                simulated.end_wait(step.id, step.fires_at)
                path.append(f"{step.id}: waited")
                progressed = True
            elif step.status == StepStatus.DISPATCHED and step.id not in unanswered:
                answer = answers.get(step.id)
                if answer is None:
                    unanswered.add(step.id)
                    path.append(f"{step.id}: no recorded answer ({step.department} {step.action} would be asked)")
                    continue
                completed = isinstance(answer, Application.StepCompleted)
                simulated.record_result(step.id, step.command_id, completed, dict(getattr(answer, "result", {}) or {}),
                                        getattr(answer, "reason", ""), now)
                path.append(f"{step.id}: {'completed' if completed else 'refused'}")
                progressed = True
        if not progressed:
            break
    status = simulated.status if simulated.is_settled or not unanswered else "IN_PROGRESS (needs new answers)"
    result = WhatIf(recorded.status, status, recorded_path(history), path)
    before, after = dict(_split(result.recorded_path)), dict(_split(path))
    for step in before.keys() - after.keys():
        result.differences.append(f"{step} would not run (it is not in the other definition or never reached)")
    for step in after.keys() - before.keys():
        result.differences.append(f"{step} would run: {after[step]}")
    order_before = [s for s in before if s in after]
    order_after = [s for s in after if s in before]
    if order_before != order_after:
        result.differences.append(f"order changes: {' -> '.join(order_before)} becomes {' -> '.join(order_after)}")
    for step in before.keys() & after.keys():
        if before[step] != after[step]:
            result.differences.append(f"{step}: {before[step]} becomes {after[step]}")
    if result.recorded_status != status:
        result.differences.append(f"outcome: {result.recorded_status} becomes {status}")
    return result


def _split(path: list[str]) -> list[tuple[str, str]]:
    return [tuple(entry.split(": ", 1)) for entry in path]  # type: ignore[misc]
