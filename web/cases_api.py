"""The web's port to the departments' officers' worklists (lifeevents.departments.v1.Cases, each on
its department's gRPC port; the addresses from the web's settings): one grpc.aio channel per
department, opened when first used, every call with the officer's own token. Failures become the
web's errors (web/api.py) as for the coordinator's APIs."""
from __future__ import annotations

from typing import Mapping, Protocol

import grpc

from lifeevents.departments.v1 import cases_pb2 as pb
from lifeevents.departments.v1 import cases_pb2_grpc as pb_grpc
from web.api import GrpcPort, NotFound


class CasesPort(Protocol):
    async def list(self, department: str, token: str, page_size: int, page_token: str = "") -> pb.ListCasesResponse: ...

    async def claim(self, department: str, case_id: str, token: str) -> pb.Case: ...

    async def approve(self, department: str, case_id: str, token: str) -> pb.Case: ...

    async def reject(self, department: str, case_id: str, reason: str, token: str) -> pb.Case: ...

    async def return_for_correction(self, department: str, case_id: str, reasons: Mapping[str, str],
                                    token: str) -> pb.Case: ...


class _DepartmentCases(GrpcPort):
    service = "Cases"


class GrpcCases:
    """CasesPort over a channel per department (plain gRPC: the departments listen on loopback)."""

    def __init__(self, addresses: Mapping[str, str]):
        self.addresses = dict(addresses)
        self._channels: dict[str, grpc.aio.Channel] = {}

    def _port(self, department: str) -> _DepartmentCases:
        if department not in self.addresses:
            raise NotFound(f"no worklist for {department!r}")
        if department not in self._channels:
            self._channels[department] = grpc.aio.insecure_channel(self.addresses[department])
        return _DepartmentCases(pb_grpc.CasesStub(self._channels[department]))

    async def list(self, department: str, token: str, page_size: int, page_token: str = "") -> pb.ListCasesResponse:
        request = pb.ListCasesRequest(page_size=page_size, page_token=page_token)
        return await self._port(department)._unary("List", request, token)

    async def claim(self, department: str, case_id: str, token: str) -> pb.Case:
        return await self._port(department)._unary("Claim", pb.CaseRequest(case_id=case_id), token)

    async def approve(self, department: str, case_id: str, token: str) -> pb.Case:
        return await self._port(department)._unary("Approve", pb.CaseRequest(case_id=case_id), token)

    async def reject(self, department: str, case_id: str, reason: str, token: str) -> pb.Case:
        return await self._port(department)._unary("Reject", pb.RejectRequest(case_id=case_id, reason=reason), token)

    async def return_for_correction(self, department: str, case_id: str, reasons: Mapping[str, str],
                                    token: str) -> pb.Case:
        request = pb.ReturnRequest(case_id=case_id, reasons=[pb.FieldReason(input=name, reason=why)
                                                             for name, why in reasons.items()])
        return await self._port(department)._unary("Return", request, token)

    async def close(self) -> None:
        for connection in self._channels.values():
            await connection.close(grace=1)
        self._channels.clear()
