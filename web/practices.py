"""What the application page shows of the practices (issue 13) and the applicant's Supplement:
what is awaited from them now (a promised material with its deadline, the fields the front desk or
an officer returned with the reasons), the time limit paused meanwhile and the due date, and the
commitments they made (告知承诺) with how their verification went. The Supplement form asks just the
awaited fields, generated from GetForm as /apply's form is, with the same field errors."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import commitments_pb2 as cpb
from web.i18n import Translator
from web.progress import field_time

PROMISED = "promised material"  # Application.awaited's reason for a material committed to (容缺受理)
RETURNED_BY = "returned by "      # ... and for a form item a department's officer returned: "returned by <department>"



@dataclass
class AwaitedItem:
    name: str
    label: str
    why: str      # in the page's language: a promised material's deadline, or who returned it and why


@dataclass
class CommitmentItem:
    name: str
    text: str
    status: str
    status_label: str
    verify_at: str
    finding: str


@dataclass
class PracticeView:
    awaited: list[AwaitedItem] = field(default_factory=list)
    materials: list[tuple[str, str, bool]] = field(default_factory=list)  # (label, due, supplied)
    commitments: list[CommitmentItem] = field(default_factory=list)
    paused: str = ""
    due_at: str = ""
    accepted_at: str = ""

    @property
    def shown(self) -> bool:
        return bool(self.awaited or self.materials or self.commitments or self.paused or self.due_at)


def _why(name: str, why: str, application: pb.Application, t: Translator, materials: Mapping[str, str]) -> str:
    if why == PROMISED:
        return t("practice.why.promised", time=materials.get(name, ""))
    if name in application.returned:
        return t("practice.why.front_desk", reason=application.returned[name])
    for step in application.steps:
        if name in step.returned_inputs:
            return t("practice.why.officer", department=t.department(step.department),
                     reason=step.returned_inputs[name])
    # A step's input may carry another name than the form's field: the reasons of the department's
    # returned step, then.
    department = why.removeprefix(RETURNED_BY) if why.startswith(RETURNED_BY) else ""
    reasons = [r for step in application.steps if step.department == department and step.status == pb.Step.RETURNED
               for _, r in sorted(step.returned_inputs.items())]
    if reasons:
        return t("practice.why.officer", department=t.department(department), reason=t.join(reasons))
    return t("practice.why.other", why=why)


def practice_view(application: pb.Application, t: Translator, labels: Mapping[str, str]) -> PracticeView:
    due = {m.field: field_time(m, "due_at") for m in application.materials}
    zh = t.language == "zh"
    return PracticeView(
        awaited=[AwaitedItem(name, labels.get(name) or t.item(name), _why(name, why, application, t, due))
                 for name, why in sorted(application.awaited.items())],
        materials=[(labels.get(m.field) or t.item(m.field), due[m.field], m.supplied) for m in application.materials],
        commitments=[CommitmentItem(
            name=c.name, text=c.text_zh if zh else (c.text_en or c.text_zh),
            status=(status := cpb.Commitment.Status.Name(c.status)),
            status_label=t.maybe(f"commitment.status.{status}", status), verify_at=field_time(c, "verify_at"),
            finding=c.finding) for c in application.commitments],
        paused=t.duration(application.paused_hours) if application.paused_hours > 0 else "",
        due_at=field_time(application, "due_at"), accepted_at=field_time(application, "accepted_at"))


def supplement_form(form: pb.Form, awaited: Mapping[str, str]) -> pb.Form:
    """The form's awaited fields only, each asked (not looked up, not deferrable any more)."""
    asked = pb.Form(bundle=form.bundle, name=form.name)
    for spec in form.fields:
        if spec.name in awaited:
            copy = asked.fields.add()
            copy.CopyFrom(spec)
            copy.ClearField("lookup")
            copy.deferrable_within_hours = 0
            copy.required = True
    return asked
