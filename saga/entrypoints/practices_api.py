"""The applicant API's method of 容缺受理 and 前台受理 (lifeevents.v1.Applications: Supplement), mixed
into the servicer (saga/entrypoints/applications_api.py), and what an application message shows of
both practices: the materials committed to, what is awaited, a return, the paused time limit."""
from __future__ import annotations

from typing import Callable

from lifeevents.identity import Principal
from lifeevents.v1 import applications_pb2 as pb
from saga.domain.application import Application
from saga.entrypoints import requests
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import domain_errors, refusals


def practice_fields(message: pb.Application, application: Application, text: Callable[[str], str]) -> None:
    """The practices' part of the application message (fields 40-46)."""
    message.paused_hours = application.paused_s / 3600
    if (due_at := application.due_at) is not None:
        message.due_at.FromDatetime(due_at)
    if (commitment := application.commitment) is not None:
        for name in commitment.fields:
            material = message.materials.add(field=name, supplied=name in commitment.supplied,
                                             steps=[s for s, needed in commitment.steps.items() if name in needed])
            material.due_at.FromDatetime(commitment.due_at)
            material.remind_at.FromDatetime(commitment.remind_at)
    if (acceptance := application.acceptance) is not None:
        message.returned.update({k: text(v) for k, v in acceptance.returned.items()})
        message.accepted_by = acceptance.accepted_by
        if acceptance.accepted_at is not None:
            message.accepted_at.FromDatetime(acceptance.accepted_at)
    message.awaited.update(application.awaited_fields())


class SupplementMethods:
    """Needs the servicer's coordinator, verifier and `answer(application, sight)`."""

    @authenticated
    def Supplement(self, request, context, caller: Principal):
        with refusals(context):
            application_id = requests.application_id(request.application_id)
            form = requests.form_values(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application, sight = self.coordinator.supplement(application_id, form, caller=caller)
        return self.answer(application, sight)
