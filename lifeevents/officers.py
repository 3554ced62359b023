"""A thin client of a department's officers' worklist (lifeevents.departments.v1.Cases), for the
command line (`lifeevents officer ...`), scripts, the demo and the tests: every call carries the
officer's bearer token (role officer, department = the worklist's department)."""
from __future__ import annotations

import time
from typing import Mapping

from lifeevents.client import channel
from lifeevents.departments.v1 import cases_pb2 as pb
from lifeevents.departments.v1 import cases_pb2_grpc as pb_grpc
from lifeevents.endpoints import grpc_address


class OfficerClient:
    def __init__(self, department: str, token: str, address: str = "", timeout: float = 10):
        self.department, self.timeout = department, timeout
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = channel(address or grpc_address(department))
        self.stub = pb_grpc.CasesStub(self.channel)

    def _call(self, method: str, request):
        return getattr(self.stub, method)(request, metadata=self.metadata, timeout=self.timeout)

    def cases(self, page_size: int = 0, page_token: str = "") -> pb.ListCasesResponse:
        return self._call("List", pb.ListCasesRequest(page_size=page_size, page_token=page_token))

    def claim(self, case_id: str) -> pb.Case:
        return self._call("Claim", pb.CaseRequest(case_id=case_id))

    def approve(self, case_id: str) -> pb.Case:
        return self._call("Approve", pb.CaseRequest(case_id=case_id))

    def reject(self, case_id: str, reason: str) -> pb.Case:
        return self._call("Reject", pb.RejectRequest(case_id=case_id, reason=reason))

    def return_for_correction(self, case_id: str, reasons: Mapping[str, str]) -> pb.Case:
        return self._call("Return", pb.ReturnRequest(case_id=case_id, reasons=[
            pb.FieldReason(input=name, reason=why) for name, why in reasons.items()]))

    def case_of(self, application_id: str, step: str = "", timeout: float = 20, interval: float = 0.05) -> pb.Case:
        """The open case of an application's step, once it is in the worklist (a department opens it when
        the command arrives); LookupError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            token = ""
            while True:
                page = self.cases(page_size=100, page_token=token)
                for case in page.cases:
                    if case.application_id == application_id and (not step or case.step == step):
                        return case
                token = page.next_page_token
                if not token:
                    break
            if time.monotonic() >= deadline:
                raise LookupError(f"no open case of {application_id} in {self.department}'s worklist")
            time.sleep(interval)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "OfficerClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

