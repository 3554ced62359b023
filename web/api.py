"""The web's ports to the suite: the coordinator's Applications API (here) and Operations API
(web/operations_api.py) over grpc.aio, with the caller's bearer token on every call. gRPC failures
become the web's own errors here, at the edge, so pages dispatch on types; their details (which may
name a person) are never logged."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import AsyncIterator, Mapping, Protocol

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2, status_pb2

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from web.metrics import api_answers

log = logging.getLogger(__name__)
CALL_TIMEOUT_S = 10
_STATUS_DETAILS = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    field: str          # as the API names it: form.<name>, bundle, application_id
    description: str
    reason: str = ""    # a machine-readable code, when the API gives one


class ApiError(Exception):
    """The API refused or failed; `message` is the API's text, for the person who made the call."""

    def __init__(self, message: str = "", violations: tuple[FieldViolation, ...] = ()):
        super().__init__(message)
        self.message = message
        self.violations = violations


class NotFound(ApiError):
    pass


class SignInNeeded(ApiError):
    """UNAUTHENTICATED: no token, or one the API does not trust (expired, unknown issuer)."""


class Forbidden(ApiError):
    pass


class InvalidFields(ApiError):
    pass


class Conflict(ApiError):
    """FAILED_PRECONDITION and the like: the request is fine but not now, in this state."""


class Unavailable(ApiError):
    pass


class TooManyStreams(Unavailable):
    """RESOURCE_EXHAUSTED: the caller (the token's subject) holds as many Watch streams as the
    coordinator allows one caller; closing another live page frees one."""


class ApiFailed(ApiError):
    pass


_ERRORS: dict[grpc.StatusCode, type[ApiError]] = {
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAUTHENTICATED: SignInNeeded,
    grpc.StatusCode.PERMISSION_DENIED: Forbidden,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidFields,
    grpc.StatusCode.OUT_OF_RANGE: InvalidFields,
    grpc.StatusCode.FAILED_PRECONDITION: Conflict,
    grpc.StatusCode.ALREADY_EXISTS: Conflict,
    grpc.StatusCode.ABORTED: Conflict,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: TooManyStreams,
}


def field_violations(trailing_metadata) -> tuple[FieldViolation, ...]:
    """The google.rpc.BadRequest field violations carried in a call's trailing metadata."""
    violations: list[FieldViolation] = []
    for key, value in trailing_metadata or ():
        if key != _STATUS_DETAILS:
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            request = error_details_pb2.BadRequest()
            if detail.Unpack(request):
                violations.extend(FieldViolation(v.field, v.description, getattr(v, "reason", ""))
                                  for v in request.field_violations)
    return tuple(violations)


def api_error(method: str, error: grpc.aio.AioRpcError) -> ApiError:
    code = error.code()
    log.info("%s answered %s", method, code.name)
    api_answers.labels(method, code.name).inc()
    kind = _ERRORS.get(code, ApiFailed)
    return kind(error.details() or "", field_violations(error.trailing_metadata()))


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


def channel(address: str, root_certificates: bytes | None) -> grpc.aio.Channel:
    """The one channel to the coordinator: TLS trusting these certificates when given, plain otherwise."""
    if root_certificates:
        return grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(root_certificates))
    return grpc.aio.insecure_channel(address)


class GrpcPort:
    """What both ports share: a unary call with the caller's token, its failure as the web's error."""

    service = ""

    def __init__(self, stub):
        self.stub = stub

    async def _unary(self, method: str, request, token: str):
        try:
            answer = await getattr(self.stub, method)(request, metadata=bearer(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as err:
            raise api_error(f"{self.service}/{method}", err) from None
        api_answers.labels(f"{self.service}/{method}", "OK").inc()
        return answer


class ApplicationsPort(Protocol):
    async def list_bundles(self, token: str) -> list[pb.BundleSummary]: ...

    async def get_form(self, bundle: str, token: str) -> pb.Form: ...

    async def submit(self, bundle: str, values: Mapping[str, str], idempotency_key: str, token: str) -> str: ...

    async def get(self, application_id: str, token: str) -> pb.Application: ...

    def watch(self, application_id: str, token: str) -> AsyncIterator[pb.ApplicationEvent]: ...

    async def list_mine(self, token: str, page_size: int, page_token: str = "") -> pb.ListMineResponse: ...

    async def list_data_access(self, token: str, page_size: int, page_token: str = "") -> pb.ListDataAccessResponse: ...

    async def list_delegations(self, token: str) -> list[pb.Delegation]: ...

    async def grant_delegation(self, agent: str, bundle: str, until: dt.datetime, token: str) -> pb.Delegation: ...

    async def revoke_delegation(self, agent: str, bundle: str, token: str) -> pb.Delegation: ...

    async def confirm(self, application_id: str, values: Mapping[str, str], token: str) -> pb.Application: ...

    async def decline(self, application_id: str, reason: str, token: str) -> pb.Application: ...

    async def supplement(self, application_id: str, values: Mapping[str, str], token: str) -> pb.Application: ...

    async def withdraw(self, application_id: str, reason: str, token: str) -> pb.Application: ...

    async def rate(self, application_id: str, level: int, comment: str, token: str) -> pb.Rating: ...


class GrpcApplications(GrpcPort):
    """ApplicationsPort over one grpc.aio channel to the coordinator."""

    service = "Applications"

    def __init__(self, channel: grpc.aio.Channel):
        super().__init__(pb_grpc.ApplicationsStub(channel))

    async def list_bundles(self, token: str) -> list[pb.BundleSummary]:
        return list((await self._unary("ListBundles", pb.ListBundlesRequest(), token)).bundles)

    async def get_form(self, bundle: str, token: str) -> pb.Form:
        return await self._unary("GetForm", pb.GetFormRequest(bundle=bundle), token)

    async def submit(self, bundle: str, values: Mapping[str, str], idempotency_key: str, token: str) -> str:
        request = pb.SubmitRequest(bundle=bundle, form=_struct(values), idempotency_key=idempotency_key)
        return (await self._unary("Submit", request, token)).application_id

    async def get(self, application_id: str, token: str) -> pb.Application:
        return await self._unary("Get", pb.GetRequest(application_id=application_id), token)

    async def watch(self, application_id: str, token: str) -> AsyncIterator[pb.ApplicationEvent]:
        call = self.stub.Watch(pb.WatchRequest(application_id=application_id), metadata=bearer(token))
        try:
            async for event in call:
                yield event
        except grpc.aio.AioRpcError as err:
            raise api_error("Applications/Watch", err) from None
        finally:
            call.cancel()  # the browser went away: stop the stream on the coordinator too

    async def list_mine(self, token: str, page_size: int, page_token: str = "") -> pb.ListMineResponse:
        return await self._unary("ListMine", pb.ListMineRequest(page_size=page_size, page_token=page_token), token)

    async def list_data_access(self, token: str, page_size: int, page_token: str = "") -> pb.ListDataAccessResponse:
        request = pb.ListDataAccessRequest(page_size=page_size, page_token=page_token)
        return await self._unary("ListDataAccess", request, token)

    async def list_delegations(self, token: str) -> list[pb.Delegation]:
        return list((await self._unary("ListDelegations", pb.ListDelegationsRequest(), token)).delegations)

    async def grant_delegation(self, agent: str, bundle: str, until: dt.datetime, token: str) -> pb.Delegation:
        request = pb.GrantDelegationRequest(agent=agent, bundle=bundle)
        request.until.FromDatetime(until)
        return await self._unary("GrantDelegation", request, token)

    async def revoke_delegation(self, agent: str, bundle: str, token: str) -> pb.Delegation:
        return await self._unary("RevokeDelegation", pb.RevokeDelegationRequest(agent=agent, bundle=bundle), token)

    async def confirm(self, application_id: str, values: Mapping[str, str], token: str) -> pb.Application:
        return await self._unary("Confirm", pb.ConfirmRequest(application_id=application_id, form=_struct(values)),
                                 token)

    async def decline(self, application_id: str, reason: str, token: str) -> pb.Application:
        return await self._unary("Decline", pb.DeclineRequest(application_id=application_id, reason=reason), token)

    async def supplement(self, application_id: str, values: Mapping[str, str], token: str) -> pb.Application:
        request = pb.SupplementRequest(application_id=application_id, form=_struct(values))
        return await self._unary("Supplement", request, token)

    async def withdraw(self, application_id: str, reason: str, token: str) -> pb.Application:
        return await self._unary("Withdraw", pb.WithdrawRequest(application_id=application_id, reason=reason), token)

    async def rate(self, application_id: str, level: int, comment: str, token: str) -> pb.Rating:
        request = pb.RateRequest(application_id=application_id, level=level, comment=comment)
        return await self._unary("Rate", request, token)


def _struct(values: Mapping[str, str]) -> struct_pb2.Struct:
    form = struct_pb2.Struct()
    form.update(dict(values))
    return form
