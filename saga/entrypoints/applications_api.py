"""The applicant's gRPC API (lifeevents.v1.Applications): hold the request to its limits
(saga/entrypoints/requests.py), call one use case or query as the verified caller
(saga/entrypoints/auth.py), answer in protobuf with what the caller may see (saga/domain/access.py);
errors are mapped in saga/entrypoints/errors.py."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import grpc

from lifeevents.identity import Principal, TokenVerifier
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from saga.coordinator import Coordinator
from saga.domain.access import Purpose, Sight, SightKind
from saga.domain.application import Application
from saga.domain.bundle import FieldSpec
from saga.domain.commitments import RECORD, VERIFY, Commitments, command_step
from saga.domain.catalogue import Text
from saga.domain.delegation import Delegation
from saga.domain.errors import PermissionDenied
from saga.domain.privacy import PersonalData
from saga.domain.review import OfficerReview, returned_text
from saga.domain.versions import objection_text
from saga.entrypoints import requests
from saga.entrypoints.auth import anonymous, authenticated
from saga.entrypoints.commitments_api import commitment_message, terms_messages
from saga.entrypoints.errors import KNOWN_ERRORS, Refused, abort_async, domain_errors, refusals, refused
from saga.entrypoints.aftercare_api import AftercareMethods
from saga.entrypoints.offers_api import OfferMethods, offer_message
from saga.entrypoints.practices_api import SupplementMethods, practice_fields
from saga.queries import Queries
from saga.watchers import WatchLimitReached

EVERYTHING = Sight(SightKind.PRINCIPAL)
# The most rows a page of ListMine or ListDataAccess answers with.
MAX_PAGE = 100


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
                                 delivery=state.delivery, inputs=details(state.sent_inputs) if sight.inputs else {},
                                 review_reasons=state.case.reasons, officer=state.case.officer,
                                 decided_by=state.case.decided_by,
                                 returned_inputs={k: text(v) for k, v in state.case.returned_inputs.items()})
        for name in ("dispatched_at", "settled_at", "due_at", "fires_at", "overdue_since", "decided_at"):
            _timestamp(getattr(step, name), getattr(state, name))
        _timestamp(step.with_officer_since, state.case.since)
    if application.offer is not None:
        message.offer.CopyFrom(offer_message(application, sight))
    message.commitments.extend(commitment_message(c) for c in application.commitments.values())
    practice_fields(message, application, text)
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
    elif isinstance(event, OfficerReview.StepWithOfficer):
        result = {"since": event.since.isoformat(), **({"officer": event.officer} if event.officer else {})}
    elif isinstance(event, OfficerReview.StepDecidedByOfficer):
        result = {"decided_by": event.officer}
    elif isinstance(event, OfficerReview.StepReturned):
        result, reason = dict(event.returned_inputs), returned_text(event.officer, event.returned_inputs)
    elif isinstance(event, (Commitments.CommitmentVerified, Commitments.CommitmentBroken)):
        step = command_step(event.name, VERIFY)
        result = {"finding": event.finding, **({"found_by": event.officer} if event.officer else {})}
    elif isinstance(event, (Commitments.CommitmentMade, Commitments.VerificationRefused)):
        step = command_step(event.name, VERIFY)
    elif isinstance(event, Commitments.CommitmentRecorded):
        step = command_step(event.name, RECORD)
    message = pb.ApplicationEvent(
        application_id=str(event.originator_id), version=event.originator_version, type=type(event).__name__,
        step=step, department=departments.get(step) or getattr(event, "department", ""), result=result, reason=reason,
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
        deferrable_within_hours=field.deferrable.total_seconds() / 3600 if field.deferrable else 0,
        minimum=float(field.minimum) if field.minimum is not None else None,
        maximum=float(field.maximum) if field.maximum is not None else None)


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


def _page(context, page_size: int, page_token: str) -> tuple[int, int]:
    """(size, offset) of a paged listing; INVALID_ARGUMENT naming a bad size or token."""
    with refusals(context):
        size, offset = requests.each(lambda: requests.non_negative("page_size", page_size),
                                     lambda: requests.page_offset(page_token))
    return min(size or 50, MAX_PAGE), offset


# The offers' methods: offers_api.py; a supplement: practices_api.py; withdrawal and rating: aftercare_api.py.
class ApplicationsServicer(OfferMethods, SupplementMethods, AftercareMethods, pb_grpc.ApplicationsServicer):
    def __init__(self, coordinator: Coordinator, queries: Queries, verifier: TokenVerifier):
        self.coordinator, self.queries, self.verifier = coordinator, queries, verifier

    def answer(self, application: Application, sight: Sight) -> pb.Application:
        return application_message(application, sight, self.queries.personal_data(application))

    @anonymous
    def ListBundles(self, request, context):
        return pb.ListBundlesResponse(bundles=[
            pb.BundleSummary(id=b.id, name=_text(b.name), description=_text(b.description),
                             departments=b.departments, step_count=len(b.steps),
                             time_limit_hours=b.time_limit.total_seconds() / 3600)
            for b in self.coordinator.bundles])

    @anonymous
    def GetForm(self, request, context):
        with refusals(context):
            requests.check_length("bundle", request.bundle)
        with domain_errors(context):
            bundle = self.coordinator.bundle(request.bundle)
        return pb.Form(bundle=bundle.id, name=_text(bundle.name),
                       fields=[form_field(f, bundle.steps_using(f.name)) for f in bundle.fields.values()],
                       asked_count=len(bundle.asked_fields), looked_up_count=len(bundle.looked_up_fields),
                       principals=bundle.principals, commitments=terms_messages(bundle))

    @authenticated
    def Submit(self, request, context, caller: Principal):
        with refusals(context):
            requests.check_length("bundle", request.bundle)
            idempotency_key = requests.token("idempotency_key", request.idempotency_key)
            form = requests.form_values(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application_id = self.coordinator.submit(request.bundle, form, idempotency_key, caller=caller)
        return pb.SubmitResponse(application_id=str(application_id))

    @authenticated
    def Get(self, request, context, caller: Principal):
        with refusals(context):
            application, sight = self._opened(request.application_id, caller, Purpose.FOLLOW)
        return application_message(application, sight, self.queries.personal_data(application))

    @authenticated
    async def Watch(self, request, context, caller: Principal):
        try:
            application, _ = await asyncio.get_running_loop().run_in_executor(
                None, self._opened, request.application_id, caller, Purpose.WATCH)
            departments = {s.id: s.department for s in application.steps.values()}
            # Streams count against the caller (the token's subject), whichever connections they use.
            async for event, status in self.queries.watch(application, caller.subject):
                yield event_message(event, status, departments)
        except Refused as refusal:
            await abort_async(context, refusal)
        except WatchLimitReached as limit:
            await abort_async(context, Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, str(limit)))

    @authenticated
    def Object(self, request, context, caller: Principal):
        with refusals(context):
            application_id, objector, reason, role = requests.each(
                lambda: requests.application_id(request.application_id),
                lambda: requests.optional("objector", request.objector),
                lambda: requests.required("reason", request.reason),
                lambda: requests.optional("objector_role", request.objector_role))
        with domain_errors(context):
            application, sight = self.coordinator.object(application_id, reason, role, objector, caller=caller)
        return application_message(application, sight, self.queries.personal_data(application))

    @authenticated
    def GrantDelegation(self, request, context, caller: Principal):
        with refusals(context):
            requests.each(lambda: requests.check_length("agent", request.agent),
                          lambda: requests.check_length("bundle", request.bundle),
                          lambda: requests.moment("until", request.until))
        until = request.until.ToDatetime(dt.timezone.utc) if request.HasField("until") else None
        with domain_errors(context):
            delegation = self.coordinator.grant_delegation(request.agent, request.bundle, until, caller=caller)
        return delegation_message(delegation, self.coordinator.clock())

    @authenticated
    def RevokeDelegation(self, request, context, caller: Principal):
        with refusals(context):
            requests.each(lambda: requests.check_length("agent", request.agent),
                          lambda: requests.check_length("bundle", request.bundle))
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
            if application.is_open_offer:
                _timestamp(summary.expires_at, application.offer.expires_at)
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

    def _opened(self, application_id: str, caller: Principal, purpose: Purpose) -> tuple[Application, Sight]:
        """The application and what the caller may see of it (the opening recorded for its principals),
        or Refused saying why not: a bad id, or one the caller cannot see (as if unknown)."""
        try:
            return self.coordinator.open_application(requests.application_id(application_id), purpose,
                                                     caller=caller)
        except KNOWN_ERRORS as err:
            raise refused(err) from None
