"""A department's gRPC query side (nameko-grpc): register records as messages, and the generic
`Lookup.Find` every department answers from its domain's lookups (materials reuse)."""
from __future__ import annotations

from google.protobuf import json_format
from grpc import StatusCode
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from services.common.domain import UnknownQuery


def as_message(record: dict | None, message_cls, what: str):
    """A register record as a query API message, or NOT_FOUND naming what was looked for."""
    if record is None:
        raise GrpcError(code=StatusCode.NOT_FOUND, message=f"no {what}")
    return json_format.ParseDict(record, message_cls(), ignore_unknown_fields=True)


class AnswersLookups:
    """Base of a department service: serves `Lookup.Find` from the lookups of its `department`
    (the DepartmentRegister the service declares)."""

    @Grpc.implementing(lookup_pb2_grpc.LookupStub)
    def Find(self, request, context):
        if not request.query:  # a ping (the coordinator's readiness): the department answers
            return lookup_pb2.LookupResponse()
        try:
            values = self.department.lookup(request.query, request.key)
        except UnknownQuery as err:
            raise GrpcError(code=StatusCode.INVALID_ARGUMENT, message=str(err))
        if values is None:
            raise GrpcError(code=StatusCode.NOT_FOUND, message=f"nothing for {request.key!r}")
        return lookup_pb2.LookupResponse(values=values)
