"""A thin client of the applicant API (lifeevents.v1.Applications), for scripts, benchmarks and
tests: a form goes in as a dict, the answers are the protobuf messages of the API. Every call
carries the caller's bearer token (`lifeevents token --as <resident ID>` makes one for a local suite).
"""
from __future__ import annotations

import datetime as dt
import os

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc
from lifeevents.v1 import commitments_pb2, commitments_pb2_grpc


def channel(address: str, root_certificates: bytes | None = None) -> grpc.Channel:
    """A channel to the coordinator: TLS when given the certificate(s) to trust, or when
    LIFEEVENTS_TLS_CA names a PEM file of them; plain gRPC otherwise (a local suite on loopback)."""
    if root_certificates is None and os.environ.get("LIFEEVENTS_TLS_CA"):
        with open(os.environ["LIFEEVENTS_TLS_CA"], "rb") as pem:
            root_certificates = pem.read()
    if root_certificates:
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates))
    return grpc.insecure_channel(address)


class ApplicantClient:
    def __init__(self, address: str, token: str = "", timeout: float = 10, root_certificates: bytes | None = None):
        self.address, self.timeout = address, timeout
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.channel = channel(address, root_certificates)
        self.stub = pb_grpc.ApplicationsStub(self.channel)

    def _call(self, method: str, request, timeout: float | None = None):
        return getattr(self.stub, method)(request, metadata=self.metadata, timeout=timeout or self.timeout)

    def submit(self, form: dict, bundle: str = "newborn", idempotency_key: str = "") -> str:
        struct = struct_pb2.Struct()
        struct.update(form)
        request = pb.SubmitRequest(bundle=bundle, form=struct, idempotency_key=idempotency_key)
        return self._call("Submit", request).application_id

    def get(self, application_id: str) -> pb.Application:
        return self._call("Get", pb.GetRequest(application_id=application_id))

    def watch(self, application_id: str, timeout: float = 60) -> list[pb.ApplicationEvent]:
        """Every event of the application, until it is terminal."""
        return list(self.stub.Watch(pb.WatchRequest(application_id=application_id), metadata=self.metadata,
                                    timeout=timeout))

    def settle(self, application_id: str, timeout: float = 60) -> pb.Application:
        """Watch until the application is terminal, then return it."""
        self.watch(application_id, timeout)
        return self.get(application_id)

    def record_finding(self, application_id: str, commitment: str, holds: bool,
                       finding: str) -> commitments_pb2.Commitment:
        """An officer's finding on a commitment (lifeevents.v1.Commitments/RecordFinding)."""
        request = commitments_pb2.RecordFindingRequest(application_id=application_id, commitment=commitment,
                                                       holds=holds, finding=finding)
        return commitments_pb2_grpc.CommitmentsStub(self.channel).RecordFinding(request, metadata=self.metadata,
                                                                                 timeout=self.timeout)

    def object(self, application_id: str, reason: str, objector_role: str = "", objector: str = "") -> pb.Application:
        request = pb.ObjectRequest(application_id=application_id, objector=objector, reason=reason,
                                   objector_role=objector_role)
        return self._call("Object", request)

    def grant_delegation(self, agent: str, bundle: str, until: dt.datetime) -> pb.Delegation:
        request = pb.GrantDelegationRequest(agent=agent, bundle=bundle)
        request.until.FromDatetime(until)
        return self._call("GrantDelegation", request)

    def revoke_delegation(self, agent: str, bundle: str) -> pb.Delegation:
        return self._call("RevokeDelegation", pb.RevokeDelegationRequest(agent=agent, bundle=bundle))

    def delegations(self) -> list[pb.Delegation]:
        return list(self._call("ListDelegations", pb.ListDelegationsRequest()).delegations)

    def mine(self, page_size: int = 0, page_token: str = "") -> pb.ListMineResponse:
        return self._call("ListMine", pb.ListMineRequest(page_size=page_size, page_token=page_token))

    def confirm(self, application_id: str, form: dict) -> pb.Application:
        """Confirm an offer with the items it still asks for."""
        struct = struct_pb2.Struct()
        struct.update(form)
        return self._call("Confirm", pb.ConfirmRequest(application_id=application_id, form=struct))

    def supplement(self, application_id: str, form: dict) -> pb.Application:
        """Send what the application awaits: a promised material, a correction."""
        struct = struct_pb2.Struct()
        struct.update(form)
        return self._call("Supplement", pb.SupplementRequest(application_id=application_id, form=struct))

    def decline(self, application_id: str, reason: str = "") -> pb.Application:
        return self._call("Decline", pb.DeclineRequest(application_id=application_id, reason=reason))

    def set_language(self, language: str) -> pb.Preferences:
        return self._call("SetPreferences", pb.SetPreferencesRequest(language=language))

    def data_access(self, page_size: int = 0, page_token: str = "") -> pb.ListDataAccessResponse:
        return self._call("ListDataAccess", pb.ListDataAccessRequest(page_size=page_size, page_token=page_token))

    def withdraw(self, application_id: str, reason: str) -> pb.Application:
        return self._call("Withdraw", pb.WithdrawRequest(application_id=application_id, reason=reason))

    def rate(self, application_id: str, level: str, comment: str = "", steps: dict[str, str] | None = None) -> pb.Rating:
        """Rate an ended application: a RatingLevel name for the bundle, and for steps if given."""
        rated = [pb.StepRating(step=s, level=pb.RatingLevel.Value(v)) for s, v in (steps or {}).items()]
        return self._call("Rate", pb.RateRequest(application_id=application_id, level=pb.RatingLevel.Value(level),
                                                 comment=comment, steps=rated))

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
