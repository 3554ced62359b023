"""A department's gRPC query side (nameko-grpc): register records as messages, and the generic
`Lookup.Find` every department answers from its domain's lookups (materials reuse).

The query ports answer only the suite's own services: every call carries `authorization: Bearer
<token>` of role `service` (the coordinator's credential), checked before a worker starts; anyone
else is UNAUTHENTICATED (no or a bad token) or PERMISSION_DENIED (another role). A method may name
other roles (a hospital records a birth; operators run a scan): `ServiceGrpc.implementing(stub,
roles=...)`. A record that is
not held is an expected answer (NOT_FOUND), logged in one masked line, never with a traceback.
"""
from __future__ import annotations

import logging
import threading

from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc import StatusCode
from nameko import config
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.identity import IdentitySettings, Principal, Role, TokenVerifier, Unauthenticated
from services.common import settings
from services.common.domain import InvalidFields, UnknownQuery

log = logging.getLogger(__name__)
_verifier: TokenVerifier | None = None
_verifier_lock = threading.Lock()


def identity() -> IdentitySettings:
    """This department's identity settings, from the nameko config (services/common/settings.py)."""
    return IdentitySettings.from_environment(config[settings.DATA_DIR], config.get(settings.IDENTITY, {}))


def verifier() -> TokenVerifier:
    global _verifier
    with _verifier_lock:
        if _verifier is None:
            _verifier = identity().verifier()
        return _verifier


def caller_of(metadata) -> Principal:
    """The verified caller of a call; Unauthenticated without a good bearer token."""
    values = [value for key, value in metadata or () if key == "authorization"]
    scheme, _, token = (values[0] if len(values) == 1 else "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a credential is required: metadata 'authorization: Bearer <token>'")
    return verifier().verify(token.strip())


def check_service_caller(metadata, roles: tuple[Role, ...] = (Role.SERVICE,)) -> None:
    """Unauthenticated, or a GrpcError PERMISSION_DENIED, unless the call carries a token of these roles."""
    if caller_of(metadata).role not in roles:
        whom = "the suite's services" if roles == (Role.SERVICE,) else " or ".join(r.value for r in roles)
        raise GrpcError(code=StatusCode.PERMISSION_DENIED, message=f"this register answers {whom} only")


def invalid_fields(err: InvalidFields) -> GrpcError:
    """INVALID_ARGUMENT with a google.rpc.BadRequest naming each field, as the coordinator answers."""
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(err)[:500])
    status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f, description=d[:500]) for f, d in err.violations]))
    return GrpcError(code=StatusCode.INVALID_ARGUMENT, message=status.message, status=status)


class ServiceGrpc(Grpc):
    """A query entrypoint for the suite's services only (or the roles it names); a refused call never
    reaches a worker."""

    def __init__(self, stub, roles: tuple[Role, ...] = (Role.SERVICE,), **kwargs):
        super().__init__(stub, **kwargs)
        self.roles = roles

    @classmethod
    def implementing(cls, stub, roles: tuple[Role, ...] = (Role.SERVICE,)):
        return cls.decorator(stub, expected_exceptions=GrpcError, roles=roles)

    def handle_request(self, request_stream, response_stream):
        try:
            check_service_caller(request_stream.headers.for_application, self.roles)
        except Unauthenticated as err:
            response_stream.close(GrpcError(code=StatusCode.UNAUTHENTICATED, message=str(err)))
            return
        except GrpcError as err:
            response_stream.close(err)
            return
        super().handle_request(request_stream, response_stream)


def as_message(record: dict | None, message_cls, what: str):
    """A register record as a query API message, or NOT_FOUND naming what was looked for."""
    if record is None:
        raise GrpcError(code=StatusCode.NOT_FOUND, message=f"no {what}")
    return json_format.ParseDict(record, message_cls(), ignore_unknown_fields=True)


class AnswersLookups:
    """Base of a department service: serves `Lookup.Find` from the lookups of its `department`
    (the DepartmentRegister the service declares)."""

    @ServiceGrpc.implementing(lookup_pb2_grpc.LookupStub)
    def Find(self, request, context):
        if not request.query:  # a ping (the coordinator's readiness): the department answers
            return lookup_pb2.LookupResponse()
        try:
            values = self.department.lookup(request.query, request.key)
        except UnknownQuery as err:
            raise GrpcError(code=StatusCode.INVALID_ARGUMENT, message=str(err))
        if values is None:
            raise GrpcError(code=StatusCode.NOT_FOUND, message=f"nothing held for that {request.query} key")
        return lookup_pb2.LookupResponse(values=values)
