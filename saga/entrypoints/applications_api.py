"""The applicant's gRPC API (lifeevents.v1.Applications): parse the request, call one use case or
query, answer in protobuf; errors are mapped in saga/entrypoints/errors.py."""
from __future__ import annotations

import asyncio
from typing import Any

import grpc

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.coordinator import Coordinator
from saga.domain.application import Application
from saga.domain.bundle import FieldSpec
from saga.domain.catalogue import Text
from saga.domain.versions import objection_text
from saga.entrypoints import requests
from saga.entrypoints.errors import KNOWN_ERRORS, Refused, abort_async, domain_errors, refusals, refused
from saga.queries import Queries, WatchLimitReached


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


def form_field(field: FieldSpec, used_by: list[str]) -> pb.FormField:
    """A field of the form, with the limits a client can check before sending."""
    return pb.FormField(
        name=field.name, type=field.type, required=field.required, label=_text(field.label), options=field.options,
        used_by=used_by, lookup=pb.Lookup(department=field.lookup.department, query=field.lookup.query,
                                          key_field=field.lookup.key_field, value=field.lookup.value,
                                          suggested=field.lookup.suggested)
        if field.lookup else None,
        max_length=field.max_length, pattern=field.pattern, not_after_today=field.not_after_today,
        minimum=float(field.minimum) if field.minimum is not None else None,
        maximum=float(field.maximum) if field.maximum is not None else None)


def caller_of(context) -> str:
    """Whom a Watch stream counts against: the peer (one client connection) for now. The hook for
    identity: once every call carries a verified token, this is the token's subject."""
    return context.peer()


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
        with refusals(context):
            requests.check_length("bundle", request.bundle)
        with domain_errors(context):
            bundle = self.coordinator.bundle(request.bundle)
        return pb.Form(bundle=bundle.id, name=_text(bundle.name),
                       fields=[form_field(f, bundle.steps_using(f.name)) for f in bundle.fields.values()],
                       asked_count=len(bundle.asked_fields), looked_up_count=len(bundle.looked_up_fields))

    def Submit(self, request, context):
        with refusals(context):
            requests.check_length("bundle", request.bundle)
            idempotency_key = requests.token("idempotency_key", request.idempotency_key)
            form = requests.form_values(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application_id = self.coordinator.submit(request.bundle, form, idempotency_key)
        return pb.SubmitResponse(application_id=str(application_id))

    def Get(self, request, context):
        return application_message(self._application(request.application_id, context))

    async def Watch(self, request, context):
        try:
            application = await asyncio.get_running_loop().run_in_executor(
                None, self._readable_application, request.application_id)
            departments = {s.id: s.department for s in application.steps.values()}
            async for event, status in self.queries.watch(application, caller_of(context)):
                yield event_message(event, status, departments)
        except Refused as refusal:
            await abort_async(context, refusal)
        except WatchLimitReached as limit:
            await abort_async(context, Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, str(limit)))

    def Object(self, request, context):
        with refusals(context):
            objector, reason, role = requests.each(lambda: requests.required("objector", request.objector),
                                                   lambda: requests.required("reason", request.reason),
                                                   lambda: requests.optional("objector_role", request.objector_role))
        self._application(request.application_id, context)
        with domain_errors(context):
            application = self.coordinator.object(request.application_id, objector, reason, role)
        return application_message(application)

    def _application(self, application_id: str, context) -> Application:
        with refusals(context):
            return self._readable_application(application_id)

    def _readable_application(self, application_id: str) -> Application:
        """The application, or Refused saying why not (a bad or unknown id)."""
        try:
            return self.queries.application(requests.application_id(application_id))
        except KNOWN_ERRORS as err:
            raise refused(err) from None
