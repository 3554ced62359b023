"""A thin client of the front desk (lifeevents.v1.FrontDesk, served by the coordinator), for the
command line (`lifeevents frontdesk ...`), the demo and the tests: every call carries the token of an
officer of the front desk (role officer, department front_desk)."""
from __future__ import annotations

from typing import Mapping

from lifeevents.client import channel
from lifeevents.v1 import applications_pb2
from lifeevents.v1 import front_desk_pb2 as pb
from lifeevents.v1 import front_desk_pb2_grpc as pb_grpc


class FrontDeskClient:
    def __init__(self, address: str, token: str, timeout: float = 10):
        self.timeout = timeout
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = channel(address)
        self.stub = pb_grpc.FrontDeskStub(self.channel)

    def _call(self, method: str, request):
        return getattr(self.stub, method)(request, metadata=self.metadata, timeout=self.timeout)

    def queue(self, bundle: str = "", page_size: int = 0, page_token: str = "") -> pb.ListQueueResponse:
        return self._call("ListQueue", pb.ListQueueRequest(bundle=bundle, page_size=page_size, page_token=page_token))

    def accept(self, application_id: str) -> applications_pb2.Application:
        return self._call("Accept", pb.AcceptRequest(application_id=application_id))

    def return_for_correction(self, application_id: str, reasons: Mapping[str, str]) -> applications_pb2.Application:
        return self._call("Return", pb.ReturnRequest(application_id=application_id, reasons=dict(reasons)))

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "FrontDeskClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
