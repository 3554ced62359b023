"""The applicant's gRPC API (lifeevents.v1.Applications): parse the request, call one use case or
query as the verified caller (saga/entrypoints/auth.py), answer in protobuf with what the caller
may see (saga/domain/access.py); errors are mapped in saga/entrypoints/errors.py."""
from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from google.protobuf import json_format

from lifeevents.identity import Principal, TokenVerifier
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.coordinator import Coordinator
from saga.domain.access import Purpose, Sight, SightKind
from saga.domain.application import Application
from saga.domain.catalogue import Text
from saga.domain.delegation import Delegation
from saga.domain.errors import PermissionDenied
from saga.domain.privacy import PersonalData
from saga.domain.versions import objection_text
from saga.entrypoints.auth import anonymous, authenticated
from saga.entrypoints.errors import abort, check_application_id, domain_errors, invalid
from saga.queries import Queries

EVERYTHING = Sight(SightKind.PRINCIPAL)
MAX_REASON, MAX_OBJECTOR_ROLE, MAX_OBJECTOR = 500, 50, 100


def _text(text: Text) -> pb.LocalizedText:
    return pb.LocalizedText(zh=text.zh, en=text.en)


def _timestamp(target, value) -> None:
    if value is not None:
        target.FromDatetime(value)


def application_message(application: Application, sight: Sight = EVERYTHING,
                        personal: PersonalData | None = None) -> pb.Application:
    """The application as the caller may see it: the steps the sight shows, with their inputs if it
    shows them; reasons masked for anyone but its parties, and everything for operators."""
    personal = personal or PersonalData()
    text = personal.mask if sight.masked else str
    details = personal.mask_all if sight.details_masked else dict
    message = pb.Application(application_id=str(application.id), bundle=application.bundle,
                             status=pb.Application.Status.Value(application.status),
                             reasons=[text(r) for r in application.reasons], version=application.version,
                             looked_up=application.looked_up if sight.inputs else [])
    _timestamp(message.submitted_at, application.submitted_at)
    _timestamp(message.settled_at, application.settled_at)
    for state in application.steps.values():
        if not sight.shows(state.id):
            continue
        step = message.steps.add(id=state.id, department=state.department, action=state.action,
                                 status=pb.Step.Status.Value(state.status), result=details(state.result),
                                 reason=text(state.reason), depends_on=state.depends_on, sends=state.sends,
                                 delivery=state.delivery, inputs=details(state.sent_inputs) if sight.inputs else {})
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


def delegation_message(delegation: Delegation | dict, now: dt.datetime) -> pb.Delegation:
    row = delegation if isinstance(delegation, dict) else {
        "principal": delegation.principal, "agent": delegation.agent, "bundle": delegation.bundle,
        "until": delegation.until, "granted_at": delegation.granted_at, "revoked_at": delegation.revoked_at}
    moment = {k: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
              for k, v in row.items() if k in ("until", "granted_at", "revoked_at")}
    message = pb.Delegation(principal=row["principal"], agent=row["agent"], bundle=row["bundle"],
                            holds=moment["revoked_at"] is None and now < moment["until"])
    for name, value in moment.items():
        _timestamp(getattr(message, name), value)
    return message


def _page(context, page_size: int, page_token: str, most: int = 100) -> tuple[int, int]:
    """(size, offset) of a paged listing; INVALID_ARGUMENT naming a bad size or token."""
    if page_size < 0:
        invalid(context, "bad page size", "page_size", "at least 0")
    if page_token and not (page_token.isascii() and page_token.isdigit() and len(page_token) <= 12):
        invalid(context, "bad page token", "page_token", "a token from an earlier page")
    return min(page_size or 50, most), int(page_token or 0)


class ApplicationsServicer(pb_grpc.ApplicationsServicer):
    def __init__(self, coordinator: Coordinator, queries: Queries, verifier: TokenVerifier):
        self.coordinator, self.queries, self.verifier = coordinator, queries, verifier

    @anonymous
    def ListBundles(self, request, context):
        return pb.ListBundlesResponse(bundles=[
            pb.BundleSummary(id=b.id, name=_text(b.name), description=_text(b.description),
                             departments=b.departments, step_count=len(b.steps),
                             time_limit_hours=b.time_limit.total_seconds() / 3600)
            for b in self.coordinator.bundles])

    @anonymous
    def GetForm(self, request, context):
        with domain_errors(context):
            bundle = self.coordinator.bundle(request.bundle)
        return pb.Form(bundle=bundle.id, name=_text(bundle.name), fields=[
            pb.FormField(name=f.name, type=f.type, required=f.required, label=_text(f.label),
                         options=f.options, used_by=bundle.steps_using(f.name),
                         lookup=pb.Lookup(department=f.lookup.department, query=f.lookup.query,
                                          key_field=f.lookup.key_field, value=f.lookup.value) if f.lookup else None)
            for f in bundle.fields.values()],
            asked_count=len(bundle.asked_fields), looked_up_count=len(bundle.looked_up_fields),
            principals=bundle.principals)

    @authenticated
    def Submit(self, request, context, caller: Principal):
        form = json_format.MessageToDict(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application_id = self.coordinator.submit(request.bundle, form, request.idempotency_key, caller=caller)
        return pb.SubmitResponse(application_id=str(application_id))

    @authenticated
    def Get(self, request, context, caller: Principal):
        application, sight = self._open(request.application_id, context, caller)
        return application_message(application, sight, self.queries.personal_data(application))

    @authenticated
    def Watch(self, request, context, caller: Principal):
        application, _ = self._open(request.application_id, context, caller, Purpose.WATCH)
        departments = {s.id: s.department for s in application.steps.values()}
        for event, status in self.queries.watch(application, context.is_active):
            yield event_message(event, status, departments)

    @authenticated
    def Object(self, request, context, caller: Principal):
        check_application_id(context, request.application_id)
        reason, role, objector = request.reason.strip(), request.objector_role.strip(), request.objector.strip()
        if not reason:
            invalid(context, "an objection says why", "reason", "required")
        for field, value, most in (("reason", reason, MAX_REASON), ("objector_role", role, MAX_OBJECTOR_ROLE),
                                   ("objector", objector, MAX_OBJECTOR)):
            if len(value) > most:
                invalid(context, f"{field} is too long", field, f"at most {most} characters")
        with domain_errors(context):
            application, sight = self.coordinator.object(request.application_id, reason, role, objector,
                                                         caller=caller)
        return application_message(application, sight, self.queries.personal_data(application))

    @authenticated
    def GrantDelegation(self, request, context, caller: Principal):
        until = request.until.ToDatetime(dt.timezone.utc) if request.HasField("until") else None
        with domain_errors(context):
            delegation = self.coordinator.grant_delegation(request.agent, request.bundle, until, caller=caller)
        return delegation_message(delegation, self.coordinator.clock())

    @authenticated
    def RevokeDelegation(self, request, context, caller: Principal):
        with domain_errors(context):
            self.coordinator.bundle(request.bundle)
            delegation = self.coordinator.revoke_delegation(request.agent, request.bundle, caller=caller)
        return delegation_message(delegation, self.coordinator.clock())

    @authenticated
    def ListDelegations(self, request, context, caller: Principal):
        now = self.coordinator.clock()
        return pb.ListDelegationsResponse(delegations=[
            delegation_message(row, now) for row in self.queries.delegations(caller.subject)])

    @authenticated
    def ListMine(self, request, context, caller: Principal):
        size, offset = _page(context, request.page_size, request.page_token)
        found, total = self.queries.mine(caller.subject, size, offset)
        response = pb.ListMineResponse(total=total, next_page_token=str(offset + size) if offset + size < total else "")
        for application, role in found:
            summary = response.applications.add(application_id=str(application.id), bundle=application.bundle,
                                                status=pb.Application.Status.Value(application.status), role=role)
            _timestamp(summary.submitted_at, application.submitted_at)
            _timestamp(summary.settled_at, application.settled_at)
        return response

    @authenticated
    def ListDataAccess(self, request, context, caller: Principal):
        if not caller.is_person:
            with domain_errors(context):
                raise PermissionDenied(f"a {caller.role.value} has no data-access log of their own")
        size, before = _page(context, request.page_size, request.page_token)
        entries = self.coordinator.data_access(caller.subject, size, before or None)
        response = pb.ListDataAccessResponse(next_page_token=str(entries[-1].originator_version)
                                             if len(entries) == size and entries[-1].originator_version > 2 else "")
        for entry in entries:
            message = response.entries.add(
                position=entry.originator_version, accessor=entry.accessor, accessor_role=entry.accessor_role,
                department=entry.department, items=entry.items, application_id=entry.application_id,
                purpose=entry.purpose, allowed=entry.allowed, on_behalf_of=entry.on_behalf_of,
                entry_hash=entry.entry_hash, previous_hash=entry.previous_hash)
            message.at.FromDatetime(entry.at)
        return response

    def _open(self, application_id: str, context, caller: Principal,
              purpose: Purpose = Purpose.FOLLOW) -> tuple[Application, Sight]:
        check_application_id(context, application_id)
        with domain_errors(context):
            return self.coordinator.open_application(application_id, purpose, caller=caller)
