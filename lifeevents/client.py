"""A thin client of the applicant API (lifeevents.v1.Applications), for scripts, benchmarks and
tests: a form goes in as a dict, the answers are the protobuf messages of the API."""
from __future__ import annotations

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc


class ApplicantClient:
    def __init__(self, address: str, timeout: float = 10):
        self.address, self.timeout = address, timeout
        self.channel = grpc.insecure_channel(address)
        self.stub = pb_grpc.ApplicationsStub(self.channel)

    def submit(self, form: dict, bundle: str = "newborn", idempotency_key: str = "") -> str:
        struct = struct_pb2.Struct()
        struct.update(form)
        request = pb.SubmitRequest(bundle=bundle, form=struct, idempotency_key=idempotency_key)
        return self.stub.Submit(request, timeout=self.timeout).application_id

    def get(self, application_id: str) -> pb.Application:
        return self.stub.Get(pb.GetRequest(application_id=application_id), timeout=self.timeout)

    def watch(self, application_id: str, timeout: float = 60) -> list[pb.ApplicationEvent]:
        """Every event of the application, until it is terminal."""
        return list(self.stub.Watch(pb.WatchRequest(application_id=application_id), timeout=timeout))

    def settle(self, application_id: str, timeout: float = 60) -> pb.Application:
        """Watch until the application is terminal, then return it."""
        self.watch(application_id, timeout)
        return self.get(application_id)

    def object(self, application_id: str, objector: str, reason: str, objector_role: str = "") -> pb.Application:
        request = pb.ObjectRequest(application_id=application_id, objector=objector, reason=reason,
                                   objector_role=objector_role)
        return self.stub.Object(request, timeout=self.timeout)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "ApplicantClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def bad_request_fields(error: grpc.RpcError) -> dict[str, str]:
    """The field violations of a google.rpc.BadRequest carried in a gRPC error: field -> description."""
    status = rpc_status.from_call(error)
    violations = {}
    for detail in status.details if status else ():
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            violations.update({v.field: v.description for v in request.field_violations})
    return violations
