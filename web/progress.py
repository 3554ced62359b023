"""What the application page shows of an application: its status and each step, in the page's
language and Beijing time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

from lifeevents.v1 import applications_pb2 as pb
from web.i18n import Translator

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
# Statuses after which nothing changes. Names, so statuses added later (WITHDRAWN, EXPIRED ...)
# only need a line here and a text in the catalogue.
TERMINAL = frozenset({"COMPLETED", "REJECTED", "FAILED", "WITHDRAWN", "REVOKED", "EXPIRED"})


def shown_time(moment: dt.datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def field_time(message, name: str) -> str:
    """A Timestamp field of a message in Beijing time; "" when it is not set."""
    return shown_time(getattr(message, name).ToDatetime(dt.timezone.utc)) if message.HasField(name) else ""


@dataclass
class StepView:
    id: str
    name: str
    department: str
    status: str
    status_label: str
    results: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""
    due_at: str = ""
    settled_at: str = ""
    overdue_since: str = ""
    fires_at: str = ""
    # Back-office review: in an officer's worklist since when; the officer who decided (their staff id
    # only); for RETURNED, each input to correct with the officer's reason.
    with_officer_since: str = ""
    decided_by: str = ""
    returned: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ApplicationView:
    id: str
    bundle: str
    status: str
    status_label: str
    steps: list[StepView]
    reasons: list[str]
    submitted_at: str
    settled_at: str
    looked_up: list[str]

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


def application_view(application: pb.Application, t: Translator,
                     labels: Mapping[str, str] | None = None) -> ApplicationView:
    """`labels`: form fields' labels by name, for the inputs an officer returned."""
    labels = labels or {}
    status = pb.Application.Status.Name(application.status)
    steps = []
    for step in application.steps:
        step_status = pb.Step.Status.Name(step.status)
        steps.append(StepView(
            id=step.id, name=t.action(step.department, step.action, step.id),
            department=t.department(step.department) if step.department else "",
            status=step_status, status_label=t.maybe(f"status.step.{step_status}", step_status),
            results=[(t.result(name), value) for name, value in sorted(step.result.items())],
            reason=step.reason, due_at=field_time(step, "due_at"), settled_at=field_time(step, "settled_at"),
            overdue_since=field_time(step, "overdue_since"), fires_at=field_time(step, "fires_at"),
            with_officer_since=field_time(step, "with_officer_since"), decided_by=step.decided_by,
            returned=[(labels.get(name) or t.item(name), why) for name, why in sorted(step.returned_inputs.items())]))
    return ApplicationView(
        id=application.application_id, bundle=application.bundle, status=status,
        status_label=t.maybe(f"status.application.{status}", status), steps=steps,
        reasons=list(application.reasons), submitted_at=field_time(application, "submitted_at"),
        settled_at=field_time(application, "settled_at"), looked_up=list(application.looked_up))
