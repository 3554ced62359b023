"""The applicant's gRPC API: parse the request, call one use case, map domain errors to statuses."""
from __future__ import annotations

import logging
import queue
import uuid
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.coordinator import ApplicationNotFound, Coordinator
from saga.domain.bundles import Text, UnknownBundle
from saga.domain.forms import FormInvalid
from saga.domain.model import Application, ObjectionNotOpen, objection_text

log = logging.getLogger(__name__)
_WATCH_POLL_S = 1.0


def _text(text: Text) -> pb.LocalizedText:
    return pb.LocalizedText(zh=text.zh, en=text.en)


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str,
           violations: list[tuple[str, str]] = ()) -> None:
    detail = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations])
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message)
    if violations:
        status.details.add().Pack(detail)
    context.abort_with_status(rpc_status.to_status(status))


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
        _timestamp(step.dispatched_at, state.dispatched_at)
        _timestamp(step.settled_at, state.settled_at)
        _timestamp(step.due_at, state.due_at)
        _timestamp(step.fires_at, state.fires_at)
        _timestamp(step.overdue_since, state.overdue_since)
        _timestamp(step.decided_at, state.decided_at)
    return message


def event_message(event: Any, status: str, departments: dict[str, str]) -> pb.ApplicationEvent:
    """One event of an application, with the application's status after it."""
    kind = type(event).__name__
    step = getattr(event, "step", "")
    reason = getattr(event, "reason", "") or "; ".join(getattr(event, "reasons", []) or [])
    result = getattr(event, "result", None) or {}
    if kind == "WaitStarted":
        result = {"until": event.fires_at.isoformat()}
    elif kind == "ObjectionRaised":
        reason = objection_text(event.objector_role, event.objector, event.reason)
    message = pb.ApplicationEvent(
        application_id=str(event.originator_id), version=event.originator_version, type=kind, step=step,
        department=departments.get(step, ""), result=result, reason=reason,
        status=pb.Application.Status.Value(status))
    message.occurred_at.FromDatetime(event.timestamp)
    return message


class ApplicationsServicer(pb_grpc.ApplicationsServicer):
    def __init__(self, coordinator: Coordinator):
        self.coordinator = coordinator

    def ListBundles(self, request, context):
        return pb.ListBundlesResponse(bundles=[
            pb.BundleSummary(id=b.id, name=_text(b.name), description=_text(b.description),
                             departments=b.departments, step_count=len(b.steps),
                             time_limit_hours=b.time_limit.total_seconds() / 3600)
            for b in self.coordinator.bundles])

    def GetForm(self, request, context):
        bundle = self._bundle(request.bundle, context)
        return pb.Form(bundle=bundle.id, name=_text(bundle.name), fields=[
            pb.FormField(name=f.name, type=f.type, required=f.required, label=_text(f.label),
                         options=f.options, used_by=bundle.steps_using(f.name),
                         lookup=pb.Lookup(department=f.lookup.department, query=f.lookup.query,
                                          key_field=f.lookup.key_field, value=f.lookup.value) if f.lookup else None)
            for f in bundle.fields.values()],
            asked_count=len(bundle.asked_fields), looked_up_count=len(bundle.looked_up_fields))

    def Submit(self, request, context):
        self._bundle(request.bundle, context)
        form = json_format.MessageToDict(request.form) if request.HasField("form") else {}
        try:
            application_id = self.coordinator.submit(request.bundle, form, request.idempotency_key)
        except FormInvalid as err:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT,
                   f"the {err.bundle_id} form has {len(err.errors)} bad field(s)",
                   [(e.field, e.description) for e in err.errors])
        return pb.SubmitResponse(application_id=str(application_id))

    def Get(self, request, context):
        return application_message(self._application(request.application_id, context))

    def Watch(self, request, context):
        application = self._application(request.application_id, context)
        departments = {s.id: s.department for s in application.steps.values()}
        inbox = self.coordinator.watchers.subscribe(application.id)  # before reading: nothing slips between
        try:
            seen, replayed = 0, None
            backlog = self.coordinator.history(application.id)
            while context.is_active():
                for event in backlog:
                    if event.originator_version <= seen:
                        continue
                    seen = event.originator_version
                    # The status after each event is the replayed application's: the stream is the truth.
                    replayed = event.mutate(replayed)
                    yield event_message(event, replayed.status, departments)
                    if replayed.is_settled:
                        return  # the stream ends with the terminal event
                try:
                    backlog = [inbox.get(timeout=_WATCH_POLL_S)]
                except queue.Empty:
                    backlog = self.coordinator.history(application.id, after_version=seen)  # catch up
        finally:
            self.coordinator.watchers.unsubscribe(application.id, inbox)

    def Object(self, request, context):
        self._application(request.application_id, context)
        missing = [(name, "required") for name in ("objector", "reason") if not getattr(request, name).strip()]
        if missing:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "an objection names who objects and why", missing)
        try:
            application = self.coordinator.object(request.application_id, request.objector.strip(),
                                                  request.reason.strip(), request.objector_role.strip())
        except ObjectionNotOpen as err:
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, str(err))
        return application_message(application)

    def _bundle(self, bundle_id: str, context):
        try:
            return self.coordinator.bundle(bundle_id)
        except UnknownBundle:
            known = ", ".join(b.id for b in self.coordinator.bundles)
            _abort(context, grpc.StatusCode.NOT_FOUND, f"no bundle {bundle_id!r} (offered: {known})",
                   [("bundle", f"unknown bundle {bundle_id!r}")])

    def _application(self, application_id: str, context) -> Application:
        try:
            uuid.UUID(application_id)
        except ValueError:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "application_id is not a UUID",
                   [("application_id", f"{application_id!r} is not a UUID")])
        try:
            return self.coordinator.read_application(application_id)
        except ApplicationNotFound:
            _abort(context, grpc.StatusCode.NOT_FOUND, f"no application {application_id}",
                   [("application_id", "no such application")])


def build_server(coordinator: Coordinator, address: str, max_workers: int = 256,
                 operations=None) -> tuple[grpc.Server, int]:
    """A grpcio server with the Applications API, the Operations API (when given), health checking
    and reflection; returns it and its port. Every open Watch holds a worker thread (idle, waiting
    for events) for as long as its application runs, so the pool is large: with 32, fifty
    applicants watching made Submit wait for a free thread."""
    from lifeevents.v1 import operations_pb2, operations_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"))
    pb_grpc.add_ApplicationsServicer_to_server(ApplicationsServicer(coordinator), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (pb.DESCRIPTOR.services_by_name["Applications"].full_name,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME)
    if operations is not None:
        operations_pb2_grpc.add_OperationsServicer_to_server(operations, server)
        services += (operations_pb2.DESCRIPTOR.services_by_name["Operations"].full_name,)
    reflection.enable_server_reflection(services, server)
    port = server.add_insecure_port(address)
    if not port:
        raise OSError(f"cannot listen on {address}")
    for name in ("", services[0]):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, port
