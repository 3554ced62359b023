"""The applicant's gRPC API (lifeevents.v1.Applications): parse the request, call one use case or
query, answer in protobuf; errors are mapped in saga/entrypoints/errors.py."""
from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.coordinator import Coordinator
from saga.domain.application import Application
from saga.domain.catalogue import Text
from saga.domain.versions import objection_text
from saga.entrypoints.errors import abort, check_application_id, domain_errors
from saga.queries import Queries


def _text(text: Text) -> pb.LocalizedText:
    return pb.LocalizedText(zh=text.zh, en=text.en)


def _timestamp(target, value) -> None:
    if value is not None:
        target.FromDatetime(value)


def application_message(application: Application) -> pb.Application:
    message = pb.Application(application_id=str(application.id), bundle=application.bundle,
                             status=pb.Application.Status.Value(application.status),
                             reasons=application.reasons, version=application.version,
                             looked_up=application.looked_up)
    _timestamp(message.submitted_at, application.submitted_at)
    _timestamp(message.settled_at, application.settled_at)
    for state in application.steps.values():
        step = message.steps.add(id=state.id, department=state.department, action=state.action,
                                 status=pb.Step.Status.Value(state.status), result=state.result,
                                 reason=state.reason, depends_on=state.depends_on, sends=state.sends,
                                 delivery=state.delivery)
        for name in ("dispatched_at", "settled_at", "due_at", "fires_at", "overdue_since", "decided_at"):
            _timestamp(getattr(step, name), getattr(state, name))
    return message


def event_message(event: Any, status: str, departments: dict[str, str]) -> pb.ApplicationEvent:
    """One event of an application, with the application's status after it."""
    step = getattr(event, "step", "")
    reason = getattr(event, "reason", "") or "; ".join(getattr(event, "reasons", []) or [])
    result = getattr(event, "result", None) or {}
    if isinstance(event, Application.WaitStarted):
        result = {"until": event.fires_at.isoformat()}
    elif isinstance(event, Application.ObjectionRaised):
        reason = objection_text(event.objector_role, event.objector, event.reason)
    message = pb.ApplicationEvent(
        application_id=str(event.originator_id), version=event.originator_version, type=type(event).__name__,
        step=step, department=departments.get(step, ""), result=result, reason=reason,
        status=pb.Application.Status.Value(status))
    message.occurred_at.FromDatetime(event.timestamp)
    return message


class ApplicationsServicer(pb_grpc.ApplicationsServicer):
    def __init__(self, coordinator: Coordinator, queries: Queries):
        self.coordinator, self.queries = coordinator, queries

    def ListBundles(self, request, context):
        return pb.ListBundlesResponse(bundles=[
            pb.BundleSummary(id=b.id, name=_text(b.name), description=_text(b.description),
                             departments=b.departments, step_count=len(b.steps),
                             time_limit_hours=b.time_limit.total_seconds() / 3600)
            for b in self.coordinator.bundles])

    def GetForm(self, request, context):
        with domain_errors(context):
            bundle = self.coordinator.bundle(request.bundle)
        return pb.Form(bundle=bundle.id, name=_text(bundle.name), fields=[
            pb.FormField(name=f.name, type=f.type, required=f.required, label=_text(f.label),
                         options=f.options, used_by=bundle.steps_using(f.name),
                         lookup=pb.Lookup(department=f.lookup.department, query=f.lookup.query,
                                          key_field=f.lookup.key_field, value=f.lookup.value) if f.lookup else None)
            for f in bundle.fields.values()],
            asked_count=len(bundle.asked_fields), looked_up_count=len(bundle.looked_up_fields))

    def Submit(self, request, context):
        form = json_format.MessageToDict(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application_id = self.coordinator.submit(request.bundle, form, request.idempotency_key)
        return pb.SubmitResponse(application_id=str(application_id))

    def Get(self, request, context):
        return application_message(self._application(request.application_id, context))

    def Watch(self, request, context):
        application = self._application(request.application_id, context)
        departments = {s.id: s.department for s in application.steps.values()}
        for event, status in self.queries.watch(application, context.is_active):
            yield event_message(event, status, departments)

    def Object(self, request, context):
        self._application(request.application_id, context)
        missing = [(name, "required") for name in ("objector", "reason") if not getattr(request, name).strip()]
        if missing:
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, "an objection names who objects and why", missing)
        with domain_errors(context):
            application = self.coordinator.object(request.application_id, request.objector.strip(),
                                                  request.reason.strip(), request.objector_role.strip())
        return application_message(application)

    def _application(self, application_id: str, context) -> Application:
        check_application_id(context, application_id)
        with domain_errors(context):
            return self.queries.application(application_id)
