"""The web's one port to the suite: the coordinator's Applications API over grpc.aio, with the
caller's bearer token on every call. gRPC failures become the web's own errors here, at the edge,
so pages dispatch on types; their details (which may name a person) are never logged."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import AsyncIterator, Mapping, Protocol

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2, status_pb2

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc

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
    grpc.StatusCode.RESOURCE_EXHAUSTED: Unavailable,
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
    log.info("Applications/%s answered %s", method, code.name)
    kind = _ERRORS.get(code, ApiFailed)
    return kind(error.details() or "", field_violations(error.trailing_metadata()))


class ApplicationsPort(Protocol):
    async def list_bundles(self, token: str) -> list[pb.BundleSummary]: ...

    async def get_form(self, bundle: str, token: str) -> pb.Form: ...

    async def submit(self, bundle: str, values: Mapping[str, str], idempotency_key: str, token: str) -> str: ...

    async def get(self, application_id: str, token: str) -> pb.Application: ...

    def watch(self, application_id: str, token: str) -> AsyncIterator[pb.ApplicationEvent]: ...


class GrpcApplications:
    """ApplicationsPort over one grpc.aio channel to the coordinator."""

    def __init__(self, channel: grpc.aio.Channel):
        self.stub = pb_grpc.ApplicationsStub(channel)

    @staticmethod
    def _metadata(token: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {token}"),) if token else ()

    async def _unary(self, method: str, request, token: str):
        try:
            return await getattr(self.stub, method)(request, metadata=self._metadata(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as err:
            raise api_error(method, err) from None

    async def list_bundles(self, token: str) -> list[pb.BundleSummary]:
        return list((await self._unary("ListBundles", pb.ListBundlesRequest(), token)).bundles)

    async def get_form(self, bundle: str, token: str) -> pb.Form:
        return await self._unary("GetForm", pb.GetFormRequest(bundle=bundle), token)

    async def submit(self, bundle: str, values: Mapping[str, str], idempotency_key: str, token: str) -> str:
        form = struct_pb2.Struct()
        form.update(dict(values))
        request = pb.SubmitRequest(bundle=bundle, form=form, idempotency_key=idempotency_key)
        return (await self._unary("Submit", request, token)).application_id

    async def get(self, application_id: str, token: str) -> pb.Application:
        return await self._unary("Get", pb.GetRequest(application_id=application_id), token)

    async def watch(self, application_id: str, token: str) -> AsyncIterator[pb.ApplicationEvent]:
        call = self.stub.Watch(pb.WatchRequest(application_id=application_id), metadata=self._metadata(token))
        try:
            async for event in call:
                yield event
        except grpc.aio.AioRpcError as err:
            raise api_error("Watch", err) from None
        finally:
            call.cancel()  # the browser went away: stop the stream on the coordinator too
