"""A department's officers' worklist over gRPC (nameko-grpc): `lifeevents.departments.v1.Cases`
(protos/lifeevents/departments/v1/cases.proto), served on the department's port beside its query API.

Only officers of this department: every call carries `authorization: Bearer <token>` (verified with
lifeevents.identity.TokenVerifier before a worker starts): no or a bad token is UNAUTHENTICATED,
any other role or another department's officer PERMISSION_DENIED. Each request is held to its
limits at the door (bounded strings, no control or format characters; INVALID_ARGUMENT with a
google.rpc.BadRequest naming the field), an undecodable one too. The worklist
(services/common/worklist.py) decides; every change is told to the coordinator: a claim as a
StepProgress (the officer who opened the case), a decision as the StepResult with `decided_by`.
"""
from __future__ import annotations

import logging
from functools import partial
from typing import Iterable

from google.protobuf.any_pb2 import Any
from google.rpc import error_details_pb2
from grpc import StatusCode
from nameko.exceptions import ContainerBeingKilled
from nameko_grpc.context import GrpcContext, context_data_from_metadata
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError, make_status

from lifeevents.departments.v1 import cases_pb2 as pb
from lifeevents.departments.v1 import cases_pb2_grpc as pb_grpc
from lifeevents.identity import Principal, Role, Unauthenticated
from lifeevents.text import forbidden_character, quote
from services.common import metrics
from services.common.decisions import progress_message, result_message
from services.common.domain import DuplicateRecord
from services.common.queries import verifier
from services.common.worklist import BadCaseRequest, Case, CaseNotFound, CaseRefused, Worklist

log = logging.getLogger(__name__)
MAX_ID, MAX_REASON, MAX_REASONS, MAX_PAGE = 64, 500, 50, 100


def invalid(field: str, description: str) -> GrpcError:
    """INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, as the coordinator answers."""
    detail = Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=field, description=description)]))
    message = f"{field}: {description}"
    return GrpcError(StatusCode.INVALID_ARGUMENT, message, make_status(StatusCode.INVALID_ARGUMENT, message, [detail]))


def check_officer(metadata, department: str) -> Principal:
    """The verified officer of `department`; Unauthenticated, or GrpcError PERMISSION_DENIED."""
    values = [value for key, value in metadata or () if key == "authorization"]
    scheme, _, token = (values[0] if len(values) == 1 else "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("an officer's credential is required: metadata 'authorization: Bearer <token>'")
    caller = verifier().verify(token.strip())
    if caller.role is not Role.OFFICER or caller.department != department:
        raise GrpcError(StatusCode.PERMISSION_DENIED,
                        f"the {department} worklist is for {department}'s officers only")
    return caller


class OfficerGrpc(Grpc):
    """An entrypoint for this department's officers: the caller is verified, and the request decoded,
    before a worker starts; the worker gets the verified `caller`."""

    @classmethod
    def implementing(cls, stub):
        return cls.decorator(stub, expected_exceptions=GrpcError)

    def handle_request(self, request_stream, response_stream):
        try:
            caller = check_officer(request_stream.headers.for_application, self.container.service_name)
        except Unauthenticated as err:
            response_stream.close(GrpcError(StatusCode.UNAUTHENTICATED, str(err)))
            return
        except GrpcError as err:
            response_stream.close(err)
            return
        try:
            request = next(request_stream.consume(self.input_type))
        except Exception:  # not the message it should be: the caller's fault, said so
            response_stream.close(invalid("request", "the request does not decode as a " + self.input_type.__name__))
            return
        context = GrpcContext(request_stream, response_stream)
        try:
            self.container.spawn_worker(
                self, (request, context), {"caller": caller},
                context_data=context_data_from_metadata(context.invocation_metadata()),
                handle_result=partial(self.handle_result, response_stream))
        except ContainerBeingKilled:
            response_stream.close(GrpcError(StatusCode.UNAVAILABLE, "the department is shutting down"))


cases = OfficerGrpc.implementing(pb_grpc.CasesStub)


# -- the door: each request field held to its limits --------------------------------------------------
def _text(field: str, value: str, most: int) -> str:
    value = value.strip()
    if not value:
        raise invalid(field, "required")
    if len(value) > most:
        raise invalid(field, f"at most {most} characters, not {len(value)}")
    if (problem := forbidden_character(value)) is not None:
        raise invalid(field, problem)
    return value


def _case_id(value: str) -> str:
    value = _text("case_id", value, MAX_ID)
    if not value.isascii() or not value.isprintable():
        raise invalid("case_id", f"a case id as List shows it, not {quote(value)}")
    return value


def _page(size: int, token: str) -> tuple[int, int]:
    if size < 0:
        raise invalid("page_size", "not negative")
    if token and not (token.isascii() and token.isdigit() and len(token) <= 9):
        raise invalid("page_token", "a page token from an earlier answer")
    return min(size or 50, MAX_PAGE), int(token or 0)


def _field_reasons(reasons: Iterable[pb.FieldReason]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, item in enumerate(reasons):
        if i >= MAX_REASONS:
            raise invalid("reasons", f"at most {MAX_REASONS}")
        name = _text(f"reasons[{i}].input", item.input, MAX_ID)
        if name in found:
            raise invalid(f"reasons[{i}].input", f"{quote(name)} is named twice")
        found[name] = _text(f"reasons[{i}].reason", item.reason, MAX_REASON)
    if not found:
        raise invalid("reasons", "name at least one input to correct, with the reason")
    return found


# -- answers -----------------------------------------------------------------------------------------
def case_message(case: Case, now, with_inputs: bool) -> pb.Case:
    """A case as an officer sees it; its inputs only for the officer who holds it."""
    command, decision = case.command, case.decision
    message = pb.Case(case_id=case.case_id, application_id=command.application_id, bundle=command.bundle,
                      step=command.step, action=command.action, state=pb.Case.State.Value(case.state.name),
                      reasons=case.reasons, overdue=case.overdue(now), claimed_by=case.claimed_by,
                      decided_by=case.decided_by, inputs=command.inputs if with_inputs else {})
    if decision is not None:
        message.outcome = "completed" if decision.completed else "returned" if decision.returned else "refused"
        message.outputs.update(decision.outputs)
        message.reason = decision.reason
        message.returned_inputs.update(decision.returned)
    for name, moment in (("opened_at", case.opened_at), ("due_at", command.due_at), ("claimed_at", case.claimed_at),
                         ("decided_at", case.decided_at)):
        if moment is not None:
            getattr(message, name).FromDatetime(moment)
    return message


class ServesCases:
    """Base of a department service: serves its worklist (`Cases`) to its officers. The service
    declares `department` (its domain over its register) and `results` (the ResultPublisher)."""

    def _worklist(self) -> Worklist:
        return Worklist(self.department)

    def _answered(self, case: Case, officer: str, event: str) -> pb.Case:
        """Tell the coordinator what became of the case, and answer the officer with it."""
        command = case.command
        answer = (progress_message(self.department.name, case) if case.decision is None else
                  result_message(self.department.name, command.command_id, command.application_id, command.step,
                                 case.decision))
        try:
            self.results.send(answer, reply_to=command.reply_to)
        except Exception:  # recorded all the same: the coordinator's next chase of the command gets it
            log.warning("%s case %s: the coordinator is told at its next chase (publishing failed)",
                        self.department.name, case.case_id, exc_info=True)
        metrics.CASES.labels(self.department.name, event).inc()
        log.info("%s case %s (%s/%s) %s by %s", self.department.name, case.case_id, command.application_id,
                 command.step, event, officer)
        return case_message(case, self._worklist().now(), with_inputs=True)

    def _acting(self, act, *args):
        """Run a worklist action, its refusals as gRPC statuses."""
        try:
            return act(*args)
        except CaseNotFound as err:
            raise GrpcError(StatusCode.NOT_FOUND, str(err)) from None
        except CaseRefused as err:
            raise GrpcError(StatusCode.FAILED_PRECONDITION, str(err)) from None
        except DuplicateRecord:  # another instance of the department recorded a decision at the same moment
            raise GrpcError(StatusCode.FAILED_PRECONDITION, "the case was decided meanwhile; list it again") from None
        except BadCaseRequest as err:
            raise invalid(err.field, str(err)) from None

    @cases
    def List(self, request, context, caller: Principal):
        size, offset = _page(request.page_size, request.page_token)
        worklist = self._worklist()
        found, total = worklist.open_cases(size, offset)
        now = worklist.now()
        return pb.ListCasesResponse(cases=[case_message(c, now, with_inputs=False) for c in found], total=total,
                                    next_page_token=str(offset + size) if offset + size < total else "")

    @cases
    def Claim(self, request, context, caller: Principal):
        case, newly = self._acting(self._worklist().claim, _case_id(request.case_id), caller.subject)
        if newly:
            return self._answered(case, caller.subject, "claimed")
        return case_message(case, self._worklist().now(), with_inputs=True)

    @cases
    def Approve(self, request, context, caller: Principal):
        case = self._acting(self._worklist().approve, _case_id(request.case_id), caller.subject)
        return self._answered(case, caller.subject, "approved")

    @cases
    def Reject(self, request, context, caller: Principal):
        case_id, reason = _case_id(request.case_id), _text("reason", request.reason, MAX_REASON)
        case = self._acting(self._worklist().reject, case_id, caller.subject, reason)
        return self._answered(case, caller.subject, "rejected")

    @cases
    def Return(self, request, context, caller: Principal):
        case_id, reasons = _case_id(request.case_id), _field_reasons(request.reasons)
        case = self._acting(self._worklist().return_for_correction, case_id, caller.subject, reasons)
        return self._answered(case, caller.subject, "returned")
